"""What the benchmark scripts share: where things are, the machine's facts, finding the installed
collection and ansible-playbook, and a counting reverse proxy on 127.0.0.1."""

import hashlib
import http.client
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The play recap line of a run on localhost.
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
ENV_FILE = Path(os.environ.get("SR_ENV_DIR") or ROOT / "build" / "env") / "env.json"


class BenchError(Exception):
    """The benchmark could not run (not: a target was missed)."""


def run(main, name, lost=(), lost_what="the service"):
    """Run a script's main(): what stops it (a BenchError, or one of the ``lost`` exceptions when
    a service stops answering) ends it with one line on stderr and exit status 1, no traceback."""
    try:
        main()
    except BenchError as exc:
        sys.exit("%s: %s" % (name, exc))
    except lost as exc:
        sys.exit("%s: %s stopped answering: %s" % (name, lost_what, exc))


# A host's line in a PLAY RECAP.
HOST_RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def molecule_runner(scenario):
    """A function that runs one molecule command of the scenario (tests/molecule/run.sh) and
    returns (seconds, output); a failed command raises BenchError with the output's tail."""
    def molecule(*command):
        start = time.monotonic()
        done = subprocess.run(["bash", str(ROOT / "tests" / "molecule" / "run.sh"), scenario] + list(command),
                              cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            raise BenchError("molecule %s failed:\n%s" % (" ".join(command), tail(done.stdout + done.stderr, 60)))
        return seconds, done.stdout
    return molecule


def converge_recap(output):
    """{host: (ok, changed)} of the last play recap in a playbook's output; unreachable or failed
    hosts raise BenchError."""
    recap = {}
    for host, ok, changed, unreachable, failed in HOST_RECAP.findall(output):
        if int(unreachable) or int(failed):
            raise BenchError("%s: unreachable=%s failed=%s" % (host, unreachable, failed))
        recap[host] = (int(ok), int(changed))
    return recap


def progress():
    """A log function printing each message with the seconds since it was made."""
    begin = time.monotonic()

    def log(message):
        print("[%5.0f s] %s" % (time.monotonic() - begin, message), flush=True)
    return log


def tail(text, lines=30):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def load_env():
    """The test services' facts that tests/env/up.sh wrote."""
    if not ENV_FILE.exists():
        raise BenchError("no test services (%s missing): run 'make env-up' first" % ENV_FILE)
    return json.loads(ENV_FILE.read_text())


def collections_path(module):
    """Where `make collection` put the collection (the Makefile exports it); ``module`` is a
    module file name that must be there."""
    path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if not path:
        digest = hashlib.md5(str(ROOT).encode()).hexdigest()[:8]
        path = "/tmp/signed.registry-%s/collections" % digest
    if not Path(path, "ansible_collections/signed/registry/plugins/modules", module).exists():
        raise BenchError("the collection is not installed under %s: run 'make collection' (or 'make bench')" % path)
    return path


def find_ansible_playbook():
    for directory in [str(Path(sys.executable).parent)] + os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory, "ansible-playbook")
        if candidate.exists():
            return str(candidate)
    raise BenchError("ansible-playbook not found: run with the dev venv (make bench)")


def machine_facts():
    # The load tells whether other work on the machine slowed the run.
    facts = {"cpus": os.cpu_count(), "python": platform.python_version(), "cpu": "?", "ram_gib": 0.0,
             "load": os.getloadavg()[0]}
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                facts["ram_gib"] = int(line.split()[1]) / 1024 / 1024
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    return facts


# -- counting reverse proxy ------------------------------------------------------------------


# Per connection, or describing a body that is re-sent whole.
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "transfer-encoding", "upgrade", "content-length"))


@dataclass
class Request:
    at: float  # when the answer was in (time.perf_counter)
    method: str
    path: str
    status: int
    seconds: float  # until the server's whole answer was in


class _ProxyHandler(BaseHTTPRequestHandler):
    # Keep-alive towards the client, as it would have with the server itself.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm, each response would wait
    # for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    proxy = None  # set on the subclass made per proxy

    def _body(self):
        # Go clients (cosign) stream blob uploads chunked, without a Content-Length.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _forward(self):
        body = self._body()
        upstream = http.client.HTTPConnection(self.proxy.host, self.proxy.port, timeout=300)
        start = time.perf_counter()
        try:
            # Headers go through as sent, Host included, so that the server's absolute links and
            # upload Locations point back at the proxy and their requests are counted too.
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            if body is not None:
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body)
            response = upstream.getresponse()
            data = response.read()
        except OSError as exc:
            self.proxy.record(self.command, self.path, 502, start)
            self.send_error(502, "the server did not answer: %s" % exc)
            return
        finally:
            upstream.close()
        self.proxy.record(self.command, self.path, response.status, start)
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP or (self.command == "HEAD" and name.lower() == "content-length"):
                self.send_header(name, value)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients reset their idle keep-alive connections when they exit: no request is lost.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class CountingProxy:
    """A threaded reverse proxy on a free loopback port that records what it forwards."""

    def __init__(self, upstream_url):
        upstream = urllib.parse.urlsplit(upstream_url)
        self.host, self.port = upstream.hostname, upstream.port or 80
        self._lock = threading.Lock()
        self._requests = []
        handler = type("Handler", (_ProxyHandler,), {"proxy": self})
        self._server = _ProxyServer(("127.0.0.1", 0), handler)
        self.registry = "127.0.0.1:%d" % self._server.server_port
        self.url = "http://" + self.registry
        self._thread = threading.Thread(target=self._server.serve_forever, name="counting-proxy", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def record(self, method, path, status, start):
        now = time.perf_counter()
        with self._lock:
            self._requests.append(Request(now, method, path, status, now - start))

    def take(self):
        """The requests recorded since the last take()."""
        with self._lock:
            taken, self._requests = self._requests, []
        return taken
