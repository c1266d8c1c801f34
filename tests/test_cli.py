"""The ``ssot`` command end to end, on copies of the demo project and on small trees."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ssot.command.main import main
from tests.conftest import write_tree

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the broken demo, as the current directory."""
    root = tmp_path / "chat-backend"
    shutil.copytree(EXAMPLES / "chat-backend", root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(root)
    return root


def ssot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real ``python -m pytest_ssot`` process: the runtime check imports the project."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_ssot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out)
    return code, out.getvalue()


def verdicts(output: str) -> dict[str, str]:
    data = json.loads(output)
    return {
        result["redirect"]: result["verdict"]
        for contract in data["contracts"]
        for result in contract["identity"]
    }


def test_help_has_examples_and_exit_codes() -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["fix", "--help"])
    assert excinfo.value.code == 0
    parser_help = subprocess.run(
        [sys.executable, "-m", "pytest_ssot", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "ssot check --static" in parser_help
    assert "exit codes: 0 ok, 1 violations" in parser_help


@pytest.mark.parametrize("debug", ["", "--debug", "SSOT_DEBUG=1"])
def test_an_internal_error_is_one_line_and_exit_3(
    demo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    debug: str,
) -> None:
    """A bug of ours is never exit 1 ("violations") and never a bare traceback."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("chat.core")

    monkeypatch.setattr("pytest_ssot.analysis.run.run_checks", broken)
    monkeypatch.delenv("SSOT_DEBUG", raising=False)
    if debug.startswith("SSOT_DEBUG"):
        monkeypatch.setenv("SSOT_DEBUG", "1")
    code = main(["check", "--static", *([debug] if debug == "--debug" else [])], io.StringIO())
    assert code == 3
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "ssot check: internal error: KeyError: 'chat.core'"
    assert ("Traceback (most recent call last):" in lines) == bool(debug)
    assert lines[-1].startswith("this is a bug in pytest-ssot; please report it")


def test_check_finds_every_verdict_and_exits_1(demo: Path) -> None:
    result = ssot("check", cwd=demo)
    assert result.returncode == 1, result.stderr
    for text in (
        "SSOT001 separate-definition: chat.agents.supervisor.execution_engine:ExecutionEngine",
        "SSOT002 subclass-shim",
        "SSOT003 missing",
        "SSOT004 import-error",
        "SSOT005 canonical-import-error",
        "SSOT006 mutation",
        "SSOT020 src/chat/api.py:2:1",
        "SSOT golden path: BROKEN",
    ):
        assert text in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_static_check_agrees_with_the_runtime_check(demo: Path) -> None:
    runtime = ssot("check", "--format", "json", cwd=demo)
    static = ssot("check", "--static", "--format", "json", cwd=demo)
    assert runtime.returncode == static.returncode == 1
    assert verdicts(static.stdout) == verdicts(runtime.stdout)
    assert set(verdicts(static.stdout).values()) == {
        "separate-definition",
        "subclass-shim",
        "missing",
        "import-error",
        "canonical-import-error",
    }


def test_static_check_needs_no_dependencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.ssot.contracts.engine]
                canonical = "app.core:Engine"
                redirects = ["app.old:Engine", "app.older:Engine", "app.star:Engine"]
                audit = "off"
            """,
            "app/core.py": "import numpy_not_installed\nfrom requests_not_installed import Session\n\nclass Engine:\n    pass\n",
            "app/old.py": "from app.core import Engine\n",
            "app/older.py": "from .old import Engine as _E\nEngine = _E\n",
            "app/star.py": "from app.older import *\n__all__ = ['Engine']\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the runtime check puts the project on it
    code, output = run("check", "--static", "--format", "json")
    assert set(verdicts(output).values()) == {"identity"}
    # The star chain between two deprecated modules resolves, but is not pure (it serves
    # whatever app.older holds): the one finding, so the run fails.
    assert code == 1, output
    findings = json.loads(output)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("SSOT010", "app/star.py", 1)]
    assert "another deprecated module of the same contract" in findings[0]["message"]
    code, output = run("check", "--format", "json")  # the runtime check cannot import it
    assert code == 1
    assert set(verdicts(output).values()) == {"canonical-import-error"}


def test_fix_dry_run_then_write_then_everything_is_green(demo: Path) -> None:
    before = {p: p.read_bytes() for p in demo.rglob("*.py")}
    code, diff = run("fix")
    assert code == 1
    assert "--- a/src/chat/agents/supervisor/execution_engine.py" in diff
    assert (
        "+from chat.agents.supervisor.user_execution_engine import UserExecutionEngine as ExecutionEngine  # never migrated"
        in diff
    )
    assert {p: p.read_bytes() for p in demo.rglob("*.py")} == before, "a dry run writes nothing"

    code, output = run("fix", "--write")
    assert code == 0
    assert "rewrote src/chat/api.py" in output
    assert (
        "def create_engine"
        in (demo / "src/chat/agents/supervisor/user_execution_engine.py").read_text()
    )

    assert run("fix") == (0, "nothing to rewrite\n"), "a second run changes nothing"
    check = ssot("check", cwd=demo)
    assert check.returncode == 0, check.stdout
    static = ssot("check", "--static", cwd=demo)
    assert static.returncode == 0, static.stdout
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "pytest_ssot", "-p", "no:cacheprovider", "-q"],
        cwd=demo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout


def test_fix_with_warnings_uses_pep562_redirects(demo: Path) -> None:
    code, _ = run("fix", "--write", "--warn")
    assert code == 0
    redirect = (demo / "src/chat/agents/supervisor/execution_engine.py").read_text()
    assert "def __getattr__(name):" in redirect
    result = ssot("check", cwd=demo)
    assert result.returncode == 0, result.stdout
    assert "DeprecationWarning" in result.stdout or "ok chat" in result.stdout


def test_json_output_on_every_command(demo: Path) -> None:
    for command in (["check", "--static"], ["fix"]):
        code, output = run(*command, "--format", "json")
        assert code == 1
        assert isinstance(json.loads(output), dict)


def test_configuration_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("check")[0] == 2
    assert "no pyproject.toml with a [tool.ssot] table" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text("[tool.ssot.contracts.e]\ncanonical = 1\n")
    assert run("check")[0] == 2
    assert "tool.ssot.contracts.e.canonical must be a string" in capsys.readouterr().err


def test_color_only_when_asked_or_on_a_terminal(demo: Path) -> None:
    code, output = run("check", "--static", "--color", "always")
    assert code == 1
    assert "\x1b[31m" in output


def test_map_shows_the_runtime_map_of_the_last_traced_run(demo: Path) -> None:
    code, output = run("map")
    assert code == 0
    assert "tests/test_golden_path.py::test_user_gets_an_ai_response [golden_path]" in output
    assert "runtime map: none yet" in output
    traced = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "pytest_ssot", "--ssot-evidence=golden", "-q"],
        cwd=demo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert traced.returncode == 1  # the broken demo
    code, output = run("map")
    assert (
        "    ran deprecated code: tests/test_golden_path.py::test_old_import_path_still_answers"
        in output
    )
    assert (
        "    ran the canonical: tests/test_golden_path.py::test_user_gets_an_ai_response" in output
    )


@pytest.mark.parametrize("static", [True, False], ids=["static", "runtime"])
def test_check_prints_sarif_and_annotations_on_stdout(tmp_path: Path, static: bool) -> None:
    """``ssot check --output-format sarif|github`` for CI steps that read standard output;
    the exit code still says whether there are violations."""
    (tmp_path / ".git").mkdir()
    root = tmp_path / "backend"
    shutil.copytree(EXAMPLES / "chat-backend", root, ignore=shutil.ignore_patterns("__pycache__"))
    extra = ["--static"] if static else []
    sarif = ssot("check", *extra, "--output-format", "sarif", cwd=root)
    assert sarif.returncode == 1, sarif.stderr
    log = json.loads(sarif.stdout)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"SSOT001", "SSOT002", "SSOT020"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(uri.startswith("backend/") for uri in uris), uris
    github = ssot("check", *extra, "--output-format", "github", cwd=root)
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    assert len(lines) == len(results)
    assert all(line.startswith("::error file=backend/") for line in lines)
