"""reports/: run folders, the atomic `latest` switch, history kept and trimmed, old runs pruned."""

import os
import threading
from datetime import UTC, datetime

import pytest

from ci import reports

pytestmark = pytest.mark.unit

NOON = datetime(2030, 1, 2, 12, 0, 0, tzinfo=UTC)


def test_run_folders_are_named_by_utc_time_and_profile_and_never_reused(tmp_path):
    first = reports.new_run_dir(tmp_path, "smoke", NOON)
    second = reports.new_run_dir(tmp_path, "smoke", NOON)
    assert first == tmp_path / "runs" / "20300102T120000Z-smoke"
    assert second == tmp_path / "runs" / "20300102T120000Z-smoke-2"


def test_latest_is_a_relative_link_switched_by_rename(tmp_path):
    old = reports.new_run_dir(tmp_path, "smoke", NOON)
    new = reports.new_run_dir(tmp_path, "regression", NOON)
    reports.switch_latest(tmp_path, old)
    reports.switch_latest(tmp_path, new)
    link = tmp_path / "latest"
    assert os.readlink(link) == os.path.join("runs", new.name)
    assert reports.latest_target(tmp_path) == new.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "runs"]  # no temporary link left over


def test_a_reader_never_sees_latest_missing_while_it_is_switched(tmp_path):
    runs = [reports.new_run_dir(tmp_path, f"run{i}", NOON) for i in range(2)]
    for run in runs:
        (run / "signoff.md").write_text(run.name)
    reports.switch_latest(tmp_path, runs[0])
    misses = []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                (tmp_path / "latest" / "signoff.md").read_text()
            except FileNotFoundError:
                misses.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(300):
        reports.switch_latest(tmp_path, runs[i % 2])
    done.set()
    reader.join()
    assert misses == []


def test_history_is_worked_on_as_a_copy_and_kept_trimmed(tmp_path):
    history = tmp_path / "history" / "regression.jsonl"
    history.parent.mkdir()
    history.write_text("".join(f'{{"run": {i}}}\n' for i in range(5)))
    run = reports.new_run_dir(tmp_path, "nightly", NOON)

    working = reports.prepare_history(tmp_path, run, limit=3, profile="regression")
    assert working.parent == run
    assert working.read_text().splitlines() == ['{"run": 2}', '{"run": 3}', '{"run": 4}']
    with working.open("a") as stream:  # what Allure does while generating the report
        stream.write('{"run": 5}\n')
    assert history.read_text().count("\n") == 5  # untouched until the report is complete

    reports.commit_history(tmp_path, working, limit=3, profile="regression")
    assert history.read_text().splitlines() == ['{"run": 3}', '{"run": 4}', '{"run": 5}']
    assert not working.exists()
    assert sorted(p.name for p in history.parent.iterdir()) == ["regression.jsonl"]


def test_an_interrupted_run_leaves_history_and_latest_as_they_were(tmp_path):
    finished = reports.new_run_dir(tmp_path, "nightly", NOON)
    reports.switch_latest(tmp_path, finished)
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "regression.jsonl").write_text('{"run": 1}\n')
    interrupted = reports.new_run_dir(tmp_path, "nightly", NOON)
    working = reports.prepare_history(tmp_path, interrupted, limit=20, profile="regression")
    working.write_text("half a line")  # then Ctrl-C: neither commit_history nor switch_latest runs
    assert (tmp_path / "history" / "regression.jsonl").read_text() == '{"run": 1}\n'
    assert reports.latest_target(tmp_path) == finished.resolve()


def test_old_runs_are_pruned_but_never_the_latest(tmp_path):
    runs = [
        reports.new_run_dir(tmp_path, "smoke", datetime(2030, 1, 1, 0, 0, i, tzinfo=UTC)) for i in range(5)
    ]
    reports.switch_latest(tmp_path, runs[0])  # an old run is still the latest finished one
    removed = reports.prune_runs(tmp_path, keep=2)
    assert removed == runs[1:3]
    assert sorted((tmp_path / "runs").iterdir()) == [runs[0], runs[3], runs[4]]
