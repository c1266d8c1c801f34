"""The one shape of a pure redirect module, for the report's fix and for ``ssot fix``.

A deprecated module usually exports more than the contract's name: helpers, constants,
aliases that tests and callers import from it. A redirect that keeps only the contract's name
breaks them, so what a deprecated module becomes is computed here once, statically from its
source, and written the same way wherever it is shown: the text of a failing contract item,
the golden-path section and the file ``ssot fix`` writes (plain, or the PEP 562 form that
warns on use). Nothing here imports the project, and nothing here needs libcst, so the plugin's
report does not pay for the codemod's dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ssot.domain.model import RedirectContract
from pytest_ssot.source.bindings import package_of, statement_bindings
from pytest_ssot.source.modules import (
    ModuleSource,
    find_module_source,
    is_string_statement,
    parse_source,
)
from pytest_ssot.source.names import bound_globals

#: (module, name there): where an exported name lives once the module is a redirect.
Target = tuple[str, str]

_WIDTH = 88


@dataclass(frozen=True)
class ModuleRedirect:
    """What a deprecated module becomes: every name it exports, and where each one lives."""

    module: str
    #: The canonical module definitions with no home elsewhere move into.
    home: str
    exported: Mapping[str, Target]
    #: Exported names the module defines itself that no canonical has: they move to ``home``.
    moving: tuple[str, ...] = ()
    #: Exported names neither defined nor imported in the module (``__all__`` lists them).
    unknown: tuple[str, ...] = ()
    #: The canonical module of a whole-module contract redirecting through this module.
    whole_module: str | None = None
    #: The names a star import from ``whole_module`` brings (its ``__all__`` or public names).
    star_names: frozenset[str] = frozenset()
    #: The module docstring exactly as written, or ``None`` to write a default one.
    docstring: str | None = None
    canonical_modules: tuple[str, ...] = ()
    #: Every top-level name of the module that lives elsewhere once it is a redirect: the
    #: exported ones and the rest (what moved code that uses them must refer to instead).
    resolved: Mapping[str, Target] = field(default_factory=dict)

    def source(self, *, warn: bool = False) -> str:
        """The module's new text: plain imports, or (``warn``) a PEP 562 ``__getattr__``
        that imports on first use and emits a ``DeprecationWarning``."""
        targets = " / ".join(self.canonical_modules or (self.home,))
        doc = self.docstring or f'"""Deprecated: import from {targets} instead."""'
        body = self._lazy() if warn else self._plain()
        return "\n".join([doc, "", *body, ""])

    def _explicit(self) -> list[str]:
        """Exported names a star import from the whole canonical module would not bind."""
        return [
            name
            for name in sorted(self.exported)
            if not (self.exported[name] == (self.whole_module, name) and name in self.star_names)
        ]

    def _plain(self) -> list[str]:
        lines: list[str] = []
        if self.whole_module:
            lines.append(f"from {self.whole_module} import *  # noqa: F403")
        by_source: dict[str, list[str]] = {}
        for name in self._explicit():
            source, original = self.exported[name]
            by_source.setdefault(source, []).append(
                original if original == name else f"{original} as {name}"
            )
        lines += [_from_import(source, items) for source, items in sorted(by_source.items())]
        if not self.whole_module:
            lines += ["", _listing("__all__ = ", sorted(self.exported))]
        return lines

    def _lazy(self) -> list[str]:
        names = self._explicit()
        lines = ["import warnings", "", "", "def __getattr__(name):"]
        for index, name in enumerate(names):
            source, original = self.exported[name]
            keyword = "if" if index == 0 else "elif"
            lines += [
                f'    {keyword} name == "{name}":',
                f"        from {source} import {original} as target",
            ]
        indent = "        " if names else "    "
        if self.whole_module:
            fallback = [
                f"{indent}import {self.whole_module} as canonical",
                "",
                *_warning(indent, self.whole_module),
                f"{indent}return getattr(canonical, name)",
            ]
        else:
            message = 'f"module {__name__!r} has no attribute {name!r}"'
            fallback = [f"{indent}raise AttributeError({message})"]
        if names:
            lines += ["    else:", *fallback, *_warning("    ", None), "    return target"]
        else:
            lines += fallback
        listed = sorted(set(self.exported) | self.star_names)
        return [
            *lines,
            "",
            "",
            "def __dir__():",
            _listing("    return ", listed),
            "",
            "",
            _listing("__all__ = ", listed),
        ]


def _warning(indent: str, target: str | None) -> list[str]:
    where = f"import it from {target}" if target else "import it from its canonical module"
    return [
        f"{indent}warnings.warn(",
        f'{indent}    f"{{__name__}}.{{name}} is deprecated; {where}",',
        f"{indent}    DeprecationWarning,",
        f"{indent}    stacklevel=2,",
        f"{indent})",
    ]


def _from_import(module: str, items: Sequence[str]) -> str:
    """One ``from`` import, wrapped in parentheses when it would not fit on a line."""
    line = f"from {module} import {', '.join(items)}"
    if len(line) <= _WIDTH:
        return line
    return "\n".join([f"from {module} import (", *(f"    {item}," for item in items), ")"])


def _listing(head: str, names: Sequence[str]) -> str:
    """``head`` followed by a list of the names, one a line when it would not fit."""
    quoted = [f'"{name}"' for name in names]
    line = f"{head}[{', '.join(quoted)}]"
    if len(line) <= _WIDTH:
        return line
    indent = " " * (len(head) - len(head.lstrip()))
    return "\n".join([f"{head}[", *(f"{indent}    {item}," for item in quoted), f"{indent}]"])


# -- what a deprecated module exports --------------------------------------------------------


def plan_redirect(
    module: str,
    text: str | None,
    contracts: Sequence[RedirectContract],
    *,
    is_package: bool = False,
    canonical_text: str | None = None,
    canonical_is_package: bool = False,
) -> ModuleRedirect:
    """Every name ``module`` exports, and where it lives once the module is a redirect.

    ``text`` is the module's source (``None`` when there is none: only the contracts' names
    are known); ``canonical_text`` that of the first contract's canonical module, whose own
    names are re-exported from there rather than moved. A name resolves, in this order, to
    the contract's canonical object, to where the module imports it from, to the canonical
    module's own binding, through an alias (``X = ExecutionEngine``) to its target, and is
    otherwise defined here: it moves into the canonical.
    """
    home = contracts[0].canonical.module
    renames = contract_names(module, contracts)
    whole = next(
        (c.canonical.module for c in contracts if c.canonical.is_module and module != home),
        None,
    )
    canonical_modules = tuple(sorted({c.canonical.module for c in contracts}))
    star_names = _star_names(canonical_text, ()) if whole == home else frozenset()
    if text is None:
        return ModuleRedirect(
            module, home, dict(renames), whole_module=whole, star_names=star_names,
            canonical_modules=canonical_modules,
        )  # fmt: skip
    tree = parse_source(text)
    package = package_of(module, is_package=is_package)
    imported = {**lazy_names(tree, package), **imported_names(tree, package)}
    aliases = _aliases(tree)
    defined = defined_names(tree)
    canonical_package = package_of(home, is_package=canonical_is_package)
    canonical_bound = _canonical_bindings(canonical_text, module, canonical_package)

    def resolve(name: str, seen: frozenset[str] = frozenset()) -> Target | None:
        if name in renames:
            return renames[name]
        if name in imported:
            return imported[name]
        if name in canonical_bound:
            return (home, name)
        alias = aliases.get(name)
        if alias is not None and alias not in seen:
            return resolve(alias, seen | {name})
        return None

    exported: dict[str, Target] = {}
    moving: list[str] = []
    unknown: list[str] = []
    for name in exports_of(tree, imported, set(canonical_modules), defined):
        target = resolve(name)
        if target is not None:
            exported[name] = target
        elif name in defined:
            exported[name] = (home, name)
            moving.append(name)
        else:
            unknown.append(name)
    for name, target in renames.items():
        exported.setdefault(name, target)
    resolved = {n: t for n in {*defined, *imported, *renames} if (t := resolve(n)) is not None}
    docstring = tree.body[0] if tree.body and is_string_statement(tree.body[0]) else None
    if whole == home:
        star_names = _star_names(canonical_text, moving)
    return ModuleRedirect(
        module,
        home,
        exported,
        tuple(moving),
        tuple(unknown),
        whole,
        star_names,
        ast.get_source_segment(text, docstring) if docstring else None,
        canonical_modules,
        resolved,
    )


def redirect_for(
    module: str, contracts: Sequence[RedirectContract], search_path: Sequence[str] | None
) -> ModuleRedirect:
    """:func:`plan_redirect` from the files on the import path; a module that cannot be found
    or parsed keeps only the contracts' names (the report must print something)."""
    source = _find(module, search_path)
    home = _find(contracts[0].canonical.module, search_path)
    text = _read(source.path) if source else None
    canonical_text = _read(home.path) if home else None
    try:
        return plan_redirect(
            module,
            text,
            contracts,
            is_package=bool(source and source.is_package),
            canonical_text=canonical_text,
            canonical_is_package=bool(home and home.is_package),
        )
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return plan_redirect(module, None, contracts)


def _find(module: str, search_path: Sequence[str] | None) -> ModuleSource | None:
    """The module's file, or ``None``: the import system's finders can raise on layouts they
    do not expect, and a report must never fail for want of a nicer hint."""
    try:
        return find_module_source(module, search_path)
    except (ImportError, KeyError, ValueError, OSError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def contract_names(module: str, contracts: Sequence[RedirectContract]) -> dict[str, Target]:
    """The names the contracts redirect through ``module``, each to its canonical object."""
    return {
        r.attribute: (c.canonical.module, c.canonical.attribute)
        for c in contracts
        for r in c.redirects
        if r.module == module and r.attribute and c.canonical.attribute
    }


def imported_names(tree: ast.Module, package: str) -> dict[str, Target]:
    """Top-level ``from X import a as b``: b -> (X, a), with X absolute."""
    found: dict[str, Target] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for binding in statement_bindings(node, package):
                if binding.module and binding.attribute and not binding.is_star:
                    found[binding.name] = (binding.module, binding.attribute)
    return found


def lazy_names(tree: ast.Module, package: str) -> dict[str, Target]:
    """What a PEP 562 ``__getattr__`` imports per name (``if name == "X": from m import o as
    target``): the redirects ``ssot fix --warn`` writes, read back by the next run."""
    found: dict[str, Target] = {}
    for function in tree.body:
        if not (isinstance(function, ast.FunctionDef) and function.name == "__getattr__"):
            continue
        for node in ast.walk(function):
            if not (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Compare)
                and len(node.test.comparators) == 1
                and isinstance(node.test.ops[0], ast.Eq)
                and isinstance(node.test.comparators[0], ast.Constant)
                and isinstance(node.test.comparators[0].value, str)
            ):
                continue
            imports = [n for n in node.body if isinstance(n, ast.ImportFrom)]
            bindings = statement_bindings(imports[0], package) if len(imports) == 1 else ()
            if len(bindings) == 1 and bindings[0].module and bindings[0].attribute:
                found[node.test.comparators[0].value] = (bindings[0].module, bindings[0].attribute)
    return found


def defined_names(tree: ast.Module) -> frozenset[str]:
    """Names the module binds at top level by anything but an import: definitions,
    assignments, and what a ``try``/``if`` block at module level binds."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_string_statement(node):
            continue
        names |= bound_globals(ast.unparse(node))
    return frozenset(names - {"__all__"})


def exports_of(
    tree: ast.Module,
    imported: Mapping[str, Target],
    canonical_modules: set[str],
    defined: frozenset[str],
) -> list[str]:
    """``__all__`` if declared; else the public names defined here or taken from a canonical."""
    declared = _declared_all(tree)
    if declared is not None:
        return declared
    names = [n for n in sorted(defined) if not n.startswith("_")]
    names += [
        n
        for n, (source, _) in imported.items()
        if not n.startswith("_") and source in canonical_modules and n not in names
    ]
    return names


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            return [
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """``X = Y`` at top level, for names bound by that one statement only."""
    found: dict[str, str] = {}
    counts: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    counts[target.id] = counts.get(target.id, 0) + 1
                    if isinstance(node.value, ast.Name):
                        found[target.id] = node.value.id
    return {name: value for name, value in found.items() if counts[name] == 1}


def _canonical_bindings(text: str | None, deprecated: str, package: str) -> frozenset[str]:
    """What the canonical module binds itself: not the names it imports from the deprecated
    module (a circular import the fix removes, moving the definition instead)."""
    if text is None:
        return frozenset()
    tree = parse_source(text)
    borrowed = {
        name for name, (source, _) in imported_names(tree, package).items() if source == deprecated
    }
    return bound_globals(text) - borrowed


def _star_names(text: str | None, moving: Sequence[str]) -> frozenset[str]:
    """What ``from canonical import *`` binds once ``moving`` is appended to it: its
    ``__all__``, else its public names."""
    if text is None:
        return frozenset()
    declared = _declared_all(parse_source(text))
    if declared is not None:
        return frozenset(declared)
    return frozenset(n for n in {*bound_globals(text), *moving} if not n.startswith("_"))
