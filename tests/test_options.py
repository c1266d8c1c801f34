"""One option table: pytest flags, ini keys, the ssot command and the docs agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ssot.settings.options import OPTIONS, OptionError, markdown_table, option

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_docs_option_table_is_the_option_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = re.search(r"<!-- options:start -->\n(.*?)<!-- options:end -->", text, re.S)
    assert table is not None, "docs/configuration.md lost its options markers"
    assert table.group(1) == markdown_table()


def test_pytest_registers_every_row(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "pytest_ssot", "--help")
    for row in OPTIONS:
        result.stdout.fnmatch_lines([f"*{row.flag}*"])
        if row.ini:
            result.stdout.fnmatch_lines([f"  {row.name} *"])


def test_the_ssot_command_takes_the_shared_rows() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "pytest_ssot", "check", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flags = set(re.findall(r"--[a-z-]+", help_text))
    assert {row.cli for row in OPTIONS if row.cli} <= flags


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ssot_golden_path", "fial", "ssot_golden_path = 'fial': expected one of fail, report"),
        ("ssot_evidence", "gloden", "ssot_evidence = 'gloden': expected one of off, golden, all"),
        ("ssot_warn", "maybe", "ssot_warn = 'maybe': expected true or false"),
        ("ssot_import_timeout", "0", "ssot_import_timeout = '0': expected a number of seconds"),
    ],
)
def test_bad_values_name_the_key_and_what_it_takes(name: str, value: str, message: str) -> None:
    with pytest.raises(OptionError, match=re.escape(message)):
        option(name).resolve(None, value)


def test_values_resolve_command_line_then_ini_then_default() -> None:
    golden = option("ssot_golden_path")
    assert golden.resolve(None, "") == "fail"
    assert golden.resolve(None, "report") == "report"
    assert golden.resolve("fail", "report") == "fail"
    warn = option("ssot_warn")
    assert warn.resolve(None, "") is False
    assert warn.resolve(None, "True") is True  # how pytest hands over `ssot_warn = true`
    assert warn.resolve(True, "false") is True


PROJECT = {
    "pyproject.toml": """
[tool.ssot.contracts.engine]
canonical = "app.core:Engine"
redirects = ["app.old:Engine"]
golden-path = true
""",
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n",
    "app/old.py": "from app.core import Engine\n",
    "tests/test_x.py": "def test_x():\n    pass\n",
}


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (
            ["-o", "ssot_golden_path=fial"],
            "ERROR: pytest-ssot: ssot_golden_path = 'fial': expected one of fail, report",
        ),
        (
            ["-o", "ssot_evidence=gold"],
            "ERROR: pytest-ssot: ssot_evidence = 'gold': expected one of off, golden, all",
        ),
    ],
)
def test_a_typo_in_an_ini_value_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], first_line: str
) -> None:
    for name, text in PROJECT.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = pytester.runpytest_subprocess("-p", "pytest_ssot", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == first_line


def test_a_boolean_written_in_toml_is_understood(pytester: pytest.Pytester) -> None:
    for name, text in PROJECT.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    path = pytester.path / "pyproject.toml"
    path.write_text(
        path.read_text()
        + '\n[tool.pytest.ini_options]\nssot_warn = true\nssot_golden_path = "report"\n'
    )
    (pytester.path / "app" / "old.py").write_text("class Engine:\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "pytest_ssot")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*SSOT golden path: BROKEN (warn mode)*"])
