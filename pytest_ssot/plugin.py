"""pytest hooks of pytest-ssot. The checks themselves live in plain modules.

Loaded through the ``pytest11`` entry point named ``pytest_ssot`` (so ``-p pytest_ssot`` and
``-p no:pytest_ssot`` work), it stays inert until ``[tool.ssot]`` declares a contract: only the
markers are registered, so suites using ``--strict-markers`` keep working.
"""

from __future__ import annotations

import inspect
import json
import os
import pickle
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

import coverage
import pytest

from pytest_ssot.baseline import BaselineError
from pytest_ssot.checks import run_checks
from pytest_ssot.config import ConfigError, SsotConfig, load_config, parse_timeout
from pytest_ssot.evidence import (
    RUNTIME_MAP_CACHE_KEY,
    TestEvidence,
    Tracer,
    contract_files,
    describe,
    runtime_map,
)
from pytest_ssot.isolation import DEFAULT_IMPORT_TIMEOUT, Isolation, IsolationError
from pytest_ssot.items import ContractFile, ContractItem
from pytest_ssot.model import ContractReport
from pytest_ssot.outputs import (
    github_annotations,
    markdown_summary,
    parse_report_spec,
    to_jsonable,
    write_report,
)
from pytest_ssot.packages import with_package_contracts
from pytest_ssot.report import Renderer, audit_summary, contract_summary

GOLDEN_PATH_PROPERTY = "ssot_golden_path_broken"
EVIDENCE_PROPERTY = "ssot_evidence"
EVIDENCE_KEY = pytest.StashKey["list[TestEvidence]"]()
XDIST_REPORTS_KEY = "ssot_reports"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ssot", "pytest-ssot: single-source-of-truth contracts")
    group.addoption(
        "--ssot-report",
        action="append",
        default=[],
        metavar="FORMAT:PATH",
        help="Also write the findings as json:PATH or sarif:PATH (SARIF 2.1.0, for GitHub code "
        "scanning); repeatable. On GitHub Actions, annotations and a step summary are added "
        "whatever this says.",
    )
    group.addoption(
        "--ssot-config",
        metavar="PATH",
        help="File holding the [tool.ssot] contracts. Default: the pyproject.toml pytest "
        "read its settings from, else the one in the rootdir. (ini: ssot_config)",
    )
    parser.addini("ssot_config", "File holding the [tool.ssot] contracts.", default="")
    group.addoption(
        "--ssot-warn",
        action="store_true",
        default=None,
        help="Warn-only rollout: report violations as xfailed contract items and do not fail "
        "golden-path tests. (ini: ssot_warn = true)",
    )
    parser.addini(
        "ssot_warn", "Report SSOT violations without failing the run.", type="bool", default=False
    )
    group.addoption(
        "--ssot-golden-path",
        choices=("fail", "report"),
        default=None,
        help="What a violated golden-path contract does to @pytest.mark.golden_path tests: "
        "'fail' them with the diagnosis (default) or only 'report' them in the summary. "
        "(ini: ssot_golden_path)",
    )
    parser.addini("ssot_golden_path", "fail | report (see --ssot-golden-path).", default="fail")
    _add_evidence_options(parser, group)
    group.addoption(
        "--ssot-update-baseline",
        action="store_true",
        default=False,
        help="Write the import-audit baseline ([tool.ssot.audit] baseline, default "
        "ssot-baseline.json) from the sites found in this run, to record progress or adopt "
        "the audit on a codebase that still has sites.",
    )
    group.addoption(
        "--ssot-isolate",
        action="store_true",
        default=None,
        help="Run the identity checks in a child interpreter per contract, so a module that "
        "hangs, exits or crashes on import becomes an import-error verdict and nothing the "
        "checks import stays in this process. (ini: ssot_isolate = true)",
    )
    parser.addini(
        "ssot_isolate",
        "Run the identity checks in a child interpreter (see --ssot-isolate).",
        type="bool",
        default=False,
    )
    group.addoption(
        "--ssot-import-timeout",
        metavar="SECONDS",
        default=None,
        help="With --ssot-isolate: how long one import may take before it is reported as "
        f"hanging. Default {DEFAULT_IMPORT_TIMEOUT:g}. (ini: ssot_import_timeout)",
    )
    parser.addini(
        "ssot_import_timeout",
        "Seconds one isolated import may take (see --ssot-import-timeout).",
        default=f"{DEFAULT_IMPORT_TIMEOUT:g}",
    )


def _add_evidence_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    group.addoption(
        "--ssot-evidence",
        choices=("off", "golden", "all"),
        default=None,
        help="Trace tests with coverage.py, restricted to the contracts' files: 'golden' "
        "(@pytest.mark.golden_path tests) or 'all'. A golden-path test that runs deprecated "
        "code fails with the lines and how it got there. (ini: ssot_evidence; default off)",
    )
    parser.addini("ssot_evidence", "off | golden | all (see --ssot-evidence).", default="off")
    group.addoption(
        "--ssot-require-guard",
        action="store_true",
        default=None,
        help="With --ssot-evidence: fail a golden-path test that never ran the canonical's code "
        "(by default a warning: it does not guard the SSOT). (ini: ssot_require_guard)",
    )
    parser.addini(
        "ssot_require_guard",
        "Fail golden-path tests that never reach the canonical (see --ssot-require-guard).",
        type="bool",
        default=False,
    )


def _check_report_specs(config: pytest.Config) -> None:
    for spec in config.getoption("ssot_report"):
        try:
            parse_report_spec(spec)
        except ValueError as error:
            raise pytest.UsageError(f"pytest-ssot: --ssot-report {error}") from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "golden_path(*contracts): the test proves a user's core journey works. It is failed "
        "with a diagnosis when a golden-path SSOT contract (all, or the named ones) is violated.",
    )
    config.addinivalue_line(
        "markers",
        "ssot(*contracts): the test exercises the named SSOT contracts; on golden-path tests "
        "it narrows which contracts affect them.",
    )
    _check_report_specs(config)
    ssot_config, problems = with_package_contracts(_load(config), config.rootpath)
    if ssot_config is not None:
        session = SsotSession(config, ssot_config, problems)
        config.pluginmanager.register(session, "pytest_ssot.session")
        scope = _option(config, "ssot_evidence")
        if scope in ("golden", "all"):
            hooks = EvidenceHooks(session, all_tests=scope == "all")
            config.pluginmanager.register(hooks, "pytest_ssot.evidence")


def _load(config: pytest.Config) -> SsotConfig | None:
    path = _config_path(config)
    if path is None:
        return None
    try:
        return load_config(path)
    except ConfigError as error:
        raise pytest.UsageError(f"pytest-ssot: {error}") from None


def _isolation(config: pytest.Config) -> Isolation | None:
    if not _option(config, "ssot_isolate"):
        return None
    value = _option(config, "ssot_import_timeout")
    try:
        return Isolation(timeout=parse_timeout(value))
    except ConfigError as error:
        given = (
            "--ssot-import-timeout"
            if config.getoption("ssot_import_timeout")
            else "ssot_import_timeout"
        )
        raise pytest.UsageError(f"pytest-ssot: {given} {error}") from None


def _config_path(config: pytest.Config) -> Path | None:
    explicit = config.getoption("ssot_config") or config.getini("ssot_config")
    if explicit:
        path = Path(explicit)
        path = path if path.is_absolute() else config.rootpath / path
        if not path.is_file():
            raise pytest.UsageError(
                f"pytest-ssot: --ssot-config / ssot_config points at {path}, which does not "
                "exist; give the path of the pyproject.toml holding [tool.ssot]"
            )
        return path
    if config.inipath is not None and config.inipath.name == "pyproject.toml":
        return config.inipath
    default = config.rootpath / "pyproject.toml"
    return default if default.is_file() else None


def _option(config: pytest.Config, name: str) -> object:
    value = config.getoption(name)
    return config.getini(name) if value is None else value


class SsotSession:
    """The hooks that run only when contracts are configured."""

    def __init__(
        self, config: pytest.Config, ssot_config: SsotConfig, problems: tuple[str, ...] = ()
    ) -> None:
        self.config = config
        self.ssot_config = ssot_config
        self.problems = problems  # package contracts that could not be used
        self.warn_only = bool(_option(config, "ssot_warn"))
        self.fail_golden_path = _option(config, "ssot_golden_path") == "fail" and not self.warn_only
        self.isolation = _isolation(config)
        self.renderer = Renderer(config.rootpath, ssot_config.contracts)
        self._reports: tuple[ContractReport, ...] | None = None
        self.affected: dict[str, None] = {}

    @property
    def reports(self) -> tuple[ContractReport, ...]:
        """Checked once, on first need. Under xdist the controller checks and each worker
        receives the results (``pytest_configure_node``): one import of the project, one
        walk of the tree, the same verdicts everywhere."""
        shipped = getattr(self.config, "workerinput", {}).get(XDIST_REPORTS_KEY)
        if self._reports is None and shipped is not None:
            self._reports = pickle.loads(shipped)
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
        """xdist controller: hand the results to each worker (execnet carries bytes)."""
        node.workerinput[XDIST_REPORTS_KEY] = pickle.dumps(self.reports)

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
        _fail(report, "SSOT golden path", self._golden_path_diagnosis(broken))
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
                "assertions may pass, but users reaching the code through these paths get "
                "something other than the SSOT:",
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
        for report in self.reports:
            terminalreporter.write_line(contract_summary(report))
            if report.audit is not None:
                terminalreporter.write_line(f"    {audit_summary(report.audit)}")
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
        root = self.ssot_config.root
        for spec in self.config.getoption("ssot_report"):
            path = write_report(spec, self.reports, root)
            terminalreporter.write_line(f"ssot report: {path}")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(self.reports, root):
                terminalreporter.write_line(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as stream:
                stream.write(markdown_summary(self.reports))


class SsotEvidenceWarning(pytest.PytestWarning):
    """A golden-path test that never ran the canonical's code: it does not guard the SSOT."""


class EvidenceHooks:
    """``--ssot-evidence``: what the traced tests actually executed (see :mod:`.evidence`)."""

    def __init__(self, session: SsotSession, *, all_tests: bool) -> None:
        self.session = session
        self.all_tests = all_tests
        self.require_guard = bool(_option(session.config, "ssot_require_guard"))
        self._tracer: Tracer | None = None
        self.files = contract_files(session.ssot_config.contracts)
        self.seen: dict[str, list[dict[str, Any]]] = {}

    def tracer(self) -> Tracer:
        if self._tracer is None:
            # Reuse an active measurement (pytest-cov, `coverage run`): only one can trace.
            plugins = self.session.config.pluginmanager
            suffix = "|run" if plugins.hasplugin("_cov_contexts") else None
            self._tracer = Tracer(self.files, coverage.Coverage.current(), context_suffix=suffix)
        return self._tracer

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self) -> None:
        # trylast: a measurement pytest-cov starts here must exist before we look for one.
        if self.files:
            self.tracer().prepare()

    def traced(self, item: pytest.Item) -> bool:
        if isinstance(item, ContractItem) or not self.files:
            return False
        return self.all_tests or item.get_closest_marker("golden_path") is not None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        if not self.traced(item):
            return (yield)
        tracer = self.tracer()
        tracer.begin(item.nodeid)
        try:
            result = yield
        except BaseException:
            item.stash[EVIDENCE_KEY] = tracer.end(item.nodeid)
            raise
        evidence = item.stash[EVIDENCE_KEY] = tracer.end(item.nodeid)
        unguarded = self._unguarded(item, evidence)
        if unguarded and not self.require_guard:
            # Warned from the test's own call, so -W error makes it the test's failure.
            warnings.warn(SsotEvidenceWarning(unguarded), stacklevel=1)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        evidence = item.stash.get(EVIDENCE_KEY, None)
        if call.when != "call" or evidence is None:
            return report
        record = (EVIDENCE_PROPERTY, json.dumps([to_jsonable(e) for e in evidence]))
        report.user_properties.append(record)
        item.user_properties.append(record)
        if item.get_closest_marker("golden_path") is None:
            return report
        problems = self._golden_problems(item, evidence)
        if problems:
            _fail(report, "SSOT evidence", "\n".join(problems))
        return report

    def _golden_problems(self, item: pytest.Item, evidence: list[TestEvidence]) -> list[str]:
        problems: list[str] = []
        if any(e.ran_deprecated_code for e in evidence):
            sites = [s for r in self.session.reports if r.audit is not None for s in r.audit.sites]
            path = item.nodeid.split("::")[0]
            problems += describe(
                [e for e in evidence if e.ran_deprecated_code],
                self.files,
                sites,
                path,
                self.session.ssot_config.root,
                _source_lines(item),
            )
        unguarded = self._unguarded(item, evidence)
        if unguarded and self.require_guard:
            problems.append(unguarded)
        return problems

    def _unguarded(self, item: pytest.Item, evidence: list[TestEvidence]) -> str | None:
        """Why a golden-path test does not guard the SSOT, if it ran no golden canonical."""
        if item.get_closest_marker("golden_path") is None:
            return None
        golden = {r.contract.name for r in self.session.reports if r.contract.golden_path}
        guarded = [e for e in evidence if e.contract in golden]
        if not guarded or any(e.reached_canonical for e in guarded):
            return None
        canonicals = ", ".join(f.canonical for f in self.files if f.contract in golden)
        return f"{item.nodeid} does not guard the SSOT: it never ran the code of {canonicals}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == EVIDENCE_PROPERTY and report.when == "call":
                self.seen[report.nodeid] = json.loads(str(value))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.seen:
            return
        tests = runtime_map(self.seen)
        cache = getattr(self.session.config, "cache", None)
        if cache is not None and not hasattr(self.session.config, "workerinput"):
            cache.set(RUNTIME_MAP_CACHE_KEY, tests)  # `ssot map` shows it beside the static map
        terminalreporter.write_sep("-", "ssot runtime evidence")
        for files in self.files:
            found = tests.get(files.contract, {})
            reached, deprecated = found.get("ran_canonical", []), found.get("ran_deprecated", [])
            terminalreporter.write_line(
                f"{files.contract}: {len(reached)} traced test(s) ran {files.canonical}; "
                f"{len(deprecated)} ran deprecated code"
            )
            for nodeid in deprecated:
                terminalreporter.write_line(f"    deprecated code: {nodeid}", red=True)


def _source_lines(item: pytest.Item) -> range | None:
    """The lines of a test function, to tell its own imports from its neighbours'."""
    function = getattr(item, "obj", None)
    try:
        lines, start = inspect.getsourcelines(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    return range(start, start + len(lines))


def _fail(report: pytest.TestReport, title: str, text: str) -> None:
    """A passed test becomes failed with ``text``; a failed one gets it as a section."""
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    elif report.failed:
        report.sections.append((title, text))
