from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_ssot.domain.model import ObjectPath
from pytest_ssot.settings.pyproject import DEFAULT_SHIM_HELPERS, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


FULL = """
[tool.ssot]
shim-helpers = ["app._compat:warn_moved"]

[tool.ssot.contracts.execution-engine]
canonical = "app.agents.user_execution_engine:UserExecutionEngine"
redirects = [
  "app.agents.execution_engine:ExecutionEngine",
  "app.agents.consolidated",
]
golden-path = true
description = "Runs the agent that answers a user"

[tool.ssot.contracts.core-module]
canonical = "app.core"
redirects = ["app.legacy.core"]

[tool.ssot.allow."app.agents.execution_engine"]
names = ["_reconstruct"]
reason = "old pickles reference it"
"""


def test_full_schema(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    assert config is not None
    engine, module = config.contracts
    assert engine.name == "execution-engine"
    assert engine.golden_path
    assert not module.golden_path
    assert engine.canonical == ObjectPath("app.agents.user_execution_engine", "UserExecutionEngine")
    assert engine.redirects == (
        ObjectPath("app.agents.execution_engine", "ExecutionEngine"),
        # A bare module under an object canonical means "the same name there".
        ObjectPath("app.agents.consolidated", "UserExecutionEngine"),
    )
    assert module.canonical.is_module
    assert module.redirects == (ObjectPath("app.legacy.core"),)
    assert "warn_moved" in config.shim_helpers
    assert set(DEFAULT_SHIM_HELPERS) <= config.shim_helpers
    allowance = config.allowances["app.agents.execution_engine"]
    assert allowance.names == {"_reconstruct"}
    assert allowance.reason == "old pickles reference it"


def test_no_ssot_table_means_no_config(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[tool.black]\nline-length = 90\n")) is None


BAD = {
    "malformed-toml": ("[tool.ssot\n", "not valid TOML"),
    "no-contracts": ("[tool.ssot]\n", "declares no contract"),
    "unknown-top-key": (
        "[tool.ssot]\ncontract = 1\n",
        "[tool.ssot] unknown key 'contract'; did you mean 'contracts'?",
    ),
    "unknown-contract-key": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\ngolden_path = true\n',
        "[tool.ssot.contracts.e] unknown key 'golden_path'; did you mean 'golden-path'?",
    ),
    "no-canonical": ('[tool.ssot.contracts.e]\nredirects = ["c:B"]\n', "has no 'canonical'"),
    "no-redirects": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = []\n',
        "no redirects",
    ),
    "redirects-not-a-list": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = "c:B"\n',
        "tool.ssot.contracts.e.redirects must be a list of strings, not a string",
    ),
    "canonical-not-a-string": (
        '[tool.ssot.contracts.e]\ncanonical = 3\nredirects = ["c:B"]\n',
        "tool.ssot.contracts.e.canonical must be a string like 'pkg.module:Name', not an integer",
    ),
    "empty-name": (
        '[tool.ssot.contracts.e]\ncanonical = "a.b:"\nredirects = ["c:B"]\n',
        "'a.b:' has an empty name after ':'",
    ),
    "empty-module": (
        '[tool.ssot.contracts.e]\ncanonical = ":B"\nredirects = ["c:B"]\n',
        "':B' has no module part",
    ),
    "not-an-identifier": (
        '[tool.ssot.contracts.e]\ncanonical = "a-b.c:B"\nredirects = ["c:B"]\n',
        "'a-b.c' is not a valid Python module",
    ),
    "golden-path-not-bool": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\ngolden-path = "yes"\n',
        "golden-path must be true or false",
    ),
    "object-under-module-canonical": (
        '[tool.ssot.contracts.e]\ncanonical = "a.new"\nredirects = ["a.old:B"]\n',
        "names an object but the canonical a.new is a whole module; write 'a.old'",
    ),
    "canonical-among-redirects": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["a:B"]\n',
        "lists its canonical a:B among its redirects",
    ),
    "shared-redirect": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
        '[tool.ssot.contracts.f]\ncanonical = "d:B"\nredirects = ["c:B"]\n',
        "c:B is a redirect in both [tool.ssot.contracts.e] and [tool.ssot.contracts.f]",
    ),
    "allow-without-reason": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
        '[tool.ssot.allow."c"]\nnames = ["x"]\n',
        '[tool.ssot.allow."c"] needs a reason',
    ),
    "bad-audit-policy": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\naudit = "strict"\n',
        "audit must be one of 'error', 'warn', 'baseline', 'off', not 'strict'",
    ),
    "unknown-audit-key": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
        '[tool.ssot.audit]\nexcludes = ["x"]\n',
        "[tool.ssot.audit] unknown key 'excludes'; did you mean 'exclude'?",
    ),
    "audit-path-missing": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
        '[tool.ssot.audit]\npaths = ["srcx"]\n',
        "tool.ssot.audit.paths: 'srcx' does not exist (paths are relative to this file)",
    ),
    "allow-without-names": (
        '[tool.ssot.contracts.e]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
        '[tool.ssot.allow."c"]\nreason = "because"\n',
        "lists no names",
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD.values(), ids=BAD.keys())
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    first_line = str(excinfo.value).splitlines()[0]
    assert first_line.startswith(f"{path}: ")
    assert message in str(excinfo.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "missing.toml")


def test_audit_settings(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    config = load_config(
        write(
            tmp_path,
            FULL
            + """
[tool.ssot.audit]
paths = ["src"]
exclude = ["backups/", "gen"]
test-paths = ["checks/**"]
baseline = "ci/ssot-baseline.json"
""",
        )
    )
    assert config is not None
    selection = config.audit.selection
    assert selection.paths == ("src",)
    assert selection.excluded("backups", is_dir=True)
    assert selection.excluded("gen/x.py", is_dir=False)
    assert not selection.excluded("generated/x.py", is_dir=False)
    assert selection.is_test("checks/test_a.py")
    assert not selection.is_test("tests/test_a.py")
    assert config.baseline_path == tmp_path / "ci" / "ssot-baseline.json"
    assert [c.audit for c in config.contracts] == ["error", "error"]
