# Which CA certificate a cloud's TLS connection must chain to (config `ca`, tls_verify), read
# from the board's filesystem; loaded by firmware/services.py only for wss:// and https://,
# unloaded with it once the services are built.
def cadata(ctx, name):
    """The CA certificate (bytes) that cloud `name` ("sinric" or "yango") verifies its server
    against; None when the URL is plain ws/http or verification is off (tls_verify false, or
    a chip whose TLS cannot verify: the ESP8266's axTLS); False when verification is wanted but
    the CA file is missing (logged once: that cloud is not started, since no retry can fix it).
    The file is `ca` in the cloud's config, by default ca/<host>.pem (tools/ca_cert.py)."""
    from net.tls_context import axtls
    from net.url import parse_url

    s = ctx.config[name]
    tls, host, _, _ = parse_url(s["url"], "ws" if name == "sinric" else "http")
    if not tls:
        return None
    if axtls():  # the ESP8266 (config.chip_fit refuses TLS there: it does not fit either)
        ctx.log("%s: TLS without certificate check: axTLS cannot verify %s" % (name, host))
        return None
    if not s["tls_verify"]:
        ctx.log("%s: TLS without certificate check (tls_verify is false)" % name)
        return None
    path = s.get("ca") or "ca/%s.pem" % host
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        ctx.log('%s: not started: no CA file %s to verify %s (make ca HOST=%s, then make '
                'deploy; or set "tls_verify": false)' % (name, path, host, host))
        return False
