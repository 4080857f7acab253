# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer against a scripted server on 127.0.0.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

import pytest

from ansible_collections.signed.registry.plugins.module_utils._http import (
    HTTPError,
    HttpClient,
    ReadOnlyViolation,
)

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
except ImportError:  # pragma: no cover
    pytest.fail("Python 3 is required")


class Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, body) of the server's script."""

    def _answer(self):
        self.server.seen.append((self.command, self.path, dict(self.headers)))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.server.script:
            status, body = self.server.script.pop(0)
        else:
            status, body = 200, {"ok": True}
        if status == "reset":
            self.connection.close()
            return
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), Scripted)
    httpd.script = []
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def client(**kwargs):
    sleeps = []
    kwargs.setdefault("sleep", sleeps.append)
    http = HttpClient(**kwargs)
    http.sleeps = sleeps
    return http


def test_returns_response_on_success(server):
    server.script = [(200, {"hello": "world"})]
    http = client()
    assert http.request("GET", server.url + "/x").json() == {"hello": "world"}
    assert http.request_count == 1


def test_retries_transient_statuses_with_backoff(server):
    server.script = [(503, {}), (502, {}), (200, {"ok": 1})]
    http = client(backoff=0.5)
    assert http.request("GET", server.url + "/x").json() == {"ok": 1}
    assert http.sleeps == [0.5, 1.0]
    assert len(server.seen) == 3


def test_gives_up_after_retries_with_server_text(server):
    server.script = [(503, {"detail": "down"})] * 4
    http = client(retries=3)
    with pytest.raises(HTTPError) as err:
        http.request("GET", server.url + "/x")
    assert err.value.status == 503
    assert "down" in str(err.value)
    assert len(server.seen) == 4


def test_client_errors_are_not_retried(server):
    server.script = [(400, {"url": ["Enter a valid URL."]})]
    http = client()
    with pytest.raises(HTTPError) as err:
        http.request("POST", server.url + "/remotes/", json={"url": "x"})
    assert err.value.status == 400
    assert "Enter a valid URL." in str(err.value)
    assert "POST %s/remotes/" % server.url in str(err.value)
    assert len(server.seen) == 1


def test_connection_reset_is_retried(server):
    server.script = [("reset", None), (200, {"ok": 2})]
    http = client()
    assert http.request("GET", server.url + "/x").json() == {"ok": 2}


def test_unreachable_server_fails_clearly():
    http = client(retries=1, timeout=2)
    with pytest.raises(HTTPError) as err:
        http.request("GET", "http://127.0.0.1:9/nothing")
    assert str(err.value) == "GET http://127.0.0.1:9/nothing failed after 2 attempts: [Errno 111] Connection refused"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_read_only_refuses_writes_before_sending(server, method):
    http = client(read_only=True)
    with pytest.raises(ReadOnlyViolation):
        http.request(method, server.url + "/x")
    assert server.seen == []


def test_read_only_allows_reads_and_declared_safe_posts(server):
    http = client(read_only=True)
    http.request("GET", server.url + "/x")
    http.request("POST", server.url + "/login/", writes=False)
    assert [s[0] for s in server.seen] == ["GET", "POST"]


def test_expected_statuses(server):
    server.script = [(404, {"detail": "Not found."})]
    http = client()
    assert http.request("GET", server.url + "/x", expected=(200, 404)).status_code == 404


def _self_signed(tmp_path):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u"127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_ca_cert_wins_over_ca_bundle_environment(tmp_path, monkeypatch):
    import ssl
    cert, key = _self_signed(tmp_path)
    httpd = HTTPServer(("127.0.0.1", 0), Scripted)
    httpd.script, httpd.seen = [], []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        # A CA bundle in the environment that does not hold our CA, as on many CI machines.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "cert-that-is-not-it.pem"))
        (tmp_path / "cert-that-is-not-it.pem").write_bytes(b"")
        url = "https://127.0.0.1:%d/x" % httpd.server_address[1]
        assert client(ca_cert=cert, retries=0).request("GET", url).json() == {"ok": True}
        with pytest.raises(HTTPError):
            client(retries=0).request("GET", url)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_reads_are_retried_on_500_writes_are_not(server):
    server.script = [(500, {}), (200, {"ok": 3})]
    http = client()
    assert http.request("GET", server.url + "/x").json() == {"ok": 3}
    server.script = [(500, {"detail": "boom"})]
    with pytest.raises(HTTPError) as err:
        http.request("POST", server.url + "/x")
    assert err.value.status == 500
    assert len(server.seen) == 3


class Hostile(BaseHTTPRequestHandler):
    """A server that drips its answer a byte at a time, or sends more than it should."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        import time
        self.server.seen.append((self.path, dict(self.headers)))
        if self.path.startswith("/drip-headers"):
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.3)
            return
        if self.path.startswith("/drip-body"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()  # no length: the body ends when the connection closes
            for _chunk in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)
            return
        if self.path.startswith("/huge"):
            self.send_response(200)
            if "/declared" in self.path:
                self.send_header("Content-Length", str(40 * 65536))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            for _chunk in range(40):
                self.wfile.write(b"x" * 65536)
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.server.elsewhere + "/landed")
            self.send_header("Set-Cookie", "sessionid=secret-cookie; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/html"):
            body = b"<html>not json</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile():
    from http.server import ThreadingHTTPServer
    servers = []
    for _server in range(2):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
        httpd.daemon_threads = True
        httpd.seen = []
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        httpd.url = "http://127.0.0.1:%d" % httpd.server_address[1]
        servers.append(httpd)
    servers[0].elsewhere = servers[1].url.replace("127.0.0.1", "localhost")
    yield servers
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_a_dripping_server_gets_one_deadline_and_no_retry(hostile, path):
    import time
    http = client(timeout=1.5, retries=3)
    started = time.monotonic()
    with pytest.raises(HTTPError) as err:
        http.request("GET", hostile[0].url + path)
    took = time.monotonic() - started
    assert "no complete answer within 1.5 s" in str(err.value)
    assert took < 4, took
    assert len(hostile[0].seen) == 1


@pytest.mark.parametrize("path", ["/huge", "/huge/declared"])
def test_bodies_larger_than_the_limit_are_refused(hostile, path):
    http = client(max_body=1024 * 1024)
    with pytest.raises(HTTPError) as err:
        http.request("GET", hostile[0].url + path)
    assert "more than the 1048576 bytes" in str(err.value) or "more than the 1048576 this module reads" in str(err.value)
    assert http.request("GET", hostile[0].url + path, max_body=16 * 1024 * 1024).status_code == 200


def test_a_redirect_elsewhere_carries_no_credentials_cookies_or_headers(hostile):
    http = client()
    http.request("GET", hostile[0].url + "/redirect", auth=("user", "secret-password"),
                 headers={"Authorization": "Bearer secret-token", "X-Api-Key": "secret-key", "Accept": "x/y"})
    first, landed = hostile[0].seen[0][1], hostile[1].seen[0][1]
    assert first["Authorization"].startswith("Basic ")
    assert hostile[1].seen[0][0] == "/landed"
    assert "Authorization" not in landed and "X-Api-Key" not in landed and "Cookie" not in landed
    assert landed["Accept"] == "x/y"


def test_an_answer_that_is_not_json_names_the_request(hostile):
    from ansible_collections.signed.registry.plugins.module_utils._http import json_body
    http = client()
    response = http.request("GET", hostile[0].url + "/html")
    with pytest.raises(HTTPError) as err:
        json_body(response, "the tag list")
    assert str(err.value).startswith("GET %s/html answered the tag list with something that is not JSON" % hostile[0].url)


def test_a_request_that_cannot_be_sent_is_an_error_naming_it():
    with pytest.raises(HTTPError) as err:
        client().request("GET", "http://127.0.0.1:notaport/x")
    assert "GET http://127.0.0.1:notaport/x failed" in str(err.value)


def test_https_to_a_plain_http_server_says_so_at_once(server):
    http = client(retries=3)
    with pytest.raises(HTTPError) as err:
        http.request("GET", server.url.replace("http://", "https://") + "/v2/")
    assert "the server answers plain HTTP, not HTTPS (for a registry, set plain_http: true" in str(err.value)
    assert len(server.seen) == 0 and http.sleeps == []
