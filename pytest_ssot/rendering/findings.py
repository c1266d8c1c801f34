"""One projection from check results to findings, for every output.

The terminal summary, the pytest items' properties, SARIF, JSON, GitHub annotations and the
step summary all list :func:`findings`, so a finding shown in one is in all of them, with the
same rule, level and place. The long, human diagnosis of each check (what breaks, the fix)
is :mod:`pytest_ssot.rendering.text`'s job; this module only says *what* was found and *where*.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from pytest_ssot.domain.model import (
    ContractAudit,
    ContractReport,
    IdentityResult,
    Location,
    PurityResult,
)
from pytest_ssot.domain.rules import Level, Rule, RuleInfo, rule_info
from pytest_ssot.rendering.text import Renderer
from pytest_ssot.source.modules import relative_posix

#: The result of one check: what one pytest item stands for.
Check = Union[IdentityResult, PurityResult, ContractAudit]


@dataclass(frozen=True)
class Finding:
    """One violation, flattened: what every output needs."""

    rule: Rule
    level: Level
    message: str
    #: Relative to the project root, ``/``-separated.
    path: str
    line: int
    contract: str
    #: The check that reports it (:func:`check_id`), i.e. the pytest item that fails.
    check: str
    column: int = 0

    @property
    def info(self) -> RuleInfo:
        return rule_info(self.rule)

    @property
    def code(self) -> str:
        return self.rule.value

    def line_text(self) -> str:
        """``path:line:col: CODE message``, the way linters print one finding."""
        place = f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{place}: {self.code} {self.message}"


def check_id(check: Check) -> str:
    """The name of a check's pytest item, unique within its contract."""
    if isinstance(check, IdentityResult):
        return f"identity[{check.redirect}]"
    if isinstance(check, PurityResult):
        return f"purity[{check.module}]"
    return "imports"


def checks_of(report: ContractReport) -> Iterator[Check]:
    """A contract's checks in the order its items run."""
    yield from report.identity
    yield from report.purity
    if report.audit is not None:
        yield report.audit


@dataclass(frozen=True)
class Projection:
    """How results become findings for one project: paths relative to ``root``; findings
    without a file of their own point at the configuration file; ``warn`` (warn mode) makes
    every finding a warning."""

    root: Path
    config_file: str = "pyproject.toml"
    warn: bool = False

    def findings(self, reports: Sequence[ContractReport]) -> list[Finding]:
        return [
            f for report in reports for check in checks_of(report) for f in self.of(report, check)
        ]

    def of(self, report: ContractReport, check: Check) -> list[Finding]:
        """The findings of one check of ``report``."""
        if isinstance(check, IdentityResult):
            found = list(self._identity(check))
        elif isinstance(check, PurityResult):
            found = list(self._purity(check))
        else:
            found = list(self._audit(check))
        level: Level | None = "warning" if self.warn else None
        if isinstance(check, ContractAudit) and check.policy == "warn":
            level = "warning"
        return [
            Finding(
                rule,
                level or rule_info(rule).level,
                message,
                path,
                line,
                report.contract.name,
                check_id(check),
                column,
            )
            for rule, message, path, line, column in found
        ]

    def _place(self, location: Location | None) -> tuple[str, int]:
        if location is None or not location.path:
            return self.config_file, 1
        return relative_posix(location.path, self.root), max(location.line, 1)

    def _shorten(self, text: str) -> str:
        return Renderer(self.root).relative_text(text)

    def _identity(self, result: IdentityResult) -> Iterator[_Raw]:
        if not result.verdict.ok:
            path, line = self._place(result.location)
            message = f"{result.redirect}: {result.verdict.value}: {self._shorten(result.detail)}"
            yield Rule(result.verdict.rule), message, path, line, 0
        for mutation in result.mutations:
            path, line = self._place(mutation.location)
            target = result.canonical.attribute or result.canonical.module
            message = (
                f"importing {mutation.imported} {mutation.change} {target}.{mutation.attribute}"
            )
            yield Rule.MUTATION, message, path, line, 0

    def _purity(self, purity: PurityResult) -> Iterator[_Raw]:
        if purity.error:
            path, line = self._place(Location(purity.path) if purity.path else None)
            yield Rule.UNREADABLE_SOURCE, self._shorten(purity.error), path, line, 0
        for impurity in purity.impurities:
            path, line = self._place(impurity.location)
            message = f"{purity.module}: [{impurity.kind}] {impurity.message}"
            yield Rule.IMPURE_REDIRECT, message, path, line, 0

    def _audit(self, audit: ContractAudit) -> Iterator[_Raw]:
        baseline = audit.baseline or self.config_file
        if audit.error:
            yield Rule.STALE_BASELINE, self._shorten(audit.error), baseline, 1, 0
        for problem in audit.unreadable:
            # "relative/path.py: reason", as the tree walk and the scanner write them.
            path = problem.split(": ", 1)[0].rstrip("/") or self.config_file
            yield Rule.UNREADABLE_SOURCE, problem, path, 1, 0
        for name in audit.unknown_contracts:
            message = f"the baseline records contract {name!r}, which [tool.ssot] does not declare"
            yield Rule.STALE_BASELINE, message, baseline, 1, 0
        failing = audit.diff.new if audit.diff is not None else audit.sites
        for site in failing:
            fix = f" (use: {site.replacement})" if site.replacement else ""
            message = f"{site.text} reaches deprecated {site.deprecated}{fix}"
            yield Rule.DEPRECATED_IMPORT, message, site.path, site.line, site.column
        if audit.diff is not None:
            for stale in audit.diff.stale:
                message = f"baseline entry {stale.path}: {stale.key} matches nothing any more"
                yield Rule.STALE_BASELINE, message, baseline, 1, 0


_Raw = tuple[Rule, str, str, int, int]

#: Findings listed per contract at the end of a run, unless verbose.
FINDINGS_SHOWN = 10


def finding_lines(findings: Sequence[Finding], *, limit: int | None = FINDINGS_SHOWN) -> list[str]:
    """One line per finding, at most ``limit`` of them and a count of the rest."""
    shown = findings if limit is None else findings[:limit]
    lines = [f.line_text() for f in shown]
    if len(findings) > len(shown):
        lines.append(f"... and {len(findings) - len(shown)} more finding(s) (-v shows all)")
    return lines
