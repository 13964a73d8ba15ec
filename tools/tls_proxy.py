"""A TLS front for the plain doubles (host-only): wss:// and https:// on 127.0.0.1 with a
throwaway CA, forwarding the decrypted bytes to a plain backend port.

RSA keys and TLS 1.2 suites with RSA key exchange are offered besides the modern ones:
axTLS (the ESP8266 port's TLS, lib/axtls) knows only those; mbedTLS picks ECDHE.

    with TlsProxy(backend_port) as p:       # p.port: the TLS port; p.ca_pem: the CA (PEM)
        ...
"""
import asyncio
import datetime
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CIPHERS = "ECDHE+AESGCM:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA"


def make_rsa_certs(directory, hostname="localhost"):
    """A throwaway CA and a server certificate for hostname and 127.0.0.1 (RSA 2048, valid
    for 3 days) written as ca.pem, cert.pem, key.pem in directory; returns their paths."""
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "throwaway test ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - day).not_valid_after(now + 3 * day)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    san = x509.SubjectAlternativeName([x509.DNSName(hostname),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - day).not_valid_after(now + 3 * day)
            .add_extension(san, critical=False).sign(ca_key, hashes.SHA256()))
    d = Path(directory)
    paths = {n: d / (n + ".pem") for n in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


class TlsProxy:
    """TLS on 127.0.0.1:<port> (chosen by the OS) in a background thread; every connection is
    forwarded to 127.0.0.1:backend_port. certs: make_rsa_certs() paths (made when None).
    accepted: how many TLS handshakes completed."""

    def __init__(self, backend_port, certs=None):
        self.backend_port = backend_port
        self._tmp = None
        if certs is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tlsproxy-")
            certs = make_rsa_certs(self._tmp.name)
        self.certs = certs
        self.ca_pem = Path(certs["ca"]).read_text()
        self.port = None
        self.accepted = 0
        self._loop = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the TLS proxy did not start")
        return self

    def stop(self):
        if self._loop:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)
        if self._tmp:
            self._tmp.cleanup()

    def _run(self):
        asyncio.run(self._main())

    async def _main(self):
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.certs["cert"]), str(self.certs["key"]))
        ctx.set_ciphers(CIPHERS)
        srv = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=ctx)
        self.port = srv.sockets[0].getsockname()[1]
        self._ready.set()
        async with srv:
            await self._stop.wait()

    async def _handle(self, r, w):
        self.accepted += 1
        try:
            br, bw = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            w.close()
            return

        async def pipe(src, dst):
            try:
                while True:
                    data = await src.read(4096)
                    if not data:
                        break
                    dst.write(data)
                    await dst.drain()
            except (OSError, ssl.SSLError):
                pass
            finally:
                try:
                    dst.close()
                except (OSError, RuntimeError):
                    pass

        await asyncio.gather(pipe(r, bw), pipe(br, w))
