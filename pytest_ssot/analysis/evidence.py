"""Runtime evidence: what a golden-path test actually executed, traced with coverage.py.

Static checks say what the code could do; this records, per test, whether it ran the
canonical's code, whether it ran code of a deprecated module beyond the redirect itself (and
which lines), and which deprecated modules were imported while it ran. Measurement is
restricted to the contracts' own files, so the cost stays small; when pytest-cov is already
measuring, its ``Coverage`` object is reused (only one tracer can be active) and the user's
report is unaffected beyond carrying per-test contexts.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import coverage
from coverage.exceptions import CoverageWarning

from pytest_ssot.domain.model import ImportSite, RedirectContract
from pytest_ssot.source.modules import find_module_source, parse_source

_SHIM_FUNCTIONS = frozenset({"__getattr__", "__dir__"})


@dataclass(frozen=True)
class ContractFiles:
    """The files of one contract: the canonical's, and each deprecated module's code lines."""

    contract: str
    canonical: str
    canonical_file: str
    #: deprecated module -> (file, lines that are code beyond the redirect: function bodies)
    deprecated: Mapping[str, tuple[str, frozenset[int]]]


@dataclass(frozen=True)
class TestEvidence:
    """What one test did, for one contract."""

    contract: str
    reached_canonical: bool
    deprecated_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    imported: tuple[str, ...] = ()

    @property
    def ran_deprecated_code(self) -> bool:
        return any(self.deprecated_lines.values())


def contract_files(
    contracts: Iterable[RedirectContract], search_path: Sequence[str] | None = None
) -> tuple[ContractFiles, ...]:
    """Locate each contract's files without importing them (unknown ones are left out)."""
    found = []
    for contract in contracts:
        if contract.source:
            continue
        canonical = find_module_source(contract.canonical.module, search_path)
        if canonical is None:
            continue
        deprecated = {}
        for module in contract.redirect_modules():
            source = find_module_source(module, search_path)
            if source is not None:
                deprecated[module] = (_real(source.path), _code_lines(source.path))
        found.append(
            ContractFiles(
                contract.name, contract.canonical.module, _real(canonical.path), deprecated
            )
        )
    return tuple(found)


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _code_lines(path: Path) -> frozenset[int]:
    """Lines inside function and method bodies: running them is running deprecated code.

    Module-level statements (the imports and aliases of a redirect) and the PEP 562
    ``__getattr__``/``__dir__`` of a shim are the redirect itself, not code beyond it.
    """
    try:
        tree = parse_source(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in _SHIM_FUNCTIONS and node in tree.body:
                continue
            for statement in node.body:
                end = statement.end_lineno or statement.lineno
                lines.update(range(statement.lineno, end + 1))
    return frozenset(lines)


class Tracer:
    """What each traced test ran in the contracts' files, measured with coverage.py.

    Each traced test gets a coverage context of its own. Our own measurement uses
    ``sys.monitoring`` on 3.12+ (coverage's ``sysmon`` core: code outside the measured files
    goes quiet after its first call) and restarts its silenced events at every test so each
    context is complete; on 3.9-3.11 it uses the trace function, only while a traced test
    runs. A measurement already running (pytest-cov, ``coverage run``) is shared: only one can
    trace. With ``context_suffix``, pytest-cov's ``--cov-context=test`` already switches
    contexts (``<nodeid>|run``) and they are read as they are.
    """

    def __init__(
        self,
        files: Sequence[ContractFiles],
        shared: coverage.Coverage | None,
        *,
        context_suffix: str | None = None,
    ) -> None:
        self.files = files
        self.context_suffix = context_suffix
        self.measured = sorted(
            {f.canonical_file for f in files}
            | {path for f in files for path, _ in f.deprecated.values()}
        )
        self.shared = shared is not None
        self.cov = shared if shared is not None else _own_coverage(self.measured)
        self._modules_before: set[str] = set()
        self._running = False

    def prepare(self) -> None:
        """Pay coverage.py's start-up once, before the tests (not inside the first one)."""
        if not self.shared and not self._running:
            self.cov.start()
            self._running = True
            if not _MONITORING:
                self.cov.stop()
                self._running = False

    def begin(self, nodeid: str) -> None:
        self._modules_before = set(sys.modules)
        if not self.shared and not self._running:
            self.cov.start()
            self._running = True
        if sys.version_info >= (3, 12) and not self.shared:
            # sys.monitoring silences a line after its first event; without this, a line the
            # canonical ran in an earlier test would be missing from this test's context.
            sys.monitoring.restart_events()
        if self.context_suffix is None:
            self.cov.switch_context(f"ssot:{nodeid}")

    def end(self, nodeid: str) -> list[TestEvidence]:
        """Collect this test's evidence, one entry per contract."""
        if self.context_suffix is None:
            self.cov.switch_context("")
        if not self.shared and not _MONITORING:
            self.cov.stop()  # a trace function costs every call: run it only in traced tests
            self._running = False
        imported = set(sys.modules) - self._modules_before
        with warnings.catch_warnings():
            # A test that ran none of the contracts' code: "no data collected" is the answer.
            warnings.simplefilter("ignore", CoverageWarning)
            data = self.cov.get_data()
        suffix = self.context_suffix
        data.set_query_context(f"{nodeid}{suffix}" if suffix else f"ssot:{nodeid}")
        results = []
        for files in self.files:
            reached = bool(data.lines(files.canonical_file))
            lines = {}
            for module, (path, code) in files.deprecated.items():
                if not code or module not in sys.modules:
                    continue  # nothing beyond a redirect, or never imported: nothing it ran
                executed = set(data.lines(path) or ()) & code
                if executed:
                    lines[module] = tuple(sorted(executed))
            results.append(
                TestEvidence(
                    files.contract,
                    reached,
                    lines,
                    tuple(sorted(m for m in files.deprecated if m in imported)),
                )
            )
        data.set_query_contexts(None)
        return results


_MONITORING = sys.version_info >= (3, 12)


def _own_coverage(measured: Sequence[str]) -> coverage.Coverage:
    """A measurement of the contracts' files only, in memory.

    On Python 3.12+ it uses ``sys.monitoring`` (coverage's ``sysmon`` core): code outside the
    measured files stops producing events after its first call, so tracing costs almost
    nothing outside the contracts' own code.
    """
    cov = coverage.Coverage(data_file=None, include=list(measured), branch=False, config_file=False)
    if _MONITORING:
        with contextlib.suppress(Exception):  # coverage before 7.4 has no choice of core
            cov.set_option("run:core", "sysmon")
            # Contexts are complete here: Tracer.begin restarts the silenced events per test.
            cov.set_option("run:disable_warnings", ["no-sysmon-context"])
    return cov


def import_chain(
    sites: Sequence[ImportSite], test_path: str, module: str, lines: range | None = None
) -> list[str]:
    """Where the test reaches the deprecated module (from the import audit): inside the test
    function if it imports it there, else anywhere in its file."""
    reaching = [
        site
        for site in sites
        if site.path == test_path
        and (site.deprecated == module or site.deprecated.startswith(module + "."))
    ]
    inside = [site for site in reaching if lines is not None and site.line in lines]
    return [f"{site.path}:{site.line}: {site.text}" for site in inside or reaching]


def describe(
    evidence: Sequence[TestEvidence],
    files: Sequence[ContractFiles],
    sites: Sequence[ImportSite],
    test_path: str,
    root: Path,
    test_lines: range | None = None,
) -> list[str]:
    """The failure text of a golden-path test that ran deprecated code."""
    by_contract = {f.contract: f for f in files}
    lines = ["golden-path test executed deprecated code instead of the SSOT (ssot evidence):"]
    for item in evidence:
        for module, numbers in item.deprecated_lines.items():
            path = by_contract[item.contract].deprecated[module][0]
            shown = os.path.relpath(path, root)
            lines.append(f"    {module}: lines {_ranges(numbers)} of {shown}")
            chain = import_chain(sites, test_path, module, test_lines)
            if chain:
                lines.extend(f"        reached through {step}" for step in chain)
            elif module in item.imported:
                lines.append(f"        {module} was imported while the test ran")
            canonical = by_contract[item.contract].canonical
            lines.append(f"        fix: use {canonical} instead; `ssot fix` rewrites the imports")
    return lines


def _ranges(numbers: Sequence[int]) -> str:
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


#: pytest's cache key (``.pytest_cache/v/ssot/runtime-map``) for the last traced run.
RUNTIME_MAP_CACHE_KEY = "ssot/runtime-map"


def runtime_map(
    seen: Mapping[str, Sequence[Mapping[str, object]]],
) -> dict[str, dict[str, list[str]]]:
    """Contract -> the traced tests that ran its canonical, and those that ran deprecated code."""
    found: dict[str, dict[str, list[str]]] = {}
    for nodeid, evidence in sorted(seen.items()):
        for item in evidence:
            entry = found.setdefault(
                str(item["contract"]), {"ran_canonical": [], "ran_deprecated": []}
            )
            if item["reached_canonical"]:
                entry["ran_canonical"].append(nodeid)
            if item["deprecated_lines"]:
                entry["ran_deprecated"].append(nodeid)
    return found


def load_runtime_map(cache_dir: Path) -> dict[str, dict[str, list[str]]] | None:
    """The runtime map of the last ``--ssot-evidence`` run, from pytest's cache directory."""
    path = cache_dir / "v" / RUNTIME_MAP_CACHE_KEY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
