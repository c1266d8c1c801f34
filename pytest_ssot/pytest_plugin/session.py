"""The hooks that run only when contracts are configured: the contract items, golden-path
diagnostics, the end-of-run summary, CI outputs, and shipping results to xdist workers."""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass
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
XDIST_REACH_KEY = "ssot_reach"
#: Golden-path tests listed in the summary, unless verbose.
AFFECTED_SHOWN = 5


#: How ``ssot map``'s scopes read in a sentence.
_WHERE = {
    "test": "the test itself",
    "class": "its class",
    "fixture": "a fixture it uses",
    "helper": "a helper it calls",
    "module": "its module",
}


@dataclass(frozen=True)
class GoldenPathReach:
    """Per broken golden-path contract, why each test it reaches is reached (``ssot map``'s
    static answer). A test module the map did not read is unknown, so it counts as reached:
    a golden-path test is never left green only because the map could not see it."""

    reached: dict[str, dict[str, str]]
    read: frozenset[str]
    everything: bool = False

    @classmethod
    def of(
        cls, config: SsotConfig, contracts: Sequence[str], *, everything: bool
    ) -> GoldenPathReach:
        if everything or not contracts:
            return cls({}, frozenset(), everything)
        from pytest_ssot.migration.testmap import map_tests

        found = map_tests(config)
        reached: dict[str, dict[str, str]] = {}
        for name in contracts:
            tests = found.contracts[name]
            for kind, refs in (
                ("a deprecated path", tests.deprecated),
                ("the canonical", tests.guarding),
            ):
                for ref in refs:
                    reason = f"{_WHERE.get(ref.scope, ref.scope)} references {kind} {ref.via}"
                    reached.setdefault(name, {}).setdefault(ref.nodeid, reason)
        return cls(reached, frozenset(found.test_modules))

    def why(self, contract: str, test: str) -> str:
        """Why ``contract`` reaches ``test`` (``path::Class::name``); ``""`` if it does not."""
        if self.everything:
            return "ssot_golden_path_scope = all"
        reason = self.reached.get(contract, {}).get(test)
        if reason:
            return reason
        if test.split("::", 1)[0] not in self.read:
            return "its file is not one `ssot map` reads, so it may reach it"
        return ""


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
        self.reach_all = option_value(config, "ssot_golden_path_scope") == "all"
        self.purity_fails_golden_path = bool(option_value(config, "ssot_golden_path_purity"))
        self._reports: tuple[ContractReport, ...] | None = None
        self._reach: GoldenPathReach | None = None
        self.affected: dict[str, None] = {}
        self.golden_tests = 0
        self._diagnosed: set[tuple[str, ...]] = set()
        self._contract_prefix = relative_posix(ssot_config.path, config.rootpath) + "::"

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

    @property
    def broken_golden_contracts(self) -> tuple[ContractReport, ...]:
        """The golden-path contracts whose findings fail golden-path tests: a path that
        serves something other than the SSOT, or (if configured) an impure redirect."""
        return tuple(
            r
            for r in self.reports
            if r.contract.golden_path
            and (r.violations or (self.purity_fails_golden_path and not r.ok))
        )

    @property
    def reach(self) -> GoldenPathReach:
        """Which tests each broken golden-path contract reaches; read once, statically, and
        only when a golden-path contract is broken (shipped to xdist workers)."""
        shipped = getattr(self.config, "workerinput", {}).get(XDIST_REACH_KEY)
        if self._reach is None and shipped is not None:
            self._reach = unpack(shipped)
        if self._reach is None:
            broken = self.broken_golden_contracts
            self._reach = GoldenPathReach.of(
                self.ssot_config, [r.contract.name for r in broken], everything=self.reach_all
            )
        return self._reach

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist controller: hand the results to each worker (as text execnet carries)."""
        node.workerinput[XDIST_REPORTS_KEY] = pack(self.reports)
        node.workerinput[XDIST_REACH_KEY] = pack(self.reach)

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
        why = [self.reach.why(name, self._test_key(item)) for name in broken]
        if not any(why):
            return report  # the broken contracts cannot reach this test: its result stands
        # On the report for the summary (also on the xdist controller), on the item for JUnit
        # XML (which reads the teardown report's properties).
        prop = (GOLDEN_PATH_PROPERTY, ",".join(broken))
        report.user_properties.append(prop)
        item.user_properties.append(prop)
        if not self.fail_golden_path:
            return report
        reached = [name for name, reason in zip(broken, why) if reason]
        reasons = "; ".join(f"{name}: {reason}" for name, reason in zip(broken, why) if reason)
        fail_report(report, "SSOT golden path", self._golden_path_diagnosis(reached, reasons))
        return report

    def _test_key(self, item: pytest.Item) -> str:
        """The item as ``ssot map`` names it: path relative to the project, no parameters."""
        path = relative_posix(item.path, self.ssot_config.root)
        names = item.nodeid.split("::")[1:]
        return "::".join([path, *names]).split("[", 1)[0]

    def _broken_golden_path_contracts(self, item: pytest.Item) -> list[str]:
        markers = list(item.iter_markers("golden_path"))
        if not markers:
            return []
        named = {str(a) for m in [*markers, *item.iter_markers("ssot")] for a in m.args}
        return [
            r.contract.name
            for r in self.broken_golden_contracts
            if not named or r.contract.name in named
        ]

    def _golden_path_diagnosis(self, contracts: list[str], reasons: str) -> str:
        """The whole brief once per contract set; after that two lines, so a suite with
        hundreds of golden-path tests does not print the same diagnosis hundreds of times."""
        key = tuple(contracts)
        if key in self._diagnosed:
            return (
                f"golden path broken by SSOT contract(s) {', '.join(contracts)} ({reasons}); "
                "the first golden-path test it failed says what users get, the 'SSOT golden "
                "path' section of the summary the fix"
            )
        self._diagnosed.add(key)
        reports = [r for r in self.reports if r.contract.name in contracts]
        return "\n".join(
            [
                f"golden path broken by SSOT contract(s) {', '.join(contracts)}: this test's own "
                "assertions may pass, but",
                *self.renderer.golden_path_brief(reports),
                "See the 'SSOT golden path' section of the summary for what breaks and the fix "
                "(--ssot-golden-path=report reports without failing this test).",
                f"Why this test: {reasons}.",
            ]
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Read from the report, not the item, so it also works on the xdist controller.
        if report.when != "call":
            return
        contract_item = report.nodeid.startswith(self._contract_prefix)
        self.golden_tests += "golden_path" in report.keywords and not contract_item
        if any(k == GOLDEN_PATH_PROPERTY for k, _ in report.user_properties):
            self.affected[report.nodeid] = None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        verbose = self.config.getoption("verbose") > 0
        lines = self.renderer.golden_path_section(
            self.broken_golden_contracts,
            list(self.affected),
            failing_tests=self.fail_golden_path,
            golden_tests=self.golden_tests,
            scope="all" if self.reach_all else "reach",
            limit=None if verbose else AFFECTED_SHOWN,
        )
        if lines:
            title = "SSOT golden path: BROKEN" + (" (warn mode)" if self.warn_only else "")
            terminalreporter.write_sep("=", title, red=True, bold=True)
            for line in lines:
                terminalreporter.write_line(line)
        terminalreporter.write_sep("-", "ssot contracts")
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
