"""Finding a module's source file without importing it.

Purity and the other static checks must never execute user code (a module may exit, hang or
need dependencies that are not installed), so the file is located with the import system's
path finder, one package level at a time, the way ``import`` would find it.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path


@dataclass(frozen=True)
class ModuleSource:
    path: Path
    is_package: bool


def find_module_source(
    module: str, search_path: Sequence[str] | None = None
) -> ModuleSource | None:
    """The ``.py`` file that ``import module`` would load, or ``None`` if there is none."""
    locations = list(sys.path if search_path is None else search_path)
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        spec = PathFinder.find_spec(name, locations)
        if spec is None:
            return None
        if depth == len(parts):
            if not spec.has_location or spec.origin is None or not spec.origin.endswith(".py"):
                return None
            return ModuleSource(Path(spec.origin), spec.submodule_search_locations is not None)
        if spec.submodule_search_locations is None:
            return None
        locations = list(spec.submodule_search_locations)
    return None


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
