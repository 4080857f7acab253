"""A hostile HTTP(S) server on 127.0.0.1: a proxy in front of a real registry or Pulp that lies,
or (without an upstream) a collector that only records what reaches it.

Usage: python hostile_proxy.py CONFIG.json
CONFIG: {"upstream": "http://127.0.0.1:5000" (absent: collector), "port_file": PATH, "log": PATH,
         "tls": {"cert": PEM, "key": PEM} (optional), "rules": [RULE, ...]}
Each request is logged as one JSON line: method, path, and the Authorization and Cookie headers it
carried (a test looks for credentials where none may go). A collector answers 401 with a Basic
challenge. A proxy forwards, applying every rule whose "match" (a substring of the path, default
any) fits:
  {"rewrite": [FROM, TO]}       ask upstream for the path with FROM replaced (a digest for another)
  {"realm": URL}                answer auth challenges with another token server
  {"location": URL}             send uploads to another place (Location header)
  {"json_next": ORIGIN}         give a Pulp list a next page on another server (first page only)
  {"drip": SECONDS}             send the answer a byte at a time
  {"body_bytes": N}             answer 200 with a JSON document of N bytes instead
  {"multiply_layers": N}        make a manifest's first layer N layers, all but the first with a
                                broken signature annotation
Stops on SIGTERM.
"""

import base64
import http.client
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
              "content-length"}


def main():
    config = json.load(open(sys.argv[1]))
    upstream = urllib.parse.urlsplit(config["upstream"]) if config.get("upstream") else None
    rules = config.get("rules", [])
    log_lock = threading.Lock()

    def record(handler):
        entry = {"method": handler.command, "path": handler.path,
                 "authorization": handler.headers.get("Authorization"), "cookie": handler.headers.get("Cookie")}
        with log_lock, open(config["log"], "a") as log:
            log.write(json.dumps(entry) + "\n")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _rules(self):
            return [r for r in rules if r.get("match", "") in self.path]

        def _handle(self):
            record(self)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if upstream is None:
                self._send(401, {"WWW-Authenticate": 'Basic realm="collector"', "Content-Type": "text/plain"},
                           b"collected\n")
                return
            active = self._rules()
            for rule in active:
                if "body_bytes" in rule:
                    filler = b'{"tags": ["' + b"a" * max(0, rule["body_bytes"] - 14) + b'"]}'
                    self._send(200, {"Content-Type": "application/json"}, filler)
                    return
            path = self.path
            for rule in active:
                if "rewrite" in rule:
                    path = path.replace(rule["rewrite"][0], rule["rewrite"][1])
            status, headers, data = self._forward(path, body)
            for rule in active:
                if "realm" in rule:
                    headers = [(k, re.sub(r'realm="[^"]*"', 'realm="%s"' % rule["realm"], v)
                                if k.lower() == "www-authenticate" else v) for k, v in headers]
                if "location" in rule:
                    headers = [(k, rule["location"] if k.lower() == "location" else v) for k, v in headers]
                if "json_next" in rule and "offset=" not in path and data.startswith(b"{"):
                    page = json.loads(data)
                    if isinstance(page, dict) and "results" in page and not page.get("next"):
                        split = urllib.parse.urlsplit(path)
                        page["next"] = "%s%s?%s" % (rule["json_next"], split.path,
                                                    (split.query + "&" if split.query else "") + "offset=100000")
                        data = json.dumps(page).encode()
                if "multiply_layers" in rule and data.startswith(b"{") and self.command == "GET":
                    data = multiplied(data, rule["multiply_layers"])
            drip = next((r["drip"] for r in active if "drip" in r), None)
            self._send(status, headers, data, drip)

        def _forward(self, path, body):
            if upstream.scheme == "https":
                connection = http.client.HTTPSConnection(upstream.hostname, upstream.port, timeout=60,
                                                         context=ssl._create_unverified_context())
            else:
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
            headers["Host"] = upstream.netloc
            connection.request(self.command, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
            kept = []
            for key, value in response.getheaders():
                if key.lower() in HOP_BY_HOP:
                    continue
                if key.lower() == "location":
                    # The upstream names itself; send clients back through us.
                    value = value.replace("%s://%s" % (upstream.scheme, upstream.netloc), "")
                kept.append((key, value))
            return response.status, kept, data

        def _send(self, status, headers, data, drip=None):
            self.send_response(status)
            for key, value in headers.items() if isinstance(headers, dict) else headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "HEAD":
                return
            try:
                if drip:
                    for index in range(len(data)):
                        self.wfile.write(data[index:index + 1])
                        self.wfile.flush()
                        time.sleep(drip)
                else:
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if config.get("tls"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(config["tls"]["cert"], config["tls"]["key"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(config["port_file"], "w") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


def multiplied(data, count):
    """The manifest with its first layer repeated: the copies carry a signature that is no signature."""
    manifest = json.loads(data)
    layers = manifest.get("layers") or []
    if not layers:
        return data
    first = layers[0]
    broken = json.loads(json.dumps(first))
    annotations = broken.setdefault("annotations", {})
    annotations["dev.cosignproject.cosign/signature"] = base64.b64encode(b"not a signature").decode()
    manifest["layers"] = [first] + [broken] * (count - 1)
    return json.dumps(manifest).encode()


if __name__ == "__main__":
    main()
