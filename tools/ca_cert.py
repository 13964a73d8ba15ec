"""Write the CA certificate a board needs to verify a TLS host (Sinric Pro, Yango).

    python -m tools.ca_cert ws.sinric.pro            -> ca/ws.sinric.pro.pem
    python -m tools.ca_cert dialogs.yango.com --port 443 --out ca/yango.pem
    make ca HOST=ws.sinric.pro

It connects to the host, takes the certificate chain the host serves (`openssl s_client
-showcerts`, Debian's openssl) and checks it with `cryptography`: each certificate must be
signed by the next one. The anchor written is the root that signed the last served
certificate when this machine's trust store has it (roots live for decades, intermediates a
year or two), else the last certificate served. MicroPython's mbedTLS takes one CA
certificate (`SSLContext.load_verify_locations(cadata)`, extmod/modtls_mbedtls.c), so one is
written. The file goes to the board with `make deploy`; the config names it as `ca`.
"""

import argparse
import pathlib
import re
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization

STORE = "/etc/ssl/certs/ca-certificates.crt"  # Debian's ca-certificates bundle
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class CaError(Exception):
    """The chain could not be fetched or does not hold together; the text says why."""


def served_chain(host, port, timeout=15):
    """The certificates host:port serves, leaf first (list of x509.Certificate)."""
    try:
        p = subprocess.run(["openssl", "s_client", "-showcerts", "-servername", host,
                            "-connect", "%s:%d" % (host, port)], input=b"",
                           capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise CaError("openssl is not installed (apt-get install openssl)") from None
    except subprocess.TimeoutExpired:
        raise CaError("%s:%d did not answer within %d s" % (host, port, timeout)) from None
    certs = [x509.load_pem_x509_certificate(m) for m in _PEM.findall(p.stdout)]
    if not certs:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        raise CaError("no certificate from %s:%d (%s)"
                      % (host, port, err[-1] if err else "no TLS answer"))
    return certs


def _signed_by(cert, issuer):
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - InvalidSignature and kin
        return False


def store_certs(path):
    """The certificates of a PEM bundle (the system trust store); [] when unreadable."""
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError:
        return []
    out = []
    for m in _PEM.findall(data):
        try:
            out.append(x509.load_pem_x509_certificate(m))
        except ValueError:
            pass
    return out


def anchor(chain, store):
    """The certificate to trust for `chain` (leaf first): the store's root that signed the
    last certificate, else that last certificate. CaError when the chain does not hold
    together."""
    for a, b in zip(chain, chain[1:]):
        if not _signed_by(a, b):
            raise CaError("the served chain is broken: %s is not signed by %s"
                          % (a.subject.rfc4514_string(), b.subject.rfc4514_string()))
    top = chain[-1]
    if top.issuer == top.subject:
        return top
    for c in store:
        if _signed_by(top, c):
            return c
    return top


def main(argv=None):
    ap = argparse.ArgumentParser(prog="make ca", description=__doc__.split("\n\n")[0])
    ap.add_argument("host")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--out", help="file to write (default ca/HOST.pem)")
    ap.add_argument("--store", default=STORE, help="PEM bundle of trusted roots")
    a = ap.parse_args(argv)
    if "://" in a.host:  # the config's url pasted whole: its host is meant
        a.host = a.host.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    if not re.fullmatch(r"[A-Za-z0-9.-]+", a.host or ""):
        print("ca: %s: give the host of a config url, e.g. make ca HOST=ws.sinric.pro or "
              "make ca HOST=dialogs.yango.com" % ("no host given" if not a.host else
                                                  "%r is no host name" % a.host),
              file=sys.stderr)
        return 2
    out = pathlib.Path(a.out or "ca/%s.pem" % a.host)
    try:
        chain = served_chain(a.host, a.port)
        cert = anchor(chain, store_certs(a.store))
    except CaError as e:
        print("ca: %s" % e, file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print("ca: %s -> %s (%s, valid until %s)" % (a.host, out, cert.subject.rfc4514_string(),
                                                 cert.not_valid_after_utc.date()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
