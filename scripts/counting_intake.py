#!/usr/bin/env python3
"""A counting logs intake for benchmarks: answers 202 to every POST on 127.0.0.1:PORT, reads
the body and counts requests and bytes (printed to stderr on SIGTERM). No validation: the test
suite's intake does that."""
import http.server
import signal
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = 0
    body_bytes = 0
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with Handler.lock:
            Handler.requests += 1
            Handler.body_bytes += len(body)
        self.send_response(202)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)


def stop(*_):
    print(f"intake: {Handler.requests} requests, {Handler.body_bytes} body bytes", file=sys.stderr)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
print(server.server_address[1], flush=True)
server.serve_forever()
