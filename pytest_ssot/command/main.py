"""The ``ssot`` command: the plugin's checks and the migration tools, without a pytest session.

Exit codes (for pre-commit and CI): 0 nothing to report, 1 violations found (or, for
``fix`` without ``--write``, changes pending), 2 usage or configuration error (or a ``fix``
it cannot produce safely: nothing is written), 3 an internal error of pytest-ssot (a bug:
never 1, which would read as violations).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pytest_ssot import __version__
from pytest_ssot.domain.serial import to_plain
from pytest_ssot.rendering.findings import Projection, finding_lines
from pytest_ssot.rendering.outputs import github_annotations, json_report, sarif_log, write_report
from pytest_ssot.settings.options import option, parse_report_spec
from pytest_ssot.settings.pyproject import (
    ConfigError,
    SsotConfig,
    pytest_cache_dir,
    pytest_pythonpath,
)
from pytest_ssot.source.modules import relative_posix

if TYPE_CHECKING:
    from pytest_ssot.migration.codemod import FixPlan

#: What ``ssot check --output-format`` prints on standard output.
CHECK_FORMATS = ("text", "json", "sarif", "github")

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

#: Set (to anything but ``0`` or empty) to print the traceback of an internal error.
DEBUG_ENV = "SSOT_DEBUG"

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
  (or a fix that would leave a module unimportable: nothing is written),
  3 internal error (a bug in ssot; --debug or SSOT_DEBUG=1 prints the traceback)
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
        self.stream.write(json.dumps(to_plain(value), indent=2) + "\n")


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
    common.add_argument(
        "--debug",
        action="store_true",
        help=f"print the traceback of an internal error (or set {DEBUG_ENV}=1)",
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
        "exit codes: 0 ok, 1 violations, 2 usage or configuration error, 3 internal error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_option(check, "ssot_report", action="append", default=[])
    check.add_argument(
        "--static",
        action="store_true",
        help="resolve identity through the import chains without importing anything",
    )
    check.add_argument(
        "--output-format",
        choices=CHECK_FORMATS,
        help="what to print on standard output: text (the default), json, sarif (SARIF 2.1.0, "
        "paths relative to the repository root) or github (workflow-command annotations); "
        "overrides --format",
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
        "  ssot fix --write --warn  redirects warn on use (PEP 562 __getattr__)\n\n"
        "Before anything is written the result is checked: every file must compile and bind\n"
        "every name it uses. If not, nothing is written, each problem is named (file:line)\n"
        "and the exit code is 2.",
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
    """A flag of the option table (:mod:`pytest_ssot.settings.options`), under its ``ssot`` name."""
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
    except Exception as error:  # a bug of ours: say so, and never exit 1 ("violations")
        _internal_error(args.command, error, debug=args.debug)
        return EXIT_INTERNAL


def _internal_error(command: str, error: Exception, *, debug: bool) -> None:
    """One line first, then what to do; the traceback only on request."""
    print(
        f"ssot {command}: internal error: {type(error).__name__}: {error}",
        file=sys.stderr,
    )
    if debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
        print("this is a bug in pytest-ssot; please report it with this traceback", file=sys.stderr)
    else:
        print(
            "this is a bug in pytest-ssot; please report it with the traceback that "
            f"`ssot {command} --debug` (or {DEBUG_ENV}=1) prints",
            file=sys.stderr,
        )


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


# -- configuration ---------------------------------------------------------------------------


def find_config(explicit: Path | None) -> SsotConfig:
    """``--config``, else the nearest ``pyproject.toml`` upwards holding ``[tool.ssot]``;
    plus the contracts installed packages declare."""
    from pytest_ssot.settings.packages import find_config as find

    here = Path.cwd().resolve()
    candidates = [directory / "pyproject.toml" for directory in (here, *here.parents)]
    given = None if explicit is None else explicit.resolve()
    config, _ = find(given, candidates, here, option="--config")
    if config is None:
        raise UsageError(
            f"no pyproject.toml with a [tool.ssot] table in {here} or above; "
            "run `ssot discover` to propose one, or pass --config"
        )
    return config


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
    from pytest_ssot.migration import discover

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
    from pytest_ssot.analysis.evidence import load_runtime_map
    from pytest_ssot.migration import testmap

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
    from pytest_ssot.analysis.run import run_checks
    from pytest_ssot.rendering.text import Renderer

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
    status = EXIT_VIOLATIONS if failed else EXIT_OK
    chosen = args.output_format or ("json" if out.json else "text")
    if chosen == "json":
        out.data(json_report(reports, projection, static=args.static))
        return status
    if chosen == "sarif":
        out.data(sarif_log(reports, projection))
        return status
    if chosen == "github":
        for line in github_annotations(reports, projection):
            out.line(line)
        return status
    renderer = Renderer(config.root, config.contracts, tuple(path))
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
    from pytest_ssot.migration.codemod import plan_fix

    config = find_config(args.config)
    plan = plan_fix(config, search_path=search_path(config), warn=args.warn)
    written = args.write and not plan.problems
    if written:
        try:
            plan.write()
        except OSError as error:
            raise UsageError(
                f"cannot write {error.filename or 'a file'}: {error.strerror or error}; "
                "nothing was changed (files already rewritten were put back)"
            ) from None
    if out.json:
        out.data({"written": written, "plan": plan})
    else:
        _print_plan(plan, out, written=written, write=args.write)
    if plan.problems:
        return EXIT_USAGE
    return EXIT_VIOLATIONS if plan.changes and not args.write else EXIT_OK


def _print_plan(plan: FixPlan, out: Output, *, written: bool, write: bool) -> None:
    for change in plan.changes:
        if written:
            out.line(f"rewrote {change.path}: {'; '.join(change.reasons)}", "good")
        elif not write:
            for line in change.diff().splitlines():
                style = "good" if line.startswith("+") else "bad" if line.startswith("-") else ""
                out.line(line, style)
    for note in plan.skipped:
        out.line(f"skipped {note}", "warn")
    for note in plan.manual:
        out.line(f"left for you: {note}", "warn")
    if plan.problems:
        for problem in plan.problems:
            out.line(f"cannot fix safely: {problem}", "bad")
        out.line(
            f"ssot fix refuses this rewrite ({len(plan.problems)} problem(s) above): "
            "nothing was written. Fix or move those names by hand, then run it again",
            "bad",
        )
    elif not plan.changes:
        out.line("nothing to rewrite", "good")
    elif not write:
        out.line(f"{len(plan.changes)} file(s) would change; run `ssot fix --write` to apply")


_COMMANDS = {"discover": _discover, "map": _map, "check": _check, "fix": _fix}
