"""One judge: the runtime and the static check give the same verdicts on the same project."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ssot.analysis.identity import check_identity
from pytest_ssot.analysis.static import check_identity_static
from pytest_ssot.domain.judge import overridden_members
from pytest_ssot.domain.model import IdentityResult, ObjectPath, RedirectContract, Verdict
from tests.conftest import WriteTree

# The canonical lives in a namespace folder (no __init__.py) two levels inside a regular
# package; the deprecated modules are where numpy/sklearn keep theirs, next to names that
# are substrings of each other (Engine, EngineBase, engine).
CANONICAL = "vendorlib._core.impl.engine"
NAMESPACES = ("vendorlib/_core/impl",)
FILES = {
    "vendorlib/_core/impl/engine.py": """
        import abc

        class EngineBase(abc.ABC):
            @abc.abstractmethod
            def run(self) -> str: ...

        class Engine(EngineBase):
            def __init__(self, size: int = 1) -> None:
                self.size = size

            def run(self) -> str:
                return "ssot"
    """,
    "vendorlib/compat/alias.py": "from vendorlib._core.impl.engine import Engine as Engine\n",
    "vendorlib/compat/attribute.py": """
        from vendorlib._core.impl import engine as _engine

        Engine = _engine.Engine
    """,
    "vendorlib/compat/dunders.py": """
        from vendorlib._core.impl.engine import Engine as _Engine

        class Engine(_Engine):
            \"\"\"Deprecated: use vendorlib.Engine.\"\"\"

            def __init__(self, size: int = 2) -> None:
                super().__init__(size)

            def __repr__(self) -> str:
                return "Engine()"

            def __init_subclass__(cls, **kwargs: object) -> None:
                super().__init_subclass__(**kwargs)

            def __class_getitem__(cls, item: object) -> object:
                return cls

            def run(self) -> str:
                return "old"
    """,
    "vendorlib/compat/attributes.py": """
        from vendorlib._core.impl.engine import Engine as _Engine

        class Engine(_Engine):
            __slots__ = ()
            limit = 3
            size_hint: int = 4
            undeclared: int
            lower, upper = 0, 9

            def engine(self) -> str:
                return "engine"

            limit = 5
            __hash__ = None
    """,
    "vendorlib/compat/behaviour.py": """
        from vendorlib._core.impl.engine import Engine as _Engine

        class _Middle(_Engine):
            def run(self) -> str:
                return "middle"

        class Engine(_Middle):
            def __new__(cls, *args: object) -> "Engine":
                return super().__new__(cls)

            def __call__(self) -> str:
                return self.run()

            def __eq__(self, other: object) -> bool:
                return True

            async def EngineBase(self) -> None:
                pass
    """,
    "vendorlib/compat/docstring.py": """
        from vendorlib._core.impl.engine import EngineBase

        class Engine(EngineBase):
            \"\"\"Only a docstring and the abstract method: abc's bookkeeping is no override.\"\"\"

            def run(self) -> str:
                return "abc"
    """,
    "vendorlib/compat/empty.py": """
        from vendorlib._core.impl import engine

        class Engine(engine.Engine):
            pass
    """,
    "vendorlib/compat/own.py": """
        class Engine:
            def run(self) -> str:
                return "copy"
    """,
    "vendorlib/compat/function.py": """
        def Engine() -> None:
            return None
    """,
    "vendorlib/compat/typo.py": "from vendorlib._core.impl.engine import Engine as Engnie\n",
    "vendorlib/compat/__init__.py": "",
}
REDIRECTS = [
    f"vendorlib.compat.{name}:Engine"
    for name in (
        "alias",
        "attribute",
        "dunders",
        "attributes",
        "behaviour",
        "docstring",
        "empty",
        "own",
        "function",
        "typo",
    )
]
REDIRECTS += ["vendorlib.compat.gone:Engine"]


def contract(canonical: str, redirects: list[str]) -> RedirectContract:
    return RedirectContract(
        name="engine",
        canonical=ObjectPath.parse(canonical),
        redirects=tuple(ObjectPath.parse(r) for r in redirects),
    )


def seen(results: tuple[IdentityResult, ...]) -> dict[str, tuple[Verdict, tuple[str, ...], str]]:
    return {str(r.redirect): (r.verdict, r.overridden, r.detail) for r in results}


@pytest.fixture
def project(importable_tree: WriteTree) -> Path:
    return importable_tree(FILES, NAMESPACES)


@pytest.mark.parametrize(
    ("redirect", "verdict", "overridden"),
    [
        ("alias", Verdict.IDENTITY, ()),
        ("attribute", Verdict.IDENTITY, ()),
        ("dunders", Verdict.SUBCLASS_SHIM, ("__init__", "__repr__", "__init_subclass__", "__class_getitem__", "run")),
        ("attributes", Verdict.SUBCLASS_SHIM, ("__slots__", "limit", "size_hint", "lower", "upper", "engine", "__hash__")),
        ("behaviour", Verdict.SUBCLASS_SHIM, ("__new__", "__call__", "__eq__", "EngineBase", "__hash__")),
        ("empty", Verdict.SUBCLASS_SHIM, ()),
        ("own", Verdict.SEPARATE_DEFINITION, ()),
        ("function", Verdict.SEPARATE_DEFINITION, ()),
        ("typo", Verdict.MISSING, ()),
    ],
)  # fmt: skip
def test_runtime_and_static_give_one_verdict_and_one_list_of_overrides(
    project: Path, redirect: str, verdict: Verdict, overridden: tuple[str, ...]
) -> None:
    checked = contract(f"{CANONICAL}:Engine", [f"vendorlib.compat.{redirect}:Engine"])
    (runtime,) = check_identity(checked)
    (static,) = check_identity_static(checked, [str(project)])
    assert (runtime.verdict, runtime.overridden) == (verdict, overridden)
    assert (static.verdict, static.overridden, static.detail) == (
        runtime.verdict,
        runtime.overridden,
        runtime.detail,
    )
    assert static.location == runtime.location


def test_the_whole_project_reads_the_same_both_ways(project: Path) -> None:
    checked = contract(f"{CANONICAL}:Engine", REDIRECTS)
    runtime = seen(check_identity(checked))
    static = seen(check_identity_static(checked, [str(project)]))
    # Import errors are described from a traceback at runtime, from the statement statically.
    gone = "vendorlib.compat.gone:Engine"
    assert static.pop(gone)[:2] == runtime.pop(gone)[:2] == (Verdict.IMPORT_ERROR, ())
    assert static == runtime
    assert runtime["vendorlib.compat.typo:Engine"][2].endswith("(did you mean 'Engnie'?)")


@pytest.mark.parametrize(
    ("redirect", "verdict"),
    [
        ("vendorlib.compat.alias", Verdict.MISSING),  # lacks EngineBase and abc
        ("vendorlib.compat.dunders", Verdict.SEPARATE_DEFINITION),  # its own Engine
    ],
)
def test_whole_module_redirects_read_the_same_both_ways(
    project: Path, redirect: str, verdict: Verdict
) -> None:
    checked = contract(CANONICAL, [redirect])
    runtime = seen(check_identity(checked))
    assert runtime[redirect][0] is verdict
    assert (
        seen(check_identity_static(checked, [str(project)]))[redirect][:2] == runtime[redirect][:2]
    )


def test_an_abc_subclass_lists_what_its_body_defines(project: Path) -> None:
    checked = contract(f"{CANONICAL}:EngineBase", ["vendorlib.compat.docstring:Engine"])
    (runtime,) = check_identity(checked)
    (static,) = check_identity_static(checked, [str(project)])
    assert runtime.verdict is static.verdict is Verdict.SUBCLASS_SHIM
    assert runtime.overridden == static.overridden == ("run",)
    assert runtime.detail.endswith("; it overrides run")


def test_bookkeeping_names_are_never_overrides() -> None:
    members = ["__module__", "__qualname__", "__doc__", "__firstlineno__", "_abc_impl", "run"]
    assert overridden_members([*members, "__repr__", "run"]) == ("run", "__repr__")
