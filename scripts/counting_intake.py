#!/usr/bin/env python3
"""A counting logs intake for benchmarks, standard library only.

    counting_intake.py [PORT] [--verify] [--stats FILE]

Listens on 127.0.0.1:PORT (0 or no PORT: a free port) and prints the port as the first line
of stdout. Answers 202 `{}` to POST /api/v2/logs after reading the whole body, and counts
requests and body bytes. The body is not decompressed unless --verify is given: then it is
decoded by its Content-Encoding (gzip, zstd if the zstandard module or compression.zstd is
available, otherwise counted as unverified; identity), parsed as a JSON array, and its
entries and raw bytes are counted (an undecodable body gets 400).

GET /stats returns the counters as JSON (for per-run deltas). On SIGTERM or SIGINT the
totals are printed to stderr and, with --stats FILE, written to FILE as JSON.
"""
import argparse
import gzip
import http.server
import json
import signal
import sys
import threading
import zlib

try:  # Python 3.14+
    from compression import zstd as _zstd

    def zstd_decompress(data):
        return _zstd.decompress(data)
except ImportError:
    try:
        import zstandard as _zstandard

        def zstd_decompress(data):
            return _zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except ImportError:
        zstd_decompress = None

LOCK = threading.Lock()
STATS = {
    "requests": 0,
    "body_bytes": 0,
    "entries": 0,
    "raw_bytes": 0,
    "verified_requests": 0,
    "unverified_requests": 0,
    "rejected_requests": 0,
}


def read_body(handler):
    """The whole request body: Content-Length or chunked transfer encoding."""
    if "chunked" in handler.headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("content-length", "0")))


def decode(body, encoding):
    """(raw bytes, entries) of a body, or None when it cannot be checked here."""
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        raw = gzip.decompress(body)
    elif encoding == "deflate":
        raw = zlib.decompress(body)
    elif encoding == "zstd":
        if zstd_decompress is None:
            return None
        raw = zstd_decompress(body)
    elif encoding in ("", "identity"):
        raw = body
    else:
        raise ValueError(f"unknown content-encoding {encoding!r}")
    entries = json.loads(raw)
    if not isinstance(entries, list):
        raise ValueError("the body is not a JSON array")
    return len(raw), len(entries)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this, the response's second small write waits for the client's delayed ACK
    # (about 40 ms per request on Linux), which would cap a sender at ~25 requests/s per
    # connection and make the intake, not the sender, the bottleneck.
    disable_nagle_algorithm = True
    verify = False

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = read_body(self)
        if self.path.split("?")[0] != "/api/v2/logs":
            self.reply(404, {"errors": [{"status": "404", "title": "Not Found"}]})
            return
        checked = None
        if self.verify:
            try:
                checked = decode(body, self.headers.get("content-encoding", ""))
            except Exception as err:  # a body the real intake would refuse
                with LOCK:
                    STATS["rejected_requests"] += 1
                self.reply(400, {"errors": [{"status": "400", "title": "Bad Request", "detail": str(err)}]})
                return
        with LOCK:
            STATS["requests"] += 1
            STATS["body_bytes"] += len(body)
            if checked is not None:
                STATS["verified_requests"] += 1
                STATS["raw_bytes"] += checked[0]
                STATS["entries"] += checked[1]
            elif self.verify:
                STATS["unverified_requests"] += 1
        self.reply(202, {})

    def do_GET(self):
        if self.path.split("?")[0] == "/stats":
            with LOCK:
                snapshot = dict(STATS)
            self.reply(200, snapshot)
        else:
            self.reply(404, {})

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", nargs="?", type=int, default=0)
    parser.add_argument("--verify", action="store_true", help="decompress and count entries")
    parser.add_argument("--stats", metavar="FILE", help="write the totals here as JSON on exit")
    args = parser.parse_args()
    Handler.verify = args.verify
    server = Server(("127.0.0.1", args.port), Handler)

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        with LOCK:
            totals = dict(STATS)
        print("intake: " + " ".join(f"{k}={v}" for k, v in totals.items()), file=sys.stderr, flush=True)
        if args.stats:
            with open(args.stats, "w") as out:
                json.dump(totals, out)
                out.write("\n")


if __name__ == "__main__":
    main()
