"""``ssot fix``: rewrite imports to the canonical paths and deprecated modules to redirects.

libcst keeps every byte it is not asked to change (formatting, comments, blank lines), so the
only differences after a fix are the statements it rewrites. Nothing is written until the
whole plan is computed and checked (``fixcheck``): every file it would write must compile
and bind every global name it uses, every name it newly imports from a project module must
exist there, and no import it adds may come back to its own module. A plan that fails is
refused whole, with the file, line and name at fault. Files are then replaced atomically,
and if one cannot be written the ones already written are put back. A file that does not
parse is skipped and reported, never half-rewritten. Running the fix twice changes nothing
the second time: modules that are already pure redirects are left alone, and no site
remains.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import GlobalScope, MetadataWrapper, PositionProvider, ScopeProvider

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    audit_tree,
    deprecated_modules,
    scan_source,
)
from pytest_ssot.analysis.purity import RedirectRules, check_source_purity
from pytest_ssot.domain.model import ImportSite, RedirectContract
from pytest_ssot.migration.fixcheck import Rewrite, check_rewrites
from pytest_ssot.rendering.redirects import ModuleRedirect, Target, imported_names, plan_redirect
from pytest_ssot.settings.pyproject import SsotConfig
from pytest_ssot.source.bindings import (
    IMPORT_NODES,
    ImportBinding,
    package_of,
    statement_bindings,
)
from pytest_ssot.source.files import write_atomically
from pytest_ssot.source.modules import (
    find_module_source,
    import_source,
    is_string_statement,
    parse_source,
    relative_posix,
)
from pytest_ssot.source.names import (
    BUILTIN_NAMES,
    IMPLICIT_NAMES,
    bound_globals,
    global_uses,
    has_future_annotations,
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


class RefusedFix(Exception):
    """The plan would leave a module that does not compile or import: nothing is written."""


@dataclass(frozen=True)
class FixPlan:
    """Everything ``ssot fix`` would change, and what it could not do by itself."""

    root: Path
    changes: tuple[FileChange, ...]
    skipped: tuple[str, ...] = ()  # files that could not be parsed or read
    manual: tuple[str, ...] = ()  # sites and names left for a person, with the reason
    #: What would be wrong after the rewrite (``file:line: ...``); the plan is then refused.
    problems: tuple[str, ...] = ()

    def write(self) -> None:
        """Write every change, or none: a refused plan writes nothing, and a write that fails
        puts back the files written before it."""
        if self.problems:
            raise RefusedFix(f"{len(self.problems)} problem(s) in the rewritten files")
        written: list[FileChange] = []
        try:
            for change in self.changes:
                write_atomically(self.root / change.path, change.after)
                written.append(change)
        except BaseException:
            for change in reversed(written):
                with contextlib.suppress(OSError):
                    write_atomically(self.root / change.path, change.before)
            raise


@dataclass
class _Edits:
    """Pending new content per file, so several steps can touch the same file."""

    root: Path
    texts: dict[str, str] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    #: Per file, the first line the fix wrote itself (1: the whole file): a name unbound
    #: there is the fix's doing even if the file already used it unbound elsewhere.
    written_from: dict[str, int] = field(default_factory=dict)

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


@dataclass(frozen=True)
class _Deprecated:
    """A deprecated module as planned in the first pass: what it exports and where to."""

    module: str
    relative: str
    text: str
    package: str
    redirect: ModuleRedirect
    pure: bool
    canonical: SourceFile | None  # the module definitions move into, if its file is known


@dataclass
class _Notes:
    """What the plan could not do, what is left for a person, and what would be wrong."""

    skipped: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def plan_fix(
    config: SsotConfig,
    *,
    search_path: Sequence[str],
    warn: bool = False,
) -> FixPlan:
    """Compute every edit: what each deprecated module exports first (its names may move),
    then the moves and redirects, then the callers; verify the result last."""
    root = config.root
    edits = _Edits(root)
    notes = _Notes()
    names: NameMap = _package_names(config)
    planned: list[_Deprecated] = []
    for module, contracts in config.own_deprecated_modules().items():
        source = find_module_source(module, search_path)
        if source is None:
            notes.manual.append(
                f"{module}: no source file found on the import path; nothing rewritten"
            )
            continue
        relative = relative_posix(source.path, root)
        try:
            item = _plan_module(
                edits, config, module, source.is_package, relative, contracts, search_path
            )
        except (NotRewritable, SyntaxError, UnicodeDecodeError, OSError) as error:
            notes.skipped.append(f"{relative}: {_reason(error)}")
            continue
        planned.append(item)
        names.update({(module, n): t for n, t in item.redirect.exported.items()})
        notes.manual.extend(
            f"{relative}: {name!r} is exported but not defined or imported there"
            for name in item.redirect.unknown
        )
    whole = {
        m: c.canonical.module
        for c in config.contracts
        for m in c.redirect_modules()
        if c.canonical.is_module
    }
    moved_into: set[str] = set()
    for item in planned:
        if item.pure:
            continue
        try:
            _rewrite_module(edits, item, names, whole, notes, moved_into, warn=warn)
        except (NotRewritable, SyntaxError, UnicodeDecodeError, OSError) as error:
            notes.skipped.append(f"{item.relative}: {_reason(error)}")
    _rewrite_callers(
        edits, config, search_path, names, notes, moved_into, {i.relative for i in planned}
    )
    notes.problems.extend(check_rewrites(_rewrites(edits, search_path), config.root, search_path))
    return FixPlan(
        root, edits.changes(), tuple(notes.skipped), tuple(notes.manual), tuple(notes.problems)
    )


def _package_names(config: SsotConfig) -> NameMap:
    """Where the deprecated paths of installed packages' contracts lead: their modules are
    not rewritten (nor read), but the project's imports of them are, as the audit reports."""
    return {
        (redirect.module, redirect.attribute): (
            contract.canonical.module,
            contract.canonical.attribute,
        )
        for contract in config.contracts
        if contract.source and contract.canonical.attribute is not None
        for redirect in contract.redirects
        if redirect.attribute is not None
    }


def _rewrites(edits: _Edits, search_path: Sequence[str]) -> list[Rewrite]:
    """The plan's files, as the check of its result reads them."""
    found = []
    for change in edits.changes():
        where = _source_file(edits.root, change.path, search_path)
        found.append(
            Rewrite(
                change.path,
                where.module,
                where.package,
                change.before,
                change.after,
                edits.written_from.get(change.path),
            )
        )
    return found


def _rewrite_callers(
    edits: _Edits,
    config: SsotConfig,
    search_path: Sequence[str],
    names: NameMap,
    notes: _Notes,
    moved_into: set[str],
    deprecated_files: set[str],
) -> None:
    """Rewrite every import site of a deprecated path; files that received moved code are
    scanned again, as they now read (the moved code may import deprecated paths too)."""
    root = config.root
    tree = audit_tree(root, list(config.contracts), config.audit.selection)
    by_file: dict[str, list[ImportSite]] = {}
    for site in tree.sites:
        by_file.setdefault(site.path, []).append(site)
    notes.skipped.extend(tree.unreadable)
    matcher = SiteMatcher(deprecated_modules(config.contracts))
    for relative in sorted(set(by_file) | moved_into):
        if relative in deprecated_files:
            continue
        try:
            text = edits.read(relative)
            where = _source_file(root, relative, search_path)
            sites = (
                scan_source(text.encode("utf-8"), where, matcher)
                if relative in moved_into
                else by_file[relative]
            )
            new_text, left = rewrite_sites(text, sites, where, names, config)
        except (NotRewritable, UnparsableSource, UnicodeDecodeError, OSError) as error:
            notes.skipped.append(f"{relative}: {_reason(error)}")
            continue
        notes.manual.extend(left)
        edits.set(
            relative, new_text, f"{len(sites)} import site(s) rewritten to the canonical path"
        )


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
    if isinstance(error, SyntaxError):
        return f"not valid Python (line {error.lineno}): {error.msg}; skipped"
    if isinstance(error, UnparsableSource):
        return f"{error}; skipped"
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
    contracts: Sequence[RedirectContract],
    search_path: Sequence[str],
) -> _Deprecated:
    text = edits.read(relative)
    parse_source(text, relative)  # a module that does not parse is skipped, not guessed at
    rules = RedirectRules.for_module(
        module,
        contracts,
        config.shim_helpers,
        is_package=is_package,
        allowance=config.allowances.get(module),
    )
    canonical_source = find_module_source(contracts[0].canonical.module, search_path)
    canonical: SourceFile | None = None
    canonical_text: str | None = None
    if canonical_source is not None:
        canonical_relative = relative_posix(canonical_source.path, config.root)
        canonical = _source_file(config.root, canonical_relative, search_path)
        canonical_text = edits.read(canonical_relative)
    redirect = plan_redirect(
        module,
        text,
        contracts,
        is_package=is_package,
        canonical_text=canonical_text,
        canonical_is_package=bool(canonical_source and canonical_source.is_package),
    )
    return _Deprecated(
        module,
        relative,
        text,
        package_of(module, is_package=is_package),
        redirect,
        check_source_purity(text, relative, rules).ok,
        canonical,
    )


def _rewrite_module(
    edits: _Edits,
    item: _Deprecated,
    names: NameMap,
    whole: Mapping[str, str],
    notes: _Notes,
    moved_into: set[str],
    *,
    warn: bool,
) -> None:
    """Move what has no canonical home into the canonical module, then write the redirect."""
    redirect = item.redirect
    if redirect.moving and item.canonical is None:
        notes.problems.append(
            f"{item.relative}: {', '.join(redirect.moving)} would move into {redirect.home}, "
            "whose source is not on the import path; move them by hand"
        )
    elif redirect.moving and item.canonical is not None:
        target = item.canonical
        before = edits.read(target.path)
        move = _move_definitions(item, before, target.package, names, whole)
        notes.manual.extend(move.notes)
        notes.problems.extend(move.problems)
        edits.set(target.path, move.text, f"moved {', '.join(move.moved)} here from {item.module}")
        edits.written_from.setdefault(target.path, move.first_line)
        moved_into.add(target.path)
    edits.set(item.relative, redirect.source(warn=warn), "rewritten as a pure redirect")
    edits.written_from[item.relative] = 1


@dataclass(frozen=True)
class _Chunk:
    """Top-level statements sharing lines (``a = 1; b = 2``), with the comments above them:
    what moves as one piece."""

    start: int  # first line, 1-based
    end: int  # last line, inclusive
    nodes: tuple[ast.stmt, ...]

    @property
    def is_import(self) -> bool:
        return all(isinstance(n, IMPORT_NODES) for n in self.nodes)

    @property
    def is_definition(self) -> bool:
        definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        return any(isinstance(n, definitions) for n in self.nodes)

    def text(self, lines: Sequence[str]) -> str:
        return "".join(lines[self.start - 1 : self.end])


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits (``\\n``, ``\\r\\n``,
    ``\\r``; not at form feeds, as ``str.splitlines`` would)."""
    return io.StringIO(text, newline="").readlines()


def _chunks(tree: ast.Module, lines: Sequence[str]) -> list[_Chunk]:
    spans: list[list[ast.stmt]] = []
    bounds: list[list[int]] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        end = node.end_lineno or node.lineno
        if bounds and start <= bounds[-1][1]:
            spans[-1].append(node)
            bounds[-1][1] = max(bounds[-1][1], end)
        else:
            spans.append([node])
            bounds.append([start, end])
    chunks = []
    previous_end = 0
    for nodes, (first, end) in zip(spans, bounds):
        chunks.append(_Chunk(_with_comments_above(first, previous_end, lines), end, tuple(nodes)))
        previous_end = end
    return chunks


def _with_comments_above(start: int, previous_end: int, lines: Sequence[str]) -> int:
    """The first line of the comment block right above line ``start`` (none above the first
    statement: that is the file's header, a licence or a coding cookie)."""
    while previous_end and start - 1 > previous_end and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    return start


@dataclass
class _Move:
    """The canonical's new text and what moving code into it found."""

    text: str
    moved: list[str]
    first_line: int
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Closure:
    """The statements moved code needs, and how its names are spelled in the canonical."""

    chunks: set[int] = field(default_factory=set)
    renames: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)  # bound name -> ``import x.y``
    froms: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, item)
    stars: list[str] = field(default_factory=list)

    def import_lines(self) -> list[str]:
        """The imports the moved code needs, one ``from`` line per module."""
        by_module: dict[str, list[str]] = {}
        for module, item in self.froms.values():
            by_module.setdefault(module, []).append(item)
        lines = sorted(set(self.plain.values()))
        lines += [
            f"from {m} import {', '.join(sorted(items))}" for m, items in sorted(by_module.items())
        ]
        return lines + [f"from {s} import *  # noqa: F403" for s in self.stars]

    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _move_definitions(
    item: _Deprecated,
    canonical_text: str,
    canonical_package: str,
    names: NameMap,
    whole: Mapping[str, str],
) -> _Move:
    """Append the moved definitions to the canonical module with every module-level name
    they use: the statements defining them (type aliases, constants, helpers), the imports
    they need, and references to the deprecated module's names spelled as the canonical's."""
    lines = split_lines(item.text)
    tree = parse_source(item.text, item.relative)
    chunks = _chunks(tree, lines)
    closure = _closure(item, chunks, lines, canonical_text, canonical_package, names, whole)
    moved_chunks = [chunks[i] for i in sorted(closure.chunks)]
    moved_names = [
        n for c in moved_chunks for n in sorted(bound_globals(c.text(lines))) if n != "__all__"
    ]
    renamed = split_lines(_relocated_text(item.text, closure.renames, item.package))
    body, tail = split_trailing_blank_lines(canonical_text)
    module = parse_module(body).visit(
        _DropImports(set(moved_names), item.module, canonical_package)
    )
    existing = (module.code + tail).rstrip("\r\n")
    if _needs_future_annotations(tree, moved_chunks, existing):
        existing = _with_future_annotations(existing)
        closure.notes.append(
            f"{item.module} used `from __future__ import annotations`, so the moved code "
            f"needs it: added to {item.canonical.path if item.canonical else item.module}"
            " (its own annotations are now lazy too)"
        )
    imports = closure.import_lines()
    header = "\n".join([f"# Moved from {item.module} by `ssot fix`.", *imports])
    first_is_definition = bool(moved_chunks) and moved_chunks[0].is_definition
    gap = "\n" if not imports else "\n\n\n" if first_is_definition else "\n\n"
    addition = header + gap + _joined(moved_chunks, renamed) + "\n"
    addition = addition.replace("\r\n", "\n")  # the canonical's line endings, not the source's
    prefix = existing + "\n\n\n"
    if "\r\n" in existing:
        addition = addition.replace("\n", "\r\n")
        prefix = existing + "\r\n\r\n\r\n"
    return _Move(
        prefix + addition,
        moved_names,
        prefix.count("\n") + 1,
        closure.notes,
        closure.problems,
    )


def _joined(chunks: Sequence[_Chunk], lines: Sequence[str]) -> str:
    """The chunks' text in source order: neighbouring statements stay together, definitions
    get two blank lines around them."""
    blocks: list[str] = []
    for index, chunk in enumerate(chunks):
        if index:
            before = chunks[index - 1]
            adjacent = before.end + 1 == chunk.start and not (
                before.is_definition or chunk.is_definition
            )
            blocks.append("\n" if adjacent else "\n\n\n")
        blocks.append(chunk.text(lines).rstrip("\r\n"))
    return "".join(blocks)


def _needs_future_annotations(
    deprecated: ast.Module, chunks: Sequence[_Chunk], canonical_text: str
) -> bool:
    """Code written under ``from __future__ import annotations`` may annotate with names
    bound only for type checkers, or with ``X | None`` on Python 3.9: evaluated eagerly in a
    canonical without the import, it would fail on import."""
    if not has_future_annotations(deprecated) or has_future_annotations(
        parse_source(canonical_text)
    ):
        return False
    annotated = (ast.arg, ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef)
    return any(
        isinstance(node, annotated)
        and (getattr(node, "annotation", None) or getattr(node, "returns", None))
        for chunk in chunks
        for statement in chunk.nodes
        for node in ast.walk(statement)
    )


def _with_future_annotations(text: str) -> str:
    """``text`` with ``from __future__ import annotations`` after its docstring (or after the
    comments that open the file), where Python requires it."""
    tree = parse_source(text)
    lines = split_lines(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    if tree.body and is_string_statement(tree.body[0]):
        at = tree.body[0].end_lineno or tree.body[0].lineno
    else:
        at = 0
        while at < len(lines) and lines[at].lstrip().startswith("#"):
            at += 1
    if at and at <= len(lines) and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += newline
    lines.insert(at, f"from __future__ import annotations{newline}")
    return "".join(lines)


def _closure(
    item: _Deprecated,
    chunks: Sequence[_Chunk],
    lines: Sequence[str],
    canonical_text: str,
    canonical_package: str,
    names: NameMap,
    whole: Mapping[str, str],
) -> _Closure:
    """Starting from the chunks defining the names that move, follow every global name they
    use until each is resolved: to the canonical's own name (renamed), to an import, to
    another statement of the module (moved too), or to a builtin."""
    redirect = item.redirect
    code = {i for i, c in enumerate(chunks) if not c.is_import and not _is_header(c)}
    bound = {i: bound_globals(chunks[i].text(lines)) for i in code}
    binders: dict[str, list[int]] = {}
    for i in sorted(code):
        for name in bound[i]:
            binders.setdefault(name, []).append(i)
    plain_imports = _plain_imports(item, chunks)
    stars = [f"from {whole.get(s, s)} import *  # noqa: F403" for s in _star_sources(item, chunks)]
    canonical_tree = parse_source(canonical_text)
    canonical_imports = imported_names(canonical_tree, canonical_package)
    canonical_bound = bound_globals(canonical_text) - {
        n for n, (source, _) in canonical_imports.items() if source == item.module
    }
    result = _Closure()
    frontier = [i for name in redirect.moving for i in binders.get(name, [])]
    handled: set[str] = set()
    while frontier:
        index = frontier.pop()
        if index in result.chunks:
            continue
        result.chunks.add(index)
        clash = sorted(bound[index] & canonical_bound)
        if clash:
            result.problems.append(
                f"{item.relative}:{chunks[index].start}: this statement must move into "
                f"{redirect.home}, but it also binds {', '.join(clash)}, which "
                f"{redirect.home} already defines; move it by hand"
            )
        for name in sorted(global_uses(chunks[index].text(lines)) - bound[index] - handled):
            handled.add(name)
            if name in redirect.resolved:
                target = _translate(redirect.resolved[name], names, whole)
                if name in binders and target == (redirect.home, name):
                    result.notes.append(
                        f"{item.relative}: {name} is defined in {item.module} and in "
                        f"{redirect.home}; the moved code now uses {redirect.home}'s"
                    )
                _refer(result, name, target, redirect.home, canonical_bound, canonical_imports)
            elif name in canonical_bound and name not in binders:
                continue  # the canonical has it already (an identical import, say)
            elif name in plain_imports:
                result.plain.setdefault(name, plain_imports[name])
            elif name in binders:
                frontier.extend(binders[name])
            elif name not in BUILTIN_NAMES | IMPLICIT_NAMES:
                result.stars.extend(s for s in stars if s not in result.stars)
    return result


def _refer(
    result: _Closure,
    name: str,
    target: Target,
    home: str,
    canonical_bound: frozenset[str],
    canonical_imports: Mapping[str, Target],
) -> None:
    """Make ``name`` in the moved code reach ``target`` from the canonical module."""
    module, original = target
    if module == home:
        if original != name:
            result.renames[name] = original
        return
    if name in canonical_bound:
        if canonical_imports.get(name) != target:
            result.notes.append(
                f"the moved code's {name} ({module}.{original}) now refers to {home}'s own {name}"
            )
        return
    alias = "" if original == name else f" as {name}"
    result.froms.setdefault(name, (module, f"{original}{alias}"))


def _translate(target: Target, names: NameMap, whole: Mapping[str, str]) -> Target:
    """Where a deprecated path leads once every deprecated module is a redirect."""
    seen = {target}
    while target in names and names[target] not in seen:
        target = names[target]
        seen.add(target)
    module, name = target
    return (whole.get(module, module), name)


def _is_header(chunk: _Chunk) -> bool:
    """The docstring and ``__all__``: the redirect writes its own."""
    return all(
        is_string_statement(n)
        or (
            isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
        )
        for n in chunk.nodes
    )


def _chunk_bindings(item: _Deprecated, chunks: Sequence[_Chunk]) -> Iterator[ImportBinding]:
    """What the top-level import statements of the chunks bind, in order."""
    for chunk in chunks:
        for node in chunk.nodes:
            if isinstance(node, IMPORT_NODES):
                yield from statement_bindings(node, item.package)


def _plain_imports(item: _Deprecated, chunks: Sequence[_Chunk]) -> dict[str, str]:
    """``import a.b`` / ``import a.b as c`` at top level: the name bound -> the statement."""
    return {
        b.name: f"import {b.module}" + (f" as {b.alias}" if b.alias else "")
        for b in _chunk_bindings(item, chunks)
        if not b.is_from
    }


def _star_sources(item: _Deprecated, chunks: Sequence[_Chunk]) -> list[str]:
    return [b.module for b in _chunk_bindings(item, chunks) if b.is_star and b.module]


def _relocated_text(text: str, renames: Mapping[str, str], package: str) -> str:
    """The deprecated module's text with its global names renamed to the canonical's and its
    relative imports made absolute, so its statements mean the same in another package."""
    body, tail = split_trailing_blank_lines(text)
    wrapper = MetadataWrapper(parse_module(body))
    scopes = wrapper.resolve(ScopeProvider)
    targets: dict[cst.CSTNode, str] = {}
    for scope in scopes.values():
        if isinstance(scope, GlobalScope):
            for name, new in renames.items():
                for assignment in scope.assignments[name]:
                    for access in assignment.references:
                        targets[access.node] = new
            break
    return wrapper.visit(_Relocate(targets, renames, package)).code + tail


class _Relocate(cst.CSTTransformer):
    def __init__(
        self, targets: Mapping[cst.CSTNode, str], renames: Mapping[str, str], package: str
    ) -> None:
        self.targets = targets
        self.renames = renames
        self.package = package

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self.targets.get(original)
        return updated.with_changes(value=new) if new else updated

    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.SimpleString:
        if original not in self.targets:
            return updated  # a string annotation naming a renamed global
        value = updated.value
        for old, new in self.renames.items():
            value = re.sub(rf"\b{re.escape(old)}\b", new, value)
        return updated.with_changes(value=value)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not updated.relative:
            return updated
        source = _cst_source(updated, self.package)
        if source is None:
            return updated
        return updated.with_changes(module=_dotted_expr(source), relative=[])


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
