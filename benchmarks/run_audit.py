"""Time the import audit against ruff and a whole-file ``ast`` reference, in one run.

Usage (from the repository root)::

    python -m pip install -e ".[benchmark]"
    python benchmarks/generate_tree.py /tmp/ssot-bench-tree
    python benchmarks/run_audit.py /tmp/ssot-bench-tree

The machine is shared and noisy, so every figure is a median of several runs and the targets
are ratios between tools measured side by side:

- cold audit (no pytest-ssot cache)  <= 0.35 x ruff's cold time for TID251 (``--no-cache``);
- warm audit (nothing changed)        <= ruff's warm time (ruff's cache primed);
- zero missed and zero extra sites against the reference, and against the planted manifest.

The audit is timed in-process, as it runs inside a pytest session; ruff as a subprocess.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    audit_tree,
    deprecated_modules,
    scan_source_reference,
)
from pytest_ssot.domain.model import ImportSite
from pytest_ssot.settings.pyproject import SsotConfig, load_config
from pytest_ssot.source.tree import python_files

COLD_TARGET = 0.35
WARM_TARGET = 1.0


def median_seconds(action: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


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


def ruff_seconds(tree: Path, repeats: int, *, cold: bool) -> tuple[float, list[float], int]:
    ruff = shutil.which("ruff")
    if ruff is None:
        sys.exit("ruff is not installed: python -m pip install -e '.[benchmark]'")
    cache = tree / ".ruff_cache"
    command = [ruff, "check", "--select", "TID251", "--output-format", "concise", "--exit-zero"]
    if cold:
        command.append("--no-cache")
    else:
        subprocess.run(command, cwd=tree, capture_output=True, check=True)  # prime the cache
    output = ""

    def run() -> None:
        nonlocal output
        output = subprocess.run(
            command, cwd=tree, capture_output=True, text=True, check=True
        ).stdout

    median, times = median_seconds(run, repeats)
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    found = sum(" TID251 " in line for line in output.splitlines())
    return median, times, found


def planted(tree: Path) -> set[tuple[str, int]] | None:
    manifest = tree / ".ssot-bench-manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text())
    return {(site["path"], site["line"]) for site in data["sites"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path, help="a tree made by benchmarks/generate_tree.py")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    tree = args.tree.resolve()
    config = load_config(tree / "pyproject.toml")
    if config is None:
        sys.exit(f"{tree}/pyproject.toml has no [tool.ssot] table")
    contracts = [c for c in config.contracts if c.audit != "off"]
    selection = config.audit.selection
    cache_dir = Path(tempfile.mkdtemp(prefix="ssot-bench-cache-"))
    cache_file = cache_dir / "audit.json"

    def cold() -> object:
        cache_file.unlink(missing_ok=True)
        return audit_tree(tree, contracts, selection, cache_file=cache_file)

    def warm() -> object:
        return audit_tree(tree, contracts, selection, cache_file=cache_file)

    audit = audit_tree(tree, contracts, selection)  # also warms the OS file cache for everyone
    cold_s, cold_runs = median_seconds(cold, args.repeats)
    warm()
    warm_s, warm_runs = median_seconds(warm, args.repeats)
    ruff_cold_s, ruff_cold_runs, ruff_found = ruff_seconds(tree, args.repeats, cold=True)
    ruff_warm_s, ruff_warm_runs, _ = ruff_seconds(tree, args.repeats, cold=False)
    start = time.perf_counter()
    reference, reference_errors = reference_sites(config)
    reference_s = time.perf_counter() - start
    shutil.rmtree(cache_dir, ignore_errors=True)

    fast = set(audit.sites)
    missed, extra = reference - fast, fast - reference
    expected = planted(tree)
    located = {(s.path, s.line) for s in fast}
    results: dict[str, Any] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "files": audit.files,
        "bytes": sum(f.size for f in python_files(tree, selection)),
        "sites": len(fast),
        "audit_cold_s": cold_s,
        "audit_warm_s": warm_s,
        "ruff_cold_s": ruff_cold_s,
        "ruff_warm_s": ruff_warm_s,
        "ruff_tid251_findings": ruff_found,
        "reference_s": reference_s,
        "cold_ratio": cold_s / ruff_cold_s,
        "warm_ratio": warm_s / ruff_warm_s,
        "missed_vs_reference": len(missed),
        "extra_vs_reference": len(extra),
        "reference_unparsable": len(reference_errors),
        "missed_vs_manifest": None if expected is None else len(expected - located),
        "extra_vs_manifest": None if expected is None else len(located - expected),
        "runs": {
            "audit_cold": cold_runs,
            "audit_warm": warm_runs,
            "ruff_cold": ruff_cold_runs,
            "ruff_warm": ruff_warm_runs,
        },
    }
    for site in sorted(missed)[:10]:
        print(f"MISSED {site}")
    for site in sorted(extra)[:10]:
        print(f"EXTRA  {site}")
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    ok = (
        results["cold_ratio"] <= COLD_TARGET
        and results["warm_ratio"] <= WARM_TARGET
        and not missed
        and not extra
        and not results["missed_vs_manifest"]
        and not results["extra_vs_manifest"]
    )
    return 0 if ok else 1


def report(r: dict[str, Any]) -> None:
    print(f"machine:   {r['machine']}")
    print(f"tree:      {r['files']} files, {int(r['bytes']) / 1e6:.0f} MB, {r['sites']} sites")
    print(f"audit:     cold {r['audit_cold_s']:.3f} s   warm {r['audit_warm_s']:.3f} s")
    print(
        f"ruff:      cold {r['ruff_cold_s']:.3f} s   warm {r['ruff_warm_s']:.3f} s   "
        f"({r['ruff_tid251_findings']} TID251 findings)"
    )
    print(f"reference: {r['reference_s']:.2f} s (ast.parse of every file)")
    print(f"cold ratio audit/ruff: {r['cold_ratio']:.2f} (target <= {COLD_TARGET})")
    print(f"warm ratio audit/ruff: {r['warm_ratio']:.2f} (target <= {WARM_TARGET})")
    print(f"vs reference: {r['missed_vs_reference']} missed, {r['extra_vs_reference']} extra")
    print(f"vs manifest:  {r['missed_vs_manifest']} missed, {r['extra_vs_manifest']} extra")


if __name__ == "__main__":
    raise SystemExit(main())
