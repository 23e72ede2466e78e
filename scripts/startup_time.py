#!/usr/bin/env python3
"""Start-up and one-event latency of the forwarder binary, standard library only.

    startup_time.py BINARY EVENT.json [RUNS]

Lambda mode: one loopback server plays both the Lambda Runtime API and the logs intake
(202 to every POST /api/v2/logs). For each run the binary is started with
AWS_LAMBDA_RUNTIME_API pointing at it; measured from just before the process is spawned:
  ready      the first GET .../runtime/invocation/next (initialised, asking for an event);
  first_event the POST .../response for EVENT (the finding delivered to the intake).
Command line: `BINARY invoke --dry-run EVENT`, wall time of the whole process, and its peak
RSS (5 runs under /usr/bin/time, when installed).
Prints one line per figure with the median, 90th percentile and maximum over RUNS (20).
"""
import http.server
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def serve(event: bytes):
    arrivals = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"{}", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path.endswith("/runtime/invocation/next"):
                arrivals.put(("next", time.perf_counter()))
                deadline = str(int(time.time() * 1000) + 30_000)
                self.reply(200, event, [
                    ("Lambda-Runtime-Aws-Request-Id", "bench-request"),
                    ("Lambda-Runtime-Deadline-Ms", deadline),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:123456789012:function:security-log-forwarder"),
                ])
            else:
                self.reply(404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if self.path.startswith("/api/v2/logs"):
                self.reply(202)
            else:
                kind = "response" if self.path.endswith("/response") else "error"
                arrivals.put((kind, time.perf_counter()))
                self.reply(202)

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # the forwarder is killed mid-poll at the end of each run

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrivals


def lambda_run(binary, event):
    # A server per run, so that a poll from the previous process cannot be taken for this one's.
    server, arrivals = serve(event)
    port = server.server_address[1]
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", AWS_LAMBDA_FUNCTION_NAME="security-log-forwarder",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
               AWS_LAMBDA_LOG_STREAM_NAME="bench", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench",
               AWS_REGION="us-east-1", DD_API_KEY="bench", DD_URL=f"http://127.0.0.1:{port}")
    start = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kind, ready = arrivals.get(timeout=10)
        assert kind == "next", kind
        kind, done = arrivals.get(timeout=10)
        if kind != "response":
            raise SystemExit("the forwarder reported an invocation error for the sample event")
        return (ready - start) * 1000, (done - start) * 1000
    finally:
        process.kill()
        process.wait()
        server.shutdown()
        server.server_close()


def dry_run(binary, event_path, measure_rss=False):
    """Wall ms of one dry run; with measure_rss, its peak RSS in MiB instead (through
    /usr/bin/time: a child's own rusage would include the Python process it was forked from)."""
    env = dict(os.environ)
    env.pop("DD_API_KEY", None)
    command = [binary, "invoke", "--dry-run", event_path]
    with tempfile.NamedTemporaryFile("r") as rss_file:
        if measure_rss:
            command = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + command
        start = time.perf_counter()
        status = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        elapsed = (time.perf_counter() - start) * 1000
        if status != 0:
            raise SystemExit(f"invoke --dry-run {event_path} failed")
        return int(rss_file.read().strip()) / 1024 if measure_rss else elapsed


def line(name, values, unit="ms"):
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    print(f"{name} median_{unit}={statistics.median(values):.1f} p90_{unit}={p90:.1f} max_{unit}={values[-1]:.1f} runs={len(values)}")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    binary, event_path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    with open(event_path, "rb") as f:
        event = f.read()
    ready, first = zip(*(lambda_run(binary, event) for _ in range(runs)))
    line("lambda_ready", ready)
    line("lambda_first_event", first)
    line("invoke_dry_run", [dry_run(binary, event_path) for _ in range(runs)])
    if os.path.exists("/usr/bin/time"):
        line("invoke_dry_run_rss", [dry_run(binary, event_path, measure_rss=True) for _ in range(5)], unit="mib")


if __name__ == "__main__":
    main()
