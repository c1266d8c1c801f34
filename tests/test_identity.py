from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pytest_ssot.analysis.identity import check_identity
from pytest_ssot.domain.model import IdentityResult, ObjectPath, RedirectContract, Verdict
from tests.conftest import WriteTree

CANONICAL = """
class Engine:
    def run(self) -> str:
        return "ssot"
"""


def contract(*redirects: str, canonical: str = "app.core:Engine") -> RedirectContract:
    return RedirectContract(
        name="engine",
        canonical=ObjectPath.parse(canonical),
        redirects=tuple(ObjectPath.parse(r) for r in redirects),
    )


def only(results: tuple[IdentityResult, ...]) -> IdentityResult:
    assert len(results) == 1
    return results[0]


def test_alias_redirect_is_identity(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "from app.core import Engine\n"})
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IDENTITY
    assert result.ok


def test_renamed_attribute_is_identity(importable_tree: WriteTree) -> None:
    importable_tree(
        {"app/core.py": CANONICAL, "app/old.py": "from app.core import Engine as LegacyEngine\n"}
    )
    assert only(check_identity(contract("app.old:LegacyEngine"))).verdict is Verdict.IDENTITY


def test_own_class_is_a_separate_definition_with_its_location(importable_tree: WriteTree) -> None:
    root = importable_tree(
        {
            "app/core.py": CANONICAL,
            "app/old.py": '"""Deprecated."""\n\nclass Engine:\n    def run(self):\n        return 1\n',
        }
    )
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.SEPARATE_DEFINITION
    assert result.verdict.rule == "SSOT001"
    assert result.location is not None
    assert result.location.path == str(root / "app" / "old.py")
    assert (result.location.line, result.location.length) == (3, 3)
    assert "its own class app.old.Engine" in result.detail


def test_subclass_is_reported_as_subclass_shim_with_overrides(importable_tree: WriteTree) -> None:
    importable_tree(
        {
            "app/core.py": CANONICAL,
            "app/old.py": """
                from app.core import Engine as _Engine

                class Engine(_Engine):
                    def run(self) -> str:
                        return ""
            """,
        }
    )
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.SUBCLASS_SHIM
    assert result.overridden == ("run",)
    assert "a subclass of app.core:Engine" in result.detail


def test_absent_attribute_is_missing_with_a_suggestion(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "from app.core import Engine\n"})
    result = only(check_identity(contract("app.old:Engnie")))
    assert result.verdict is Verdict.MISSING
    assert "has no attribute 'Engnie' (did you mean 'Engine'?)" in result.detail


def test_failing_import_names_exception_and_first_user_frame(importable_tree: WriteTree) -> None:
    root = importable_tree(
        {
            "app/core.py": CANONICAL,
            "app/old.py": "import app.registry\nfrom app.core import Engine\n",
            "app/registry.py": "X = 1\nraise KeyError('ENGINE_REGISTRY')\n",
        }
    )
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IMPORT_ERROR
    assert result.detail.startswith("KeyError: 'ENGINE_REGISTRY'")
    assert result.location is not None
    assert (result.location.path, result.location.line) == (str(root / "app" / "old.py"), 1)


def test_sys_exit_on_import_is_an_import_error(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "import sys\nsys.exit(3)\n"})
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IMPORT_ERROR
    assert "SystemExit(3)" in result.detail


def test_syntax_error_points_at_the_line(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "x = 1\nclass (:\n"})
    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IMPORT_ERROR
    assert result.detail.startswith("SyntaxError")
    assert result.location is not None
    assert result.location.line == 2


def test_broken_canonical_fails_every_redirect(importable_tree: WriteTree) -> None:
    importable_tree(
        {
            "app/core.py": "raise RuntimeError('WEBSOCKET_URL is not configured')\n",
            "app/old.py": "from app.core import Engine\n",
            "app/older.py": "from app.core import Engine\n",
        }
    )
    results = check_identity(contract("app.old:Engine", "app.older:Engine"))
    assert [r.verdict for r in results] == [Verdict.CANONICAL_IMPORT_ERROR] * 2
    assert "RuntimeError: WEBSOCKET_URL is not configured" in results[0].detail


def test_canonical_without_the_attribute_is_a_canonical_error(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "from app.core import Engine\n"})
    result = only(check_identity(contract("app.old:Engine", canonical="app.core:Motor")))
    assert result.verdict is Verdict.CANONICAL_IMPORT_ERROR
    assert "has no attribute 'Motor'" in result.detail


def test_pep562_getattr_shim_is_resolved_and_its_warning_recorded(
    importable_tree: WriteTree,
) -> None:
    importable_tree(
        {
            "app/core.py": CANONICAL,
            "app/old.py": """
                def __getattr__(name):
                    if name == "Engine":
                        import warnings
                        from app.core import Engine
                        warnings.warn("app.old is deprecated", DeprecationWarning, stacklevel=2)
                        return Engine
                    raise AttributeError(name)
            """,
        }
    )
    with no_warning_escapes():
        result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IDENTITY
    assert any("DeprecationWarning: app.old is deprecated" in w for w in result.warnings)


def test_import_time_mutation_of_the_canonical_is_found_and_undone(
    importable_tree: WriteTree,
) -> None:
    root = importable_tree(
        {
            "app/core.py": CANONICAL,
            "app/old.py": "from app.core import Engine\n\nEngine.legacy_mode = True\n",
        }
    )
    core = importlib.import_module("app.core")

    result = only(check_identity(contract("app.old:Engine")))
    assert result.verdict is Verdict.IDENTITY
    assert not result.ok
    (mutation,) = result.mutations
    assert (mutation.attribute, mutation.change, mutation.imported) == (
        "legacy_mode",
        "added",
        "app.old",
    )
    assert mutation.location is not None
    assert (mutation.location.path, mutation.location.line) == (str(root / "app" / "old.py"), 3)
    assert not hasattr(core.Engine, "legacy_mode"), "the check must undo the mutation"


def test_modules_imported_by_the_check_are_forgotten(importable_tree: WriteTree) -> None:
    importable_tree({"app/core.py": CANONICAL, "app/old.py": "from app.core import Engine\n"})
    check_identity(contract("app.old:Engine"))
    assert "app.old" not in sys.modules
    assert "app.core" not in sys.modules


def test_whole_module_redirect(importable_tree: WriteTree) -> None:
    importable_tree(
        {
            "app/core.py": CANONICAL + "\ndef helper():\n    return 1\n",
            "app/star.py": "from app.core import *\n",
            "app/replaced.py": "import sys\nimport app.core\nsys.modules[__name__] = app.core\n",
            "app/partial.py": "from app.core import Engine\n",
            "app/forked.py": "from app.core import Engine\n\ndef helper():\n    return 2\n",
        }
    )
    results = check_identity(
        contract("app.star", "app.replaced", "app.partial", "app.forked", canonical="app.core")
    )
    assert [r.verdict for r in results] == [
        Verdict.IDENTITY,
        Verdict.IDENTITY,
        Verdict.MISSING,
        Verdict.SEPARATE_DEFINITION,
    ]
    assert "lacks 1 name(s) of app.core: helper" in results[2].detail
    assert "1 name(s) differ from app.core: helper" in results[3].detail


@contextmanager
def no_warning_escapes() -> Iterator[None]:
    """The check records warnings itself: none may reach the caller (or fail -W error runs)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert caught == []
