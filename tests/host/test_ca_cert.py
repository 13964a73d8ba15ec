"""tools/ca_cert: the served chain is fetched over real TLS on 127.0.0.1 and the anchor a
board should trust is chosen and written."""

import socket
import ssl
import threading

import pytest
from cryptography import x509
from tls_pki import Pki, pem

from tools import ca_cert


@pytest.fixture(scope="module")
def pki():
    return Pki()


class TlsServer:
    """Accepts TLS connections on 127.0.0.1 with ctx until closed."""

    def __init__(self, ctx):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.ctx = ctx
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(c, server_side=True) as s:
                    s.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def close(self):
        self.sock.close()


def test_served_chain_and_root_from_the_store(pki, tmp_path):
    srv = TlsServer(pki.server(tmp_path, "localhost"))
    try:
        chain = ca_cert.served_chain("localhost", srv.port)
    finally:
        srv.close()
    assert [c.subject.rfc4514_string() for c in chain] == \
        ["CN=localhost", "CN=test root intermediate"]
    store = tmp_path / "store.pem"
    store.write_bytes(pem(Pki("other root").root) + pki.root_pem)
    assert ca_cert.anchor(chain, ca_cert.store_certs(store)) == pki.root
    # not in the store: the last served certificate is the best anchor there is
    assert ca_cert.anchor(chain, []) == pki.ca


def test_main_writes_the_pem(pki, tmp_path, capsys):
    srv = TlsServer(pki.server(tmp_path, "localhost"))
    store = tmp_path / "store.pem"
    store.write_bytes(pki.root_pem)
    out = tmp_path / "ca" / "x.pem"
    try:
        rc = ca_cert.main(["localhost", "--port", str(srv.port), "--out", str(out),
                           "--store", str(store)])
    finally:
        srv.close()
    assert rc == 0
    assert x509.load_pem_x509_certificate(out.read_bytes()) == pki.root
    assert "CN=test root" in capsys.readouterr().out


def test_broken_chain_is_refused(pki):
    other = Pki("other root")
    with pytest.raises(ca_cert.CaError, match="broken"):
        ca_cert.anchor([pki.ca, other.root], [])


def test_nothing_listening_is_one_line(capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert ca_cert.main(["localhost", "--port", str(port), "--out", "/dev/null"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ca: no certificate from localhost:%d" % port)
    assert len(err.strip().splitlines()) == 1


def test_no_host_is_one_line_saying_what_to_give(capsys):
    """`make ca` without HOST= printed OpenSSL's "ssl3 ext invalid servername" error."""
    for bad in ("", "ws.sinric.pro/x y"):
        assert ca_cert.main([bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("ca: ") and "make ca HOST=ws.sinric.pro" in err, err
        assert len(err.strip().splitlines()) == 1


def test_a_pasted_url_means_its_host(capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert ca_cert.main(["wss://localhost:8443/path", "--port", str(port),
                         "--out", "/dev/null"]) == 1
    assert capsys.readouterr().err.startswith("ca: no certificate from localhost:%d" % port)
