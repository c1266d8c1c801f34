"""Every option of pytest-ssot once: command-line flag, ini key, type, choices, default, help.

The pytest plugin registers its flags and ini keys from :data:`OPTIONS`, the ``ssot``
command takes the rows it shares with pytest from here too, and the option table of
``docs/configuration.md`` is :func:`markdown_table` (a test keeps them equal). Values read
from an ini file are validated here as well: pytest does not check an ini value against
choices, so ``ssot_golden_path = fial`` would silently mean something else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Union

OptionType = Literal["bool", "choice", "path", "seconds", "reports", "flag"]
Value = Union[bool, str, float, list[str], None]

#: Seconds one isolated import may take before it counts as hanging.
DEFAULT_IMPORT_TIMEOUT = 60.0

_TRUE = frozenset({"1", "true", "yes", "y", "on", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "off", "f", ""})


class OptionError(ValueError):
    """A value an option does not take; the text names the option and what it takes."""


@dataclass(frozen=True)
class Option:
    """One row of the table."""

    #: The attribute name (``ssot_warn``): pytest's ``dest`` and, where there is one, the ini key.
    name: str
    type: OptionType
    help: str
    #: The value when neither the command line nor the ini file sets it.
    default: Value = None
    choices: tuple[str, ...] = ()
    #: Whether it can also be set in the ini file (``[tool.pytest.ini_options]``).
    ini: bool = True
    #: The flag of the ``ssot check`` command, if the command takes it too.
    cli: str | None = None
    metavar: str | None = None

    @property
    def flag(self) -> str:
        """The pytest flag: ``ssot_warn`` -> ``--ssot-warn``."""
        return "--" + self.name.replace("_", "-")

    @property
    def ini_key(self) -> str | None:
        return self.name if self.ini else None

    def parse(self, value: object, given: str | None = None) -> Value:
        """The typed value of ``value`` as read from ``given`` (the flag or ini key)."""
        where = given or self.name
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise OptionError(f"{where} = {value!r}: expected true or false")
        if self.type == "choice":
            text = str(value).strip()
            if text not in self.choices:
                raise OptionError(f"{where} = {value!r}: expected one of {', '.join(self.choices)}")
            return text
        if self.type == "seconds":
            return parse_seconds(value, where)
        if self.type == "reports":
            specs = list(value) if isinstance(value, (list, tuple)) else [str(value)]
            for spec in specs:
                try:
                    parse_report_spec(spec)
                except ValueError as error:
                    raise OptionError(f"{where} {error}") from None
            return specs
        return value if value is None or isinstance(value, bool) else str(value)

    def resolve(self, command_line: object, ini_value: object) -> Value:
        """The value in force: the command line wins over the ini file, which wins over the
        default. Both are validated, so a typo fails the run instead of changing behaviour."""
        if command_line is not None and command_line != []:
            return self.parse(command_line, self.flag)
        if self.ini and ini_value not in (None, ""):
            return self.parse(ini_value, self.name)
        return self.default

    def doc_row(self) -> str:
        flag = self.flag
        if self.type == "choice":
            flag += "=" + "\\|".join(self.choices)
        elif self.metavar:
            flag += f"={self.metavar}"
        ini = "—"
        if self.ini:
            ini = f"`{self.name} = true`" if self.type == "bool" else f"`{self.name}`"
        default = _doc_default(self.default)
        cli = f"`ssot check {self.cli}`" if self.cli else "—"
        return f"| `{flag}` | {ini} | {cli} | {default} | {self.help} |"


def _doc_default(value: Value) -> str:
    if value is None or value is False or value == []:
        return "off" if value is False else "—"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


REPORT_FORMATS = ("json", "sarif")


def parse_report_spec(spec: str) -> tuple[str, str]:
    kind, colon, path = spec.partition(":")
    if not colon or kind not in REPORT_FORMATS or not path:
        raise ValueError(
            f"{spec!r}: write FORMAT:PATH with FORMAT one of {', '.join(REPORT_FORMATS)}, "
            "e.g. sarif:ssot.sarif"
        )
    return kind, path


def parse_seconds(value: object, where: str) -> float:
    """A number of seconds greater than 0."""
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise OptionError(f"{where} = {value!r}: expected a number of seconds greater than 0")
    return seconds


OPTIONS: tuple[Option, ...] = (
    Option(
        "ssot_config",
        "path",
        "File holding `[tool.ssot]`. Default: the `pyproject.toml` pytest read its settings "
        "from, else `<rootdir>/pyproject.toml` (for `ssot`: the nearest `pyproject.toml` "
        "upwards that has a `[tool.ssot]` table). A relative path is relative to the rootdir.",
        cli="--config",
        metavar="PATH",
    ),
    Option(
        "ssot_warn",
        "bool",
        "Warn-only rollout: violating contract items are reported as xfailed (`-rx` shows the "
        "rule and path), golden-path tests are not failed, the golden-path section is still "
        'printed with "(warn mode)" and every finding is a warning in SARIF and annotations. '
        "Passing items stay passed, even with `xfail_strict`.",
        default=False,
    ),
    Option(
        "ssot_golden_path",
        "choice",
        "What a violated golden-path contract does to `@pytest.mark.golden_path` tests: "
        "`fail` them with the diagnosis, or only `report` them in the summary.",
        default="fail",
        choices=("fail", "report"),
    ),
    Option(
        "ssot_golden_path_scope",
        "choice",
        "Which `@pytest.mark.golden_path` tests a violated golden-path contract fails: `reach` "
        "those the contract can reach (the test, its class, a fixture or helper it uses, or its "
        "module imports or names the canonical or a deprecated path, as `ssot map` finds them; "
        "a test in a file `ssot map` does not read counts as reached), or `all` of them.",
        default="reach",
        choices=("reach", "all"),
    ),
    Option(
        "ssot_golden_path_purity",
        "bool",
        "Also fail golden-path tests when a contract's only findings are impure redirects "
        "(users get the SSOT, but the deprecated module holds code beside the redirect). Off: "
        "those fail the purity item only. `ssot_golden_path_scope = all` with this on is the "
        "behaviour of pytest-ssot 0.1.",
        default=False,
    ),
    Option(
        "ssot_evidence",
        "choice",
        "Trace tests with coverage.py, restricted to the contracts' files: `golden` traces "
        "`@pytest.mark.golden_path` tests, `all` every test. A golden-path test that runs "
        "deprecated code fails with the lines and how it got there. See "
        "[runtime evidence](#runtime-evidence).",
        default="off",
        choices=("off", "golden", "all"),
    ),
    Option(
        "ssot_require_guard",
        "bool",
        "With evidence: fail a golden-path test that never ran the canonical's code (by "
        "default an `SsotEvidenceWarning`).",
        default=False,
    ),
    Option(
        "ssot_report",
        "reports",
        "Also write the findings as `json:PATH` or `sarif:PATH` (SARIF 2.1.0, for GitHub code "
        "scanning); repeatable. See [CI recipes](ci.md).",
        default=[],
        ini=False,
        cli="--report",
        metavar="FORMAT:PATH",
    ),
    Option(
        "ssot_update_baseline",
        "flag",
        "Write the import-audit baseline (`[tool.ssot.audit] baseline`, default "
        "`ssot-baseline.json`) from this run's sites (every audited contract); entries of "
        "contracts `[tool.ssot]` no longer declares are dropped.",
        default=False,
        ini=False,
    ),
    Option(
        "ssot_isolate",
        "bool",
        "Run the identity checks in one child interpreter: a module that hangs, calls "
        "`os._exit()` or crashes the interpreter on import becomes an `import-error` verdict "
        "with its reason and the run goes on; nothing the checks import stays in the pytest "
        "process. Costs ~0.1 s a session; off by default because the child does not see what "
        "conftest files and plugins set up (see [design](design.md#isolation)).",
        default=False,
    ),
    Option(
        "ssot_import_timeout",
        "seconds",
        "With isolation: how long one import may take before it is reported as `timed out "
        "after N s while importing MODULE`. A number greater than 0.",
        default=DEFAULT_IMPORT_TIMEOUT,
        metavar="SECONDS",
    ),
)

BY_NAME: Mapping[str, Option] = {option.name: option for option in OPTIONS}


def option(name: str) -> Option:
    return BY_NAME[name]


def markdown_table() -> str:
    """The option table of ``docs/configuration.md``."""
    lines = [
        "| flag | ini key | `ssot` command | default | what it does |",
        "| --- | --- | --- | --- | --- |",
        *(row.doc_row() for row in OPTIONS),
    ]
    return "\n".join(lines) + "\n"
