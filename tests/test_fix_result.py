"""What ``ssot fix --write`` leaves behind: modules that import, checks that pass, a redirect
that is the one the reports print, and nothing written when the result would be broken."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ssot.command.main import main
from pytest_ssot.migration import codemod
from pytest_ssot.settings.pyproject import load_config
from pytest_ssot.source.files import write_atomically
from tests.conftest import write_tree
from tests.test_cli import run, ssot

#: A deprecated module shaped like real ones: its duplicate class is used through an alias
#: and under its own name by code that has no canonical home, which in turn needs a type
#: alias, constants computed from a relative import, a logger, a decorator registry, names
#: imported from typing, and a name bound only for type checkers.
ENGINE_PROJECT = {
    "pyproject.toml": """
        [tool.ssot.contracts.engine]
        canonical = "app.engines.core:Engine"
        redirects = ["app.legacy.engine:ExecutionEngine"]
    """,
    "app/engines/core.py": '''
        """The engine: the single source of truth."""
        from typing import Dict


        class Engine:
            registry: Dict[str, int] = {}

            def run(self) -> str:
                return "ran"
    ''',
    "app/legacy/settings.py": "BASE_TIMEOUT = 15\n",
    "app/legacy/engine.py": '''
        """Deprecated: the engine moved to app.engines.core."""
        from __future__ import annotations

        import logging
        import os.path
        from typing import TYPE_CHECKING, Any, Dict, Optional

        from app.engines.core import Engine as _Engine

        from .settings import BASE_TIMEOUT

        if TYPE_CHECKING:
            from collections.abc import Iterator

        log = logging.getLogger(__name__)
        EngineConfig = Dict[str, Any]
        DEFAULT_TIMEOUT = BASE_TIMEOUT * 2
        _REGISTRY: dict[str, type] = {}


        class ExecutionEngine:
            def run(self) -> str:
                return "legacy"


        LegacyEngine = ExecutionEngine


        def _register(cls):
            _REGISTRY[cls.__name__] = cls
            return cls


        # One user's settings.
        @_register
        class UserConfig:
            timeout: int = DEFAULT_TIMEOUT

            def __init__(self, config: Optional[EngineConfig] = None) -> None:
                self.config = config or {}

            def engine(self) -> "ExecutionEngine":
                return LegacyEngine()

            def names(self) -> Iterator[str]:
                yield from self.config


        def make_engine(config: EngineConfig | None = None) -> ExecutionEngine:
            log.debug("making an engine in %s", os.path.basename(__file__))
            return _Engine()


        __all__ = [
            "DEFAULT_TIMEOUT",
            "EngineConfig",
            "ExecutionEngine",
            "LegacyEngine",
            "UserConfig",
            "make_engine",
        ]
    ''',
    "tests/test_engine.py": """
        from app.engines.core import Engine
        from app.legacy.engine import (
            DEFAULT_TIMEOUT,
            EngineConfig,
            ExecutionEngine,
            LegacyEngine,
            UserConfig,
            make_engine,
        )


        def test_every_name_still_works():
            config: EngineConfig = {"a": 1}
            user = UserConfig(config)
            assert user.timeout == DEFAULT_TIMEOUT == 30
            assert isinstance(user.engine(), Engine)
            assert ExecutionEngine is LegacyEngine is Engine
            assert make_engine().run() == "ran"
            assert list(user.names()) == ["a"]
    """,
}


def module_name(path: str) -> str:
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def rewritten(output: str) -> list[str]:
    return re.findall(r"^rewrote (\S+):", output, flags=re.M)


def import_each(root: Path, paths: list[str]) -> None:
    """Each module in a fresh interpreter, as a user's first import would meet it."""
    for path in paths:
        result = subprocess.run(
            [sys.executable, "-c", f"import {module_name(path)}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"import {module_name(path)}:\n{result.stderr}"


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("flags", [(), ("--warn",)], ids=["plain", "warn"])
def test_moved_code_keeps_every_touched_module_importable(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    write_tree(tmp_path, ENGINE_PROJECT)
    fixed = ssot("fix", "--write", *flags, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    touched = rewritten(fixed.stdout)
    assert {"app/engines/core.py", "app/legacy/engine.py", "tests/test_engine.py"} <= set(touched)
    import_each(tmp_path, touched)

    canonical = (tmp_path / "app/engines/core.py").read_text()
    assert 'def engine(self) -> "Engine":\n        return Engine()' in canonical
    assert "from app.legacy.settings import BASE_TIMEOUT" in canonical
    assert "from __future__ import annotations" in canonical
    assert "# One user's settings.\n@_register\nclass UserConfig:" in canonical
    for command in (["check"], ["check", "--static"]):
        check = ssot(*command, cwd=tmp_path)
        assert check.returncode == 0, check.stdout
        assert "ok app.legacy.engine:ExecutionEngine  [identity]" in check.stdout
    tests = pytest_in(tmp_path, "-p", "pytest_ssot")
    assert tests.returncode == 0, tests.stdout
    again = ssot("fix", *flags, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "nothing to rewrite\n")


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*.py"))}


GLOBALS_LOOP = {
    "pyproject.toml": """
        [tool.ssot.contracts.engine]
        canonical = "app.core:Engine"
        redirects = ["app.old:ExecutionEngine"]
    """,
    "app/core.py": "class Engine:\n    pass\n",
    "app/old.py": """
        for _name in ("alpha", "beta"):
            globals()[_name] = _name


        class ExecutionEngine:
            pass


        def helper():
            return alpha
    """,
    "app/api.py": "from app.old import ExecutionEngine, helper\n",
}


@pytest.mark.parametrize("write", [False, True], ids=["dry-run", "write"])
def test_a_fix_that_would_leave_a_name_unbound_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: bool
) -> None:
    """``helper`` uses a name the module binds through ``globals()``: moved alone it would
    raise NameError in the canonical, so the whole fix is refused, every file untouched."""
    write_tree(tmp_path, GLOBALS_LOOP)
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, output = run("fix", *(["--write"] if write else []))
    assert code == 2
    assert (
        "cannot fix safely: app/core.py:7: 'alpha' would be used but bound nowhere in the "
        "module (no import, assignment or definition of it)"
    ) in output
    assert "nothing was written" in output
    assert snapshot(tmp_path) == before
    assert ("--- a/app/core.py" in output) is not write, "the dry run still shows the diff"


def test_a_redirect_to_a_name_the_canonical_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            **GLOBALS_LOOP,
            "app/core.py": "class Engin:\n    pass\n",
            "app/old.py": "class ExecutionEngine:\n    pass\n",
        },
    )
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, output = run("fix", "--write")
    assert code == 2
    assert (
        "cannot fix safely: app/old.py:3: would import 'Engine' from app.core, which does not "
        "define it"
    ) in output
    assert snapshot(tmp_path) == before


def test_moved_code_that_would_import_the_canonical_back_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deprecated module is a package: once its ``__init__`` redirects to the canonical,
    the moved ``from app.legacy.parts import PART`` imports the half-run canonical back."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.ssot.contracts.engine]
                canonical = "app.core:Engine"
                redirects = ["app.legacy:ExecutionEngine"]
            """,
            "app/core.py": "class Engine:\n    pass\n",
            "app/legacy/__init__.py": """
                from .parts import PART
                from ..core import Engine as ExecutionEngine


                def legacy_helper():
                    return PART, ExecutionEngine
            """,
            "app/legacy/parts.py": "PART = 1\n",
        },
    )
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, output = run("fix", "--write")
    assert code == 2
    assert (
        "cannot fix safely: app/core.py:6: would create a circular import (app.core -> "
        "app.legacy -> app.core)"
    ) in output
    assert snapshot(tmp_path) == before


# -- one redirect, wherever it is shown ------------------------------------------------------

THREE_NAMES = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["."]

        [tool.ssot.contracts.engine]
        canonical = "app.core:Engine"
        redirects = ["app.old:ExecutionEngine"]
        golden-path = true
        audit = "off"
    """,
    "app/core.py": """
        DEFAULT_TIMEOUT = 30


        class Engine:
            def answer(self) -> str:
                return "from the SSOT"


        def make_engine() -> Engine:
            return Engine()
    """,
    "app/old.py": '''
        """Deprecated: use app.core."""
        DEFAULT_TIMEOUT = 30


        class ExecutionEngine:
            def answer(self) -> str:
                return "stale"


        def make_engine() -> ExecutionEngine:
            return ExecutionEngine()
    ''',
    "test_app.py": """
        import pytest

        from app.old import DEFAULT_TIMEOUT, ExecutionEngine, make_engine


        @pytest.mark.golden_path
        def test_answer():
            assert make_engine().answer() == ExecutionEngine().answer() == "from the SSOT"
            assert DEFAULT_TIMEOUT == 30
    """,
}


def printed_redirects(output: str) -> list[str]:
    """Every redirect a report prints after ``... with a redirect:``, as the file text."""
    found: list[str] = []
    current: list[str] | None = None
    for line in output.splitlines():
        match = re.match(r"^\s+\|(?: (.*))?$", line)
        if current is not None and match:
            current.append(match.group(1) or "")
            continue
        if current is not None:
            found.append("\n".join(current) + "\n")
            current = None
        if line.rstrip().endswith("with a redirect:"):
            current = []
    if current is not None:
        found.append("\n".join(current) + "\n")
    return found


def test_the_printed_redirect_is_the_one_fix_writes_and_keeps_every_name(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "project", THREE_NAMES)
    by_hand = write_tree(tmp_path / "by-hand", THREE_NAMES)

    session = pytest_in(root, "-p", "pytest_ssot")
    from_pytest = printed_redirects(session.stdout)
    check = ssot("check", cwd=root)
    assert check.returncode == 1
    from_check = printed_redirects(check.stdout)
    assert len(from_pytest) == 1, session.stdout  # once: the golden-path section holds it
    assert len(from_check) == 1, check.stdout
    hint = from_check[0]
    assert set(from_pytest) == {hint}
    assert "from app.core import DEFAULT_TIMEOUT, Engine as ExecutionEngine, make_engine" in hint
    assert '__all__ = ["DEFAULT_TIMEOUT", "ExecutionEngine", "make_engine"]' in hint

    fixed = ssot("fix", "--write", cwd=root)
    assert fixed.returncode == 0, fixed.stdout
    assert (root / "app/old.py").read_text() == hint

    # Pasted by hand instead, it serves every name the tests import.
    (by_hand / "app/old.py").write_text(hint)
    pasted = pytest_in(by_hand, "-p", "pytest_ssot")
    assert pasted.returncode == 0, pasted.stdout
    assert "3 passed" in pasted.stdout


WHOLE_MODULE = {
    "pyproject.toml": """
        [tool.ssot.contracts.tools]
        canonical = "app.tools"
        redirects = ["app.legacy_tools"]
    """,
    "app/tools.py": "def a():\n    return 1\n\n\ndef b():\n    return 2\n",
    "app/legacy_tools.py": "from app.tools import a\n\n\ndef c():\n    return 3\n",
    "app/api.py": "from app.legacy_tools import a, c\nimport app.legacy_tools as lt\n",
}


@pytest.mark.parametrize("flags", [(), ("--warn",)], ids=["plain", "warn"])
def test_a_whole_module_redirect_serves_every_name_of_the_canonical(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    """The canonical has ``b``, which the deprecated module never re-exported: the redirect
    must still serve it (a whole-module contract compares every public name)."""
    write_tree(tmp_path, WHOLE_MODULE)
    fixed = ssot("fix", "--write", *flags, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    import_each(tmp_path, rewritten(fixed.stdout))
    for command in (["check"], ["check", "--static"]):
        check = ssot(*command, cwd=tmp_path)
        assert check.returncode == 0, check.stdout
        assert "ok app.legacy_tools  [identity]" in check.stdout
    served = subprocess.run(
        [sys.executable, "-c", "from app.legacy_tools import a, b, c; print(a() + b() + c())"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert served.stdout == "6\n", served.stderr
    assert ssot("fix", *flags, cwd=tmp_path).stdout == "nothing to rewrite\n"


# -- writing ---------------------------------------------------------------------------------


def engine_plan(root: Path) -> codemod.FixPlan:
    write_tree(root, ENGINE_PROJECT)
    config = load_config(root / "pyproject.toml")
    assert config is not None
    plan = codemod.plan_fix(config, search_path=[str(root)])
    assert len(plan.changes) == 3
    assert not plan.problems
    return plan


def test_a_write_that_fails_midway_puts_back_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = engine_plan(tmp_path)
    before = snapshot(tmp_path)
    calls: list[Path] = []

    def second_fails(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(path))
        write_atomically(path, text)

    monkeypatch.setattr(codemod, "write_atomically", second_fails)
    with pytest.raises(OSError, match="No space left"):
        plan.write()
    assert snapshot(tmp_path) == before


def test_a_write_error_is_a_one_line_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, ENGINE_PROJECT)
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr(os, "replace", full_disk)
    assert main(["fix", "--write"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ssot fix: error: cannot write ")
    assert "No space left on device; nothing was changed" in error
    assert snapshot(tmp_path) == before


def test_rewritten_files_keep_their_permissions(tmp_path: Path) -> None:
    write_tree(tmp_path, ENGINE_PROJECT)
    target = tmp_path / "app/legacy/engine.py"
    target.chmod(0o640)
    assert ssot("fix", "--write", cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- namespace directories -------------------------------------------------------------------

NAMESPACE_PROJECT = {
    "pyproject.toml": """
        [tool.ssot.contracts.engine]
        canonical = "app.ns.deep.core:Engine"
        redirects = ["app.ns.old:ExecutionEngine"]
    """,
    "app/ns/deep/core.py": "class Engine:\n    pass\n",
    "app/ns/helpers.py": "LIMIT = 3\n",
    "app/ns/old.py": """
        from .helpers import LIMIT


        class ExecutionEngine:
            pass


        def make():
            from .helpers import LIMIT as again
            return ExecutionEngine(), LIMIT, again
    """,
    "tests/test_ns.py": "from app.ns.old import make\n\n\ndef test_m():\n    assert make()\n",
}


def test_fix_moves_code_into_a_canonical_inside_namespace_directories(tmp_path: Path) -> None:
    """``app`` is a regular package, ``app/ns`` and ``app/ns/deep`` are namespace
    directories: moved code's relative imports must become absolute to keep meaning."""
    write_tree(tmp_path, NAMESPACE_PROJECT)
    for folder in ("app/ns", "app/ns/deep", "tests"):
        (tmp_path / folder / "__init__.py").unlink()
    config = load_config(tmp_path / "pyproject.toml")
    assert config is not None
    plan = codemod.plan_fix(config, search_path=[str(tmp_path)])
    assert not plan.problems, plan.problems
    plan.write()
    canonical = (tmp_path / "app/ns/deep/core.py").read_text()
    assert "from app.ns.helpers import LIMIT\n" in canonical
    assert "from app.ns.helpers import LIMIT as again" in canonical
    import_each(tmp_path, [c.path for c in plan.changes if c.path.startswith("app/")])
    assert pytest_in(tmp_path).returncode == 0
