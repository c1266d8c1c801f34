"""Finding a module's source file without importing it.

Purity and the other static checks must never execute user code (a module may exit, hang or
need dependencies that are not installed), so the file is located with the import system's
path finder, one package level at a time, the way ``import`` would find it.
"""

from __future__ import annotations

import ast
import pkgutil
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModuleSource:
    path: Path
    is_package: bool


@dataclass(frozen=True)
class FoundModule:
    """What ``import`` would find for a name, found without importing anything.

    ``path`` is the file it loads (any kind: ``.py``, an extension module, ...), ``None`` for a
    namespace package (a directory without ``__init__.py``), which has no file, no code and
    no attributes but its submodules. ``locations`` are where its submodules are searched,
    ``None`` for a plain module.
    """

    name: str
    path: Path | None
    locations: tuple[str, ...] | None

    @property
    def is_namespace(self) -> bool:
        return self.path is None

    @property
    def source(self) -> ModuleSource | None:
        """The Python source file, if that is what the import loads."""
        if self.path is None or self.path.suffix != ".py":
            return None
        return ModuleSource(self.path, self.locations is not None)


def find_module(module: str, search_path: Sequence[str] | None = None) -> FoundModule | None:
    """What ``import module`` would find on ``search_path`` (default ``sys.path``), or ``None``.

    One package level at a time, each searched in its parent's locations only: the finders
    are asked directly, because ``PathFinder.find_spec`` on a dotted name that turns out to be
    a namespace package reads its parent from ``sys.modules`` (a ``KeyError`` when the parent
    is not imported, the wrong directories when another copy of it is).
    """
    locations = list(sys.path if search_path is None else search_path)
    parts = module.split(".")
    found = None
    for depth in range(1, len(parts) + 1):
        if found is not None:
            if found.locations is None:
                return None  # a plain module has no submodules
            locations = list(found.locations)
        found = _find_in(".".join(parts[:depth]), locations)
        if found is None:
            return None
    return found


def _find_in(name: str, locations: Sequence[str]) -> FoundModule | None:
    """The first location holding ``name`` as a module or regular package wins; failing that,
    every directory called like it makes one namespace package (PEP 420)."""
    portions: list[str] = []
    for entry in locations:
        finder = pkgutil.get_importer(entry)  # cached in sys.path_importer_cache, as import does
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(name)
        if spec is None:
            continue
        search = spec.submodule_search_locations
        if spec.loader is not None:
            origin = Path(spec.origin) if spec.has_location and spec.origin else None
            if origin is None:
                return None  # a frozen or built-in module: no file to read
            return FoundModule(name, origin, None if search is None else tuple(search))
        portions.extend(search or ())
    return FoundModule(name, None, tuple(portions)) if portions else None


def find_module_source(
    module: str, search_path: Sequence[str] | None = None
) -> ModuleSource | None:
    """The ``.py`` file that ``import module`` would load, or ``None`` if there is none."""
    found = find_module(module, search_path)
    return found.source if found is not None else None


def parse_source(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, deaf to the warnings filters of the process it runs in.

    Compiling reports ``"\\d"`` or ``1if x else y`` with a warning, and under ``-W error`` (or
    pytest's ``filterwarnings = error``) the warning becomes a ``SyntaxError``: a valid file
    would be "unparsable" depending on how the test run was started.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=filename)


def dotted_name(node: ast.expr | None) -> str | None:
    """``a.b.c`` for a chain of names and attributes, ``None`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def import_source(level: int, module: str | None, package: str) -> str | None:
    """The absolute module ``from <level dots><module> import …`` reads in ``package``.

    ``None`` where Python raises ImportError instead: a relative import outside any package,
    or one that climbs beyond the top-level package (the rule of ``importlib``'s
    ``_resolve_name``).
    """
    if not level:
        return module or None
    parts = package.split(".") if package else []
    if len(parts) < level:
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


#: The conditions under which imports exist for type checkers only.
TYPE_CHECKING_GUARDS = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING"})


def executed_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module or class body runs, as far as reading can tell: those of
    ``if`` (both branches; not the body under ``if TYPE_CHECKING:``), ``try`` and ``with``
    blocks in their place, never those of functions."""
    for node in body:
        if isinstance(node, ast.If):
            if dotted_name(node.test) not in TYPE_CHECKING_GUARDS:
                yield from executed_statements(node.body)
            yield from executed_statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from executed_statements(block)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from executed_statements(node.body)
        else:
            yield node


def target_names(target: ast.expr) -> Iterator[str]:
    """The names an assignment target binds: ``a`` and ``b`` of ``a, *b = ...``; none for
    ``a[0] = ...`` or ``a.b = ...``."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from target_names(element)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def is_string_statement(node: ast.stmt) -> bool:
    """A bare string: a docstring when it comes first in a body, a comment elsewhere."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def relative_posix(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators, as reports and baselines show it;
    as given when it lies outside ``root``."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def locate_module_source(
    module: str, search_path: Sequence[str] | None = None
) -> ModuleSource | None:
    """The ``.py`` file a deprecated module's code comes from, found the same way by the
    plugin and ``ssot check``, with or without ``--static``.

    A module already imported under its own name (by the tests, or by the identity check) is
    read from its ``__spec__``: that is the code users run. Otherwise the file ``import``
    would load, from ``search_path`` (the project's) and then ``sys.path``, where installed
    packages are (their shims are checked too, e.g. ``numpy.core``). A module that replaced
    itself in ``sys.modules`` is looked up by name, since the object there is another module.
    """
    imported = sys.modules.get(module)
    spec = getattr(imported, "__spec__", None)
    origin = getattr(spec, "origin", None)
    if getattr(spec, "name", None) == module and isinstance(origin, str) and origin.endswith(".py"):
        return ModuleSource(
            Path(origin), getattr(spec, "submodule_search_locations", None) is not None
        )
    locations = list(search_path or ())
    locations += [entry for entry in sys.path if entry not in locations]
    return find_module_source(module, locations)
