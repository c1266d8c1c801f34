"""The ``ssot`` command: the plugin's checks and the migration tools, without a pytest session.

Exit codes (for pre-commit and CI): 0 nothing to report, 1 violations found (or, for
``fix`` without ``--write``, changes pending), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pytest_ssot import __version__
from pytest_ssot.config import (
    ConfigError,
    SsotConfig,
    load_config,
    pytest_cache_dir,
    pytest_pythonpath,
)
from pytest_ssot.findings import Projection, finding_lines
from pytest_ssot.modules import relative_posix
from pytest_ssot.options import option
from pytest_ssot.outputs import json_report, parse_report_spec, to_jsonable, write_report

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2

_EPILOG = """\
commands:
  discover  find SSOT violations in an unknown codebase and propose contracts
  map       which tests guard each canonical, which still exercise deprecated paths
  check     every check of the plugin, without a pytest session
  fix       rewrite imports to the canonical paths, deprecated modules to redirects

examples:
  ssot discover src/                 propose [tool.ssot] contracts for a codebase
  ssot map                           tests per contract, golden-path ones first
  ssot check                         import the project and run every check
  ssot check --static                the same without importing anything
  ssot fix                           show the rewrite as a unified diff
  ssot fix --write                   apply it
  ssot check --format json           machine-readable results

exit codes: 0 ok, 1 violations (or pending fixes), 2 usage or configuration error
"""


class UsageError(Exception):
    """Bad arguments or configuration: exit code 2, one line naming what to change."""


@dataclasses.dataclass(frozen=True)
class Output:
    """Where and how to print: colour only on a terminal, never with NO_COLOR."""

    stream: TextIO
    color: bool
    json: bool

    def line(self, text: str = "", style: str = "") -> None:
        if self.color and style:
            text = f"{_STYLES[style]}{text}\033[0m"
        self.stream.write(text + "\n")

    def data(self, value: object) -> None:
        self.stream.write(json.dumps(to_jsonable(value), indent=2) + "\n")


_STYLES = {"bad": "\033[31m", "good": "\033[32m", "warn": "\033[33m", "head": "\033[1m"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssot",
        description="Keep a single-source-of-truth migration honest.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format", choices=("text", "json"), default="text", help="output for people or tools"
    )
    common.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (auto: on a terminal, unless NO_COLOR is set)",
    )
    with_config = argparse.ArgumentParser(add_help=False)
    _add_option(with_config, "ssot_config", type=Path)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    discover = commands.add_parser(
        "discover",
        parents=[common],
        help="find SSOT violations and propose contracts (static, imports nothing)",
        description="Find duplicate definitions, deprecated modules that still hold code and "
        "alias chains; rank candidate contracts and print a [tool.ssot] block to paste.",
        epilog="examples:\n  ssot discover\n  ssot discover src/ --top 5\n"
        "  ssot discover --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    discover.add_argument("path", nargs="?", type=Path, default=Path("."), help="tree to scan")
    discover.add_argument("--top", type=int, default=3, help="proposals to print (default 3)")

    test_map = commands.add_parser(
        "map",
        parents=[common, with_config],
        help="tests that guard each canonical, and tests that use deprecated paths",
        description="For each contract, the tests referencing its canonical module and those "
        "referencing a deprecated path, with their markers (static).",
        epilog="examples:\n  ssot map\n  ssot map --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    del test_map

    check = commands.add_parser(
        "check",
        parents=[common, with_config],
        help="run every check without pytest (identity, purity, import audit)",
        description="Identity (imports the project; --static follows the source instead), "
        "purity and the import audit, as the pytest plugin runs them.",
        epilog="examples:\n  ssot check\n  ssot check --static\n  ssot check --format json\n\n"
        "exit codes: 0 ok, 1 violations, 2 usage or configuration error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_option(check, "ssot_report", action="append", default=[])
    check.add_argument(
        "--static",
        action="store_true",
        help="resolve identity through the import chains without importing anything",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="scan every file for the import audit instead of reusing unchanged files' results "
        "from pytest's cache directory (the cache the pytest plugin keeps)",
    )

    fix = commands.add_parser(
        "fix",
        parents=[common, with_config],
        help="rewrite imports to canonical paths and deprecated modules to redirects",
        description="Rewrites every import site the audit finds to the canonical path and "
        "turns each deprecated module into a pure redirect keeping every name it exported "
        "(definitions with no canonical home move into the canonical module). Dry run by "
        "default: prints a unified diff.",
        epilog="examples:\n"
        "  ssot fix                 show the diff (exit 1 if anything would change)\n"
        "  ssot fix --write         apply it\n"
        "  ssot fix --write --warn  redirects warn on use (PEP 562 __getattr__)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fix.add_argument("--write", action="store_true", help="apply the changes (atomic writes)")
    fix.add_argument(
        "--warn",
        action="store_true",
        help="make redirects emit a DeprecationWarning on use (PEP 562 __getattr__ form)",
    )
    return parser


def _add_option(parser: argparse.ArgumentParser, name: str, **kwargs: Any) -> None:
    """A flag of the option table (:mod:`pytest_ssot.options`), under its ``ssot`` name."""
    row = option(name)
    assert row.cli is not None, f"{name} has no flag of the ssot command"
    dest = row.cli.lstrip("-").replace("-", "_")
    parser.add_argument(row.cli, dest=dest, metavar=row.metavar, help=_plain(row.help), **kwargs)


def _plain(markdown: str) -> str:
    """Help text without the Markdown the docs table needs; argparse expands ``%``."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown).replace("`", "").replace("%", "%%")


def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(
        stream or sys.stdout,
        color=_use_color(args.color, stream or sys.stdout),
        json=args.format == "json",
    )
    try:
        return int(_COMMANDS[args.command](args, out))
    except (UsageError, ConfigError) as error:
        print(f"ssot {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `ssot map | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


# -- configuration ---------------------------------------------------------------------------


def find_config(explicit: Path | None) -> SsotConfig:
    """The project's ``[tool.ssot]``, plus the contracts installed packages declare."""
    from pytest_ssot.packages import with_package_contracts

    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"--config {explicit}: no such file")
        config = load_config(explicit.resolve())
        if config is None:
            raise UsageError(f"{explicit}: has no [tool.ssot] table; declare contracts there")
        return with_package_contracts(config, config.root)[0] or config
    here = Path.cwd().resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            config = load_config(candidate)
            if config is not None:
                return with_package_contracts(config, config.root)[0] or config
    from_packages = with_package_contracts(None, here)[0]
    if from_packages is not None:
        return from_packages
    raise UsageError(
        f"no pyproject.toml with a [tool.ssot] table in {here} or above; "
        "run `ssot discover` to propose one, or pass --config"
    )


def search_path(config: SsotConfig) -> list[str]:
    """Where the project's modules are: pytest's ``pythonpath`` entries, then the root."""
    entries = [str((config.root / entry).resolve()) for entry in pytest_pythonpath(config.path)]
    return [*entries, str(config.root)]


#: What pytest puts in a cache directory it creates: without ``.gitignore`` a cache directory
#: first made by ``ssot check`` would show up in ``git status`` (pytest adds the files only
#: when it creates the directory itself).
PYTEST_CACHE_FILES = {
    ".gitignore": "# Created by pytest automatically.\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pytest.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/spec.html\n",
    "README.md": "# pytest cache directory #\n\n"
    "This directory contains data from the pytest's cache plugin,\n"
    "which provides the `--lf` and `--ff` options, as well as the `cache` fixture.\n\n"
    "**Do not** commit this to version control.\n\n"
    "See [the docs](https://docs.pytest.org/en/stable/how-to/cache.html) for more information.\n",
}


def audit_cache_file(config: SsotConfig) -> Path | None:
    """The import audit's cache, where the pytest plugin keeps it
    (``<cache_dir>/d/ssot/audit.json``), so a warm ``ssot check`` after ``pytest`` (or the
    reverse) reads no unchanged file. ``None`` where the directory cannot be made."""
    cache_dir = pytest_cache_dir(config)
    if not cache_dir.is_dir():
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            for name, text in PYTEST_CACHE_FILES.items():
                (cache_dir / name).write_text(text, encoding="utf-8")
        except OSError:
            return None  # a read-only checkout only costs a cold scan
    return cache_dir / "d" / "ssot" / "audit.json"


# -- commands ----------------------------------------------------------------------------------


def _discover(args: argparse.Namespace, out: Output) -> int:
    from pytest_ssot import discover

    root = args.path.resolve()
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory")
    found = discover.discover(root)
    if out.json:
        out.data(found)
    else:
        for line in discover.render_text(found, top=args.top):
            out.line(line)
    return EXIT_OK


def _map(args: argparse.Namespace, out: Output) -> int:
    from pytest_ssot import testmap
    from pytest_ssot.evidence import load_runtime_map

    config = find_config(args.config)
    found = testmap.map_tests(config)
    runtime = load_runtime_map(pytest_cache_dir(config))
    if out.json:
        out.data({"static": found, "runtime": runtime})
        return EXIT_OK
    for line in testmap.render_text(found):
        out.line(line)
    out.line("")
    if runtime is None:
        out.line("runtime map: none yet; run `pytest --ssot-evidence=golden` to record one")
        return EXIT_OK
    out.line("runtime map (last `pytest --ssot-evidence` run):")
    for contract, tests in runtime.items():
        out.line(f"  {contract}:")
        for nodeid in tests.get("ran_canonical", []):
            out.line(f"    ran the canonical: {nodeid}", "good")
        for nodeid in tests.get("ran_deprecated", []):
            out.line(f"    ran deprecated code: {nodeid}", "bad")
    return EXIT_OK


def _check(args: argparse.Namespace, out: Output) -> int:
    from pytest_ssot.checks import run_checks
    from pytest_ssot.report import Renderer

    config = find_config(args.config)
    path = search_path(config)
    for spec in args.report:
        try:
            parse_report_spec(spec)
        except ValueError as error:
            raise UsageError(f"--report {error}") from None
    cache = None if args.no_cache else audit_cache_file(config)
    if args.static:
        reports = run_checks(config, search_path=path, static=True, audit_cache=cache)
    else:
        sys.path[:0] = [entry for entry in path if entry not in sys.path]
        reports = run_checks(config, search_path=path, audit_cache=cache)
    failed = any(report.fails_run for report in reports)
    projection = Projection(config.root, config_file=relative_posix(config.path, config.root))
    for spec in args.report:
        write_report(spec, reports, projection)
    if out.json:
        out.data(json_report(reports, projection, static=args.static))
        return EXIT_VIOLATIONS if failed else EXIT_OK
    renderer = Renderer(config.root)
    for report in reports:
        contract = report.contract
        bad = not report.ok
        out.line(
            f"{contract.name}: {'VIOLATED' if bad else 'ok'}"
            + (" [golden path]" if contract.golden_path else ""),
            "bad" if bad else "good",
        )
        for result in report.identity:
            if result.ok:
                out.line(f"  ok {result.redirect}  [{result.verdict.value}]", "good")
            else:
                # Golden-path contracts get their fixes in the section below, once.
                for line in renderer.identity(result, contract, with_fix=not contract.golden_path):
                    out.line(f"  {line}", "bad" if line.startswith("SSOT") else "")
        for purity in report.purity:
            for line in renderer.purity(purity):
                out.line(f"  {line}", "bad" if line.startswith("SSOT") else "")
        if report.audit is not None:
            lines = renderer.audit(report.audit)
            style = "warn" if report.audit.policy == "warn" else "bad"
            for line in lines:
                out.line(f"  {line}", style if line.startswith("SSOT") else "")
    golden = renderer.golden_path_violations(reports)
    if golden:
        out.line("")
        out.line("SSOT golden path: BROKEN", "bad")
        for line in golden:
            out.line(line)
    found = projection.findings(reports)
    if found:
        out.line("")
        out.line(f"{len(found)} finding(s):", "head")
        for line in finding_lines(found, limit=None):
            out.line(f"  {line}")
    if failed:
        out.line("`ssot fix` shows the rewrite that resolves these as a diff; --write applies it")
    return EXIT_VIOLATIONS if failed else EXIT_OK


def _fix(args: argparse.Namespace, out: Output) -> int:
    from pytest_ssot.codemod import plan_fix

    config = find_config(args.config)
    plan = plan_fix(config, search_path=search_path(config), warn=args.warn)
    if args.write:
        plan.write()
    if out.json:
        out.data({"written": args.write, "plan": plan})
    else:
        for change in plan.changes:
            if args.write:
                out.line(f"rewrote {change.path}: {'; '.join(change.reasons)}", "good")
            else:
                for line in change.diff().splitlines():
                    style = (
                        "good" if line.startswith("+") else "bad" if line.startswith("-") else ""
                    )
                    out.line(line, style)
        for note in plan.skipped:
            out.line(f"skipped {note}", "warn")
        for note in plan.manual:
            out.line(f"left for you: {note}", "warn")
        if not plan.changes:
            out.line("nothing to rewrite", "good")
        elif not args.write:
            out.line(f"{len(plan.changes)} file(s) would change; run `ssot fix --write` to apply")
    return EXIT_VIOLATIONS if plan.changes and not args.write else EXIT_OK


_COMMANDS = {"discover": _discover, "map": _map, "check": _check, "fix": _fix}
