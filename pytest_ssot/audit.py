"""Every place in a source tree that reaches a deprecated path instead of the canonical one.

Correctness comes from the ``ast`` module: a site is an import statement or a string literal
in real code, never the same text in a docstring, a comment or a log message. Speed comes from
not parsing what cannot matter: a file is read as bytes and dropped unless it contains the last
component of a deprecated module name; in the files that remain, only the top-level statements
that contain such a mention are parsed. Both paths feed the same visitor, so the fast scan and
the slow reference (:func:`scan_source_reference`, which parses whole files) agree by
construction. Nothing here imports or executes user code.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import hashlib
import io
import json
import os
import pickle
import re
import stat
import sys
import tempfile
import threading
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, Optional

from pytest_ssot.model import ImportSite, ObjectPath, RedirectContract
from pytest_ssot.modules import (
    TYPE_CHECKING_GUARDS,
    dotted_name,
    import_source,
    is_string_statement,
    parse_source,
)
from pytest_ssot.sourcetree import PythonFile, TreeSelection, python_files

#: Calls whose first argument is a dotted path that gets imported or patched.
STRING_TARGET_CALLS = frozenset(
    {
        "import_module",
        "__import__",
        "patch",
        "importorskip",
        "setattr",
        "delattr",
        "find_spec",
        "resolve_name",
        "import_string",
    }
)

#: Put on the line of a site to accept it, as linters' suppression comments do.
SUPPRESSION_COMMENT = "ssot: ignore"


@dataclass(frozen=True)
class DeprecatedModule:
    """A module that must only be reached through its canonical replacement."""

    module: str
    contract: str
    canonical: ObjectPath
    #: Deprecated attribute name -> canonical attribute name, for object contracts.
    renames: tuple[tuple[str, str], ...] = ()

    @property
    def whole_module(self) -> bool:
        return self.canonical.attribute is None

    @property
    def leaf(self) -> str:
        return self.module.rpartition(".")[2]


def deprecated_modules(contracts: Iterable[RedirectContract]) -> tuple[DeprecatedModule, ...]:
    found: dict[str, DeprecatedModule] = {}
    for contract in contracts:
        for module in contract.redirect_modules():
            renames = tuple(
                (r.attribute, contract.canonical.attribute)
                for r in contract.redirects
                if r.module == module and r.attribute and contract.canonical.attribute
            )
            found[module] = DeprecatedModule(module, contract.name, contract.canonical, renames)
    return tuple(found.values())


@dataclass(frozen=True)
class SiteMatcher:
    """Knows the deprecated modules and turns a dotted name into the one it reaches."""

    modules: tuple[DeprecatedModule, ...]
    needles: tuple[bytes, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Every way of reaching a module spells its last name component, so that is the
        # needle; a needle containing another one is redundant.
        leaves = {m.leaf for m in self.modules}
        needles = sorted(leaf for leaf in leaves if not any(o in leaf for o in leaves - {leaf}))
        object.__setattr__(self, "needles", tuple(n.encode() for n in needles))

    def may_contain_site(self, source: bytes) -> bool:
        return any(needle in source for needle in self.needles)

    def mentions(self, text: str) -> Iterator[int]:
        """Offsets of every needle in ``text``."""
        for needle in self.needles:
            word = needle.decode()
            found = text.find(word)
            while found >= 0:
                yield found
                found = text.find(word, found + 1)

    def reached(self, dotted: str) -> DeprecatedModule | None:
        """The deprecated module ``dotted`` is, or lies inside (``pkg.old.Name``)."""
        for module in self.modules:
            if dotted == module.module or dotted.startswith(module.module + "."):
                return module
        return None

    def exact_path(self, text: str) -> DeprecatedModule | None:
        """A string that is exactly a deprecated module or one of its redirected objects."""
        for module in self.modules:
            if text == module.module:
                return module
            for old, _ in module.renames:
                if text in (f"{module.module}.{old}", f"{module.module}:{old}"):
                    return module
        return None


@dataclass(frozen=True)
class SourceFile:
    """Where a file sits: its path as reported and the module name imports resolve against."""

    path: str
    module: str
    is_package: bool = False

    @property
    def package(self) -> str:
        return self.module if self.is_package else self.module.rpartition(".")[0]


class UnparsableSource(Exception):
    """The file cannot be decoded or parsed; it is reported, never silently skipped."""


def scan_source_reference(
    source: bytes, where: SourceFile, matcher: SiteMatcher
) -> list[ImportSite]:
    """The slow, obviously right scan: parse the whole file, visit every node."""
    try:
        tree = parse_source(source, where.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise UnparsableSource(_parse_error(where.path, error)) from None
    lines = _decode_parsed(source).split("\n")
    visitor = _SiteVisitor(matcher, where, lines, 0, module_docstring=True)
    visitor.visit(tree)
    return sorted(visitor.sites)


def scan_source(source: bytes, where: SourceFile, matcher: SiteMatcher) -> list[ImportSite]:
    """The fast scan, equal in results to :func:`scan_source_reference` on valid Python."""
    if not matcher.may_contain_site(source):
        return []
    try:
        text = _decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return scan_source_reference(source, where, matcher)
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return scan_source_reference(source, where, matcher)  # lone CR: ast counts lines itself
    statements = _Statements(text)
    sites: list[ImportSite] = []
    parsed_until = 0
    for mention in sorted(matcher.mentions(text)):
        if mention < parsed_until:
            continue  # inside statements already parsed
        parsed = statements.parse_around(mention)
        if parsed is None:
            return scan_source_reference(source, where, matcher)
        tree, start, end = parsed
        first_line = text.count("\n", 0, start) + 1
        # A slice widened backwards holds statements an earlier slice reported already. (Not
        # a set: ``import a.old, a.old`` is two sites on one line, as the reference says.)
        new_from_line = (
            first_line + text.count("\n", start, parsed_until) if start < parsed_until else 0
        )
        parsed_until = end
        # Only the parsed slice's lines: a 50 MB file split whole would cost ~10x its size.
        lines = text[start:end].split("\n")
        visitor = _SiteVisitor(
            matcher, where, lines, first_line - 1, module_docstring=statements.is_first(start)
        )
        visitor.visit(tree)
        sites.extend(site for site in visitor.sites if site.line >= new_from_line)
    return sorted(sites)


class _Statements:
    """Finds the top-level statements around a position without tokenizing the whole file.

    A top-level statement starts at column 0, outside a triple-quoted string, not after a
    backslash, and not with ``else``/``elif``/``except``/``finally`` or a closing bracket
    (those continue the statement before). Triple-quoted strings are the one lexical
    construct that makes a column-0 line lie, so they are located first (a few per file);
    everything else is settled by parsing: a slice that does not parse on its own is widened
    until it does, and a file where that fails is parsed whole.
    """

    _TRIPLE = re.compile(r"\"\"\"|'''")
    _LINE_TOKENS = re.compile(
        r"#[^\n]*"
        r"|(?P<triple>\"\"\"|''')"
        r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
        r"|\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\""
    )
    _CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b|[)\]}]")
    _MAX_WIDEN = 3

    def __init__(self, text: str) -> None:
        self.text = text
        self.strings = self._triple_quoted()
        self.string_starts = [start for start, _ in self.strings]
        self.first = self._next_start(0, inclusive=True)

    def _triple_quoted(self) -> list[tuple[int, int]]:
        """Spans of triple-quoted strings. A line holding a triple quote is tokenized on its
        own, so a triple quote inside a comment or a one-line string does not count."""
        text = self.text
        spans: list[tuple[int, int]] = []
        position = 0
        while True:
            match = self._TRIPLE.search(text, position)
            if match is None:
                return spans
            line_start = max(text.rfind("\n", 0, match.start()) + 1, position)
            line_end = text.find("\n", match.start())
            line_end = len(text) if line_end < 0 else line_end
            opening = next(
                (
                    token.start()
                    for token in self._LINE_TOKENS.finditer(text, line_start, line_end)
                    if token.group("triple")
                ),
                None,
            )
            if opening is None:
                position = line_end
                continue
            end = _closing(text, text[opening : opening + 3], opening + 3)
            spans.append((opening, end))
            position = end

    def in_string(self, offset: int) -> bool:
        index = bisect.bisect_right(self.string_starts, offset) - 1
        return index >= 0 and offset < self.strings[index][1]

    def is_start(self, offset: int) -> bool:
        text = self.text
        if offset >= len(text) or text[offset] in " \t\r\n\f#":
            return False
        if self._CONTINUATION.match(text, offset) or self.in_string(offset):
            return False
        return not (offset and text[max(0, offset - 3) : offset].rstrip("\r\n").endswith("\\"))

    def _previous_start(self, offset: int) -> int:
        line = self.text.rfind("\n", 0, offset) + 1
        while line > 0 and not self.is_start(line):
            line = self.text.rfind("\n", 0, line - 1) + 1
        return line

    def _next_start(self, offset: int, *, inclusive: bool = False) -> int:
        text = self.text
        line = (
            offset
            if inclusive and (offset == 0 or text[offset - 1] == "\n")
            else (text.find("\n", offset) + 1)
        )
        while 0 < line < len(text) or (line == 0 and inclusive):
            if self.is_start(line):
                return line
            following = text.find("\n", line)
            if following < 0:
                break
            line = following + 1
        return len(text)

    def is_first(self, offset: int) -> bool:
        """The file's first statement: only there is a string statement a module docstring."""
        return offset <= self.first

    def parse_around(self, offset: int) -> tuple[ast.Module, int, int] | None:
        """Parse the statement holding ``offset``, widening while it does not parse alone.

        Returns the tree, the offset where the parsed text starts and where it ends.
        """
        starts = [self._previous_start(offset)]
        ends = [self._next_start(offset)]
        for _ in range(self._MAX_WIDEN):
            ends.append(self._next_start(ends[-1]) if ends[-1] < len(self.text) else ends[-1])
            starts.append(self._previous_start(starts[-1] - 1) if starts[-1] > 0 else 0)
        for start in starts:
            for end in ends:
                try:
                    return parse_source(self.text[start:end]), start, end
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
        return None


def _closing(text: str, delimiter: str, position: int) -> int:
    """The end of a triple-quoted string, skipping backslash-escaped quotes."""
    while True:
        found = text.find(delimiter, position)
        if found < 0:
            return len(text)
        backslashes = 0
        while found - backslashes - 1 >= position and text[found - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return found + 3
        position = found + 1


def _decode(source: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def _decode_parsed(source: bytes) -> str:
    """The text of a file ``ast`` parsed, for the sites' statement text.

    CPython does not check that comments are valid in the file's encoding, so a file that
    parses can still fail to decode (``x = 1  # caf\\xe9`` in a UTF-8 file): such bytes are
    replaced, which keeps every line where it is.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return source.decode(encoding, errors="replace")
    except LookupError:
        return source.decode("utf-8", errors="replace")


def _parse_error(path: str, error: BaseException) -> str:
    line = getattr(error, "lineno", None)
    where = f"{path}:{line}" if line else path
    message = getattr(error, "msg", None) or str(error) or type(error).__name__
    return f"{where}: cannot parse: {message}"


class _SiteVisitor(ast.NodeVisitor):
    def __init__(
        self,
        matcher: SiteMatcher,
        where: SourceFile,
        lines: Sequence[str],
        line_offset: int,
        *,
        module_docstring: bool,
    ) -> None:
        self.module_docstring = module_docstring
        self.matcher = matcher
        self.where = where
        self.lines = lines
        self.line_offset = line_offset
        self.sites: list[ImportSite] = []
        self.type_only = 0
        self.consumed: set[int] = set()

    def visit_If(self, node: ast.If) -> None:
        if dotted_name(node.test) in TYPE_CHECKING_GUARDS:
            self.visit(node.test)
            self.type_only += 1
            for statement in node.body:
                self.visit(statement)
            self.type_only -= 1
            for statement in node.orelse:
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            module = self.matcher.reached(alias.name)
            if module is not None:
                self.add(node, module, alias.name, "import", _import_replacement(module, alias))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = import_source(node.level, node.module, self.where.package)
        if source is None:
            return
        form = "relative-import" if node.level else "from-import"
        module = self.matcher.reached(source)
        for alias in node.names:
            if module is not None:
                reached = source if alias.name == "*" else f"{source}.{alias.name}"
                self.add(node, module, reached, form, _from_replacement(module, source, alias))
                continue
            through_parent = self.matcher.reached(f"{source}.{alias.name}")
            if through_parent is not None:
                replacement = _parent_replacement(through_parent, alias)
                self.add(node, through_parent, f"{source}.{alias.name}", form, replacement)

    def visit_Module(self, node: ast.Module) -> None:
        # A parsed slice of a file starts with a docstring only if it starts the file.
        self._visit_body(node.body, docstring=self.module_docstring)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_definition(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_definition(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_definition(node)

    def _visit_definition(
        self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    ) -> None:
        for child in ast.iter_child_nodes(node):
            if child not in node.body:
                self.visit(child)
        self._visit_body(node.body, docstring=True)

    def _visit_body(self, body: Sequence[ast.stmt], *, docstring: bool) -> None:
        for index, statement in enumerate(body):
            if index == 0 and docstring and is_string_statement(statement):
                continue
            self.visit(statement)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # an f-string builds a message; its parts are not paths

    def visit_Call(self, node: ast.Call) -> None:
        name = dotted_name(node.func) or ""
        if name.rpartition(".")[2] in STRING_TARGET_CALLS and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                self.consumed.add(id(target))
                dotted = target.value.replace(":", ".")
                module = self.matcher.reached(dotted)
                if module is not None:
                    self.add(target, module, dotted, "string", _string_replacement(module, dotted))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if id(node) in self.consumed or not isinstance(node.value, str):
            return
        module = self.matcher.exact_path(node.value)
        if module is not None:
            dotted = node.value.replace(":", ".")
            self.add(node, module, dotted, "string", _string_replacement(module, dotted))

    def add(
        self,
        node: ast.stmt | ast.expr,
        module: DeprecatedModule,
        reached: str,
        form: str,
        replacement: str,
    ) -> None:
        line = node.lineno + self.line_offset
        text = self._text(line, (node.end_lineno or node.lineno) + self.line_offset)
        if SUPPRESSION_COMMENT in text:
            return
        self.sites.append(
            ImportSite(
                path=self.where.path,
                line=line,
                column=node.col_offset + 1,
                contract=module.contract,
                deprecated=reached,
                form=form,
                text=_statement_text(text),
                replacement=replacement,
                type_only=self.type_only > 0,
            )
        )

    def _text(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` of the file; ``lines`` starts after ``line_offset``."""
        return "\n".join(self.lines[first - 1 - self.line_offset : last - self.line_offset])


def _statement_text(text: str) -> str:
    code = " ".join(line.split("#", 1)[0].strip() for line in text.splitlines())
    return re.sub(r"\s+", " ", code).replace("( ", "(").replace(" )", ")").strip()


def _canonical_name(module: DeprecatedModule, old: str) -> str | None:
    if module.whole_module:
        return old
    return dict(module.renames).get(old)


def _import_replacement(module: DeprecatedModule, alias: ast.alias) -> str:
    if not module.whole_module or alias.name != module.module:
        return ""
    canonical = module.canonical.module
    if alias.asname:
        return f"import {canonical} as {alias.asname}"
    return f"import {canonical}"


def _from_replacement(module: DeprecatedModule, source: str, alias: ast.alias) -> str:
    if source != module.module:
        return ""
    if alias.name == "*":
        return f"from {module.canonical.module} import *" if module.whole_module else ""
    new = _canonical_name(module, alias.name)
    if new is None:
        return ""
    bound = alias.asname or alias.name
    suffix = "" if bound == new else f" as {bound}"
    return f"from {module.canonical.module} import {new}{suffix}"


def _parent_replacement(module: DeprecatedModule, alias: ast.alias) -> str:
    if not module.whole_module:
        return ""
    parent, _, leaf = module.canonical.module.rpartition(".")
    bound = alias.asname or alias.name
    suffix = "" if bound == leaf else f" as {bound}"
    return f"from {parent} import {leaf}{suffix}" if parent else f"import {leaf}{suffix}"


def _string_replacement(module: DeprecatedModule, dotted: str) -> str:
    rest = dotted[len(module.module) + 1 :].split(".") if dotted != module.module else []
    if rest and not module.whole_module:
        new = _canonical_name(module, rest[0])
        if new is None:
            return ""
        rest[0] = new
    return ".".join([module.canonical.module, *rest])


SCANNER_VERSION = 1


@dataclass(frozen=True)
class TreeAudit:
    """The sites of a whole tree, the files that could not be read, and what it cost."""

    sites: tuple[ImportSite, ...]
    unreadable: tuple[str, ...]
    files: int
    read: int  # files read this run; the rest were served from the cache
    test_paths: frozenset[str]

    def for_contract(self, name: str) -> tuple[ImportSite, ...]:
        return tuple(s for s in self.sites if s.contract == name)

    def is_test(self, site: ImportSite) -> bool:
        return site.path in self.test_paths


def audit_tree(
    root: Path,
    contracts: Sequence[RedirectContract],
    selection: TreeSelection,
    *,
    cache_file: Path | None = None,
    workers: int | None = None,
) -> TreeAudit:
    """Scan every selected file; unchanged files come from ``cache_file`` when given.

    ``workers=2`` shares a cold scan with a forked child (the default once there are
    :data:`PARALLEL_THRESHOLD` files to read on a multi-core Linux machine); ``1`` never forks.
    """
    matcher = SiteMatcher(deprecated_modules(contracts))
    skipped = {m.module for m in matcher.modules} | {c.canonical.module for c in contracts}
    cache = _AuditCache.load(cache_file, _fingerprint(root, matcher))
    entries: dict[str, _Entry] = {}
    todo: list[tuple[PythonFile, list[Any]]] = []
    problems: list[str] = []
    for file in python_files(root, selection, problems):
        if file.module in skipped:
            continue  # the redirect's own body and the canonical are not sites
        key = [file.mtime_ns, file.size, file.module, file.is_package]
        entry = cache.get(file.relative, key)
        if entry is None:
            todo.append((file, key))
        entries[file.relative] = entry or ([], None)
    scanned = _scan_files([file for file, _ in todo], matcher, workers)
    for (file, key), entry in zip(todo, scanned):
        cache.put(file.relative, key, entry)
        entries[file.relative] = entry
    cache.save()
    sites = sorted(site for found, _ in entries.values() for site in found)
    unreadable = (*problems, *(error for _, error in entries.values() if error))
    tests = frozenset(s.path for s in sites if selection.is_test(s.path))
    return TreeAudit(tuple(sites), unreadable, len(entries), len(todo), tests)


_Entry = tuple[list[ImportSite], Optional[str]]

#: Below this many files to read, a second process costs more than it saves.
PARALLEL_THRESHOLD = 2000


def _scan_files(
    files: Sequence[PythonFile], matcher: SiteMatcher, workers: int | None
) -> list[_Entry]:
    """Scan files, in order; a large cold scan is shared with a forked child process.

    Scanning is CPU-bound (the GIL rules out threads). Only ``fork`` starts a helper cheaply
    and without re-running the caller's ``__main__``, and it is only safe in a process with a
    single thread, on Linux; anywhere else the same work runs here, in one process.
    """
    if workers is None:
        workers = 2 if len(files) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1 else 1
    if workers <= 1 or not _can_fork():
        return _scan_chunk(files, matcher)
    theirs, mine = list(files[1::2]), list(files[0::2])
    child = _ForkedScan.start(theirs, matcher)
    results: list[_Entry] = [([], None)] * len(files)
    results[0::2] = _scan_chunk(mine, matcher)
    results[1::2] = child.result() if child else _scan_chunk(theirs, matcher)
    return results


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


@dataclass
class _ForkedScan:
    """A child process scanning part of the files and sending the results back by pipe."""

    pid: int
    reader: int
    files: list[PythonFile]
    matcher: SiteMatcher

    @classmethod
    def start(cls, files: list[PythonFile], matcher: SiteMatcher) -> _ForkedScan | None:
        try:
            reader, writer = os.pipe()
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # the child: scan, send, and leave without running any cleanup
            status = 1
            try:
                os.close(reader)
                with os.fdopen(writer, "wb") as stream:
                    pickle.dump(_scan_chunk(files, matcher), stream)
                status = 0
            finally:
                os._exit(status)
        os.close(writer)
        return cls(pid, reader, files, matcher)

    def result(self) -> list[_Entry]:
        try:
            with os.fdopen(self.reader, "rb") as stream:
                data = stream.read()
            _, status = os.waitpid(self.pid, 0)
            if status == 0:
                results: list[_Entry] = pickle.loads(data)
                if len(results) == len(self.files):
                    return results
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        return _scan_chunk(self.files, self.matcher)  # the child failed: do its share here


def _scan_chunk(files: Sequence[PythonFile], matcher: SiteMatcher) -> list[_Entry]:
    return [_scan_file(file, matcher) for file in files]


def _scan_file(file: PythonFile, matcher: SiteMatcher) -> _Entry:
    try:
        with open(file.path, "rb") as stream:
            source = stream.read()
    except OSError as error:
        return [], f"{file.relative}: cannot read: {error.strerror or type(error).__name__}"
    where = SourceFile(file.relative, file.module, file.is_package)
    try:
        return scan_source(source, where, matcher), None
    except UnparsableSource as error:
        return [], str(error)


def _fingerprint(root: Path, matcher: SiteMatcher) -> str:
    """Anything that changes what a file's scan returns invalidates the whole cache."""
    described = [
        SCANNER_VERSION,
        str(root),
        SUPPRESSION_COMMENT,
        sorted(STRING_TARGET_CALLS),
        [(m.module, m.contract, str(m.canonical), m.renames) for m in matcher.modules],
    ]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


class _AuditCache:
    """Per-file scan results keyed by mtime, size and module name, in one JSON file.

    The module name is part of the key because relative imports resolve against it: adding
    an ``__init__.py`` above a file changes its sites without touching the file.
    """

    def __init__(self, path: Path | None, fingerprint: str, files: dict[str, Any]) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.files = files
        self.fresh: dict[str, Any] = {}
        self.changed = False

    @classmethod
    def load(cls, path: Path | None, fingerprint: str) -> _AuditCache:
        files: dict[str, Any] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("fingerprint") == fingerprint:
                    files = data["files"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                files = {}  # a missing or damaged cache only costs a cold scan
        return cls(path, fingerprint, files)

    def get(self, relative: str, key: list[Any]) -> tuple[list[ImportSite], str | None] | None:
        entry = self.files.get(relative)
        if not isinstance(entry, list) or len(entry) != 3 or entry[0] != key:
            self.changed = True
            return None
        try:
            sites = [ImportSite(relative, *row) for row in entry[1]]
        except TypeError:
            self.changed = True
            return None
        self.fresh[relative] = entry
        return sites, entry[2]

    def put(
        self, relative: str, key: list[Any], entry: tuple[list[ImportSite], str | None]
    ) -> None:
        sites, error = entry
        rows = [list(astuple(site))[1:] for site in sites]
        self.fresh[relative] = [key, rows, error]
        self.changed = True

    def save(self) -> None:
        if self.path is None or not (self.changed or len(self.fresh) != len(self.files)):
            return
        payload = json.dumps({"fingerprint": self.fingerprint, "files": self.fresh})
        with contextlib.suppress(OSError):  # a read-only cache directory only costs speed
            write_atomically(self.path, payload)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` holds either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with contextlib.suppress(OSError):  # mkstemp makes it 0600; keep the file's own mode
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
