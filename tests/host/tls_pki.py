"""Throwaway PKIs for the TLS tests: a root, an intermediate and server certificates that are
good, for the wrong host name, expired, or from an unknown CA. RSA 2048, so that both
mbedTLS and axTLS can use them."""

import datetime
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DAY = datetime.timedelta(days=1)


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, ca, start, end, host=None, serial=1):
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if host:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


class Pki:
    """root -> intermediate -> server certificates. .root_pem is what a board trusts."""

    def __init__(self, name="test root"):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.root_key = _key()
        self.root = _cert(name, self.root_key, _name(name), self.root_key, True,
                          now - DAY, now + 365 * DAY)
        self.ca_key = _key()
        self.ca = _cert(name + " intermediate", self.ca_key, self.root.subject,
                        self.root_key, True, now - DAY, now + 90 * DAY, serial=2)
        self.root_pem = pem(self.root)
        self._n = 10

    def server(self, directory, host="localhost", expired=False):
        """Writes <n>-chain.pem (leaf + intermediate) and <n>-key.pem; returns an
        ssl.SSLContext for a server that presents them."""
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = (now - 10 * DAY, now - 2 * DAY) if expired else (now - DAY, now + 30 * DAY)
        key = _key()
        self._n += 1
        leaf = _cert(host, key, self.ca.subject, self.ca_key, False, start, end, host, self._n)
        chain = directory / ("%d-chain.pem" % self._n)
        keyfile = directory / ("%d-key.pem" % self._n)
        chain.write_bytes(pem(leaf) + pem(self.ca))
        keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(chain), str(keyfile))
        return ctx
