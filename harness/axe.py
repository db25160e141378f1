"""axe-core results: where the pinned script lives, and which violations fail a check.

axe-core comes from npm (`ci/package.json`, installed by `npm ci --prefix ci`); the browser side
injects `axe.min.js` and calls `axe.run`, this module reads what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "ci" / "node_modules" / "axe-core" / "axe.min.js"
# Impacts axe reports, mildest first; serious and critical block a release.
IMPACTS = ("minor", "moderate", "serious", "critical")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# WCAG 2.1 A and AA, which is what the platform promises, plus axe's best practices.
RUN_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
}


class AxeUnavailable(RuntimeError):
    """axe-core is not installed; the message names the command that installs it."""


def axe_script(path: Path = AXE_SCRIPT) -> Path:
    if not path.is_file():
        raise AxeUnavailable(
            f"axe-core is not installed ({path} is missing); install it with: npm ci --prefix ci"
        )
    return path


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]  # one CSS selector per offending node

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING_IMPACTS

    def describe(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} — {', '.join(self.targets)} — {self.help_url}"

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "impact": self.impact,
            "help": self.help,
            "help_url": self.help_url,
            "targets": list(self.targets),
        }


def parse_violations(results: Mapping) -> list[Violation]:
    """The violations of an `axe.run` result, most severe first. A target inside an iframe or a
    shadow root comes as a list of selectors; it is joined with ' >>> '."""
    violations = []
    for entry in results.get("violations") or ():
        targets = tuple(_selector(node.get("target")) for node in entry.get("nodes") or ())
        violations.append(
            Violation(
                rule=str(entry.get("id")),
                impact=str(entry.get("impact") or "minor"),
                help=str(entry.get("help") or ""),
                help_url=str(entry.get("helpUrl") or ""),
                targets=targets,
            )
        )
    return sorted(violations, key=lambda v: (-_rank(v.impact), v.rule))


def blocking(violations: Iterable[Violation]) -> list[Violation]:
    return [violation for violation in violations if violation.blocking]


def report(violations: Iterable[Violation]) -> str:
    """One line per violation, for an assertion message and the report."""
    return "\n".join(violation.describe() for violation in violations) or "no violations"


def _rank(impact: str) -> int:
    return IMPACTS.index(impact) if impact in IMPACTS else -1


def _selector(target: object) -> str:
    if isinstance(target, list):
        return " >>> ".join(_selector(part) for part in target)
    return str(target)
