"""Time the identity check in-process against the isolated (child interpreter) check.

Usage (from the repository root)::

    python benchmarks/run_isolation.py --repeats 7

Three measurements, medians of ``--repeats`` runs:

- the identity checks of the demo project ``examples/chat-backend`` (2 contracts,
  5 redirects), in-process (``check_identity``) and isolated (``check_identity_isolated``);
- the same on generated contract sets: N contracts of 3 redirects each, every module a small
  pure redirect of a class that imports one stdlib module, so interpreter start-up and
  imports dominate as in a real project;
- a whole ``pytest`` session on the demo, without and with ``--ssot-isolate`` (a subprocess
  each, wall clock), which is what a user waits for.

Nothing is asserted: the figures decide the default, recorded in docs/design.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_ssot.analysis.identity import check_identity
from pytest_ssot.analysis.isolation import Isolation, check_identities_isolated
from pytest_ssot.domain.model import ObjectPath, RedirectContract
from pytest_ssot.settings.pyproject import load_config

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "chat-backend"


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forget(prefix: str) -> None:
    """In-process runs must import afresh every time, as a new pytest session would."""
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]


def compare(
    label: str, contracts: tuple[RedirectContract, ...], path: str, prefix: str, repeats: int
) -> None:
    sys.path.insert(0, path)
    try:

        def in_process() -> None:
            forget(prefix)
            for contract in contracts:
                check_identity(contract)

        def isolated() -> None:
            check_identities_isolated(contracts, Isolation())

        a = median_seconds(in_process, repeats)
        b = median_seconds(isolated, repeats)
    finally:
        sys.path.remove(path)
    redirects = sum(len(c.redirects) for c in contracts)
    print(f"| {label} | {len(contracts)} | {redirects} | {a * 1000:.1f} ms | {b * 1000:.0f} ms |")


def synthetic(root: Path, count: int) -> tuple[RedirectContract, ...]:
    package = root / "synth"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    contracts = []
    for i in range(count):
        (package / f"core{i}.py").write_text(
            f"import json\n\n\nclass Engine{i}:\n"
            f"    def run(self):\n        return json.dumps({i})\n"
        )
        redirects = []
        for j in range(3):
            (package / f"old{i}_{j}.py").write_text(
                f'"""Deprecated."""\nimport warnings\n\nfrom synth.core{i} import Engine{i}\n\n'
                f'warnings.warn("moved", DeprecationWarning, stacklevel=2)\n'
            )
            redirects.append(ObjectPath(f"synth.old{i}_{j}", f"Engine{i}"))
        contracts.append(
            RedirectContract(f"c{i}", ObjectPath(f"synth.core{i}", f"Engine{i}"), tuple(redirects))
        )
    return tuple(contracts)


def session(isolate: bool, repeats: int) -> float:
    command = [sys.executable, "-m", "pytest", "-p", "pytest_ssot", "-p", "no:cacheprovider", "-q"]
    if isolate:
        command.append("--ssot-isolate")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return median_seconds(
        lambda: subprocess.run(command, cwd=DEMO, env=env, capture_output=True, check=False),
        repeats,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"medians of {args.repeats} runs\n"
    )
    print("| contracts | N | redirects | in-process | isolated |")
    print("| --- | --- | --- | --- | --- |")
    config = load_config(DEMO / "pyproject.toml")
    assert config is not None
    compare("demo", config.contracts, str(DEMO / "src"), "chat", args.repeats)
    with tempfile.TemporaryDirectory() as directory:
        for count in (1, 10, 50):
            contracts = synthetic(Path(directory) / str(count), count)
            compare(
                "synthetic", contracts, str(Path(directory) / str(count)), "synth", args.repeats
            )
            forget("synth")
    plain = session(isolate=False, repeats=args.repeats)
    isolated = session(isolate=True, repeats=args.repeats)
    print(
        f"\npytest session on the demo (wall clock): {plain:.2f} s in-process, "
        f"{isolated:.2f} s with --ssot-isolate (+{(isolated - plain) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
