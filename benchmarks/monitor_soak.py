"""CPU share and memory growth of `tradecheck monitor` over a long API-only run.

Starts PaperTrade (test mode, temporary database) itself, then the monitor as a separate process
pointed at it with --base-url, so the figures are the monitor's alone. Samples the monitor's RSS
and CPU time from /proc every `--sample` seconds and prints: CPU share (CPU seconds / wall
seconds), RSS at the first sample after warm-up, at the end, the growth between them and the
slope of a least-squares line through the samples after warm-up (KiB per hour), and the number
of results the monitor stored. Exit 0 when the run completed (the figures are reported, not
enforced). Linux only (/proc).

    .venv/bin/python benchmarks/monitor_soak.py --duration 60m [--interval 30s] [--sample 10]
        [--out /tmp/monitor-soak.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.embedded_app import EmbeddedApp  # noqa: E402
from monitor.config import parse_duration  # noqa: E402

WARM_UP_S = 120.0
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_kib(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB


def slope_per_hour(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_r = sum(r for _, r in samples) / n
    numerator = sum((t - mean_t) * (r - mean_r) for t, r in samples)
    denominator = sum((t - mean_t) ** 2 for t, _ in samples) or 1.0
    return numerator / denominator * 3600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="60m", help="how long the monitor runs (default 60m)")
    parser.add_argument("--interval", default="30s", help="every check's interval (default 30s)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = parser.parse_args()
    duration = parse_duration(args.duration, "--duration")

    with tempfile.TemporaryDirectory(prefix="monitor-soak-") as workdir:
        work = Path(workdir)
        app = EmbeddedApp(work)
        base_url = app.start()
        store = f"sqlite:///{work / 'monitor.db'}"
        command = [
            sys.executable, "-m", "monitor", "--base-url", base_url, "--duration", args.duration,
            "--interval", args.interval, "--store", store, "--status-dir", str(work / "status"),
        ]  # fmt: skip
        log_path = work / "monitor.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("TRADECHECK_WEBHOOK_URL", None)
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        started = time.monotonic()
        samples: list[tuple[float, int]] = []
        cpu = 0.0
        try:
            while process.poll() is None:
                try:
                    cpu = cpu_seconds(process.pid)
                    samples.append((time.monotonic() - started, rss_kib(process.pid)))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    break
                time.sleep(args.sample)
            process.wait(timeout=duration + 120)
        except KeyboardInterrupt:
            process.send_signal(signal.SIGTERM)
            process.wait()
        finally:
            app.stop()
        wall = time.monotonic() - started
        lines = log_path.read_text().splitlines()
        results = sum(1 for line in lines if line[:2].isdigit())
        downs = sum(1 for line in lines if " down " in line)
        steady = [s for s in samples if s[0] >= WARM_UP_S] or samples
        figures = {
            "duration_s": round(wall, 1),
            "interval": args.interval,
            "exit_code": process.returncode,
            "results": results,
            "down_results": downs,
            "cpu_seconds": round(cpu, 2),
            "cpu_share_percent": round(100 * cpu / wall, 3) if wall else None,
            "rss_first_kib": samples[0][1] if samples else None,
            "rss_after_warmup_kib": steady[0][1] if steady else None,
            "rss_end_kib": samples[-1][1] if samples else None,
            "rss_max_kib": max((r for _, r in samples), default=None),
            "rss_growth_after_warmup_kib": steady[-1][1] - steady[0][1] if steady else None,
            "rss_slope_kib_per_hour": round(slope_per_hour(steady), 1),
            "samples": len(samples),
        }
        print(json.dumps(figures, indent=2))
        if args.out:
            args.out.write_text(json.dumps({**figures, "rss_samples": samples}, indent=2))
        if lines and process.returncode != 0:
            print("\n".join(lines[-10:]), file=sys.stderr)
    return 0 if process.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
