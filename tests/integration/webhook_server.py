#!/usr/bin/env python3
"""A scripted HTTPS webhook receiver for tests/integration/t_deliver.sh.

Usage: webhook_server.py CERT KEY LOG PORTFILE

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening),
serves TLS with CERT/KEY, and appends every request it receives, before
answering it, to LOG as one JSON line: {"n": per-path count, "path",
"headers" (names in lower case), "body"}.  What it answers depends on the
first segment of the path:

  /ok/...        200
  /flaky/...     the first request 503 with "Retry-After: 1", then 200
  /date/...      the first request 503 with Retry-After as an HTTP-date
                 one second ahead, then 200
  /slow/...      the first request waits SLOW_S seconds (longer than the
                 client's timeout) before answering 200, then 200
  /hang/...      the first request waits HANG_S seconds before 200 (the
                 client is killed meanwhile), then 200
  /gone/...      410
  /redirect/...  302 to /ok/redirected (which must never be requested)
  /huge/...      200 with a body of HUGE_BYTES bytes
  /bad/...       400
  /throttle/...  429 with "Retry-After: 1" twice, then 200
  /reset/...     the connection reset before any answer (logged first)
  /down/...      503, always, without Retry-After

Python 3 standard library only.
"""

import email.utils
import http.server
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

SLOW_S = 4
HANG_S = 6
HUGE_BYTES = 8 << 20

lock = threading.Lock()
counts = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def setup(self):
        self.request.do_handshake()
        super().setup()

    def record(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            n = counts.get(self.path, 0) + 1
            counts[self.path] = n
            entry = {"n": n, "path": self.path, "body": body,
                     "headers": {k.lower(): v for k, v in self.headers.items()}}
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")
                f.flush()
                os.fsync(f.fileno())
        return n

    def answer(self, status, headers=(), body=b"ok\n"):
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def huge(self):
        try:
            self.send_response(200)
            self.send_header("content-length", str(HUGE_BYTES))
            self.end_headers()
            chunk = b"x" * 65536
            for _ in range(HUGE_BYTES // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

    def do_POST(self):
        n = self.record()
        kind = self.path.strip("/").split("/")[0]
        if kind == "ok":
            self.answer(200)
        elif kind == "flaky":
            self.answer(503, [("Retry-After", "1")]) if n == 1 else self.answer(200)
        elif kind == "date":
            if n == 1:
                when = email.utils.formatdate(time.time() + 1, usegmt=True)
                self.answer(503, [("Retry-After", when)])
            else:
                self.answer(200)
        elif kind == "slow":
            if n == 1:
                time.sleep(SLOW_S)
            self.answer(200)
        elif kind == "hang":
            if n == 1:
                time.sleep(HANG_S)
            self.answer(200)
        elif kind == "gone":
            self.answer(410)
        elif kind == "redirect":
            self.answer(302, [("Location", "/ok/redirected")])
        elif kind == "huge":
            self.huge()
        elif kind == "bad":
            self.answer(400, body=b'{"error": "no"}\n')
        elif kind == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        elif kind == "down":
            self.answer(503)
        elif kind == "throttle":
            self.answer(429, [("Retry-After", "1")]) if n <= 2 else self.answer(200)
        else:
            self.answer(404)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that refused the certificate or went away

    def get_request(self):
        sock, addr = super().get_request()
        # the TLS handshake in the request's own thread, not the acceptor's
        return CTX.wrap_socket(sock, server_side=True,
                               do_handshake_on_connect=False), addr


if __name__ == "__main__":
    CERT, KEY, LOG, PORTFILE = sys.argv[1:5]
    CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    CTX.load_cert_chain(CERT, KEY)
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, PORTFILE)
    srv.serve_forever()
