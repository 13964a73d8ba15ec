# The one client TLS setup of the board, for wss:// (net.ws) and https:// (net.http_client),
# on MicroPython (tls, or ssl before 1.23, over mbedTLS) and CPython.
# Certificate policy, the same for both: with cadata the server certificate must chain to that
# CA; without it MicroPython encrypts but cannot check the server (the ESP ports have no CA
# store) and CPython checks against the system store.
import sys


def der(cert):
    """DER bytes of the first certificate in PEM text (str or bytes); DER input is returned
    unchanged. MicroPython's mbedTLS builds take one DER certificate. ValueError: a PEM block
    without its END line."""
    if isinstance(cert, str):
        cert = cert.encode()
    start = cert.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        return cert
    end = cert.find(b"-----END", start + 27)
    if end < 0:
        raise ValueError("PEM certificate without an END line")
    import binascii

    return binascii.a2b_base64(cert[start + 27 : end].replace(b"\r", b"").replace(b"\n", b""))


def context(cadata=None):
    """A client TLS context; pass it as ssl= (connect() sends SNI).

    cadata: a CA certificate, PEM (str or bytes) or DER bytes; the first one is used.
    """
    if cadata:
        cadata = der(cadata)
    if sys.implementation.name == "micropython":
        try:
            import tls
        except ImportError:  # firmware before 1.23
            import ssl as tls
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        if cadata:
            ctx.verify_mode = tls.CERT_REQUIRED
            ctx.load_verify_locations(cadata)  # tls.SSLContext: positional only
        else:
            ctx.verify_mode = tls.CERT_NONE
        return ctx
    import ssl

    return ssl.create_default_context(cadata=cadata or None)
