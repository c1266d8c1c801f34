"""Time ``ssot discover`` against a plain ``ast.parse`` of the files it reads, in one run.

Usage (from the repository root)::

    python benchmarks/run_discover.py /tmp/ssot-bench-tree             # generated if missing
    python benchmarks/run_discover.py /tmp/ssot-bench-tree --repeats 5 --json results.json

Discover must read and parse every Python file of the tree once (definitions and deprecation
notes can be anywhere), so the floor is reading and parsing exactly those files with
:func:`ast.parse`; the target is discover <= 3 x that floor. The machine is shared and noisy:
the two are run alternately, ``--repeats`` times each (odd is best), and the median of the
per-pair ratios is compared with the target. Both run
in-process (discover as ``ssot discover`` calls it), after one untimed warm-up read that puts
the files in the OS cache. The walk that lists the files is not part of the floor.

Exits 1 if the target is missed, 2 on a usage problem.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pytest_ssot.migration.discover import discover
from pytest_ssot.source.tree import TreeSelection, python_files

TARGET = 3.0
DEFAULT_FILES = 9000


def generate(tree: Path, files: int) -> None:
    """The tree of the audit benchmark, with ``files`` scanned files."""
    generator = Path(__file__).with_name("generate_tree.py")
    subprocess.run([sys.executable, str(generator), str(tree), "--files", str(files)], check=True)


def parse_floor(paths: list[str]) -> float:
    """Read and ``ast.parse`` every file, as discover must at least; unparsable files count."""
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as stream:
            source = stream.read()
        with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
            ast.parse(source)
    return time.perf_counter() - start


def discover_seconds(tree: Path) -> float:
    start = time.perf_counter()
    discover(tree)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tree", type=Path, help="tree to scan (generated if it does not exist)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (median)")
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files to generate")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if not args.tree.exists():
        generate(args.tree, args.files)
    paths = [file.path for file in python_files(args.tree, TreeSelection())]
    parse_floor(paths)  # warm the OS file cache for both
    floors: list[float] = []
    runs: list[float] = []
    for _ in range(args.repeats):
        floors.append(parse_floor(paths))
        runs.append(discover_seconds(args.tree))
        pair = runs[-1] / floors[-1]
        print(
            f"  parse {floors[-1]:.2f} s, discover {runs[-1]:.2f} s, ratio {pair:.2f}", flush=True
        )
    floor, spent = statistics.median(floors), statistics.median(runs)
    # Each pair ran back to back under the same load; a median of ratios is robust to a
    # burst of load on one pair, where a ratio of medians pairs runs from different moments.
    ratio = statistics.median(r / f for r, f in zip(runs, floors))
    met = ratio <= TARGET
    print(f"{len(paths)} files under {args.tree}")
    print(f"ast.parse of the files discover reads: {floor:.2f} s (median of {args.repeats})")
    print(f"discover:                              {spent:.2f} s (median of {args.repeats})")
    print(
        f"median ratio discover / parse: {ratio:.2f} (target <= {TARGET}): "
        + ("met" if met else "MISSED")
    )
    if args.json:
        result = {
            "files": len(paths),
            "parse_s": floors,
            "discover_s": runs,
            "ratio": round(ratio, 3),
            "target": TARGET,
            "met": met,
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
