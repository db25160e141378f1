"""A monitor run against PaperTrade with an outage injected through test mode, end to end.

Starts PaperTrade (test mode, temporary database), a local Slack-compatible webhook receiver that
counts the messages by kind, and `tradecheck monitor --duration D` pointed at both. At `--at`
into the run it injects an outage of `--outage` seconds through the fault routes (every route
answers 503 and the stream refuses connections). At the end it prints the injected and the
measured downtime (availability of each check, and the incidents of the status page), the
webhook messages by kind, and takes a screenshot of status.html in headless Chromium.

Exit 0 when the figures agree: every check's measured unavailability within one check interval
of the injected outage, exactly one "down" and one "recovered" message, and the status page
shows the incident with its duration.

    .venv/bin/python benchmarks/monitor_outage.py [--duration 10m] [--outage 60] [--at 240]
        [--interval 10s] [--screenshot /tmp/monitor-status.png] [--out /tmp/outage.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.embedded_app import EmbeddedApp  # noqa: E402
from monitor.config import DEFAULT_CONFIG, parse_duration  # noqa: E402

KIND = re.compile(r"\b(DOWN|DEGRADED|RECOVERED|REMINDER|BURNING):")


class Receiver(BaseHTTPRequestHandler):
    messages: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.messages.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # quiet
        pass


def start_receiver() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def screenshot(page: Path, out: Path) -> str:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-background-networking"]
        )
        tab = browser.new_page(viewport={"width": 1100, "height": 1400})
        tab.goto(page.as_uri())
        incidents = tab.get_by_test_id("incidents")
        text = incidents.inner_text() if incidents.count() else "(no incidents table)"
        tab.screenshot(path=str(out), full_page=True)
        browser.close()
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="10m")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds")
    parser.add_argument("--at", type=float, default=240.0, help="seconds into the run")
    parser.add_argument("--interval", default="10s")
    parser.add_argument("--screenshot", type=Path, default=Path("/tmp/monitor-status.png"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    duration = parse_duration(args.duration, "--duration")
    interval = parse_duration(args.interval, "--interval")

    server, hook = start_receiver()
    with tempfile.TemporaryDirectory(prefix="monitor-outage-") as workdir:
        work = Path(workdir)
        app = EmbeddedApp(work)
        base_url = app.start()
        config = yaml.safe_load(DEFAULT_CONFIG.read_text())
        # this machine is shared: a slow sign-in must not turn into a "degraded" alert here
        config["defaults"]["degraded"] = "5s"
        (work / "monitor.yaml").write_text(yaml.safe_dump(config))
        status_dir = work / "status"
        store = f"sqlite:///{work / 'monitor.db'}"
        command = [
            sys.executable, "-m", "monitor", "--config", str(work / "monitor.yaml"), "--base-url", base_url,
            "--duration", args.duration, "--interval", args.interval, "--store", store,
            "--status-dir", str(status_dir), "--notify", hook,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        log_path = work / "monitor.log"
        started = time.monotonic()
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            time.sleep(args.at)
            injected_at = time.monotonic() - started
            requests.post(
                f"{base_url}/api/test/faults",
                json={"path": "/", "status": 503, "duration_s": args.outage},
                timeout=5,
            ).raise_for_status()
            requests.post(
                f"{base_url}/api/test/faults/stream",
                json={"down": True, "duration_s": args.outage},
                timeout=5,
            ).raise_for_status()
            print(f"outage of {args.outage:g} s injected at {injected_at:.1f} s", flush=True)
            process.wait(timeout=duration + 300)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()
            app.stop()
            server.shutdown()
        wall = time.monotonic() - started
        print(log_path.read_text()[-4000:], file=sys.stderr)
        report = subprocess.run(
            [sys.executable, "-m", "monitor", "report", "--window", "1h", "--store", store, "--json"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        table = json.loads(report.stdout)
        status = json.loads((status_dir / "status.json").read_text())
        incident_text = screenshot(status_dir / "status.html", args.screenshot)
        kinds = Counter(
            (KIND.search(m.get("text", "")) or re.match("(.*)", "OTHER")).group(1) for m in Receiver.messages
        )
        injected = 100 * args.outage / wall
        per_check = {
            name: {
                "results": rows[0]["total"],
                "availability": round(rows[0]["availability"], 3),
                "unavailable_s": round((100 - rows[0]["availability"]) / 100 * wall, 1),
            }
            for name, rows in table.items()
        }
        tolerance = 100 * interval / wall
        figures = {
            "wall_s": round(wall, 1),
            "interval_s": interval,
            "injected_outage_s": args.outage,
            "injected_unavailability_percent": round(injected, 3),
            "tolerance_percent": round(tolerance, 3),
            "checks": per_check,
            "incidents": [
                {k: i[k] for k in ("check", "started_at", "ended_at", "duration_s", "step", "cause")}
                for i in status["incidents"]
            ],
            "webhook_messages": dict(kinds),
            "monitor_exit_code": process.returncode,
            "report_exit_code": report.returncode,
            "screenshot": str(args.screenshot),
            "status_page_incidents_text": incident_text,
        }
        print(json.dumps(figures, indent=2))
        if args.out:
            args.out.write_text(json.dumps({**figures, "messages": Receiver.messages}, indent=2))
        agree = (
            all(abs((100 - c["availability"]) - injected) <= tolerance for c in per_check.values())
            and kinds["DOWN"] == 1
            and kinds["RECOVERED"] == 1
            and all(i["ended_at"] for i in status["incidents"])
            and process.returncode == 0
        )
        print("AGREE" if agree else "DISAGREE")
        if not agree:
            print(log_path.read_text()[-3000:], file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
