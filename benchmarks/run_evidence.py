"""Overhead of ``--ssot-evidence``: traced golden-path tests vs untraced, in one run.

Usage (from the repository root, with the plugin installed)::

    python benchmarks/run_evidence.py --repeats 5

It writes a small project (a canonical engine, a deprecated redirect, 40 modules of
ordinary code, 60 golden-path tests that spend most of their time in that ordinary code and
call the engine, as real end-to-end tests do), then runs its test suite alternately with and
without ``--ssot-evidence=golden`` and compares the time spent in the tests themselves (the
sum of the ``call`` durations in the JUnit XML), median of the repeats. Target: at most 15 %
slower. Whole-run wall times are printed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

TARGET = 1.15
MODULES = 40
TESTS = 60
#: Work per test: some milliseconds of ordinary code, like a request in an end-to-end test.
MESSAGES = 3000


def write_project(root: Path, messages: int = MESSAGES) -> None:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.pytest.ini_options]
            pythonpath = ["."]

            [tool.ssot.contracts.engine]
            canonical = "app.core:Engine"
            redirects = ["app.old:Engine"]
            golden-path = true
            audit = "off"
            """
        )
    )
    (root / "app" / "core.py").write_text(
        textwrap.dedent(
            """
            class Engine:
                def __init__(self, user):
                    self.user = user
                    self.events = []

                def execute(self, message):
                    self.events.append("started")
                    answer = "".join(reversed(message))
                    self.events.append("completed")
                    return f"[{self.user}] {answer}"
            """
        )
    )
    (root / "app" / "old.py").write_text("from app.core import Engine\n")
    for index in range(MODULES):
        (root / "app" / f"lib_{index}.py").write_text(
            textwrap.dedent(
                f"""
                def tokenize(text):
                    return [word.strip(".,") for word in text.split()]


                def score(words):
                    total = 0
                    for position, word in enumerate(words):
                        total += (position + {index}) * len(word) % 7
                    return total


                def rank(texts):
                    return sorted(texts, key=lambda text: score(tokenize(text)))
                """
            )
        )
    tests = ["import pytest", "", "from app.core import Engine"]
    tests += [f"import app.lib_{i} as lib_{i}" for i in range(MODULES)]
    for index in range(TESTS):
        module = index % MODULES
        tests += [
            "",
            "",
            "@pytest.mark.golden_path",
            f"def test_user_journey_{index}():",
            f"    texts = [f'message {{n}}, with some words in it.' for n in range({messages})]",
            f"    ranked = lib_{module}.rank(texts)",
            "    engine = Engine('user')",
            "    answer = engine.execute(ranked[0])",
            "    assert answer.startswith('[user]')",
        ]
    (root / "test_journeys.py").write_text("\n".join(tests) + "\n")


def run(root: Path, *extra: str) -> tuple[float, float]:
    """(seconds inside the tests, seconds for the whole run)."""
    report = root / "junit.xml"
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "pytest_ssot",
            "-p",
            "no:cacheprovider",
            "-m",
            "golden_path",
            f"--junitxml={report}",
            *extra,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    cases = ET.parse(report).getroot().iter("testcase")
    inside = sum(
        float(case.get("time", 0)) for case in cases if case.get("name", "").startswith("test_")
    )
    return inside, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--messages",
        type=int,
        default=MESSAGES,
        help=f"work per test (default {MESSAGES}: about 5 ms of Python calls per test)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssot-evidence-bench-") as directory:
        root = Path(directory)
        write_project(root, args.messages)
        run(root)  # warm the file cache and the .pyc files
        plain: list[tuple[float, float]] = []
        traced: list[tuple[float, float]] = []
        for _ in range(args.repeats):  # alternate, so drift on a shared machine hits both
            plain.append(run(root))
            traced.append(run(root, "--ssot-evidence=golden"))
    results = {
        "python": sys.version.split()[0],
        "tests": TESTS,
        "messages": args.messages,
        "plain_tests_s": statistics.median(p for p, _ in plain),
        "traced_tests_s": statistics.median(t for t, _ in traced),
        "plain_wall_s": statistics.median(w for _, w in plain),
        "traced_wall_s": statistics.median(w for _, w in traced),
    }
    results["tests_ratio"] = results["traced_tests_s"] / results["plain_tests_s"]
    results["wall_ratio"] = results["traced_wall_s"] / results["plain_wall_s"]
    print(
        f"Python {results['python']}, {TESTS} golden-path tests, median of {args.repeats}:\n"
        f"  in the tests: untraced {results['plain_tests_s']:.3f} s, "
        f"traced {results['traced_tests_s']:.3f} s, ratio {results['tests_ratio']:.3f} "
        f"(target <= {TARGET})\n"
        f"  whole run:    untraced {results['plain_wall_s']:.3f} s, "
        f"traced {results['traced_wall_s']:.3f} s, ratio {results['wall_ratio']:.3f}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if results["tests_ratio"] <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
