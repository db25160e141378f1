"""API latency under concurrent load against a local PaperTrade in test mode.

Starts the server on a free 127.0.0.1 port with a temporary database (or uses `--url`), creates
one user per client, then runs N client *processes*, each signed in on its own keep-alive
connection, which send a fixed number of requests back to back in a trading screen's mix. It
prints count, p50/p95/p99/max in ms and requests/s per endpoint and overall, then the server's
CPU time per request. Exit 0 when the run completed (the p95 goal is reported, not enforced).

The clients are separate processes on `http.client` on purpose: twenty threads of one Python
process wait for each other's GIL, and that wait lands in the measured latency. With one process
per client the figures are the server's, plus a small share of the CPU the clients need.
`--floor` first runs the same clients against `GET /health`, which shows what the HTTP stack and
the load generator cost on the machine of the day.

    .venv/bin/python benchmarks/api_latency.py [--clients 20] [--requests 200] [--floor]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
P95_GOAL_MS = 50.0
# (method, path, weight): the mix a trading screen produces — mostly reads, some orders.
MIX = (
    ("GET", "/api/quotes", 4),
    ("GET", "/api/portfolio", 3),
    ("POST", "/api/orders", 2),
    ("GET", "/api/orders", 1),
)
FLOOR = (("GET", "/health", 1),)
JSON_HEADERS = {"Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Connection:
    """One keep-alive connection that answers (status, parsed JSON or None, headers)."""

    def __init__(self, base: str) -> None:
        url = urllib.parse.urlsplit(base)
        factory = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self.http = factory(url.hostname, url.port, timeout=30)
        self.prefix = url.path.rstrip("/")
        self.headers: dict[str, str] = dict(JSON_HEADERS)

    def send(self, method: str, path: str, body: bytes | None = None):
        self.http.request(method, self.prefix + path, body=body, headers=self.headers)
        response = self.http.getresponse()
        raw = response.read()
        return response.status, raw, response

    def json(self, method: str, path: str, payload: object = None):
        body = None if payload is None else json.dumps(payload).encode()
        status, raw, response = self.send(method, path, body)
        if status >= 400:
            raise SystemExit(f"api_latency: {method} {path} answered {status}: {raw[:200]!r}")
        return json.loads(raw) if raw else None, response


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"api_latency: the server exited with {process.returncode} while starting")
        try:
            if Connection(base).send("GET", "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"api_latency: the server did not become healthy within {seconds:.0f} s")


def start_server(port: int, database: Path, log_level: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "papertrade", "--test-mode", "--port", str(port),
        "--database-url", f"sqlite:///{database}", "--log-level", log_level,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://{HOST}:{port}", process)
    return process


def sign_in(base: str, credentials: dict[str, str]) -> Connection:
    connection = Connection(base)
    login, response = connection.json("POST", "/api/auth/login", credentials)
    headers = response.getheaders()
    cookies = [value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie"]
    connection.headers["Cookie"] = "; ".join(cookies)
    connection.headers["X-CSRF-Token"] = login["csrf_token"]
    return connection


def client(base, credentials, symbol, mix, count, start, results) -> None:
    """One client process: sign in, one untimed request of each kind, then `count` timed ones."""
    connection = sign_in(base, credentials)
    order = json.dumps({"symbol": symbol, "side": "buy", "type": "market", "quantity": 1}).encode()
    schedule = [(method, path) for method, path, weight in mix for _ in range(weight)]
    for method, path in dict.fromkeys(schedule):
        connection.send(method, path, order if method == "POST" else None)
    samples: dict[str, list[float]] = defaultdict(list)
    errors = 0
    start.wait()
    for index in range(count):
        method, path = schedule[index % len(schedule)]
        began = time.perf_counter()
        status, _, _ = connection.send(method, path, order if method == "POST" else None)
        samples[f"{method} {path}"].append((time.perf_counter() - began) * 1000)
        errors += status >= 400
    results.put((dict(samples), errors))


def run_load(base: str, users: list[dict], symbol: str, mix, count: int, server_pid: int | None):
    """All clients at once; returns (samples by endpoint, errors, elapsed seconds, server CPU
    seconds over the timed part, None when the server is not ours to read)."""
    start = multiprocessing.Barrier(len(users) + 1)
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client, args=(base, user, symbol, mix, count, start, results))
        for user in users
    ]
    for process in processes:
        process.start()
    start.wait(timeout=60)
    began, cpu_before = time.perf_counter(), cpu_seconds(server_pid)
    gathered = [results.get(timeout=600) for _ in processes]
    elapsed, cpu_after = time.perf_counter() - began, cpu_seconds(server_pid)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    for process in processes:
        process.join()
    samples: dict[str, list[float]] = defaultdict(list)
    for by_endpoint, _ in gathered:
        for label, values in by_endpoint.items():
            samples[label].extend(values)
    return samples, sum(errors for _, errors in gathered), elapsed, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(samples: dict[str, list[float]], elapsed: float, cpu: float | None) -> float:
    print(f"{'endpoint':<22}{'count':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'req/s':>9}")
    every = [value for values in samples.values() for value in values]
    for label, values in [*sorted(samples.items()), ("overall", every)]:
        print(
            f"{label:<22}{len(values):>7}{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{percentile(values, 0.99):>9.1f}{max(values):>9.1f}{len(values) / elapsed:>9.1f}"
        )
    if cpu is not None:
        print(f"server CPU: {cpu * 1000 / len(every):.2f} ms per request")
    return percentile(every, 0.95)


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU of a process (Linux only; None elsewhere or without a pid)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--requests", type=int, default=200, help="requests per client (default 200)")
    parser.add_argument("--url", help="measure a PaperTrade already running in test mode at this URL")
    parser.add_argument("--floor", action="store_true", help="first measure GET /health the same way")
    parser.add_argument(
        "--log-level", default="info", help="the started server's log level (default info, as deployed)"
    )
    args = parser.parse_args()
    if args.clients < 1 or args.requests < 1:
        parser.error("--clients and --requests must be at least 1")
    with tempfile.TemporaryDirectory(prefix="papertrade-bench-") as tmp:
        server = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            server = start_server(free_port(), Path(tmp) / "bench.db", args.log_level)
            base = f"http://{HOST}:{server.args[server.args.index('--port') + 1]}"
        try:
            setup = Connection(base)
            symbol = setup.json("POST", "/api/test/instruments", {"price": "10.00"})[0]["symbol"]
            stamp = time.strftime("%H%M%S")
            users = [
                setup.json("POST", "/api/test/users", {"username": f"bench{stamp}x{index}"})[0]
                for index in range(args.clients)
            ]
            credentials = [{"username": u["username"], "password": u["password"]} for u in users]
            pid = server.pid if server else None
            print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            if args.floor:
                samples, _, elapsed, cpu = run_load(base, credentials, symbol, FLOOR, args.requests, pid)
                print(f"floor: {args.clients} clients x {args.requests} GET /health, {elapsed:.1f} s")
                report(samples, elapsed, cpu)
            samples, errors, elapsed, cpu = run_load(base, credentials, symbol, MIX, args.requests, pid)
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=15)
    print(f"PaperTrade API latency: {args.clients} clients x {args.requests} requests, {elapsed:.1f} s")
    p95 = report(samples, elapsed, cpu)
    print(f"errors: {errors}; p95 goal < {P95_GOAL_MS:.0f} ms: {'met' if p95 < P95_GOAL_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
