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
import re
import tempfile
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from pytest_ssot.model import ImportSite, ObjectPath, RedirectContract
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
        leaves = sorted({m.leaf.encode() for m in self.modules})
        object.__setattr__(self, "needles", tuple(leaves))

    def may_contain_site(self, source: bytes) -> bool:
        return any(needle in source for needle in self.needles)

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
        tree = ast.parse(source, filename=where.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise UnparsableSource(_parse_error(where.path, error)) from None
    lines = _decode(source).splitlines() if source else []
    visitor = _SiteVisitor(matcher, where, lines, 0)
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
    chunks = _TopLevelChunks(text)
    mentions = [
        m.start()
        for needle in {n.decode() for n in matcher.needles}
        for m in re.finditer(re.escape(needle), text)
    ]
    indexes = sorted({chunks.index_of(p) for p in mentions if not chunks.in_comment(p)})
    lines = text.splitlines()
    sites: set[ImportSite] = set()
    done = -1
    for index in indexes:
        if index <= done:
            continue
        parsed = chunks.parse_around(index)
        if parsed is None:
            return scan_source_reference(source, where, matcher)
        tree, first_line, done = parsed
        visitor = _SiteVisitor(matcher, where, lines, first_line - 1)
        visitor.visit(tree)
        sites.update(visitor.sites)
    return sorted(sites)


class _TopLevelChunks:
    """Splits a module's text at the starts of its top-level statements, string-aware.

    A top-level statement starts at column 0, outside any string, comment or bracket, and not
    after a backslash; ``else``/``elif``/``except``/``finally`` and closing brackets continue
    the statement before them. Parsing one chunk gives exactly the AST of those statements.
    """

    _TOKENS = re.compile(
        r"""\#[^\r\n]*
        |(?:\b[rRbBuUfF]{1,3})?(?:'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"
        |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")""",
        re.VERBOSE | re.DOTALL,
    )
    _COLUMN_ZERO = re.compile(r"^(?=[^\s#])", re.MULTILINE)
    _CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b|[)\]}]")
    _MAX_MERGE = 3

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [(m.start(), m.end()) for m in self._TOKENS.finditer(text)]
        self.span_starts = [s for s, _ in self.spans]
        self.starts = self._statement_starts()
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def _statement_starts(self) -> list[int]:
        text = self.text
        starts = [0]
        depth, position, span_index = 0, 0, 0
        for match in self._COLUMN_ZERO.finditer(text):
            offset = match.start()
            if offset == 0:
                continue
            inside = False
            while span_index < len(self.spans) and self.spans[span_index][0] < offset:
                start, end = self.spans[span_index]
                depth += _bracket_delta(text, position, start)
                position = max(position, end)
                span_index += 1
                if end > offset:
                    inside = True
                    break
            if inside or position > offset:
                continue
            depth += _bracket_delta(text, position, offset)
            position = offset
            if depth or self._CONTINUATION.match(text, offset) or _after_backslash(text, offset):
                continue
            starts.append(offset)
        return starts

    def in_comment(self, offset: int) -> bool:
        index = bisect.bisect_right(self.span_starts, offset) - 1
        if index < 0:
            return False
        start, end = self.spans[index]
        return start <= offset < end and self.text[start] == "#"

    def index_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def parse_around(self, index: int) -> tuple[ast.Module, int, int] | None:
        """Parse the chunk ``index``, widening it while it does not parse on its own."""
        for before in range(self._MAX_MERGE):
            for after in range(1, self._MAX_MERGE + 1):
                first = index - before
                last = index + after
                if first < 0 or last > len(self.starts):
                    continue
                end = self.starts[last] if last < len(self.starts) else len(self.text)
                chunk = self.text[self.starts[first] : end]
                try:
                    tree = ast.parse(chunk)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
                return tree, self._line_of(self.starts[first]), last - 1
        return None

    def _line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)


def _bracket_delta(text: str, start: int, end: int) -> int:
    if end <= start:
        return 0
    segment = text[start:end]
    return (
        segment.count("(")
        + segment.count("[")
        + segment.count("{")
        - segment.count(")")
        - segment.count("]")
        - segment.count("}")
    )


def _after_backslash(text: str, offset: int) -> bool:
    before = text[max(0, offset - 3) : offset].rstrip("\r\n")
    return before.endswith("\\")


def _decode(source: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def _parse_error(path: str, error: BaseException) -> str:
    line = getattr(error, "lineno", None)
    where = f"{path}:{line}" if line else path
    message = getattr(error, "msg", None) or str(error) or type(error).__name__
    return f"{where}: cannot parse: {message}"


class _SiteVisitor(ast.NodeVisitor):
    def __init__(
        self, matcher: SiteMatcher, where: SourceFile, lines: Sequence[str], line_offset: int
    ) -> None:
        self.matcher = matcher
        self.where = where
        self.lines = lines
        self.line_offset = line_offset
        self.sites: list[ImportSite] = []
        self.type_only = 0
        self.consumed: set[int] = set()

    def visit_If(self, node: ast.If) -> None:
        if _dotted(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
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
        source = _resolve(node, self.where.package)
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

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a string used as a comment
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # an f-string builds a message; its parts are not paths

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func) or ""
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
        return "\n".join(self.lines[first - 1 : last])


def _statement_text(text: str) -> str:
    code = " ".join(line.split("#", 1)[0].strip() for line in text.splitlines())
    return re.sub(r"\s+", " ", code).replace("( ", "(").replace(" )", ")").strip()


def _resolve(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not node.module):
        return None  # beyond the top-level package: Python raises ImportError
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


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


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


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
) -> TreeAudit:
    """Scan every selected file; unchanged files come from ``cache_file`` when given."""
    matcher = SiteMatcher(deprecated_modules(contracts))
    skipped = {m.module for m in matcher.modules} | {c.canonical.module for c in contracts}
    cache = _AuditCache.load(cache_file, _fingerprint(root, matcher))
    sites: list[ImportSite] = []
    unreadable: list[str] = []
    files = read = 0
    for file in python_files(root, selection):
        if file.module in skipped:
            continue  # the redirect's own body and the canonical are not sites
        files += 1
        key = [file.mtime_ns, file.size, file.module, file.is_package]
        entry = cache.get(file.relative, key)
        if entry is None:
            read += 1
            entry = _scan_file(file, matcher)
            cache.put(file.relative, key, entry)
        found, error = entry
        sites.extend(found)
        if error:
            unreadable.append(error)
    cache.save()
    sites.sort()
    tests = frozenset(s.path for s in sites if selection.is_test(s.path))
    return TreeAudit(tuple(sites), tuple(unreadable), files, read, tests)


def _scan_file(file: PythonFile, matcher: SiteMatcher) -> tuple[list[ImportSite], str | None]:
    try:
        source = file.path.read_bytes()
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
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
