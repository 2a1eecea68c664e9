#!/usr/bin/env python3
"""A pprof server for the security tests: serves committed profiles and
misbehaves on purpose under path prefixes. Listens on 127.0.0.1 on a port
picked by the kernel and prints it as "listening on 127.0.0.1:PORT".

  /debug/pprof/KIND        200, tests/pprof/data/KIND.pb.gz
  /auth/debug/pprof/KIND   401, the body echoes the Authorization header and its token
  /error/debug/pprof/KIND  500, the body is a valid profile (must not be saved)
  /swap/debug/pprof/KIND   200, a goroutine profile whatever KIND asks for
  /empty/debug/pprof/KIND  200, a valid profile with no sample types
usage: pprof_server.py DATA_DIR
"""
import gzip
import http.server
import os
import sys

DATA = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, kind="application/octet-stream"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def profile(self, kind):
        with open(os.path.join(DATA, kind + ".pb.gz"), "rb") as f:
            return f.read()

    def do_GET(self):
        path = self.path.split("?")[0]
        for prefix, status in (("/auth", 401), ("/error", 500), ("/swap", 200),
                               ("/empty", 200), ("", 200)):
            if path.startswith(prefix + "/debug/pprof/"):
                kind = path[len(prefix + "/debug/pprof/"):]
                break
        else:
            self.send(404, b"not found\n", "text/plain")
            return
        if kind not in ("heap", "goroutine", "allocs", "cpu"):
            kind = "heap"
        if status == 401:
            # Both shapes a careless server uses: the header, and the
            # bare token (only the collector knows to redact that one).
            echo = self.headers.get("Authorization", "(none)")
            token = echo.split(" ", 1)[-1]
            self.send(401, ("unauthorized: token %s is not valid; you sent Authorization: %s\n"
                            % (token, echo)).encode(), "text/plain")
        elif prefix == "/swap":
            self.send(200, self.profile("goroutine"))
        elif prefix == "/empty":
            # string_table[0] = "" and period = 1: valid, and empty.
            self.send(200, gzip.compress(bytes([0x32, 0x00, 0x60, 0x01])))
        else:
            self.send(status, self.profile(kind))


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
