"""Is what ``ssot fix`` is about to write importable? Checked on the source, before writing.

A codemod that moves code between modules can leave the one module everybody needs, the
canonical, raising ``NameError`` or ``ImportError`` on import; and a fix that reports
success while doing so is worse than none. Every file of a plan is checked as the plan
leaves it: it must compile, bind every global name it uses, find every name it newly imports
from a project module, and not import, at module level, something that imports it back
before it has finished (a circular import the fix would create). Nothing here imports the
project: the answer is static, the way the other checks are.
"""

from __future__ import annotations

import ast
import warnings
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_ssot.source.bindings import ImportBinding, import_bindings, package_of
from pytest_ssot.source.modules import (
    ModuleSource,
    find_module_source,
    parse_source,
    relative_posix,
)
from pytest_ssot.source.names import bound_globals, has_star_import, unbound_uses

_UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass(frozen=True)
class Rewrite:
    """One file of a plan: its text before and after, and where the fix wrote its own code."""

    path: str  # relative to the project root
    module: str
    package: str
    before: str
    after: str
    #: The first line the fix wrote itself (1: the whole file; ``None``: only edits in place).
    written_from: int | None = None


def check_rewrites(
    rewrites: Sequence[Rewrite], root: Path, search_path: Sequence[str]
) -> list[str]:
    """Every problem, one ``file:line: what`` each; none means the plan may be written."""
    project = _Project(root, search_path, {r.path: r for r in rewrites})
    problems: list[str] = []
    for rewrite in rewrites:
        compiled = _compile_problem(rewrite.path, rewrite.after)
        if compiled is not None:
            if _compile_problem(rewrite.path, rewrite.before) is None:
                problems.append(compiled)
            continue
        try:
            problems += _unbound_problems(rewrite)
            problems += _import_problems(rewrite, project)
            problems += _cycle_problems(rewrite, project)
        except _UNREADABLE as error:
            problems.append(f"{rewrite.path}: cannot be checked after the fix ({error})")
    return problems


def _compile_problem(path: str, text: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text.removeprefix("\ufeff"), path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None) or 0
            message = getattr(error, "msg", None) or str(error)
            return f"{path}:{line}: would not compile after the fix: {message}"
    return None


def _unbound_problems(rewrite: Rewrite) -> list[str]:
    """Names used unbound after the fix that were bound before, or that the code the fix
    wrote uses (a file may already rely on names it binds dynamically; the fix must not)."""
    after = unbound_uses(rewrite.after, rewrite.path)
    before = _unbound_before(rewrite) if after else {}
    start = rewrite.written_from
    problems = []
    for name, lines in after.items():
        ours = [line for line in lines if start is not None and line >= start]
        if name in before and not ours:
            continue
        line = (ours or list(lines) or [0])[0]
        problems.append(
            f"{rewrite.path}:{line}: {name!r} would be used but bound nowhere in the module "
            "(no import, assignment or definition of it)"
        )
    return problems


def _unbound_before(rewrite: Rewrite) -> dict[str, tuple[int, ...]]:
    try:
        return unbound_uses(rewrite.before, rewrite.path)
    except _UNREADABLE:
        return {}  # a file this Python cannot read held nothing to compare with


def _import_problems(rewrite: Rewrite, project: _Project) -> list[str]:
    """``from m import name`` the fix added, where ``m`` is a project module that (as the
    plan leaves it) neither binds ``name`` nor has a submodule of that name."""
    before = _from_imports(rewrite.before, rewrite.package, quiet=True)
    problems = []
    for (module, name), line in _from_imports(rewrite.after, rewrite.package).items():
        if (module, name) in before or name == "*" or project.defines(module, name):
            continue
        problems.append(
            f"{rewrite.path}:{line}: would import {name!r} from {module}, which does not define it"
        )
    return problems


def _from_imports(text: str, package: str, *, quiet: bool = False) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    try:
        tree = parse_source(text)
    except _UNREADABLE:
        if quiet:
            return found
        raise
    for binding in import_bindings(tree, package):
        if binding.module and binding.attribute:
            found.setdefault((binding.module, binding.attribute), binding.line)
    return found


def _cycle_problems(rewrite: Rewrite, project: _Project) -> list[str]:
    """A module-level import the fix added that, run, imports this module back: Python then
    hands the importer a half-initialised module, and names defined below the import are
    missing (what a moved ``from pkg.deprecated.sub import X`` does once ``pkg.deprecated``
    redirects to the canonical). Cycles the file already had are not the fix's doing."""
    if project.cycle(rewrite.module, after=False) is not None:
        return []
    before = project.module_imports(rewrite.before, rewrite.package, quiet=True)
    for module, line in project.module_imports(rewrite.after, rewrite.package).items():
        if module in before:
            continue
        chain = project.chain(module, rewrite.module, after=True)
        if chain is not None:
            shown = " -> ".join([rewrite.module, *chain])
            return [
                f"{rewrite.path}:{line}: would create a circular import ({shown}): "
                f"{rewrite.module} is not finished when it is imported back; move what it "
                "needs from there by hand"
            ]
    return []


class _Project:
    """The project's modules as the plan leaves them (``after``) or as they are."""

    def __init__(
        self, root: Path, search_path: Sequence[str], rewrites: Mapping[str, Rewrite]
    ) -> None:
        self.root = root
        self.search_path = search_path
        self.rewrites = rewrites
        self._edges: dict[tuple[str, bool], frozenset[str]] = {}
        self._sources: dict[str, ModuleSource | None] = {}
        self._names: dict[str, frozenset[str] | None] = {}

    def find(self, module: str) -> ModuleSource | None:
        """:func:`find_module_source`, once per module: a plan can touch thousands of files."""
        if module not in self._sources:
            self._sources[module] = find_module_source(module, self.search_path)
        return self._sources[module]

    def text(self, module: str, *, after: bool) -> tuple[str, str] | None:
        """The module's text and package, or ``None`` outside the project or unreadable."""
        source = self.find(module)
        if source is None:
            return None
        package = package_of(module, is_package=source.is_package)
        rewrite = self.rewrites.get(relative_posix(source.path, self.root))
        if rewrite is not None:
            return (rewrite.after if after else rewrite.before), package
        try:
            return source.path.read_bytes().decode("utf-8"), package
        except (OSError, UnicodeDecodeError):
            return None

    def defines(self, module: str, name: str) -> bool:
        """Whether ``from module import name`` can work; modules outside the project are not
        judged, nor those that compute their names (a star import, a ``__getattr__``)."""
        names = self._bound(module)
        return names is None or name in names or self.find(f"{module}.{name}") is not None

    def _bound(self, module: str) -> frozenset[str] | None:
        """The names the module binds as the plan leaves it; ``None``: not judged."""
        if module not in self._names:
            self._names[module] = None
            found = self.text(module, after=True)
            try:
                tree = parse_source(found[0]) if found else None
                dynamic = (
                    tree is None
                    or has_star_import(tree)
                    or any(
                        isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
                        for n in tree.body
                    )
                )
                if found and not dynamic:
                    self._names[module] = bound_globals(found[0])
            except _UNREADABLE:
                pass  # that module's own check reports it
        return self._names[module]

    def module_imports(self, text: str, package: str, *, quiet: bool = False) -> dict[str, int]:
        """The project modules importing this text runs, parents included, with the line."""
        try:
            tree = parse_source(text)
        except _UNREADABLE:
            if quiet:
                return {}
            raise
        found: dict[str, int] = {}
        for binding in import_bindings(tree, package):
            if binding.place.runs_at_import:
                for module in self._targets(binding):
                    for parent in _with_parents(module):
                        found.setdefault(parent, binding.line)
        return found

    def _targets(self, binding: ImportBinding) -> Iterator[str]:
        """The modules an import loads: its source, and a submodule it imports by name."""
        if not binding.module:
            return
        yield binding.module
        path = binding.imported_path
        if binding.attribute not in (None, "*") and path and self.find(path) is not None:
            yield path

    def edges(self, module: str, *, after: bool) -> frozenset[str]:
        key = (module, after)
        if key not in self._edges:
            found = self.text(module, after=after)
            imports = self.module_imports(*found, quiet=True) if found else {}
            self._edges[key] = frozenset(imports)
        return self._edges[key]

    def chain(self, start: str, target: str, *, after: bool) -> list[str] | None:
        """The modules from ``start`` to ``target`` along module-level imports, if any."""
        came_from: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            module = queue.popleft()
            if module == target:
                path = [module]
                while came_from[path[-1]] is not None:
                    path.append(str(came_from[path[-1]]))
                return path[::-1]
            for following in sorted(self.edges(module, after=after)):
                if following not in came_from:
                    came_from[following] = module
                    queue.append(following)
        return None

    def cycle(self, module: str, *, after: bool) -> list[str] | None:
        for following in sorted(self.edges(module, after=after)):
            chain = self.chain(following, module, after=after)
            if chain is not None:
                return chain
        return None


def _with_parents(module: str) -> list[str]:
    """Importing ``a.b.c`` runs ``a`` and ``a.b`` first."""
    parts = module.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
