"""What the plugin costs a project that does not use it (no ``[tool.ssot]``).

Usage (from the repository root, with pytest-ssot installed)::

    python benchmarks/run_startup.py --repeats 15

Times a 1-test and a 2,000-test pytest session on a generated project without ``[tool.ssot]``
twice each: with the plugin installed (it loads itself through its entry point) and with
``-p no:pytest_ssot``, interleaved so that both see the same machine load; also with
``PYTHONDONTWRITEBYTECODE=1`` (no cached bytecode: every import compiles). The figure judged
is the median CPU time of the pytest process (user + system, from ``os.wait4``), which a busy
shared machine disturbs far less than wall-clock time; the wall-clock medians are printed too.

Target: plugin / no plugin <= 1.02 in every configuration. Exits 1 if one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.02


def make_project(root: Path, tests: int) -> Path:
    project = root / f"project-{tests}"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n[tool.pytest.ini_options]\n'
        'testpaths = ["tests"]\n'
    )
    per_file = 100
    for number in range(max(tests // per_file, 1)):
        count = min(per_file, tests)
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n\n" for i in range(count))
        (project / "tests" / f"test_{number:03}.py").write_text(body)
    return project


def run_once(project: Path, plugin: bool, no_bytecode: bool) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest session."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if not plugin:
        command += ["-p", "no:pytest_ssot"]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"pytest failed in {project}: {process.stderr.read()!r}")  # type: ignore[union-attr]
    return usage.ru_utime + usage.ru_stime, wall


def measure(project: Path, no_bytecode: bool, repeats: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"cpu_on": [], "cpu_off": [], "wall_on": [], "wall_off": []}
    run_once(project, True, no_bytecode)  # warm the file cache (and bytecode, where allowed)
    run_once(project, False, no_bytecode)
    for index in range(repeats):
        # Alternate which goes first, so neither always runs on a just-warmed machine.
        order = (True, False) if index % 2 == 0 else (False, True)
        for plugin in order:
            cpu, wall = run_once(project, plugin, no_bytecode)
            side = "on" if plugin else "off"
            found[f"cpu_{side}"].append(cpu)
            found[f"wall_{side}"].append(wall)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    missed = False
    print(f"Python {sys.version.split()[0]}, {args.repeats} interleaved runs each, medians")
    print("| tests | bytecode | CPU with plugin | CPU -p no:pytest_ssot | ratio | wall ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as temporary:
        for tests in (1, 2000):
            project = make_project(Path(temporary), tests)
            for no_bytecode in (False, True):
                found = measure(project, no_bytecode, args.repeats)
                on, off = statistics.median(found["cpu_on"]), statistics.median(found["cpu_off"])
                wall = statistics.median(found["wall_on"]) / statistics.median(found["wall_off"])
                ratio = on / off
                missed |= ratio > TARGET
                mode = "PYTHONDONTWRITEBYTECODE=1" if no_bytecode else "cached"
                print(
                    f"| {tests} | {mode} | {on:.3f} s | {off:.3f} s | **{ratio:.3f}** "
                    f"| {wall:.3f} |"
                )
    print(f"target: ratio <= {TARGET}: {'missed' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
