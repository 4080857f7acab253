# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serve DIR on 127.0.0.1 at a free port, written to PORTFILE once listening (a lookaside store)."""

import functools
import http.server
import os
import sys


def main():
    directory, portfile = sys.argv[1], sys.argv[2]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as handle:
        handle.write(str(server.server_address[1]))
    # Renamed only when complete, so the waiting test never reads half a number.
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
