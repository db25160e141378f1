"""The critical routes' latency at a realistic volume, on SQLite or PostgreSQL.

Seeds a new database (`papertrade seed`: by default 1,000 accounts and 200,000 orders), starts
PaperTrade on it over real HTTP, then one client walks through seeded accounts picked at random
and times each critical request (harness.query_plans.CRITICAL_REQUESTS): the session lookup (the
account's first request, before the session is cached), portfolio, orders, open orders, an order
by id, transactions, quotes, placing an order, and signing in (scrypt at full cost, so fewer
samples). One client on purpose: this measures what the volume costs each query, not contention
(benchmarks/api_latency.py measures that). Prints count, p50, p95, max in ms and the mean of the
queries each request ran (from Server-Timing). Exit 0 when the run completed; 3 when the
database cannot be reached.

    .venv/bin/python benchmarks/db_volume.py                                  # SQLite, a temporary file
    .venv/bin/python benchmarks/db_volume.py --server-url "$(.ci/postgres-up)"  # a new database there
    .venv/bin/python benchmarks/db_volume.py --accounts 200 --orders 20000 --samples 50
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

from api_latency import HOST, ROOT, Connection, free_port, percentile, wait_healthy
from sqlalchemy.engine import make_url

sys.path.insert(0, str(ROOT))
from harness.query_plans import CRITICAL_REQUESTS
from harness.server_timing import database_work
from harness.worker_database import WorkerDatabaseError, worker_database
from papertrade import seeding
from papertrade.db import safe_url

LOGIN_SAMPLES = 20


def start_server(port: int, database_url: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "papertrade", "--test-mode", "--port", str(port), "--tick-interval", "3600",
        "--database-url", database_url, "--log-level", "warning",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_healthy(f"http://{HOST}:{port}", process)
    return process


def measure(
    base: str, accounts: list[int], samples: int
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Per critical request: latencies (ms) and the queries each ran."""
    latencies: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    for index, account_id in enumerate(accounts[:samples]):
        connection = Connection(base)
        connection.headers["Cookie"] = f"pt_session={seeding.session_token(account_id)}"
        connection.headers["X-CSRF-Token"] = f"seeded-csrf-{account_id}"
        values = {"username": f"{seeding.USERNAME_PREFIX}{account_id}", "password": seeding.SEED_PASSWORD}
        for critical in CRITICAL_REQUESTS:
            if critical.name == "login" and index >= LOGIN_SAMPLES:
                continue
            if critical.name == "order by id":
                listed, _ = connection.json("GET", "/api/orders?limit=1")
                values["order_id"] = listed["orders"][0]["id"]
            method, path, body = critical.render(**values)
            payload = None if body is None else json.dumps(body).encode()
            began = time.perf_counter()
            status, raw, response = connection.send(method, path, payload)
            latencies[critical.name].append((time.perf_counter() - began) * 1000)
            if status >= 300:
                raise SystemExit(f"db_volume: {critical.name} answered {status}: {raw[:200]!r}")
            work = database_work(response.getheader("Server-Timing"))
            queries[critical.name].append(work.queries if work else -1)
    return latencies, queries


def report(title: str, latencies: dict[str, list[float]], queries: dict[str, list[int]]) -> None:
    print(title)
    print(f"{'route':<16}{'count':>7}{'p50':>9}{'p95':>9}{'max':>9}{'queries':>9}")
    for critical in CRITICAL_REQUESTS:
        values = latencies[critical.name]
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        mean_queries = statistics.mean(queries[critical.name])
        print(
            f"{critical.name:<16}{len(values):>7}{p50:>9.1f}{p95:>9.1f}{max(values):>9.1f}{mean_queries:>9.1f}"
        )


def run(url: str, args: argparse.Namespace) -> None:
    seeded = seeding.seed(url, accounts=args.accounts, orders=args.orders)
    print(
        f"seeded {safe_url(url)}: {seeded.accounts} accounts, {seeded.orders} orders, "
        f"{seeded.transactions} transactions in {seeded.seconds:.1f} s"
    )
    port = free_port()
    process = start_server(port, url)
    try:
        first = int(seeded.first_username.removeprefix(seeding.USERNAME_PREFIX))
        accounts = random.Random(1).sample(
            range(first, first + seeded.accounts), min(args.samples, seeded.accounts)
        )
        latencies, queries = measure(f"http://{HOST}:{port}", accounts, args.samples)
    finally:
        process.terminate()
        process.wait(timeout=15)
    report(
        f"critical routes at {seeded.orders} orders, ms ({make_url(url).get_backend_name()})",
        latencies,
        queries,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200, help="accounts walked through (default 200)")
    args = parser.parse_args()
    if args.accounts < 1 or args.orders < args.accounts or args.samples < 1:
        print(
            "db_volume: --accounts and --samples must be at least 1, --orders at least --accounts",
            file=sys.stderr,
        )
        return 2
    try:
        with (
            tempfile.TemporaryDirectory(prefix="db-volume-") as scratch,
            worker_database(args.server_url, "db_volume") as server_database,
        ):
            run(server_database or f"sqlite:///{scratch}/papertrade.db", args)
    except WorkerDatabaseError as exc:
        print(f"db_volume: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
