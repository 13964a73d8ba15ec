# Client TLS contexts for http_client, on MicroPython (tls/ssl over mbedTLS) and CPython.
import sys


def der(cadata):
    """MicroPython's mbedTLS builds take one DER certificate: the first PEM block, decoded
    (DER bytes pass through)."""
    if isinstance(cadata, str):
        cadata = cadata.encode()
    start = cadata.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        return cadata
    end = cadata.find(b"-----END", start + 27)
    if end < 0:
        raise ValueError("CA data: unterminated PEM block")
    import binascii

    return binascii.a2b_base64(cadata[start + 27 : end].replace(b"\n", b"").replace(b"\r", b""))


def context(cadata=None):
    """A client TLS context. With cadata (a PEM text/bytes or DER bytes CA certificate) the
    server certificate must chain to it; MicroPython takes only the first certificate.
    Without cadata: CPython checks against the system store, MicroPython does not check
    at all (the ESP ports have no CA store)."""
    if sys.implementation.name == "micropython":
        try:
            import tls
        except ImportError:  # firmware before 1.23
            import ssl as tls
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        if cadata:
            ctx.verify_mode = tls.CERT_REQUIRED
            ctx.load_verify_locations(der(cadata))  # tls.SSLContext: positional only
        else:
            ctx.verify_mode = tls.CERT_NONE
        return ctx
    import ssl

    if isinstance(cadata, bytes) and cadata.lstrip().startswith(b"-----"):
        cadata = cadata.decode()
    return ssl.create_default_context(cadata=cadata or None)
