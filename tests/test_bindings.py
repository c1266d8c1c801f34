"""``source.bindings``: what each import statement binds, read once for every check."""

from __future__ import annotations

import ast
import importlib.util
import symtable
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ssot.migration.testmap import map_tests
from pytest_ssot.source.bindings import (
    ImportBinding,
    Place,
    import_bindings,
    package_of,
    statement_bindings,
)
from tests.test_fuzz import budget
from tests.test_testmap import project


def read(source: str, package: str = "") -> list[ImportBinding]:
    return list(import_bindings(ast.parse(textwrap.dedent(source)), package))


def facts(source: str, package: str = "") -> list[tuple[str, str | None, str | None, str | None]]:
    """(name bound, module, attribute, target) of every binding."""
    return [(b.name, b.module, b.attribute, b.target) for b in read(source, package)]


# --- relative imports ---------------------------------------------------------------------


def test_relative_imports_from_a_package_init_start_in_the_package_itself() -> None:
    # numpy/core/__init__.py: `from . import multiarray`, `from .numeric import *`
    package = package_of("numlib.core", is_package=True)
    assert package == "numlib.core"
    assert facts("from . import multiarray\nfrom .. import linalg as la\n", package) == [
        ("multiarray", "numlib.core", "multiarray", "numlib.core.multiarray"),
        ("la", "numlib", "linalg", "numlib.linalg"),
    ]
    (star,) = read("from .numeric import *\n", package)
    assert star.is_star
    assert star.name == "*"
    assert star.target is None
    assert star.imported_path == "numlib.core.numeric"


def test_relative_imports_at_several_levels_from_a_plain_module() -> None:
    package = package_of("app.admin.corpus.compat", is_package=False)
    assert package == "app.admin.corpus"
    assert [
        b.module for b in read("from . import a\nfrom ..b import c\nfrom ...d import e\n", package)
    ] == [
        "app.admin.corpus",
        "app.admin.b",
        "app.d",
    ]


def test_a_relative_import_beyond_the_top_package_resolves_to_nothing() -> None:
    (binding,) = read("from ...x import y\n", "app.sub")
    assert binding.module is None
    assert binding.target is None
    assert binding.imported_path is None
    assert binding.written_source == "...x"
    assert binding.level == 3
    (outside,) = read("from . import y\n", "")  # a top-level module is in no package
    assert outside.module is None
    assert outside.written_source == "."


# --- what is bound ------------------------------------------------------------------------


def test_plain_import_binds_the_top_package_and_as_binds_the_submodule() -> None:
    assert facts("import a.b.c\nimport a.b.c as d\nimport os, os.path as osp\n") == [
        ("a", "a.b.c", None, "a"),
        ("d", "a.b.c", None, "a.b.c"),
        ("os", "os", None, "os"),
        ("osp", "os.path", None, "os.path"),
    ]
    plain, aliased = read("import a.b.c\nimport a.b.c as d\n")[:2]
    assert plain.imported_path == aliased.imported_path == "a.b.c"
    assert (plain.alias, aliased.alias) == (None, "d")
    assert not plain.is_from
    assert plain.level == 0
    assert plain.written_source == "a.b.c"


def test_future_import_is_an_import_of_the_future_module() -> None:
    assert facts("from __future__ import annotations\n") == [
        ("annotations", "__future__", "annotations", "__future__.annotations")
    ]


def test_names_that_are_substrings_of_other_names_stay_apart() -> None:
    # scipy-style shims: the deprecated module and the canonical share a prefix.
    source = """\
        import numpy_compat as np
        import numpy
        from sklearn.utils.fixes_old import fixes
        from sklearn.utils.fixes import fixes as fixes_new
        from .core import core_engine, core
    """
    assert facts(source, "pkg") == [
        ("np", "numpy_compat", None, "numpy_compat"),
        ("numpy", "numpy", None, "numpy"),
        ("fixes", "sklearn.utils.fixes_old", "fixes", "sklearn.utils.fixes_old.fixes"),
        ("fixes_new", "sklearn.utils.fixes", "fixes", "sklearn.utils.fixes.fixes"),
        ("core_engine", "pkg.core", "core_engine", "pkg.core.core_engine"),
        ("core", "pkg.core", "core", "pkg.core.core"),
    ]


def test_a_single_statement_carries_its_node_line_and_column() -> None:
    tree = ast.parse("def f():\n    from a import (b,\n        c as d)\n")
    node = tree.body[0].body[0]  # type: ignore[attr-defined]
    bindings = statement_bindings(node, "", Place("function"))
    assert [(b.name, b.line, b.column, b.statement is node) for b in bindings] == [
        ("b", 2, 4, True),
        ("d", 2, 4, True),
    ]
    assert all(b.place.scope == "function" for b in bindings)


# --- where the statement sits -------------------------------------------------------------


def places(source: str) -> dict[str, tuple[str, bool, bool]]:
    return {
        b.name: (b.place.scope, b.place.type_checking, b.place.in_try) for b in read(source, "pkg")
    }


def test_type_checking_at_any_depth_and_not_its_else_branch() -> None:
    source = """\
        import typing
        from typing import TYPE_CHECKING
        try:
            if TYPE_CHECKING:
                if sys.version_info >= (3, 11):
                    from typing import Self
                else:
                    from typing_extensions import Self as SelfBackport
            else:
                import runtime_only
        except ImportError:
            import fallback
        if typing.TYPE_CHECKING:
            from .heavy import Model
        if TYPE_CHECKING_EXTRA:
            import not_a_guard
    """
    assert places(source) == {
        "typing": ("module", False, False),
        "TYPE_CHECKING": ("module", False, False),
        "Self": ("module", True, True),
        "SelfBackport": ("module", True, True),
        "runtime_only": ("module", False, True),
        "fallback": ("module", False, True),
        "Model": ("module", True, False),
        "not_a_guard": ("module", False, False),  # a substring of the guard is no guard
    }
    found = {b.name: b.place for b in read(source, "pkg")}
    assert not found["Self"].runs_at_import
    assert found["fallback"].runs_at_import


def test_imports_in_functions_classes_and_blocks() -> None:
    source = """\
        with warnings.catch_warnings():
            from .old import thing
        for _name in ("a",):
            import looped
        def __getattr__(name):
            if name == "Engine":
                from .engine import Engine
                return Engine
            class Local:
                import in_local_class
        class Holder:
            import in_class
            async def method(self):
                try:
                    import lazy
                finally:
                    import cleanup
    """
    assert places(source) == {
        "thing": ("module", False, False),
        "looped": ("module", False, False),
        "Engine": ("function", False, False),
        "in_local_class": ("class", False, False),
        "in_class": ("class", False, False),
        "lazy": ("function", False, True),
        "cleanup": ("function", False, True),
    }
    found = {b.name: b.place for b in read(source, "pkg")}
    assert found["thing"].module_level
    assert not found["Engine"].module_level
    assert not found["in_class"].runs_at_import  # a class attribute, not a global


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements are 3.10+")
def test_imports_in_match_cases() -> None:
    source = "match x:\n    case 1:\n        import one\n    case _:\n        from . import two\n"
    assert [b.name for b in read(source, "pkg")] == ["one", "two"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is 3.11+")
def test_imports_in_try_star() -> None:
    source = "try:\n    import a\nexcept* ImportError:\n    import b\n"
    assert [(b.name, b.place.in_try) for b in read(source)] == [("a", True), ("b", True)]


# --- an end-to-end consequence ------------------------------------------------------------


def test_map_counts_a_name_imported_in_a_module_level_with_block_where_it_is_used(
    tmp_path: Path,
) -> None:
    """``ssot map``: a deprecated name imported at module level under ``with`` (silencing its
    warning) is needed by the test that uses it, as one imported at the top is."""
    config = project(
        tmp_path,
        {
            "tests/test_a.py": """\
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    from app.old_engine import Engine


                def test_uses_it():
                    assert Engine


                def test_does_not():
                    pass
            """,
        },
    )
    engine = map_tests(config).contracts["engine"]
    assert [(r.nodeid, r.scope) for r in engine.deprecated] == [
        ("tests/test_a.py::test_uses_it", "test"),
        ("tests/test_a.py::test_does_not", "module"),
    ]


# --- property: the names bound are the ones Python binds -----------------------------------

identifier = st.sampled_from(["a", "b", "core", "core_old", "np", "numpy", "x1", "_p"])
dotted = st.lists(identifier, min_size=1, max_size=3).map(".".join)
alias = st.one_of(st.none(), identifier)


@st.composite
def import_statement(draw: st.DrawFn, *, star: bool) -> str:
    if draw(st.booleans()):
        names = draw(st.lists(st.tuples(dotted, alias), min_size=1, max_size=3))
        return "import " + ", ".join(n + (f" as {a}" if a else "") for n, a in names)
    level = draw(st.integers(0, 3))
    module = draw(dotted if level == 0 else st.one_of(st.none(), dotted)) or ""
    if star and draw(st.integers(0, 4)) == 0:
        return f"from {'.' * level}{module} import *"
    names = draw(st.lists(st.tuples(identifier, alias), min_size=1, max_size=3))
    return f"from {'.' * level}{module} import " + ", ".join(
        n + (f" as {a}" if a else "") for n, a in names
    )


@st.composite
def block(draw: st.DrawFn, depth: int = 0, *, module_level: bool = True) -> list[str]:
    """Import statements, some nested in if/try/with/TYPE_CHECKING/def/class."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["import", "if", "tc", "try", "with", "def", "class"]))
        if kind == "import" or depth >= 3:
            lines.append(draw(import_statement(star=module_level)))
            continue
        inner_level = module_level and kind not in ("def", "class")
        body = draw(block(depth + 1, module_level=inner_level))
        head = {
            "if": "if x:",
            "tc": "if TYPE_CHECKING:",
            "try": "try:",
            "with": "with y:",
            "def": f"def f{depth}():",
            "class": f"class C{depth}:",
        }[kind]
        lines += [head, *("    " + line for line in body)]
        if kind == "try":
            lines += ["except ImportError:", "    pass"]
    return lines


def _imported(table: symtable.SymbolTable) -> set[str]:
    return {s.get_name() for s in table.get_symbols() if s.is_imported()}


def _nested_imported(table: symtable.SymbolTable) -> set[str]:
    found: set[str] = set()
    for child in table.get_children():
        found |= _imported(child) | _nested_imported(child)
    return found


@budget(ci=200)
@given(block(), st.sampled_from(["", "pkg", "pkg.sub", "pkg.sub.deep"]))
def test_the_names_read_are_the_names_python_binds(lines: list[str], package: str) -> None:
    source = "\n".join(lines) + "\n"
    top = symtable.symtable(source, "<fuzz>", "exec")
    bindings = read(source, package)
    assert {b.name for b in bindings if b.place.module_level and not b.is_star} == _imported(top)
    assert {b.name for b in bindings if not b.place.module_level} == _nested_imported(top)


@budget(ci=200)
@given(
    st.integers(0, 4),
    st.one_of(st.none(), dotted),
    st.sampled_from(["", "pkg", "pkg.sub", "pkg.sub.deep"]),
)
def test_relative_imports_resolve_as_importlib_resolves_them(
    level: int, module: str | None, package: str
) -> None:
    written = "." * level + (module or "")
    if not written:
        return
    try:
        expected: str | None = importlib.util.resolve_name(written, package or None)
    except (ImportError, ValueError):
        expected = None
    source = f"from {written} import name\n"
    (binding,) = read(source, package)
    assert binding.module == expected
    assert binding.written_source == written
