"""Live progress of a running pytest, read from the results JSONL as ci.pytest_results writes it.

Prints a line every few seconds while something changed (done of total, failures, per browser)
and one line at once for each failed test: plain lines that read well in a CI log.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from ci.gates import FAILED_OUTCOMES


class Progress:
    def __init__(
        self, results_file: Path, out: TextIO | None = None, interval_s: float = 10.0, poll_s: float = 0.5
    ):
        self.results_file = results_file
        self.out = out or sys.stdout
        self.interval_s = interval_s
        self.poll_s = poll_s
        self.total: int | None = None
        self.per_browser_total: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.flaky = 0
        self.collect_errors = 0
        self._offset = 0
        self._pending = ""
        self._started = self._last_time = time.monotonic()
        self._last_printed = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tradecheck-progress", daemon=True)

    def start(self) -> Progress:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.poll()
        if self._state() != self._last_printed:
            self._print_line()

    def _state(self):
        return sum(self.done.values()), sum(self.failed.values()), self.total

    def _print_line(self) -> None:
        self.out.write(self.line() + "\n")
        self.out.flush()
        self._last_printed, self._last_time = self._state(), time.monotonic()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.poll()
            if self._state() != self._last_printed and time.monotonic() - self._last_time >= self.interval_s:
                self._print_line()

    def poll(self) -> None:
        try:
            with self.results_file.open("r", encoding="utf-8") as stream:
                stream.seek(self._offset)
                chunk = stream.read()
                self._offset = stream.tell()
        except FileNotFoundError:
            return
        text = self._pending + chunk
        *lines, self._pending = text.split("\n")
        for line in lines:
            try:
                self.handle(json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue

    def handle(self, record: dict) -> None:
        kind = record.get("kind")
        if kind == "collected":
            self.total = record.get("total")
            self.per_browser_total = dict(record.get("per_browser") or {})
        elif kind == "collect_error":
            self.collect_errors += 1
            self.out.write(
                f"  ERROR   collecting {record.get('nodeid') or '?'}: {_first_line(record.get('message'))}\n"
            )
            self.out.flush()
        elif kind == "test":
            browser = record.get("browser") or "any"
            self.done[browser] = self.done.get(browser, 0) + 1
            if record.get("flaky"):
                self.flaky += 1
                self.out.write(f"  FLAKY   {record['nodeid']} (passed on attempt {record.get('attempts')})\n")
            if record.get("outcome") in FAILED_OUTCOMES:
                self.failed[browser] = self.failed.get(browser, 0) + 1
                word = "FAILED" if record["outcome"] == "failed" else "ERROR "
                self.out.write(f"  {word}  {record['nodeid']} — {_first_line(record.get('message'))}\n")
            self.out.flush()

    def line(self) -> str:
        done = sum(self.done.values())
        failed = sum(self.failed.values())
        elapsed = int(time.monotonic() - self._started)
        parts = [f"progress {done}/{self.total if self.total is not None else '?'} done", f"{failed} failed"]
        if self.flaky:
            parts.append(f"{self.flaky} flaky")
        if self.collect_errors:
            parts.append(f"{self.collect_errors} collection errors")
        for browser in sorted(set(self.per_browser_total) | set(self.done), key=lambda b: (b == "any", b)):
            label = "no browser" if browser == "any" else browser
            total = self.per_browser_total.get(browser, "?")
            text = f"{label} {self.done.get(browser, 0)}/{total}"
            if self.failed.get(browser):
                text += f" ({self.failed[browser]} failed)"
            parts.append(text)
        parts.append(f"{elapsed // 60:02d}:{elapsed % 60:02d}")
        return " · ".join(parts)


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n", 1)[0][:200]
