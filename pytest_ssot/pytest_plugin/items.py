"""Contract checks as ordinary pytest items.

Surfacing each verdict as an item (the way pytest-mypy surfaces type errors) gives users
``-k``/``-m`` selection, JUnit XML entries and "N failed" in the summary without any special
casing: a contract violation is a failed test like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_ssot.domain.model import (
    ContractAudit,
    ContractReport,
    IdentityResult,
    RedirectContract,
)
from pytest_ssot.rendering.findings import Check, Finding, Projection, check_id, checks_of
from pytest_ssot.rendering.text import Renderer


class ContractViolation(AssertionError):
    """Raised by a contract item whose check found a violation; its text is the diagnosis."""


class ContractFile(pytest.File):
    """The configuration file that declares the contracts; one child per contract."""

    def __init__(
        self,
        *,
        reports: tuple[ContractReport, ...],
        renderer: Renderer,
        projection: Projection,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.reports = reports
        self.renderer = renderer
        self.projection = projection

    def collect(self) -> Iterable[ContractNode]:
        for report in self.reports:
            yield ContractNode.from_parent(self, name=report.contract.name, report=report)


class ContractNode(pytest.Collector):
    """One contract; its items are the identity verdict per redirect and purity per module."""

    def __init__(self, *, report: ContractReport, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = report

    def collect(self) -> Iterator[ContractItem]:
        assert isinstance(self.parent, ContractFile)
        projection = self.parent.projection
        for check in checks_of(self.report):
            yield ContractItem.from_parent(
                self,
                name=check_id(check),
                contract=self.report.contract,
                check=check,
                findings=projection.of(self.report, check),
                renderer=self.parent.renderer,
            )


class ContractItem(pytest.Item):
    """One identity verdict or one module's purity, as a test that passes or fails."""

    def __init__(
        self,
        *,
        contract: RedirectContract,
        check: Check,
        findings: list[Finding],
        renderer: Renderer,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.contract = contract
        self.check = check
        self.findings = findings
        self.renderer = renderer
        self.add_marker(pytest.mark.ssot(contract.name))
        if contract.golden_path:
            self.add_marker(pytest.mark.golden_path(contract.name))
        self.user_properties.extend(self.properties())

    @property
    def warn_only(self) -> bool:
        """The contract's import audit policy is ``warn``: report its sites, do not fail."""
        return isinstance(self.check, ContractAudit) and self.check.policy == "warn"

    @property
    def kind(self) -> str:
        if isinstance(self.check, IdentityResult):
            return "identity"
        return "imports" if isinstance(self.check, ContractAudit) else "purity"

    def properties(self) -> list[tuple[str, object]]:
        check = self.check
        if isinstance(check, IdentityResult):
            verdict = check.verdict.value
        elif isinstance(check, ContractAudit):
            verdict = f"{len(check.sites)} site(s)"
        else:
            verdict = "pure" if check.ok else "impure"
        rules = [finding.code for finding in self.findings]
        return [
            ("ssot_contract", self.contract.name),
            ("ssot_check", self.kind),
            ("ssot_verdict", verdict),
            ("ssot_rules", ",".join(dict.fromkeys(rules))),
        ]

    def diagnosis(self) -> list[str]:
        check = self.check
        if isinstance(check, IdentityResult):
            # A golden-path contract's fix is printed once, in the golden-path summary.
            golden = self.contract.golden_path
            lines = self.renderer.identity(check, self.contract, with_fix=not golden)
            if golden and not check.verdict.ok:
                lines.append("    fix: see the 'SSOT golden path' section of the summary")
            return lines
        if isinstance(check, ContractAudit):
            return self.renderer.audit(check)
        return self.renderer.purity(check)

    def runtest(self) -> None:
        if not self.check.ok:
            raise ContractViolation("\n".join(self.diagnosis()))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> Any:
        if isinstance(excinfo.value, ContractViolation):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        if isinstance(self.check, IdentityResult):
            target = str(self.check.redirect)
        elif isinstance(self.check, ContractAudit):
            target = f"{self.contract.name} ({self.check.policy})"
        else:
            target = self.check.module
        return self.path, None, f"ssot {self.kind}: {target}"
