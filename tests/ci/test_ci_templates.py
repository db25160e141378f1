"""The CI templates: least privilege, test results published once, history kept between runs."""

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PUBLISHER = "EnricoMi/publish-unit-test-result-action@v2"


@pytest.fixture(scope="module")
def github():
    return yaml.safe_load((ROOT / ".github" / "workflows" / "e2e.yml").read_text())


@pytest.fixture(scope="module")
def gitlab():
    return yaml.safe_load((ROOT / "ci" / "gitlab-ci.yml").read_text())


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action)]


def test_github_reads_by_default_and_only_publishing_jobs_write_checks(github):
    assert github["permissions"] == {"contents": "read"}
    writers = {
        name: job["permissions"]
        for name, job in github["jobs"].items()
        if "write" in (job.get("permissions") or {}).values()
    }
    assert sorted(writers) == ["merge", "smoke"]
    for permissions in writers.values():
        assert {k for k, v in permissions.items() if v == "write"} == {"checks", "pull-requests"}


def test_github_publishes_junit_from_smoke_and_the_merge_never_from_a_shard(github):
    jobs = github["jobs"]
    assert steps_using(jobs["e2e"], "EnricoMi/") == []
    (smoke,) = steps_using(jobs["smoke"], "EnricoMi/")
    (merged,) = steps_using(jobs["merge"], "EnricoMi/")
    assert (smoke["uses"], merged["uses"]) == (PUBLISHER, PUBLISHER)
    assert smoke["with"]["files"] == "reports/latest/junit.xml"
    assert merged["with"]["files"] == "${{ env.REPORT_DIR }}/junit.xml"
    assert smoke["if"] == merged["if"] == "always()"


def test_github_keeps_the_allure_history_of_each_profile_in_the_cache(github):
    for job, key in (("smoke", "smoke"), ("merge", "${{ env.PROFILE }}")):
        restore = steps_using(github["jobs"][job], "actions/cache/restore@")[0]["with"]
        save = steps_using(github["jobs"][job], "actions/cache/save@")[0]["with"]
        assert restore["path"] == save["path"] == "reports/history"
        assert restore["restore-keys"] == f"tradecheck-history-{key}-"
        assert save["key"].startswith(f"tradecheck-history-{key}-")


def test_gitlab_publishes_junit_once_and_every_job_has_rules_and_is_interruptible(gitlab):
    jobs = {name: job for name, job in gitlab.items() if name.startswith("tradecheck:")}
    with_junit = [name for name, job in jobs.items() if "reports" in job.get("artifacts", {})]
    assert with_junit == ["tradecheck:report"]
    assert "reports" not in gitlab[".tradecheck"]["artifacts"]
    assert gitlab[".tradecheck"]["interruptible"] is True
    assert gitlab[".tradecheck"]["rules"]
    assert all(rule["when"] == "always" for rule in jobs["tradecheck:report"]["rules"])
    assert "when" not in jobs["tradecheck:report"]  # GitLab refuses a job-level `when` with rules
    history = [c for c in jobs["tradecheck:report"]["cache"] if c["paths"] == ["reports/history/"]]
    assert history == [{"key": "tradecheck-history-$TRADECHECK_PROFILE", "paths": ["reports/history/"]}]


def test_nightly_and_release_run_the_app_on_postgresql_and_other_profiles_on_sqlite(github, gitlab):
    shard = github["jobs"]["e2e"]
    assert shard["services"]["postgres"]["image"].startswith("postgres:")
    (run,) = [step for step in shard["steps"] if "--shard" in step.get("run", "")]
    chooser = run["env"]["TRADECHECK_APP_DATABASE_URL"]
    assert """contains(fromJSON('["nightly", "release"]'), env.PROFILE)""" in chooser
    assert chooser.rstrip().endswith("|| '' }}")  # empty: SQLite
    job = gitlab["tradecheck:shard"]
    assert job["services"][0]["name"].startswith("postgres:")
    assert 'if [ "$TRADECHECK_PROFILE" = nightly ] || [ "$TRADECHECK_PROFILE" = release ]' in job["script"][0]
