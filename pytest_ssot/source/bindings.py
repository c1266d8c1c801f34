"""What each import statement binds: the one reader of ``import`` and ``from … import``.

The audit, ``ssot map``, ``ssot discover``, the static replay, purity and ``ssot fix`` all
need the same facts about an import: which local name it binds, to which absolute module
(relative imports resolved the way ``importlib`` resolves them), which attribute of it, and
where the statement sits (at module level or in a function or class, under
``if TYPE_CHECKING:``, inside ``try``). Reading ``ast.Import``/``ast.ImportFrom`` once, here,
means a new import form is taught to every check at the same time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace

from pytest_ssot.source.modules import TYPE_CHECKING_GUARDS, dotted_name, import_source

IMPORT_NODES = (ast.Import, ast.ImportFrom)
_TRY = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Place:
    """Where an import statement sits.

    ``scope`` is the innermost scope: ``"module"``, ``"function"`` or ``"class"``;
    ``type_checking`` is true in the body of an ``if TYPE_CHECKING:`` (not its ``else``),
    at any depth; ``in_try`` is true anywhere inside a ``try`` statement (body, handlers,
    ``else``, ``finally``), since such an import may be allowed to fail.
    """

    scope: str = "module"
    type_checking: bool = False
    in_try: bool = False

    @property
    def module_level(self) -> bool:
        """The import binds a global of the module (not a local of a function or class)."""
        return self.scope == "module"

    @property
    def runs_at_import(self) -> bool:
        """Importing the module runs this import (it is not deferred to a call, nor kept for
        type checkers only)."""
        return self.scope == "module" and not self.type_checking


MODULE_LEVEL = Place()


@dataclass(frozen=True)
class ImportBinding:
    """One name an import statement binds.

    ``name`` is the local name bound (``"*"`` for a star import, which binds names this
    reader cannot know); ``module`` the absolute module the statement imports (``a.b`` for
    ``import a.b``; the resolved source of a ``from`` import; ``None`` for a relative import
    Python rejects, beyond the top-level package); ``attribute`` the name imported from it
    (``None`` for ``import a.b``, ``"*"`` for a star); ``alias`` the ``as`` name.
    """

    name: str
    module: str | None
    attribute: str | None
    alias: str | None
    statement: ast.Import | ast.ImportFrom
    place: Place = MODULE_LEVEL

    @property
    def is_star(self) -> bool:
        return self.attribute == "*"

    @property
    def is_from(self) -> bool:
        return isinstance(self.statement, ast.ImportFrom)

    @property
    def level(self) -> int:
        """The number of leading dots of a relative import (0 for an absolute one)."""
        return self.statement.level if isinstance(self.statement, ast.ImportFrom) else 0

    @property
    def written_source(self) -> str:
        """The imported module as written: ``..pkg`` for a relative import."""
        if isinstance(self.statement, ast.ImportFrom):
            return "." * self.statement.level + (self.statement.module or "")
        return self.module or ""

    @property
    def imported_path(self) -> str | None:
        """The dotted path the statement imports for this name: ``a.b`` for ``import a.b``
        (with or without ``as``), ``m`` for ``from m import *``, ``m.x`` for ``from m import
        x``; ``None`` for an unresolvable relative import."""
        if self.module is None or self.attribute is None or self.is_star:
            return self.module
        return f"{self.module}.{self.attribute}"

    @property
    def target(self) -> str | None:
        """The dotted path the bound name refers to: ``a`` for ``import a.b`` (it binds the
        top package), ``a.b`` for ``import a.b as c``, ``m.x`` for ``from m import x``;
        ``None`` for a star import or an unresolvable relative one."""
        if self.module is None or self.is_star:
            return None
        if self.attribute is None:
            return self.module if self.alias else self.name
        return f"{self.module}.{self.attribute}"

    @property
    def line(self) -> int:
        return self.statement.lineno

    @property
    def column(self) -> int:
        return self.statement.col_offset


def statement_bindings(
    node: ast.Import | ast.ImportFrom, package: str, place: Place = MODULE_LEVEL
) -> tuple[ImportBinding, ...]:
    """The names one import statement binds, in the order it binds them.

    ``package`` is the importing module's package (the module itself for a package's
    ``__init__``), which relative imports are resolved against.
    """
    if isinstance(node, ast.Import):
        return tuple(
            ImportBinding(
                alias.asname or alias.name.partition(".")[0],
                alias.name,
                None,
                alias.asname,
                node,
                place,
            )
            for alias in node.names
        )
    source = import_source(node.level, node.module, package)
    return tuple(
        ImportBinding(alias.asname or alias.name, source, alias.name, alias.asname, node, place)
        for alias in node.names
    )


def import_bindings(
    tree: ast.AST, package: str, place: Place = MODULE_LEVEL
) -> Iterator[ImportBinding]:
    """Every name every import statement in ``tree`` binds, in source order, each with the
    place its statement sits. ``place`` is where ``tree`` itself sits (a function's body
    passed alone is ``Place("function")``)."""
    for statement, where in import_statements(tree, place):
        yield from statement_bindings(statement, package, where)


def import_statements(
    tree: ast.AST, place: Place = MODULE_LEVEL
) -> Iterator[tuple[ast.Import | ast.ImportFrom, Place]]:
    """Every import statement in ``tree``, in source order, with the place it sits."""
    if isinstance(tree, IMPORT_NODES):
        yield tree, place
        return
    if isinstance(tree, ast.If) and dotted_name(tree.test) in TYPE_CHECKING_GUARDS:
        guarded = replace(place, type_checking=True)
        for statement in tree.body:
            yield from import_statements(statement, guarded)
        for statement in tree.orelse:
            yield from import_statements(statement, place)
        return
    inner = place
    if isinstance(tree, _FUNCTIONS):
        inner = replace(place, scope="function")
    elif isinstance(tree, ast.ClassDef):
        inner = replace(place, scope="class")
    elif isinstance(tree, _TRY):
        inner = replace(place, in_try=True)
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.Module)) or _holds_statements(child):
            yield from import_statements(child, inner)


def _holds_statements(node: ast.AST) -> bool:
    """A ``match`` case (3.10+) holds statements; expressions never do."""
    return type(node).__name__ == "match_case"


def package_of(module: str, *, is_package: bool) -> str:
    """The package a module's relative imports start from: a package's ``__init__`` is in
    the package itself, any other module in its parent."""
    return module if is_package else module.rpartition(".")[0]
