# TLS client context for wss:// on CPython and MicroPython (mbedTLS takes DER CA data only).
import binascii


def ssl_context(cadata=None):
    """Client TLS context: certificate checked against cadata when given, else unchecked.

    cadata: a CA certificate, PEM (str or bytes) or DER bytes. connect() sends SNI.
    """
    import ssl

    if cadata:
        cadata = der(cadata)
    if hasattr(ssl, "create_default_context"):  # CPython
        if cadata:
            return ssl.create_default_context(cadata=cadata)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cadata:
        ctx.load_verify_locations(cadata=cadata)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def der(cert):
    """DER bytes of the first certificate in PEM text; DER input is returned unchanged."""
    if isinstance(cert, str):
        cert = cert.encode()
    start = cert.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        return cert
    end = cert.find(b"-----END", start)
    if end < 0:
        raise ValueError("PEM certificate without an END line")
    body = cert[start + 27 : end].replace(b"\r", b"").replace(b"\n", b"")
    return binascii.a2b_base64(body)
