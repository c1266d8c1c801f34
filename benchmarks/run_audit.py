"""Time the import audit against ruff, a plain read of the tree and a whole-file reference.

Usage (from the repository root)::

    python -m pip install -e ".[benchmark]"
    python benchmarks/generate_tree.py /tmp/ssot-bench-tree            # the original tree
    python benchmarks/generate_real_tree.py /tmp/ssot-bench-real-tree  # shaped like real code
    python benchmarks/run_audit.py /tmp/ssot-bench-tree /tmp/ssot-bench-real-tree

The machine is shared and noisy, so every figure is a median of repeated runs, and the runs
of the different measurements are interleaved (one of each in turn), so that a busy spell
slows all of them. The targets are ratios measured side by side:

- cold audit (no cache)             <= 0.35 x ruff's cold time for TID251 (``--no-cache``)
                                    <= 2 x a plain read (walk the tree, read every selected
                                       file's bytes, in this process);
- warm audit (nothing changed)      <= 0.5 x ruff's warm time, in-process and as the whole
                                       ``ssot check`` command (which includes its start-up,
                                       identity and purity checks);
- cold audit with 40 deprecated modules <= 1.2 x with 4 (a tree with fewer is padded with
  modules of its own, chosen evenly from its module list);
- zero missed and zero extra sites against the parse-everything reference, and against the
  planted manifest: always a hard failure.

The audit is timed in-process, as it runs inside a pytest session; ruff and ``ssot check``
as subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    TreeAudit,
    UnparsableSource,
    audit_tree,
    deprecated_modules,
    scan_source_reference,
)
from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract
from pytest_ssot.settings.pyproject import SsotConfig, load_config
from pytest_ssot.source.tree import TreeSelection, python_files

COLD_TARGET = 0.35
READ_TARGET = 2.0
WARM_TARGET = 0.5
SCALING_TARGET = 1.2
FEW, MANY = 4, 40


def interleaved(actions: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Run every action once per round, ``repeats`` rounds; the times of each."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return times


def reference_sites(config: SsotConfig) -> tuple[set[ImportSite], list[str]]:
    """Parse every selected file whole with ``ast``: slow, and obviously right."""
    contracts = [c for c in config.contracts if c.audit != "off"]
    matcher = SiteMatcher(deprecated_modules(contracts))
    skipped = {m.module for m in matcher.modules} | {c.canonical.module for c in contracts}
    sites: set[ImportSite] = set()
    errors = []
    for file in python_files(config.root, config.audit.selection):
        if file.module in skipped:
            continue
        where = SourceFile(file.relative, file.module, file.is_package)
        try:
            sites.update(scan_source_reference(Path(file.path).read_bytes(), where, matcher))
        except UnparsableSource as error:
            errors.append(str(error))
    return sites, errors


def ruff_path() -> str:
    """ruff from this interpreter's environment first (a venv need not be activated)."""
    here = os.path.dirname(sys.executable)
    ruff = shutil.which("ruff", path=os.pathsep.join([here, os.environ.get("PATH", "")]))
    if ruff is None:
        sys.exit("ruff is not installed: python -m pip install -e '.[benchmark]'")
    return ruff


def ruff_tid251() -> list[str]:
    """ruff's banned-api check, the command both timings and the finding count run."""
    return [ruff_path(), "check", "--select", "TID251", "--output-format", "concise", "--exit-zero"]


def ruff_command(tree: Path, *, cold: bool) -> Callable[[], object]:
    command = ruff_tid251()
    if cold:
        command.append("--no-cache")
    return lambda: subprocess.run(command, cwd=tree, capture_output=True, check=True)


def ruff_findings(tree: Path) -> int:
    command = ruff_tid251()
    output = subprocess.run(
        [*command, "--no-cache"], cwd=tree, capture_output=True, text=True, check=True
    ).stdout
    return sum(" TID251 " in line for line in output.splitlines())


def plain_read(tree: Path, selection: TreeSelection) -> Callable[[], object]:
    """The floor: walk the tree as the audit does and read every selected file's bytes."""

    def read() -> int:
        total = 0
        for file in python_files(tree, selection):
            with open(file.path, "rb") as stream:
                total += len(stream.read())
        return total

    return read


def one_per_module(config: SsotConfig, tree: Path, count: int) -> list[RedirectContract]:
    """``count`` single-redirect contracts: the tree's own deprecated modules first, then
    modules of the tree itself (evenly spaced in its sorted module list) as whole-module
    contracts, so that the extra ones have real importers."""
    own: list[RedirectContract] = []
    for contract in config.contracts:
        for redirect in contract.redirects:
            own.append(
                RedirectContract(f"{contract.name}-{len(own)}", contract.canonical, (redirect,))
            )
    taken = {r.module for c in own for r in c.redirects} | {c.canonical.module for c in own}
    modules = sorted(
        f.module
        for f in python_files(tree, config.audit.selection)
        if f.relative.startswith("app/") and not f.is_package and f.module not in taken
    )
    missing = max(0, count - len(own))
    step = max(1, len(modules) // max(1, missing))
    padding = [
        RedirectContract(f"pad-{i}", ObjectPath(f"{module}_v2"), (ObjectPath(module),))
        for i, module in enumerate(modules[::step][:missing])
    ]
    return [*own, *padding][:count]


def planted(tree: Path) -> set[tuple[str, int]] | None:
    manifest = tree / ".ssot-bench-manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text())
    return {(site["path"], site["line"]) for site in data["sites"]}


def ssot_check(tree: Path, *extra: str) -> Callable[[], object]:
    """The whole ``ssot check`` command, as CI or pre-commit runs it (exit 1: violations)."""
    command = [sys.executable, "-m", "pytest_ssot", "check", "--format", "json", *extra]
    return lambda: subprocess.run(command, cwd=tree, capture_output=True, check=False)


def measure(tree: Path, repeats: int) -> dict[str, Any]:
    config = load_config(tree / "pyproject.toml")
    if config is None:
        sys.exit(f"{tree}/pyproject.toml has no [tool.ssot] table")
    contracts = [c for c in config.contracts if c.audit != "off"]
    selection = config.audit.selection
    cache_dir = Path(tempfile.mkdtemp(prefix="ssot-bench-cache-"))
    cache_file = cache_dir / "audit.json"
    few, many = one_per_module(config, tree, FEW), one_per_module(config, tree, MANY)

    def cold() -> TreeAudit:
        return audit_tree(tree, contracts, selection)

    audit = cold()  # also warms the OS file cache for everyone
    audit_tree(tree, contracts, selection, cache_file=cache_file)
    shutil.rmtree(tree / ".pytest_cache", ignore_errors=True)
    ssot_check(tree)()  # primes the cache `ssot check` shares with the plugin
    ruff_command(tree, cold=False)()  # primes ruff's cache
    runs = interleaved(
        {
            "read": plain_read(tree, selection),
            "audit_cold": cold,
            "audit_warm": lambda: audit_tree(tree, contracts, selection, cache_file=cache_file),
            "ruff_cold": ruff_command(tree, cold=True),
            "ruff_warm": ruff_command(tree, cold=False),
            "check_warm": ssot_check(tree),
            "check_cold": ssot_check(tree, "--no-cache"),
            "audit_4": lambda: audit_tree(tree, few, selection),
            "audit_40": lambda: audit_tree(tree, many, selection),
        },
        repeats,
    )
    shutil.rmtree(cache_dir, ignore_errors=True)
    median = {name: statistics.median(times) for name, times in runs.items()}
    start = time.perf_counter()
    reference, reference_errors = reference_sites(config)
    reference_s = time.perf_counter() - start
    fast = set(audit.sites)
    missed, extra = reference - fast, fast - reference
    expected = planted(tree)
    located = {(s.path, s.line) for s in fast}
    for site in sorted(missed)[:10]:
        print(f"MISSED {site}")
    for site in sorted(extra)[:10]:
        print(f"EXTRA  {site}")
    matcher = SiteMatcher(deprecated_modules(contracts))
    return {
        "tree": str(tree),
        "files": audit.files,
        "bytes": sum(f.size for f in python_files(tree, selection)),
        "sites": len(fast),
        "deprecated_modules": len(matcher.modules),
        "anchors": [g.anchor.decode() for g in matcher.groups],
        "ruff_tid251_findings": ruff_findings(tree),
        "reference_s": reference_s,
        "median_s": median,
        "cold_vs_ruff": median["audit_cold"] / median["ruff_cold"],
        "cold_vs_read": median["audit_cold"] / median["read"],
        "warm_vs_ruff": median["audit_warm"] / median["ruff_warm"],
        "check_warm_vs_ruff": median["check_warm"] / median["ruff_warm"],
        "scaling_40_vs_4": median["audit_40"] / median["audit_4"],
        "missed_vs_reference": len(missed),
        "extra_vs_reference": len(extra),
        "reference_unparsable": len(reference_errors),
        "missed_vs_manifest": None if expected is None else len(expected - located),
        "extra_vs_manifest": None if expected is None else len(located - expected),
        "runs": runs,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", type=Path, nargs="+", help="trees made by the generators")
    parser.add_argument("--repeats", type=int, default=7, help="rounds of runs (median)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    correct = met = True
    for tree in args.trees:
        result = measure(tree.resolve(), args.repeats)
        results.append(result)
        correct &= report(result)
        met &= all(verdict for _, _, _, verdict in targets(result))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if not correct:
        print("FAIL: sites missed or extra")
        return 1
    print("all targets met" if met else "FAIL: a target was missed (see above)")
    return 0 if met else 1


def targets(r: dict[str, Any]) -> list[tuple[str, float, float, bool]]:
    rows = [
        ("cold audit / ruff cold", r["cold_vs_ruff"], COLD_TARGET),
        ("cold audit / plain read", r["cold_vs_read"], READ_TARGET),
        ("warm audit / ruff warm", r["warm_vs_ruff"], WARM_TARGET),
        ("warm `ssot check` / ruff warm", r["check_warm_vs_ruff"], WARM_TARGET),
        (f"cold audit {MANY} / {FEW} modules", r["scaling_40_vs_4"], SCALING_TARGET),
    ]
    return [(name, value, target, value <= target) for name, value, target in rows]


def report(r: dict[str, Any]) -> bool:
    """Print one tree's results; whether the sites were all right."""
    m = r["median_s"]
    print(f"tree:      {r['tree']}: {r['files']} files, {int(r['bytes']) / 1e6:.0f} MB, "
          f"{r['sites']} sites, {r['deprecated_modules']} deprecated modules, "
          f"anchors {r['anchors']}")  # fmt: skip
    print(f"machine:   {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    for name in m:
        print(f"  {name:12s} {m[name]:7.3f} s")
    print(f"  reference {r['reference_s']:.1f} s; ruff: {r['ruff_tid251_findings']} findings")
    for name, value, target, verdict in targets(r):
        print(f"  {name:34s} {value:5.2f}  (target <= {target})  {'met' if verdict else 'MISSED'}")
    print(f"  vs reference: {r['missed_vs_reference']} missed, {r['extra_vs_reference']} extra")
    print(f"  vs manifest:  {r['missed_vs_manifest']} missed, {r['extra_vs_manifest']} extra")
    return not (
        r["missed_vs_reference"]
        or r["extra_vs_reference"]
        or r["missed_vs_manifest"]
        or r["extra_vs_manifest"]
    )


if __name__ == "__main__":
    raise SystemExit(main())
