"""A fault-injecting HTTP proxy on 127.0.0.1, between the modules and Pulp or a registry.

Usage: python fault_proxy.py UPSTREAM_URL PORT_FILE EVERY MODE [MODE ...]
Listens on a free 127.0.0.1 port (written to PORT_FILE), forwards each request to UPSTREAM_URL,
except every EVERY-th request (EVERY=1: all of them), which gets the next fault of the MODE cycle
instead: `reset` (the connection is closed before anything is forwarded), `502`, `503`, or
`slow` (forwarded after a 2 s delay). Faults are counted, never random, so a test cannot flake.
Stops on SIGTERM. Logs one line per request to stderr.
"""

import http.client
import itertools
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def main():
    upstream = urllib.parse.urlsplit(sys.argv[1])
    port_file, every, modes = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    counter = itertools.count(1)
    faults = itertools.cycle(modes)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self):
            with lock:
                number = next(counter)
                fault = next(faults) if number % every == 0 else None
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            sys.stderr.write("%d %s %s %s\n" % (number, self.command, self.path, fault or "ok"))
            if fault == "reset":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.connection.close()
                self.close_connection = True
                return
            if fault in ("502", "503"):
                self.send_response(int(fault))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "slow":
                time.sleep(2)
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
            headers["Host"] = upstream.netloc
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    # Redirects point at the upstream's own host; send clients back through us.
                    if key.lower() == "location":
                        value = value.replace("%s://%s" % (upstream.scheme, upstream.netloc), "")
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            connection.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
