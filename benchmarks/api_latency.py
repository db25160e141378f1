"""API latency under concurrent load against a local PaperTrade in test mode.

Starts the server on a free 127.0.0.1 port with a temporary database, creates one user per
client, then runs N client threads (one requests.Session each) for a fixed number of requests
with a realistic mix, and prints count, p50/p95/p99/max in ms and requests/s per endpoint and
overall. Exit 0 when the run completed (the p95 goal is reported, not enforced).

    .venv/bin/python benchmarks/api_latency.py [--clients 20] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
P95_GOAL_MS = 50.0
# (endpoint label, weight): the mix a trading screen produces — mostly reads, some orders.
MIX = (("GET /api/quotes", 4), ("GET /api/portfolio", 3), ("POST /api/orders", 2), ("GET /api/orders", 1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, database: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "papertrade", "--test-mode", "--port", str(port),
        "--database-url", f"sqlite:///{database}", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"api_latency: the server exited with {process.returncode} while starting")
        try:
            if requests.get(f"http://{HOST}:{port}/health", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("api_latency: the server did not become healthy within 30 s")


def make_client(base: str, index: int) -> requests.Session:
    user = requests.post(f"{base}/api/test/users", json={"username": f"bench{index}"}, timeout=10).json()
    session = requests.Session()
    login = session.post(
        f"{base}/api/auth/login",
        json={"username": user["username"], "password": user["password"]},
        timeout=10,
    )
    login.raise_for_status()
    session.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return session


def run_client(session: requests.Session, base: str, count: int, symbol: str, samples, errors, lock) -> None:
    schedule = [label for label, weight in MIX for _ in range(weight)]
    local: dict[str, list[float]] = defaultdict(list)
    failures = 0
    for i in range(count):
        label = schedule[i % len(schedule)]
        method, path = label.split(" ", 1)
        body = (
            {"symbol": symbol, "side": "buy", "type": "market", "quantity": 1} if method == "POST" else None
        )
        started = time.perf_counter()
        response = session.request(method, base + path, json=body, timeout=10)
        local[label].append((time.perf_counter() - started) * 1000)
        failures += response.status_code >= 400
    with lock:
        for label, values in local.items():
            samples[label].extend(values)
        errors.append(failures)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(samples: dict[str, list[float]], elapsed: float) -> float:
    print(f"{'endpoint':<22}{'count':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'req/s':>9}")
    every = [value for values in samples.values() for value in values]
    for label, values in [*sorted(samples.items()), ("overall", every)]:
        print(
            f"{label:<22}{len(values):>7}{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{percentile(values, 0.99):>9.1f}{max(values):>9.1f}{len(values) / elapsed:>9.1f}"
        )
    return percentile(every, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--requests", type=int, default=200, help="requests per client (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="papertrade-bench-") as tmp:
        port = free_port()
        server = start_server(port, Path(tmp) / "bench.db")
        base = f"http://{HOST}:{port}"
        try:
            symbol = requests.post(f"{base}/api/test/instruments", json={"price": "10.00"}, timeout=10).json()
            sessions = [make_client(base, index) for index in range(args.clients)]
            samples: dict[str, list[float]] = defaultdict(list)
            errors: list[int] = []
            lock = threading.Lock()
            threads = [
                threading.Thread(
                    target=run_client, args=(s, base, args.requests, symbol["symbol"], samples, errors, lock)
                )
                for s in sessions
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
    print(f"PaperTrade API latency: {args.clients} clients x {args.requests} requests, {elapsed:.1f} s")
    p95 = report(samples, elapsed)
    print(
        f"errors: {sum(errors)}; p95 goal < {P95_GOAL_MS:.0f} ms: {'met' if p95 < P95_GOAL_MS else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
