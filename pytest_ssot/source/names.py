"""Which global names a module binds and which it uses, from its source alone.

``ssot fix`` moves code from a deprecated module into the canonical one. A definition moved
without the module-level names it refers to (a type alias, a constant, an import) makes the
canonical raise ``NameError``, and the SSOT is then the one module nobody can import. These
helpers answer, without running anything, what a piece of code needs from its module's
globals and whether a module binds everything it uses. They lean on the compiler's own scope
analysis (:mod:`symtable`), so local variables, parameters, class bodies, comprehensions and
``global`` declarations are resolved exactly as Python resolves them.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from collections.abc import Iterator

from pytest_ssot.source.bindings import import_bindings
from pytest_ssot.source.modules import parse_source

#: Names every module has without binding them, and those Python sets in a class body.
IMPLICIT_NAMES = frozenset(
    {
        "__name__",
        "__file__",
        "__doc__",
        "__package__",
        "__spec__",
        "__loader__",
        "__builtins__",
        "__path__",
        "__cached__",
        "__annotations__",
        "__module__",
        "__qualname__",
    }
)
BUILTIN_NAMES = frozenset(dir(builtins))


def _tables(source: str, filename: str) -> symtable.SymbolTable:
    """The module's symbol table, with every annotation counted as evaluated.

    Under ``from __future__ import annotations`` Python 3.11+ leaves annotations out of the
    table while 3.9 keeps them; dropping the future import first gives every version the
    same answer, and a name used only in an annotation is still one a type checker and
    ``typing.get_type_hints`` need bound.
    """
    tree = parse_source(source, filename)
    if has_future_annotations(tree):
        tree.body = [node for node in tree.body if not _is_future_annotations(node)]
        source = ast.unparse(tree)
    return symtable.symtable(source, filename, "exec")


def has_future_annotations(tree: ast.Module) -> bool:
    """``from __future__ import annotations``: annotations are never evaluated at runtime."""
    return any(_is_future_annotations(node) for node in tree.body)


def _is_future_annotations(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
    )


def _children(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    for child in table.get_children():
        yield child
        yield from _children(child)


def global_uses(source: str, filename: str = "<fix>") -> frozenset[str]:
    """Every name the code looks up among its module's globals: at module level, and from
    function and class bodies that do not bind it themselves."""
    top = _tables(source, filename)
    used = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    for table in _children(top):
        used |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    return frozenset(used)


def bound_globals(source: str, filename: str = "<fix>") -> frozenset[str]:
    """Every name the code binds in its module's globals: assignments, imports, ``def`` and
    ``class`` at module level, and names a function declares ``global`` and assigns."""
    top = _tables(source, filename)
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    for table in _children(top):
        bound |= {
            s.get_name()
            for s in table.get_symbols()
            if s.is_declared_global() and (s.is_assigned() or s.is_imported())
        }
    return frozenset(bound)


def has_star_import(tree: ast.Module) -> bool:
    """A module-level ``from x import *`` may bind any name: nothing is unbound for sure."""
    return any(binding.is_star for binding in import_bindings(tree, ""))


def unbound_uses(source: str, filename: str = "<fix>") -> dict[str, tuple[int, ...]]:
    """The global names the module uses but never binds, each with the lines that use it.

    Builtins and the names every module has are bound; a module with a star import is taken
    to bind everything. A name bound only on some branch (``try``/``except ImportError``)
    counts as bound: this is the static answer, not a replay of the import.
    """
    tree = parse_source(source, filename)
    if has_star_import(tree):
        return {}
    missing = global_uses(source, filename) - bound_globals(source, filename)
    missing -= BUILTIN_NAMES | IMPLICIT_NAMES
    lines: dict[str, list[int]] = {name: [] for name in missing}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in lines and isinstance(node.ctx, ast.Load):
            lines[node.id].append(node.lineno)
    return {name: tuple(sorted(set(found))) for name, found in sorted(lines.items())}
