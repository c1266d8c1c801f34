"""``ssot fix``: rewrite imports to the canonical paths and deprecated modules to redirects.

libcst keeps every byte it is not asked to change (formatting, comments, blank lines), so the
only differences after a fix are the statements it rewrites. Nothing is written until the
whole plan is computed; each file is then replaced atomically. A file that does not parse is
skipped and reported, never half-rewritten. Running the fix twice changes nothing the second
time: modules that are already pure redirects are left alone, and no site remains.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pytest_ssot.analysis.audit import SourceFile, audit_tree
from pytest_ssot.analysis.purity import RedirectRules, check_source_purity
from pytest_ssot.domain.model import ImportSite, RedirectContract
from pytest_ssot.settings.pyproject import SsotConfig
from pytest_ssot.source.files import write_atomically
from pytest_ssot.source.modules import (
    find_module_source,
    import_source,
    parse_source,
    relative_posix,
)
from pytest_ssot.source.tree import module_name, source_roots

#: (deprecated module, name) -> (canonical module, name there)
NameMap = dict[tuple[str, str], tuple[str, str]]


@dataclass(frozen=True)
class FileChange:
    """One file's content before and after, and why it changes."""

    path: str  # relative to the project root
    before: str
    after: str
    reasons: tuple[str, ...]

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


@dataclass(frozen=True)
class FixPlan:
    """Everything ``ssot fix`` would change, and what it could not do by itself."""

    root: Path
    changes: tuple[FileChange, ...]
    skipped: tuple[str, ...] = ()  # files that could not be parsed or read
    manual: tuple[str, ...] = ()  # sites and names left for a person, with the reason

    def write(self) -> None:
        for change in self.changes:
            write_atomically(self.root / change.path, change.after)


@dataclass
class _Edits:
    """Pending new content per file, so several steps can touch the same file."""

    root: Path
    texts: dict[str, str] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def read(self, relative: str) -> str:
        if relative not in self.texts:
            text = (self.root / relative).read_bytes().decode("utf-8")
            self.texts[relative] = self.originals[relative] = text
        return self.texts[relative]

    def set(self, relative: str, text: str, reason: str) -> None:
        self.read(relative)
        if text != self.texts[relative]:
            self.texts[relative] = text
            self.reasons.setdefault(relative, []).append(reason)

    def changes(self) -> tuple[FileChange, ...]:
        return tuple(
            FileChange(path, self.originals[path], text, tuple(self.reasons.get(path, ())))
            for path, text in sorted(self.texts.items())
            if text != self.originals[path]
        )


def plan_fix(
    config: SsotConfig,
    *,
    search_path: Sequence[str],
    warn: bool = False,
) -> FixPlan:
    """Compute every edit: deprecated modules first (their names may move), then callers."""
    root = config.root
    edits = _Edits(root)
    skipped: list[str] = []
    manual: list[str] = []
    names: NameMap = {}
    modules = _deprecated_modules(config)
    for module, contracts in modules.items():
        source = find_module_source(module, search_path)
        if source is None:
            manual.append(f"{module}: no source file found on the import path; nothing rewritten")
            continue
        relative = relative_posix(source.path, root)
        try:
            _plan_module(
                edits,
                config,
                module,
                source.is_package,
                relative,
                contracts,
                search_path,
                names,
                manual,
                warn=warn,
            )
        except (NotRewritable, UnicodeDecodeError, OSError) as error:
            skipped.append(f"{relative}: {_reason(error)}")
    contracts_audited = list(config.contracts)
    tree = audit_tree(root, contracts_audited, config.audit.selection)
    by_file: dict[str, list[ImportSite]] = {}
    for site in tree.sites:
        by_file.setdefault(site.path, []).append(site)
    skipped.extend(tree.unreadable)
    deprecated_files = {
        relative_posix(s.path, root)
        for s in (find_module_source(m, search_path) for m in modules)
        if s is not None
    }
    for relative, sites in sorted(by_file.items()):
        if relative in deprecated_files:
            continue
        try:
            text = edits.read(relative)
            where = _source_file(root, relative, search_path)
            new_text, notes = rewrite_sites(text, sites, where, names, config)
        except (NotRewritable, UnicodeDecodeError, OSError) as error:
            skipped.append(f"{relative}: {_reason(error)}")
            continue
        manual.extend(notes)
        edits.set(
            relative, new_text, f"{len(sites)} import site(s) rewritten to the canonical path"
        )
    return FixPlan(root, edits.changes(), tuple(skipped), tuple(manual))


def _deprecated_modules(config: SsotConfig) -> dict[str, list[RedirectContract]]:
    serving: dict[str, list[RedirectContract]] = {}
    for contract in config.contracts:
        for module in contract.redirect_modules():
            serving.setdefault(module, []).append(contract)
    return serving


class NotRewritable(Exception):
    """libcst cannot take the file as Python; it is skipped and reported, never touched."""


def split_trailing_blank_lines(text: str) -> tuple[str, str]:
    """``text`` up to its last line with content, and the blank lines after it.

    libcst does not give back whitespace-only lines at the end of a file; they are set
    aside before parsing and put back after, untouched.
    """
    end = len(text.rstrip(" \t\f\r\n"))
    for newline in ("\r\n", "\n", "\r"):
        if text.startswith(newline, end):
            end += len(newline)
            break
    return text[:end], text[end:]


def parse_module(text: str) -> cst.Module:
    """A libcst tree that gives back ``text`` exactly, or :class:`NotRewritable`.

    libcst is lossless for ordinary Python, but not for every oddity (a form feed at the
    start of a file); checking the round trip first means a rewrite can only ever change the
    statements it means to change.
    """
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise NotRewritable(f"not valid Python (line {error.raw_line}): {error.message}") from None
    except (cst.CSTValidationError, ValueError, RecursionError) as error:
        raise NotRewritable(f"not rewritable by libcst: {error}") from None
    if module.code != text:
        raise NotRewritable("libcst cannot reproduce this file byte for byte; not touched")
    return module


def _reason(error: Exception) -> str:
    if isinstance(error, NotRewritable):
        return f"{error}; skipped"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8; skipped (rewrite it by hand)"
    return f"cannot read: {error}; skipped"


def _source_file(root: Path, relative: str, search_path: Sequence[str]) -> SourceFile:
    """The module name a file is imported as (for relative imports), as the audit names it."""
    module, is_package = module_name(root / relative, root, source_roots(root, search_path))
    return SourceFile(relative, module, is_package)


# -- deprecated modules ------------------------------------------------------------------------


def _plan_module(
    edits: _Edits,
    config: SsotConfig,
    module: str,
    is_package: bool,
    relative: str,
    contracts: list[RedirectContract],
    search_path: Sequence[str],
    names: NameMap,
    manual: list[str],
    *,
    warn: bool,
) -> None:
    text = edits.read(relative)
    tree = parse_source(text, relative)
    package = module if is_package else module.rpartition(".")[0]
    primary = contracts[0].canonical.module
    canonical_modules = {c.canonical.module for c in contracts}
    renames = {
        r.attribute: (c.canonical.module, c.canonical.attribute)
        for c in contracts
        for r in c.redirects
        if r.module == module and r.attribute and c.canonical.attribute
    }
    imported = _imported_names(tree, package)
    defined = _defined(tree)
    rules = RedirectRules.for_module(
        module,
        contracts,
        config.shim_helpers,
        is_package=is_package,
        allowance=config.allowances.get(module),
    )
    pure = check_source_purity(text, relative, rules).ok
    exports = _exports(tree, imported, canonical_modules, defined)
    canonical_source = find_module_source(primary, search_path)
    canonical_names = (
        _defined(parse_source(canonical_source.path.read_bytes())) if canonical_source else {}
    )
    moving: list[str] = []
    for name in exports:
        if name in renames:
            names[(module, name)] = renames[name]
        elif name in imported:
            names[(module, name)] = imported[name]
        elif name in canonical_names:
            names[(module, name)] = (primary, name)
        elif name in defined:
            names[(module, name)] = (primary, name)
            moving.append(name)
        else:
            manual.append(f"{relative}: {name!r} is exported but not defined or imported there")
    for name, target in renames.items():
        names.setdefault((module, name), target)
    if pure:
        return
    if moving and canonical_source is not None:
        canonical_relative = relative_posix(canonical_source.path, config.root)
        moved = _with_helpers(moving, defined, tree)
        new_canonical = _move_into_canonical(
            edits.read(canonical_relative),
            text,
            tree,
            moved,
            imported,
            primary,
            module,
            _source_file(config.root, canonical_relative, search_path).package,
        )
        edits.set(
            canonical_relative,
            new_canonical,
            f"moved {', '.join(moved)} here from {module}",
        )
    exported = {name: names[(module, name)] for name in exports if (module, name) in names}
    for name, target in renames.items():
        exported.setdefault(name, target)
    edits.set(
        relative,
        redirect_module_source(module, _docstring(tree), exported, warn=warn),
        "rewritten as a pure redirect",
    )


def _imported_names(tree: ast.Module, package: str) -> dict[str, tuple[str, str]]:
    """Top-level ``from X import a as b``: b -> (X, a), with X absolute."""
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = import_source(node.level, node.module, package)
            for alias in node.names:
                if alias.name != "*" and source:
                    found[alias.asname or alias.name] = (source, alias.name)
    return found


def _defined(tree: ast.Module) -> dict[str, ast.stmt]:
    """Top-level definitions and assignments, by name."""
    found: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id != "__all__":
                    found[target.id] = node
    return found


def _exports(
    tree: ast.Module,
    imported: Mapping[str, tuple[str, str]],
    canonical_modules: set[str],
    defined: Mapping[str, ast.stmt],
) -> list[str]:
    """``__all__`` if declared; else the public names defined here or taken from the canonical."""
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
    names = [n for n in defined if not n.startswith("_")]
    names += [
        n
        for n, (source, _) in imported.items()
        if not n.startswith("_") and source in canonical_modules and n not in names
    ]
    return names


def _with_helpers(
    moving: list[str], defined: Mapping[str, ast.stmt], tree: ast.Module
) -> list[str]:
    """The names to move, plus the module's private definitions they use, in source order."""
    wanted = set(moving)
    frontier = list(moving)
    while frontier:
        node = defined[frontier.pop()]
        for used in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
            if used in defined and used not in wanted and used.startswith("_"):
                wanted.add(used)
                frontier.append(used)
    order = {name: index for index, name in enumerate(defined)}
    return sorted(wanted, key=order.__getitem__)


def _docstring(tree: ast.Module) -> str | None:
    return ast.get_docstring(tree, clean=False)


def redirect_module_source(
    module: str, docstring: str | None, exported: Mapping[str, tuple[str, str]], *, warn: bool
) -> str:
    """A pure redirect that keeps every exported name: plain imports, or PEP 562 with a warning."""
    lines: list[str] = []
    doc = docstring if docstring is not None else f"Deprecated: {module} is a redirect."
    lines += [f'"""{doc}"""' if '"""' not in doc else repr(doc), ""]
    names = sorted(exported)
    if not warn:
        by_source: dict[str, list[str]] = {}
        for name in names:
            source, original = exported[name]
            by_source.setdefault(source, []).append(
                original if original == name else f"{original} as {name}"
            )
        lines += [_from_import(source, items) for source, items in sorted(by_source.items())]
    else:
        lines += ["import warnings", "", "", "def __getattr__(name):"]
        for index, name in enumerate(names):
            source, original = exported[name]
            keyword = "if" if index == 0 else "elif"
            lines += [
                f"    {keyword} name == {name!r}:",
                f"        from {source} import {original} as target",
            ]
        lines += [
            "    else:",
            '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
            "    warnings.warn(",
            '        f"{__name__}.{name} is deprecated; import it from its canonical module",',
            "        DeprecationWarning,",
            "        stacklevel=2,",
            "    )",
            "    return target",
            "",
            "",
            "def __dir__():",
            f"    return {names!r}",
        ]
    quoted = ", ".join(f'"{n}"' for n in names)
    lines += ["", f"__all__ = [{quoted}]", ""]
    return "\n".join(lines)


def _from_import(module: str, items: Sequence[str]) -> str:
    """One ``from`` import, wrapped in parentheses when it would not fit on a line."""
    line = f"from {module} import {', '.join(items)}"
    if len(line) <= 88:
        return line
    return "\n".join([f"from {module} import (", *(f"    {item}," for item in items), ")"])


def _move_into_canonical(
    canonical_text: str,
    deprecated_text: str,
    deprecated_tree: ast.Module,
    moved: list[str],
    imported: Mapping[str, tuple[str, str]],
    canonical_module: str,
    deprecated_module: str,
    canonical_package: str,
) -> str:
    """Append the moved definitions (and the imports they need) to the canonical module, and
    drop the canonical's own imports of them from the deprecated module."""
    defined = _defined(deprecated_tree)
    blocks = [
        ast.get_source_segment(deprecated_text, defined[name], padded=False) or "" for name in moved
    ]
    used = {n.id for name in moved for n in ast.walk(defined[name]) if isinstance(n, ast.Name)}
    needed = sorted(
        (source, original, alias)
        for alias, (source, original) in imported.items()
        if alias in used and source != canonical_module
    )
    body, tail = split_trailing_blank_lines(canonical_text)
    module = parse_module(body)
    module = module.visit(_DropImports(set(moved), deprecated_module, canonical_package))
    existing = module.code + tail
    import_lines = [
        f"from {source} import {original}" + ("" if original == alias else f" as {alias}")
        for source, original, alias in needed
        if f"import {original}" not in existing
    ]
    header = f"# Moved from {deprecated_module} by `ssot fix`."
    body = "\n\n\n".join(block.rstrip() for block in blocks)
    addition = "\n".join([header, *import_lines, "", body]) if import_lines else f"{header}\n{body}"
    return existing.rstrip("\n") + "\n\n\n" + addition + "\n"


class _DropImports(cst.CSTTransformer):
    """Remove ``from <deprecated> import name`` for names now defined in this module."""

    def __init__(self, names: set[str], deprecated: str, package: str) -> None:
        self.names = names
        self.deprecated = deprecated
        self.package = package

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if (
            isinstance(updated.names, cst.ImportStar)
            or _cst_source(updated, self.package) != self.deprecated
        ):
            return updated
        kept = [a for a in updated.names if _alias_bound(a) not in self.names]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        return updated.with_changes(names=_fix_commas(kept, updated.lpar is not None))


# -- import sites ------------------------------------------------------------------------------


def rewrite_sites(
    text: str,
    sites: Sequence[ImportSite],
    where: SourceFile,
    names: NameMap,
    config: SsotConfig,
) -> tuple[str, list[str]]:
    """Rewrite the audit's sites in one file's text; returns the text and what was left."""
    if not sites:
        return text, []
    whole = {
        m: c.canonical.module
        for c in config.contracts
        for m in c.redirect_modules()
        if c.canonical.is_module
    }
    body, tail = split_trailing_blank_lines(text)
    wrapper = MetadataWrapper(parse_module(body))
    transformer = _SiteRewriter(sites, where, names, whole)
    new_module = wrapper.visit(transformer)
    return new_module.code + tail, transformer.manual


class _SiteRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        sites: Sequence[ImportSite],
        where: SourceFile,
        names: NameMap,
        whole: Mapping[str, str],
    ) -> None:
        self.lines = {site.line for site in sites if site.form != "string"}
        self.strings = {(site.line, site.deprecated) for site in sites if site.form == "string"}
        self.where = where
        self.names = names
        self.whole = whole
        self.deprecated = {m for m, _ in names} | set(whole)
        self.manual: list[str] = []

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        if self._line(original) not in self.lines:
            return updated
        new_body: list[cst.BaseSmallStatement] = []
        for small in updated.body:
            if isinstance(small, cst.ImportFrom):
                new_body.extend(self._from_import(small))
            elif isinstance(small, cst.Import):
                new_body.extend(self._import(small))
            else:
                new_body.append(small)
        if len(updated.body) == 1 and len(new_body) > 1:
            first = updated.with_changes(body=[new_body[0]])
            rest = [cst.SimpleStatementLine(body=[s]) for s in new_body[1:]]
            return cst.FlattenSentinel([first, *rest])
        return updated.with_changes(
            body=[_with_semicolon(s) for s in new_body[:-1]] + new_body[-1:]
        )

    def _from_import(self, node: cst.ImportFrom) -> list[cst.BaseSmallStatement]:
        source = _cst_source(node, self.where.package)
        if source is None:
            return [node]
        if isinstance(node.names, cst.ImportStar):
            if source in self.whole:
                return [node.with_changes(module=_dotted_expr(self.whole[source]), relative=[])]
            return [node]
        kept: list[cst.ImportAlias] = []
        moved: dict[str, list[str]] = {}
        for alias in node.names:
            name = _alias_name(alias)
            bound = _alias_bound(alias)
            target = self._target(source, name)
            if target is None:
                full = f"{source}.{name}"
                if full in self.whole:
                    parent, _, leaf = self.whole[full].rpartition(".")
                    moved.setdefault(parent, []).append(
                        leaf if leaf == bound else f"{leaf} as {bound}"
                    )
                    continue
                if source in self.deprecated or full in self.deprecated:
                    self.manual.append(
                        f"{self.where.path}: 'from {source} import {name}' has no known canonical "
                        "home; left as it is"
                    )
                kept.append(alias)
                continue
            new_module, new_name = target
            moved.setdefault(new_module, []).append(
                new_name if new_name == bound else f"{new_name} as {bound}"
            )
        if not moved:
            return [node]
        statements: list[cst.BaseSmallStatement] = []
        if kept:
            statements.append(node.with_changes(names=_fix_commas(kept, node.lpar is not None)))
        for module, items in moved.items():
            # One line, as the caller wrote it: wrapping is the project's formatter's business.
            parsed = cst.parse_statement(f"from {module} import {', '.join(items)}\n")
            assert isinstance(parsed, cst.SimpleStatementLine)
            statements.append(parsed.body[0])
        return statements

    def _target(self, source: str, name: str) -> tuple[str, str] | None:
        if (source, name) in self.names:
            return self.names[(source, name)]
        if source in self.whole:
            return (self.whole[source], name)
        return None

    def _import(self, node: cst.Import) -> list[cst.BaseSmallStatement]:
        aliases = []
        for alias in node.names:
            name = _dotted_text(alias.name)
            if name in self.whole and alias.asname is not None:
                aliases.append(alias.with_changes(name=_dotted_expr(self.whole[name])))
            else:
                if name in self.deprecated:
                    self.manual.append(
                        f"{self.where.path}: 'import {name}' — rewrite its uses to the canonical "
                        "module by hand (attribute uses are not rewritten)"
                    )
                aliases.append(alias)
        return [node.with_changes(names=aliases)]

    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.SimpleString:
        value = original.evaluated_value
        if not isinstance(value, str):
            return updated
        dotted = value.replace(":", ".")
        line = self._line(original)
        if (line, dotted) not in self.strings:
            return updated
        target = self._string_target(dotted)
        if target is None:
            self.manual.append(f"{self.where.path}:{line}: {value!r} has no known canonical path")
            return updated
        module, attributes = target
        separator = ":" if ":" in value else "."
        new = separator.join([module, ".".join(attributes)]) if attributes else module
        return updated.with_changes(value=f"{updated.prefix}{updated.quote}{new}{updated.quote}")

    def _string_target(self, dotted: str) -> tuple[str, list[str]] | None:
        for module in sorted(self.deprecated, key=len, reverse=True):
            if dotted == module or dotted.startswith(module + "."):
                rest = dotted[len(module) + 1 :].split(".") if dotted != module else []
                if module in self.whole:
                    return self.whole[module], rest
                if rest and (module, rest[0]) in self.names:
                    new_module, new_name = self.names[(module, rest[0])]
                    return new_module, [new_name, *rest[1:]]
                return None
        return None


def _cst_source(node: cst.ImportFrom, package: str) -> str | None:
    module = _dotted_text(node.module) if node.module is not None else None
    return import_source(len(node.relative), module, package)


def _dotted_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted_text(node.value)}.{node.attr.value}"
    raise TypeError(node)


def _dotted_expr(dotted: str) -> cst.Attribute | cst.Name:
    parts = dotted.split(".")
    expr: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


def _alias_name(alias: cst.ImportAlias) -> str:
    return _dotted_text(alias.name)


def _alias_bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _alias_name(alias)


def _fix_commas(aliases: Iterable[cst.ImportAlias], parenthesized: bool) -> list[cst.ImportAlias]:
    """Without parentheses the last name may not end with a comma."""
    result = list(aliases)
    if result and not parenthesized:
        result[-1] = result[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return result


def _with_semicolon(statement: cst.BaseSmallStatement) -> cst.BaseSmallStatement:
    if statement.semicolon is cst.MaybeSentinel.DEFAULT:
        return statement.with_changes(
            semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return statement
