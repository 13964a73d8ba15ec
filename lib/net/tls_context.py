# The one client TLS setup of the board, for wss:// (net.ws) and https:// (net.http_client),
# on MicroPython (tls, or ssl before 1.23, over mbedTLS) and CPython.
# Certificate policy, the same for both: with cadata the server certificate must chain to that
# CA; without it MicroPython encrypts but cannot check the server (the ESP ports have no CA
# store) and CPython checks against the system store.
# open_connection() is the one way the board opens a TLS stream: on axTLS (the ESP8266 port)
# asyncio's own TLS does not work (MicroPython issue 7473), see there.
import sys

HANDSHAKE_S = 4  # axTLS: the blocking handshake's socket timeout, under an ESP8266's 5 s WDT


def _tls():
    try:
        import tls
    except ImportError:  # firmware before 1.23
        import ssl as tls
    return tls


def axtls():
    """True on an axTLS build (the ESP8266 port; extmod/modtls_axtls.c): no CA check, and
    asyncio cannot drive its handshake. mbedTLS builds have tls.MBEDTLS_VERSION."""
    return sys.implementation.name == "micropython" and not hasattr(_tls(), "MBEDTLS_VERSION")


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
        tls = _tls()
        if cadata and not hasattr(tls, "CERT_REQUIRED"):
            # axTLS (modtls_axtls.c) knows CERT_NONE only: never pretend to check
            raise ValueError("this firmware's TLS (axTLS) cannot check a server certificate")
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        if cadata:
            ctx.verify_mode = tls.CERT_REQUIRED
            ctx.load_verify_locations(cadata)  # tls.SSLContext: positional only
        else:
            ctx.verify_mode = tls.CERT_NONE
        return ctx
    import ssl

    return ssl.create_default_context(cadata=cadata or None)


async def open_connection(host, port, ctx=None, sni=None):
    """(reader, writer) asyncio streams to host:port; TLS with ctx (a context()), sending
    sni (default host) as the server name. Raises OSError (refused, reset, DNS, TLS).

    mbedTLS and CPython: asyncio's own TLS. axTLS (the ESP8266 port, MicroPython issue
    7473; extmod/modtls_axtls.c): a write before the handshake is done goes out as a plain
    record in the middle of it, and a stream polls the socket, not the bytes axTLS has
    already decrypted into its buffer, so reads stall. Here the TCP connect is asynchronous,
    then the handshake completes before the stream is used (blocking, bounded by
    HANDSHAKE_S: axTLS cannot report a handshake in progress), and reads take what axTLS
    holds before waiting on the socket (_AxtlsStream).
    """
    import asyncio

    if ctx is None:
        return await asyncio.open_connection(host, port)
    if not axtls():
        return await asyncio.open_connection(host, port, ssl=ctx, server_hostname=sni or host)
    r, w = await asyncio.open_connection(host, port)
    s = r.s
    try:
        s.setblocking(True)
        s.settimeout(HANDSHAKE_S)
        ss = ctx.wrap_socket(s, server_hostname=sni or host)
        ss.setblocking(False)
    except BaseException:
        s.close()
        raise
    st = _axtls_stream()(ss)
    return st, st


_stream_class = []


def _axtls_stream():
    # Built on first use: CPython and mbedTLS boards never load asyncio.stream for it.
    if _stream_class:
        return _stream_class[0]
    from asyncio.stream import Stream

    class _AxtlsStream(Stream):
        """A Stream whose reads first take what axTLS has decrypted already, and wait on
        the socket only when nothing is there (Stream polls first, then reads)."""

        async def read(self, n=-1):
            d = self.s.read(n) if n >= 0 else None  # -1: to the end, as Stream does
            return d if d is not None else await Stream.read(self, n)

        async def readinto(self, buf):
            n = self.s.readinto(buf)
            return n if n is not None else await Stream.readinto(self, buf)

        async def readexactly(self, n):
            r = b""
            while n:
                d = await self.read(n)
                if not d:
                    raise EOFError
                r += d
                n -= len(d)
            return r

        async def readline(self):
            line = b""
            while True:
                d = self.s.readline()
                if d is None:
                    d = await Stream.readline(self)
                line += d
                if not d or line[-1] == 10:
                    return line

    _stream_class.append(_AxtlsStream)
    return _AxtlsStream


def reason(e):
    """A connect or TLS failure as one log line: "ValueError: The certificate Common Name
    (CN) does not match with the expected CN" (mbedTLS puts its verify reasons on lines of
    their own, extmod/modtls_mbedtls.c), prefixed "certificate check failed" when it is one."""
    text = " ".join(("%s: %s" % (type(e).__name__, e)).split())
    if "certificate" in text and "failed" not in text:
        text = "certificate check failed: " + text
    return text
