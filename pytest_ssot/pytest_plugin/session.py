"""The hooks that run only when contracts are configured: the contract items, golden-path
diagnostics, the end-of-run summary, CI outputs, and shipping results to xdist workers."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_ssot.analysis.baseline import BaselineError
from pytest_ssot.analysis.isolation import Isolation, IsolationError
from pytest_ssot.analysis.run import run_checks
from pytest_ssot.domain.model import ContractReport
from pytest_ssot.domain.serial import pack, unpack
from pytest_ssot.pytest_plugin.hooks import option_value
from pytest_ssot.pytest_plugin.items import ContractFile, ContractItem
from pytest_ssot.rendering.findings import FINDINGS_SHOWN, Projection, finding_lines
from pytest_ssot.rendering.outputs import github_annotations, markdown_summary, write_report
from pytest_ssot.rendering.text import Renderer, audit_summary, contract_summary
from pytest_ssot.settings.pyproject import SsotConfig
from pytest_ssot.source.modules import relative_posix

GOLDEN_PATH_PROPERTY = "ssot_golden_path_broken"
XDIST_REPORTS_KEY = "ssot_reports"


def _isolation(config: pytest.Config) -> Isolation | None:
    if not option_value(config, "ssot_isolate"):
        return None
    timeout = option_value(config, "ssot_import_timeout")
    assert isinstance(timeout, float)
    return Isolation(timeout=timeout)


class SsotSession:
    """The hooks that run only when contracts are configured."""

    def __init__(
        self, config: pytest.Config, ssot_config: SsotConfig, problems: tuple[str, ...] = ()
    ) -> None:
        self.config = config
        self.ssot_config = ssot_config
        self.problems = problems  # package contracts that could not be used
        self.warn_only = bool(option_value(config, "ssot_warn"))
        self.fail_golden_path = (
            option_value(config, "ssot_golden_path") == "fail" and not self.warn_only
        )
        self.isolation = _isolation(config)
        self.renderer = Renderer(config.rootpath, ssot_config.contracts)
        self.projection = Projection(
            ssot_config.root,
            config_file=relative_posix(ssot_config.path, ssot_config.root),
            warn=self.warn_only,
        )
        self._reports: tuple[ContractReport, ...] | None = None
        self.affected: dict[str, None] = {}

    @property
    def reports(self) -> tuple[ContractReport, ...]:
        """Checked once, on first need. Under xdist the controller checks and each worker
        receives the results (``pytest_configure_node``): one import of the project, one
        walk of the tree, the same verdicts everywhere."""
        shipped = getattr(self.config, "workerinput", {}).get(XDIST_REPORTS_KEY)
        if self._reports is None and shipped is not None:
            self._reports = unpack(shipped)
        if self._reports is None:
            try:
                self._reports = run_checks(
                    self.ssot_config,
                    audit_cache=self._audit_cache(),
                    update_baseline=bool(self.config.getoption("ssot_update_baseline")),
                    isolation=self.isolation,
                )
            except (IsolationError, BaselineError) as error:
                raise pytest.UsageError(f"pytest-ssot: {error}") from None
        return self._reports

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist controller: hand the results to each worker (as text execnet carries)."""
        node.workerinput[XDIST_REPORTS_KEY] = pack(self.reports)

    def _audit_cache(self) -> Path | None:
        """In pytest's cache directory, so ``--cache-clear`` and ``-p no:cacheprovider`` apply."""
        cache = getattr(self.config, "cache", None)
        return None if cache is None else cache.mkdir("ssot") / "audit.json"

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, items: list[pytest.Item]
    ) -> None:
        # tryfirst: the contract items must exist before -k / -m deselect.
        contract_file = ContractFile.from_parent(
            session,
            path=self.ssot_config.path,
            reports=self.reports,
            renderer=self.renderer,
            projection=self.projection,
        )
        new_items = [
            item
            for node in contract_file.collect()
            for item in node.collect()
            if isinstance(item, ContractItem)
        ]
        for item in new_items:
            if not item.check.ok and (self.warn_only or item.warn_only):
                item.add_marker(
                    pytest.mark.xfail(reason=f"ssot warn: {item.diagnosis()[0]}", strict=False)
                )
        items[:0] = new_items
        session.config.hook.pytest_collectreport(
            report=pytest.CollectReport(contract_file.nodeid, "passed", None, [*new_items])
        )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when != "call" or isinstance(item, ContractItem):
            return report
        broken = self._broken_golden_path_contracts(item)
        if not broken:
            return report
        # On the report for the summary (also on the xdist controller), on the item for JUnit
        # XML (which reads the teardown report's properties).
        prop = (GOLDEN_PATH_PROPERTY, ",".join(broken))
        report.user_properties.append(prop)
        item.user_properties.append(prop)
        if not self.fail_golden_path:
            return report
        fail_report(report, "SSOT golden path", self._golden_path_diagnosis(broken))
        return report

    def _broken_golden_path_contracts(self, item: pytest.Item) -> list[str]:
        markers = list(item.iter_markers("golden_path"))
        if not markers:
            return []
        named = {str(a) for m in [*markers, *item.iter_markers("ssot")] for a in m.args}
        return [
            r.contract.name
            for r in self.reports
            if r.contract.golden_path and not r.ok and (not named or r.contract.name in named)
        ]

    def _golden_path_diagnosis(self, contracts: list[str]) -> str:
        reports = [r for r in self.reports if r.contract.name in contracts]
        return "\n".join(
            [
                f"golden path broken by SSOT contract(s) {', '.join(contracts)}: this test's own "
                "assertions may pass, but",
                *self.renderer.golden_path_brief(reports),
                "See the 'SSOT golden path' section of the summary for what breaks and the fix "
                "(--ssot-golden-path=report reports without failing this test).",
            ]
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Read from the report, not the item, so it also works on the xdist controller.
        if report.when == "call" and any(
            k == GOLDEN_PATH_PROPERTY for k, _ in report.user_properties
        ):
            self.affected[report.nodeid] = None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        lines = self.renderer.golden_path_section(
            self.reports, list(self.affected), failing_tests=self.fail_golden_path
        )
        if lines:
            title = "SSOT golden path: BROKEN" + (" (warn mode)" if self.warn_only else "")
            terminalreporter.write_sep("=", title, red=True, bold=True)
            for line in lines:
                terminalreporter.write_line(line)
        terminalreporter.write_sep("-", "ssot contracts")
        verbose = self.config.getoption("verbose") > 0
        for report in self.reports:
            terminalreporter.write_line(contract_summary(report))
            if report.audit is not None:
                terminalreporter.write_line(f"    {audit_summary(report.audit)}")
            for line in finding_lines(
                self.projection.findings([report]), limit=None if verbose else FINDINGS_SHOWN
            ):
                terminalreporter.write_line(f"    {line}")
        if self.config.getoption("ssot_update_baseline"):
            terminalreporter.write_line(
                f"wrote the import-audit baseline {self.ssot_config.baseline_path}"
            )
        for problem in self.problems:
            terminalreporter.write_line(f"ignored a package's contracts: {problem}", yellow=True)
        self._ci_outputs(terminalreporter)

    def _ci_outputs(self, terminalreporter: pytest.TerminalReporter) -> None:
        if hasattr(self.config, "workerinput"):
            return  # the controller reports once for the whole run
        for spec in self.config.getoption("ssot_report"):
            path = write_report(spec, self.reports, self.projection)
            terminalreporter.write_line(f"ssot report: {path}")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(self.reports, self.projection):
                terminalreporter.write_line(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as stream:
                stream.write(markdown_summary(self.reports, self.projection))


def fail_report(report: pytest.TestReport, title: str, text: str) -> None:
    """A passed test becomes failed with ``text``; a failed one gets it as a section."""
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    elif report.failed:
        report.sections.append((title, text))
