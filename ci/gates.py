"""The release gates: one small pure function per gate, registered in GATES with its name, unit and
default threshold. `tradecheck gates` lists them from here; profiles choose which ones decide.

A gate function reads the run's facts (RunFacts, derived once from a run folder) and returns a
Measure: the figure and one line of detail naming what drove it. `decide` then compares the figure
with the profile's threshold. The arithmetic behind the figures is in ci.figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ci import dbgate, figures, secrets, webquality
from ci.errors import UsageError
from ci.figures import FAILED_OUTCOMES
from ci.mutate import report as mutate_report
from harness.yamlfile import ConfigFileError
from monitor import signoff as monitor_signoff

if TYPE_CHECKING:
    from ci.appcoverage import AppCoverage
    from ci.rundata import RunData

UPTIME_STORE_VARIABLE = "TRADECHECK_MONITOR_STORE"  # the monitor's result store, for the uptime gate
MAX_NAMED = 12  # flows, tests or requests named in one gate's detail


@dataclass
class RunFacts:
    """What the gates read: a run's records and the figures derived from them, computed once."""

    run: RunData
    catalog: Mapping[str, Mapping] | None
    app_coverage: AppCoverage | None
    strict: bool
    failed: list[dict]
    flaky: list[dict]
    matrix: dict[str, dict[str, str]]
    traffic: figures.TrafficFigures
    recorded: bool  # the harness recorded traffic (else p95, error rate and page errors are unknown)
    database: dbgate.GateFigure  # the worst request's statements over its route's budget
    database_table: list[dbgate.RouteLoad]  # per route: requests, statements and database time
    web: dict[str, tuple[float | None, str]]  # Lighthouse, Web Vitals and asset figures (ci.webquality)
    uptime: tuple[float | None, str] | None = None  # from the monitor's store, when one is given
    mutation: dict | None = None  # the summary of the run's mutation testing, when it ran

    @classmethod
    def of(
        cls,
        run: RunData,
        catalog: Mapping[str, Mapping] | None,
        app_coverage: AppCoverage | None,
        uptime: tuple[float | None, str] | None = None,
    ):
        tests = run.tests
        try:
            database, database_table = dbgate.gate_and_table(run.traffic)
        except ConfigFileError as exc:
            raise UsageError(str(exc)) from None
        return cls(
            run=run,
            catalog=catalog,
            app_coverage=app_coverage,
            strict=run.profile.strict,
            failed=[t for t in tests if t["outcome"] in FAILED_OUTCOMES],
            flaky=[t for t in tests if t.get("flaky")],
            matrix=figures.flow_matrix(tests, catalog, run.browsers) if catalog is not None else {},
            traffic=figures.traffic_figures(run.traffic, [t.get("base_url") for t in run.targets]),
            recorded=bool(run.traffic or run.targets),
            database=database,
            database_table=database_table,
            web=webquality.web_quality_figures(run.directory),
            mutation=mutate_report.read_summary(run.directory / mutate_report.MUTATION_DIR),
            uptime=uptime,
        )


@dataclass(frozen=True)
class Measure:
    figure: float | None  # None: no data
    detail: str = ""
    applicable: bool = True  # False: the gate does not apply to this target (n/a whatever the profile)


@dataclass(frozen=True)
class GateSpec:
    name: str
    title: str
    unit: str  # "%", "ms" or "" for counts
    comparison: str  # ">=", "<" or "<="
    default: float
    measure: Callable[[RunFacts], Measure] = field(repr=False, compare=False)

    def passes(self, figure: float, threshold: float) -> bool:
        if self.comparison == ">=":
            return figure >= threshold
        if self.comparison == "<":
            return figure < threshold
        return figure <= threshold

    def format(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        if self.unit == "%":
            return f"{value:.2f} %" if value < 100 else "100 %"
        if self.unit == "ms":
            return f"{value:.0f} ms"
        return f"{value:g}"

    def format_threshold(self, threshold: float) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.comparison} {threshold:g}{unit}"


@dataclass
class GateResult:
    name: str
    figure: float | None
    threshold: float
    enforced: bool
    detail: str = ""
    # "pass" / "fail"; a gate without data is "n/a", which fails only when strict
    result: str = "n/a"

    @property
    def spec(self) -> GateSpec:
        return GATES[self.name]

    @property
    def failed(self) -> bool:
        return self.enforced and self.result == "fail"

    def reason(self) -> str:
        """One line for "Why NO-GO"."""
        needs = self.spec.format_threshold(self.threshold)
        return f"{self.name}: {self.spec.format(self.figure)} (needs {needs})"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.spec.title,
            "figure": self.figure,
            "display": self.spec.format(self.figure),
            "threshold": self.threshold,
            "comparison": self.spec.comparison,
            "unit": self.spec.unit,
            "enforced": self.enforced,
            "result": self.result,
            "detail": self.detail,
        }


def decide(name: str, measure: Measure, thresholds: Mapping[str, float], strict: bool) -> GateResult:
    """Turn a measure into a GateResult under the profile's thresholds (unlisted gates are info).
    A figure of None is missing data, which fails an enforced gate under strict; a gate that does
    not apply to this target is n/a whatever the profile."""
    spec = GATES[name]
    enforced = name in thresholds
    threshold = thresholds.get(name, spec.default)
    if measure.figure is None:
        result = "fail" if enforced and strict and measure.applicable else "n/a"
    else:
        result = "pass" if spec.passes(measure.figure, threshold) else "fail"
    return GateResult(name, measure.figure, threshold, enforced, measure.detail, result)


def evaluate(facts: RunFacts, thresholds: Mapping[str, float]) -> list[GateResult]:
    """Every registered gate, in registry order."""
    return [decide(name, spec.measure(facts), thresholds, facts.strict) for name, spec in GATES.items()]


# ---- the gates ---------------------------------------------------------------------------------


def failures(facts: RunFacts) -> Measure:
    errors = facts.run.collect_errors
    failing = len(facts.failed) + len(errors) + (len(facts.flaky) if facts.strict else 0)
    detail = f"{len(facts.failed)} failed, {len(errors)} collection error(s)"
    if facts.strict:
        detail += f", {len(facts.flaky)} flaky (a flaky pass counts as a failure under this profile)"
    return Measure(failing, detail)


def flaky(facts: RunFacts) -> Measure:
    return Measure(len(facts.flaky), limited(t["nodeid"] for t in facts.flaky))


def _flows_passed(facts: RunFacts, flow_ids: list[str]) -> Measure:
    if facts.catalog is None:
        return Measure(None, "no flow catalog (config/flows.yaml)")
    percent, uncovered = figures.coverage_percent(facts.matrix, flow_ids, facts.strict)
    detail = f"{len(flow_ids) - len(uncovered)} of {len(flow_ids)} flows"
    if uncovered:
        described = figures.describe_uncovered(facts.matrix, uncovered, facts.strict)
        detail += "; not covered: " + limited(described.split(", "))
    return Measure(percent, detail)


def critical_flows(facts: RunFacts) -> Measure:
    return _flows_passed(facts, [f for f, info in (facts.catalog or {}).items() if info.get("critical")])


def flow_coverage(facts: RunFacts) -> Measure:
    return _flows_passed(facts, list(facts.catalog or {}))


def code_coverage(facts: RunFacts) -> Measure:
    if facts.app_coverage is None:
        return Measure(None, "not measured for this target", applicable=False)
    return Measure(facts.app_coverage.percent, facts.app_coverage.detail)


def p95_ms(facts: RunFacts) -> Measure:
    traffic = facts.traffic
    if not traffic.requests:
        return Measure(None, "no app traffic recorded")
    slowest = ", ".join(
        f"{r.get('method', '?')} {_path(r)} {float(r['duration_ms']):.0f} ms" for r in traffic.slowest[:3]
    )
    return Measure(traffic.p95_ms, f"{traffic.requests} requests; slowest: {slowest}")


def error_rate(facts: RunFacts) -> Measure:
    traffic = facts.traffic
    if not traffic.requests:
        return Measure(None, "no app traffic recorded")
    samples = ", ".join(
        f"{r.get('status') or r.get('failure')} {r.get('method', '?')} {_path(r)}"
        for r in traffic.error_samples[:3]
    )
    detail = f"{traffic.errors} of {traffic.requests} requests" + (f"; e.g. {samples}" if samples else "")
    return Measure(traffic.error_rate, detail)


def queries_per_request(facts: RunFacts) -> Measure:
    return Measure(facts.database.figure, facts.database.detail)


def secret_leaks(facts: RunFacts) -> Measure:
    count, detail = secrets.gate_figure(
        [secrets.Leak.from_json(leak) for leak in facts.run.meta.secret_leaks]
    )
    return Measure(count, detail)


def uptime(facts: RunFacts) -> Measure:
    if facts.uptime is None:
        return Measure(None, f"no monitor store given ({UPTIME_STORE_VARIABLE})", applicable=False)
    return Measure(*facts.uptime)


def web_quality(name: str) -> Callable[[RunFacts], Measure]:
    """The measure of one web-quality gate; its figure comes from ci.webquality. A Lighthouse gate
    is n/a where the profile does not audit (Lighthouse did not run)."""

    def measure(facts: RunFacts) -> Measure:
        figure, detail = facts.web[name]
        return Measure(figure, detail, applicable=figure is not None or not name.startswith("lighthouse"))

    measure.__name__ = name
    return measure


def mutation_score(facts: RunFacts) -> Measure:
    if facts.mutation is None:
        return Measure(None, "no mutation testing in this run (profile mutation)", applicable=False)
    return Measure(*mutate_report.mutation_score_gate(facts.mutation))


def page_errors(facts: RunFacts) -> Measure:
    if not facts.recorded:
        return Measure(None, "no page-error log recorded")
    errors = facts.run.page_errors
    detail = limited(f"{e.get('browser', '?')}: {e['message'][:120]}" for e in errors) if errors else "none"
    return Measure(len(errors), detail)


GATES: dict[str, GateSpec] = {
    spec.name: spec
    for spec in (
        GateSpec("failures", "Tests failed after retries", "", "<=", 0, failures),
        GateSpec("flaky", "Tests that passed only after a retry", "", "<=", 0, flaky),
        GateSpec(
            "critical_flows", "Release-critical flows passed on every browser", "%", ">=", 100, critical_flows
        ),
        GateSpec("flow_coverage", "Catalog flows passed on every browser", "%", ">=", 90, flow_coverage),
        GateSpec("code_coverage", "PaperTrade line coverage", "%", ">=", 90, code_coverage),
        GateSpec("p95_ms", "p95 response time of app HTTP requests", "ms", "<", 500, p95_ms),
        GateSpec(
            "error_rate", "Server errors (5xx, failed requests; provoked excluded)", "%", "<", 0.1, error_rate
        ),
        GateSpec("page_errors", "Uncaught page errors", "", "<=", 0, page_errors),
        GateSpec(
            dbgate.GATE_NAME,
            dbgate.GATE_TITLE,
            dbgate.GATE_UNIT,
            dbgate.GATE_COMPARISON,
            dbgate.GATE_DEFAULT,
            queries_per_request,
        ),
        GateSpec("secrets", "Known secrets found in the run's output", "", "<=", 0, secret_leaks),
        GateSpec(
            monitor_signoff.GATE_NAME,
            monitor_signoff.GATE_TITLE,
            monitor_signoff.GATE_UNIT,
            monitor_signoff.GATE_COMPARISON,
            monitor_signoff.GATE_DEFAULT,
            uptime,
        ),
        GateSpec("mutation_score", "Mutants killed (non-equivalent)", "%", ">=", 90, mutation_score),
        *(
            GateSpec(name, title, unit, comparison, default, web_quality(name))
            for name, (title, unit, comparison, default) in webquality.GATE_SPECS.items()
        ),
    )
}


# ---- detail lines ------------------------------------------------------------------------------


def limited(items: Iterable[str]) -> str:
    """At most MAX_NAMED items, then "and N more"."""
    items = list(items)
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def _path(record: Mapping) -> str:
    return str(record.get("path") or record.get("url") or "?")
