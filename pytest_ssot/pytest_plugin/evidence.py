"""``--ssot-evidence``: what the traced tests actually ran, with coverage.py (see
:mod:`pytest_ssot.analysis.evidence`). Imported only when the option is on."""

from __future__ import annotations

import inspect
import json
import warnings
from collections.abc import Generator
from typing import Any

import coverage
import pytest

from pytest_ssot.analysis.evidence import (
    RUNTIME_MAP_CACHE_KEY,
    TestEvidence,
    Tracer,
    contract_files,
    describe,
    runtime_map,
)
from pytest_ssot.domain.serial import to_plain
from pytest_ssot.pytest_plugin.hooks import SsotEvidenceWarning, option_value
from pytest_ssot.pytest_plugin.items import ContractItem
from pytest_ssot.pytest_plugin.session import SsotSession, fail_report

EVIDENCE_PROPERTY = "ssot_evidence"
EVIDENCE_KEY = pytest.StashKey["list[TestEvidence]"]()


class EvidenceHooks:
    """``--ssot-evidence``: what the traced tests actually executed (see :mod:`.evidence`)."""

    def __init__(self, session: SsotSession, *, all_tests: bool) -> None:
        self.session = session
        self.all_tests = all_tests
        self.require_guard = bool(option_value(session.config, "ssot_require_guard"))
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
        record = (EVIDENCE_PROPERTY, json.dumps([to_plain(e) for e in evidence]))
        report.user_properties.append(record)
        item.user_properties.append(record)
        if item.get_closest_marker("golden_path") is None:
            return report
        problems = self._golden_problems(item, evidence)
        if problems:
            fail_report(report, "SSOT evidence", "\n".join(problems))
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
