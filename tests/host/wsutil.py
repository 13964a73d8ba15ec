"""Test servers for the WebSocket client: a `websockets` server and a raw one that can lie."""

import asyncio
import base64
import contextlib
import datetime
import hashlib
import re
import struct

from websockets.asyncio.server import serve

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def run(coro, timeout=90):
    """Run a test scenario with a hang guard."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@contextlib.asynccontextmanager
async def ws_server(handler, ssl=None, **kw):
    """A `websockets` server on 127.0.0.1, ephemeral port; yields its ws:// (wss://) URL."""
    kw.setdefault("ping_interval", None)
    async with serve(handler, "127.0.0.1", 0, ssl=ssl, **kw) as server:
        port = server.sockets[0].getsockname()[1]
        yield "%s://127.0.0.1:%d/" % ("wss" if ssl else "ws", port)


@contextlib.asynccontextmanager
async def raw_server(handler):
    """A plain TCP server; handler(reader, writer) speaks whatever bytes it likes."""
    writers = []

    async def cb(r, w):
        writers.append(w)
        try:
            await handler(r, w)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        w.close()

    server = await asyncio.start_server(cb, "127.0.0.1", 0)
    try:
        yield "ws://127.0.0.1:%d/" % server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for w in writers:
            w.transport.abort()


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


async def raw_handshake(reader, writer, accept=None, status=b"101 Switching Protocols"):
    req = await reader.readuntil(b"\r\n\r\n")
    key = re.search(rb"(?i)sec-websocket-key: *(\S+)", req).group(1)
    writer.write(b"HTTP/1.1 " + status + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + (accept or accept_for(key)) + b"\r\n\r\n")
    await writer.drain()
    return req


def frame(op, payload=b"", fin=True, rsv=0, mask=None, length=None):
    """A server frame (unmasked unless mask is given); length overrides the header only."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv | op
    m = 0x80 if mask else 0
    if n < 126:
        h = struct.pack(">BB", b0, m | n)
    elif n < 65536:
        h = struct.pack(">BBH", b0, m | 126, n)
    else:
        h = struct.pack(">BBQ", b0, m | 127, n)
    if mask:
        payload = bytes(x ^ mask[i & 3] for i, x in enumerate(payload))
        h += mask
    return h + payload


async def read_frame(reader):
    """(fin, opcode, payload) of one client frame, unmasked; asserts the client masked it."""
    b0, b1 = await reader.readexactly(2)
    assert b1 & 0x80, "client frame not masked"
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack(">H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack(">Q", await reader.readexactly(8))
    key = await reader.readexactly(4)
    data = await reader.readexactly(n)
    return bool(b0 & 0x80), b0 & 0x0F, bytes(x ^ key[i & 3] for i, x in enumerate(data))


def pattern(n):
    return bytes((i * 7 + 3) & 0xFF for i in range(n))


def checksum(data):
    s = 0
    for i, x in enumerate(data):
        s = (s + x * (i % 251 + 1)) & 0xFFFFFFF
    return s


def make_certs(tmp_path, name="localhost"):
    """A CA and a server certificate for `name`; returns (ca_pem_path, cert_path, key_path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)

    def build(subject, issuer, pub, signer, ca, san=None):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
             .public_key(pub).serial_number(x509.random_serial_number())
             .not_valid_before(now - day).not_valid_after(now + 30 * day)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return b.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = build(subj, ca_name, key.public_key(), ca_key, False, san=name)
    pem = serialization.Encoding.PEM
    paths = (tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths
