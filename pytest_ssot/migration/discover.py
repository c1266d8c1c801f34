"""Step 0 of an SSOT migration: find the candidate contracts in a codebase nobody configured.

A consolidation leaves the same traces everywhere: the same class defined in several modules,
modules whose docstring says "DEPRECATED: use X instead" but that still hold their own code,
subclass "shims" of the new class, and aliases (``Old = New``) that already point at one
definition. Each trace alone is weak evidence; together they say which object is the single
source of truth and which import paths must become redirects to it, so they are scored and
ranked as proposed ``[tool.ssot.contracts.*]`` blocks.

Static only, like the import audit: files are read and parsed with :mod:`ast`, never imported,
because a codebase in the middle of a migration is exactly the one whose modules fail or have
side effects on import. The cost is one parse per file; anything quadratic (body similarity)
only runs inside a group of same-named definitions, with the group size capped, on tokens of
the source text.
"""

from __future__ import annotations

import ast
import difflib
import gc
import io
import json
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ssot.source.bindings import (
    IMPORT_NODES,
    ImportBinding,
    import_bindings,
    statement_bindings,
)
from pytest_ssot.source.modules import dotted_name, parse_source
from pytest_ssot.source.tree import PythonFile, TreeSelection, python_files

#: Wording that marks the code itself as on its way out. Code *about* deprecation ("finds
#: every deprecated path") must not match, so "deprecated" counts as a label starting a line
#: or sentence ("DEPRECATED: ...", "Deprecated since 2.0") or in "is deprecated", "deprecated
#: in favour of", not as an adjective in prose.
_STRONG = re.compile(
    r"(?:^|[.!;]\s+)[\s#*!>\-\[]*(?:deprecated|obsolete)\b\s*"
    r"(?:[:.!,;)\]\-(]|$|since\b|in\s+favou?r\b|as\s+of\b|and\b|alias\b)"
    r"|\b(?:is|are|was|were|been|now|being)\s+(?:deprecated|obsolete|superseded)\b"
    r"|\bdeprecated\s+(?:in\s+favou?r\s+of|since|as\s+of|alias|and\s+will)\b"
    r"|\b(?:do\s+not|don'?t|dont)\s+use\b"
    r"|\buse\s+\S+\s+instead\b"
    r"|\bno\s+longer\s+(?:used|maintained|supported)\b"
    r"|\bwill\s+be\s+removed\b|\bscheduled\s+for\s+removal\b"
    r"|\b(?:moved|renamed)\s+to\b|\b(?:replaced|superseded)\s+by\b",
    re.IGNORECASE | re.MULTILINE,
)
#: "Legacy" as a label ("Legacy factory.", "# legacy: ..."): weaker, old is not deprecated.
_WEAK = re.compile(r"^[\s#*!>\-\[]*legacy\b", re.IGNORECASE | re.MULTILINE)
#: Text in double quotes is quoted, not said ("is deprecated" in a comment about wording).
_QUOTED = re.compile(r'"[^"\n]*"')
#: Lower-case substrings one of which every match of _STRONG or _WEAK contains.
_KEYWORD_STEMS = (
    "deprecat",
    "obsolete",
    "supersede",
    "instead",
    " use",
    "no longer",
    "removed",
    "removal",
    "moved to",
    "renamed to",
    "replaced by",
    "legacy",
)
#: "use X", "moved to X", ...: the X is where the note sends its reader.
_POINTER_PHRASE = re.compile(
    r"\b(?:use|see|(?:moved|renamed)\s+to|replaced\s+by|superseded\s+by|in\s+favou?r\s+of"
    r"|import(?:\s+from)?|lives\s+in|now\s+in)\s+[`'\"]*([A-Za-z_][\w.:/]*)",
    re.IGNORECASE,
)
#: Any dotted path (``pkg.mod``, ``pkg.mod:Name``, ``pkg/mod.py``) mentioned in a note.
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:[.:/][A-Za-z_]\w*)+")
_URL = re.compile(r"\w+://\S+")
#: Text that may start an import statement below the top level: an indented line, or after
#: ``:``, ``;`` or a backslash continuation (``if TYPE_CHECKING: import x``). It may match
#: more (strings, prose): that only costs the full walk.
_NESTED_IMPORT = re.compile(r"(?:^[ \t]+|[:;][ \t]*|\\\r?\n[ \t]*)(?:import|from)\b", re.MULTILINE)
#: Comments this far down a file are about the code next to them, not the module.
_HEADER_LINES = 40
_DEPRECATION_WARNINGS = frozenset({"DeprecationWarning", "PendingDeprecationWarning"})
#: Module-level functions that are part of a redirect, not code that can drift.
_SHIM_FUNCTIONS = frozenset({"__getattr__", "__dir__"})

#: Comparing bodies is quadratic in the group size: beyond this many definitions of one name,
#: only the first ones are compared.
MAX_COMPARED = 12
#: A name defined in more modules than this is a convention (``main``, ``Config``), not a copy.
COMMON_NAME = 25
#: Tokens of a body compared; the start of two long classes says enough about them.
_MAX_TOKENS = 5000
_TOKEN = re.compile(r"\w+|[^\w\s]")
_COMMENT = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class Definition:
    """A top-level class or function, and whether its module or itself is marked deprecated."""

    path: str  # "module:Name"
    module: str
    name: str
    kind: str  # "class" or "function"
    file: str  # relative to the scanned root
    line: int
    lines: int
    deprecated: bool


@dataclass(frozen=True)
class Duplicate:
    """One name defined at the top level of several modules: the raw material of a contract."""

    name: str
    definitions: list[Definition]
    #: The highest body similarity (0..1) between two of the definitions; 0 when not compared.
    similarity: float
    #: False when the name is so common (``main``) that the bodies were not compared.
    compared: bool


@dataclass(frozen=True)
class Deprecation:
    """A module whose own text (docstring, comments, warnings) says it is deprecated."""

    module: str
    file: str
    line: int
    note: str  # the line that says so
    #: Project modules (``pkg.mod``) or objects (``pkg.mod:Name``) the note points at.
    pointers: list[str]
    #: Top-level classes and functions it still defines (a redirect defines none).
    definitions: list[str]
    holds_code: bool


@dataclass(frozen=True)
class AliasChain:
    """A name that is bound to another module's definition: ``X = Y``, ``import ... as``."""

    alias: str  # "module:X"
    target: str  # the definition ("module:Name") or module it finally reaches
    hops: list[str]  # names passed through between the two, in order
    #: "assign" (``X = Y``), "import-as", "re-export" (``__all__``, a package ``__init__``, or
    #: through another module), "module-alias", or "import": a plain import of a name that is
    #: defined in several modules, which says which of them this module uses.
    kind: str
    file: str
    line: int


@dataclass(frozen=True)
class Proposal:
    """A contract to declare: the canonical object and the paths that must redirect to it."""

    name: str
    canonical: str
    redirects: list[str]
    score: float
    evidence: list[str]


@dataclass(frozen=True)
class Discovery:
    """Everything ``ssot discover`` found, proposals first (best first)."""

    root: str
    files: int
    proposals: list[Proposal]
    duplicates: list[Duplicate]
    deprecated_modules: list[Deprecation]
    alias_chains: list[AliasChain]
    unreadable: list[str] = field(default_factory=list)


def discover(
    root: Path, selection: TreeSelection | None = None, *, include_tests: bool = False
) -> Discovery:
    """Scan ``root`` and propose contracts, without importing anything.

    Test files (``selection.is_test``) are read for their imports only, unless
    ``include_tests``: their fixtures and helpers share names by convention, not by copying.
    """
    selection = selection or TreeSelection()
    modules: list[_Module] = []
    unreadable: list[str] = []
    files = 0
    with _collection_paused():
        for file in python_files(root, selection):
            files += 1
            is_test = selection.is_test(file.relative) and not include_tests
            parsed = _read_module(file, is_test)
            if isinstance(parsed, str):
                unreadable.append(parsed)
            else:
                modules.append(parsed)
    return _analyse(modules, str(root), files, unreadable)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while files are parsed.

    Each parse allocates a tree of hundreds of thousands of nodes, freed by reference
    counting as soon as the file is read; the allocations alone trigger collections that
    traverse every object kept so far, a fifth of the scan on a large tree. The reading
    creates no reference cycles, so nothing accumulates while the collector waits.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- reading one module ---------------------------------------------------------------------


@dataclass
class _Note:
    """The deprecation wording found in a module or on a definition."""

    line: int
    quote: str
    strong: bool
    #: Where the note sends its reader, most trustworthy first: the X of "use X" in the
    #: sentence that deprecates, any dotted path there, then the same in the rest of the
    #: docstring.
    phrases: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    far_phrases: list[str] = field(default_factory=list)
    far_mentions: list[str] = field(default_factory=list)


@dataclass
class _Def:
    module: str
    name: str
    kind: str
    file: str
    path: str  # as the operating system takes it, to read the body again
    line: int
    end_line: int
    bases: list[tuple[str, str | None]]  # (as written, absolute dotted when known)
    note: _Note | None
    code_line: int = 0  # the first line of the body after its docstring

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"


@dataclass
class _Binding:
    """A top-level name bound by an import or an assignment."""

    name: str
    target: str | None  # absolute dotted path, None for a computed value
    kind: str  # "import", "import-as", "from-import", "assign" or "value"
    line: int


@dataclass
class _Module:
    name: str
    file: str
    is_package: bool
    is_test: bool
    note: _Note | None
    defs: dict[str, _Def]
    bindings: dict[str, _Binding]
    exports: frozenset[str]
    stars: list[str]
    imports: list[tuple[str, int]] = field(default_factory=list)  # anywhere in the file

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


def _read_module(file: PythonFile, is_test: bool) -> _Module | str:
    """Parse one file; a file that cannot be read or parsed is returned as a message."""
    try:
        with open(file.path, "rb") as stream:
            source = stream.read()
        tree = parse_source(source, file.relative)
        text = source.decode(tokenize.detect_encoding(io.BytesIO(source).readline)[0])
    except OSError as error:
        return f"{file.relative}: cannot read: {error.strerror or type(error).__name__}"
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        where = f"{file.relative}:{line}" if line else file.relative
        return f"{where}: cannot parse: {getattr(error, 'msg', None) or error}"
    module = _Module(
        name=file.module,
        file=file.relative,
        is_package=file.is_package,
        is_test=is_test,
        note=None,
        defs={},
        bindings={},
        exports=frozenset(),
        stars=[],
    )
    _Reader(module, file.path).read(tree.body)
    module.imports = _imported_names(tree, text, module.package)
    if not is_test:
        comments = _comments(text) if _may_deprecate(text) else []
        comments = [c for c in comments if not _URL.fullmatch(c[1])]
        module.note = _module_note(tree, comments)
        for definition in module.defs.values():
            if definition.note is None:
                definition.note = _comment_note(comments, definition)
    return module


@dataclass
class _Reader:
    """Collects a module's top-level definitions and bindings, in statement order.

    Statement order matters for ``X = Y``: ``Y`` means whatever it was bound to above.
    """

    module: _Module
    path: str

    def read(self, body: Sequence[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.If, ast.Try)):
                self.read(node.body)
                self.read(node.orelse)
                if isinstance(node, ast.Try):
                    for handler in node.handlers:
                        self.read(handler.body)
                    self.read(node.finalbody)
            elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                self.definition(node)
            elif isinstance(node, IMPORT_NODES):
                self.imports(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self.assignment(node)

    def definition(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        bases: list[tuple[str, str | None]] = []
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                written = dotted_name(base)
                if written is not None:
                    bases.append((written, self.absolute(written)))
        module = self.module
        module.defs[node.name] = _Def(
            module=module.name,
            name=node.name,
            kind="class" if isinstance(node, ast.ClassDef) else "function",
            file=module.file,
            path=self.path,
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            bases=bases,
            note=None if module.is_test else _definition_note(node),
            code_line=node.body[1].lineno
            if len(node.body) > 1 and _docstring(node.body) is not None
            else node.body[0].lineno,
        )
        module.bindings.pop(node.name, None)

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        """What an import statement binds, read by the one import-binding reader."""
        for binding in statement_bindings(node, self.module.package):
            target = binding.target
            if binding.module is None:
                continue
            if binding.is_star:
                self.module.stars.append(binding.module)
            elif target is None:
                continue
            elif not binding.is_from:
                kind = "import-as" if binding.alias else "import"
                self.bind(binding.name, target, kind, node)
            else:
                renamed = binding.alias and binding.alias != binding.attribute
                self.bind(binding.name, target, "import-as" if renamed else "from-import", node)

    def assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if "__all__" in names and isinstance(node.value, (ast.List, ast.Tuple)):
            self.module.exports = frozenset(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
            return
        written = dotted_name(node.value) if node.value is not None else None
        if isinstance(node, ast.AnnAssign) and "TypeAlias" in (dotted_name(node.annotation) or ""):
            written = None  # ``Tag: TypeAlias = int`` names a type, it does not redirect one
        target = self.absolute(written) if written is not None else None
        for name in names:
            self.bind(name, target, "assign" if target else "value", node)

    def absolute(self, written: str) -> str | None:
        """``Y`` or ``y.Z`` in this module, as an absolute dotted path (None if a builtin)."""
        head, _, rest = written.partition(".")
        if head in self.module.defs:
            return f"{self.module.name}.{written}"
        binding = self.module.bindings.get(head)
        if binding is None or binding.target is None:
            return None
        return f"{binding.target}.{rest}" if rest else binding.target

    def bind(self, name: str, target: str | None, kind: str, node: ast.stmt) -> None:
        self.module.defs.pop(name, None)
        self.module.bindings[name] = _Binding(name, target, kind, node.lineno)


def _imported_names(tree: ast.Module, text: str, package: str) -> list[tuple[str, int]]:
    """Every dotted name the file imports, anywhere in it, with its line: ``pkg.mod`` for
    ``import pkg.mod``, ``pkg.mod.Name`` for ``from pkg.mod import Name``.

    Nested statements are visited only when an indented line starts with ``import`` or
    ``from``: without one, every import is at the top level, and walking the statements of
    every function costs a tenth of the parse.

    Read through the one import-binding reader (:mod:`pytest_ssot.source.bindings`).
    """
    if _NESTED_IMPORT.search(text) is not None:
        bindings: Iterable[ImportBinding] = import_bindings(tree, package)
    else:
        bindings = (
            binding
            for node in tree.body
            if isinstance(node, IMPORT_NODES)
            for binding in statement_bindings(node, package)
        )
    return [
        (binding.imported_path, binding.line)
        for binding in bindings
        if binding.imported_path is not None and not binding.is_star
    ]


def _comments(text: str) -> list[tuple[int, str]]:
    """Whole-line comments with their line numbers (trailing comments say less about a file).

    Read line by line, not with :mod:`tokenize`, which costs more than the parse: only the
    header comments and those right above a definition are used, where a line starting with
    ``#`` inside a string is rare enough not to matter.
    """
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            found.append((number, stripped.lstrip("#").strip()))
    return found


def _summary(text: str) -> str:
    """The part of a docstring that speaks for the whole object: its first paragraph. Further
    down, "deprecated" is mostly about a parameter (``.. deprecated:: 2.0 *cmp*``).

    The other lines are blanked, not removed, so offsets still give line numbers.
    """
    lines = text.split("\n")
    kept: list[str] = []
    started = False
    for index, line in enumerate(lines):
        if line.strip():
            started = True
        elif started:
            return "\n".join([*kept, *([""] * (len(lines) - index))])
        kept.append(line)
    return text


def _docstring(body: Sequence[ast.stmt]) -> tuple[int, str] | None:
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.lineno, value.value
    return None


def _module_note(tree: ast.Module, comments: Sequence[tuple[int, str]]) -> _Note | None:
    """The module's own deprecation note: its docstring, its header comments (above the first
    statement that is not an import or a warning; comments further down are about the code
    next to them), and the deprecation warnings it raises on import."""
    header_end = min(
        (
            n.lineno
            for index, n in enumerate(tree.body)
            if not isinstance(n, (ast.Import, ast.ImportFrom))
            and not (index == 0 and _docstring(tree.body) is not None)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call))
        ),
        default=10**9,
    )
    texts: list[tuple[int, str, bool]] = []
    docstring = _docstring(tree.body)
    if docstring is not None:
        texts.append((*docstring, True))
    texts.extend((*c, False) for c in comments if c[0] < min(header_end, _HEADER_LINES))
    for node in tree.body:
        if isinstance(node, ast.Expr):
            texts.extend(_deprecation_warnings(node))
    return _note(texts)


def _definition_note(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> _Note | None:
    """A class or function that says it is deprecated: docstring, ``@deprecated``, or a
    ``DeprecationWarning`` raised when it is called (for a class, by ``__init__``/``__new__``)."""
    texts: list[tuple[int, str, bool]] = []
    docstring = _docstring(node.body)
    if docstring is not None:
        texts.append((*docstring, True))
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = dotted_name(call.func if call else decorator) or ""
        if name.rpartition(".")[2] == "deprecated":
            message = _string_parts(call.args[0]) if call and call.args else ""
            texts.append((decorator.lineno, f"deprecated {message}", False))
    # Only an unconditional warning deprecates the object; one under an ``if`` is about an
    # argument or a mode.
    bodies: list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef] = [node]
    if isinstance(node, ast.ClassDef):
        bodies = [
            n
            for n in node.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.name in ("__init__", "__new__", "__init_subclass__")
        ]
    for body in bodies:
        for statement in body.body:
            if isinstance(statement, ast.Expr):
                texts.extend(_deprecation_warnings(statement))
    return _note(texts)


def _comment_note(comments: Sequence[tuple[int, str]], definition: _Def) -> _Note | None:
    """Comments on the lines just above a definition (decorators included)."""
    near = [(*c, False) for c in comments if definition.line - 4 <= c[0] < definition.line]
    return _note(near) if near else None


def _deprecation_warnings(node: ast.Expr) -> Iterator[tuple[int, str, bool]]:
    """``warnings.warn("...", DeprecationWarning)``: the message, as note text."""
    call = node.value
    if (
        not isinstance(call, ast.Call)
        or (dotted_name(call.func) or "").rpartition(".")[2] != "warn"
    ):
        return
    category = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "category":
            category = keyword.value
    name = (dotted_name(category) or "") if category is not None else ""
    if name.rpartition(".")[2] in _DEPRECATION_WARNINGS and call.args:
        yield call.lineno, "deprecated: " + _string_parts(call.args[0]), False


def _string_parts(node: ast.expr) -> str:
    """The literal text of a string, f-string or concatenation (placeholders dropped)."""
    return " ".join(
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def _may_deprecate(text: str) -> bool:
    """A cheap filter before the regular expressions, which cost more than the parse."""
    lowered = text.lower()
    return any(word in lowered for word in _KEYWORD_STEMS)


def _note(texts: Iterable[tuple[int, str, bool]]) -> _Note | None:
    """The deprecation note in ``(line, text, is_docstring)`` texts, if any. A docstring
    deprecates its object in its summary (see :func:`_summary`); once it does, the whole
    docstring may say where to go instead."""
    note: _Note | None = None
    for line, raw, is_docstring in texts:
        if not _may_deprecate(raw):
            continue
        full = _URL.sub(lambda m: " " * len(m.group()), raw)  # ".../deprecated/..." in a link
        text = _summary(full) if is_docstring else full
        detect = _QUOTED.sub(lambda m: " " * len(m.group()), text)
        strong = _STRONG.search(detect)
        match = strong or _WEAK.search(detect)
        if match is None:
            continue
        if note is None:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            quote = " ".join(text[start : len(text) if end < 0 else end].split())
            note = _Note(
                line=line + text.count("\n", 0, start),
                quote=quote if len(quote) <= 100 else quote[:97] + "...",
                strong=strong is not None,
            )
        note.strong = note.strong or strong is not None
        note.phrases.extend(m.group(1) for m in _POINTER_PHRASE.finditer(text))
        note.mentions.extend(m.group(0) for m in _DOTTED.finditer(text))
        if is_docstring:
            rest = full[len(text.rstrip()) :]
            note.far_phrases.extend(m.group(1) for m in _POINTER_PHRASE.finditer(rest))
            note.far_mentions.extend(m.group(0) for m in _DOTTED.finditer(rest))
    return note


# --- the whole tree: what each name is --------------------------------------------------------


class _Tree:
    """The modules read, indexed for lookup, and resolution through the tree's own imports.

    Every rule asks the same questions (what does ``pkg.mod.Name`` finally name, is this
    deprecated, which modules define ``Name``); answering them in one place keeps the rules
    agreeing with each other and with the reported alias chains.
    """

    def __init__(self, modules: list[_Module]) -> None:
        self.modules = modules
        self.by_name: dict[str, _Module] = {}
        for module in modules:
            self.by_name.setdefault(module.name, module)
        self.tops = {m.name.partition(".")[0] for m in modules}
        self.code = [m for m in modules if not m.is_test]
        self.defs_by_name = _definitions_by_name(self.code)

    def split(self, dotted: str) -> tuple[_Module, list[str]] | None:
        """The longest prefix of ``dotted`` that is a module of the tree, and the rest."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            module = self.by_name.get(".".join(parts[:end]))
            if module is not None:
                return module, parts[end:]
        return None

    def resolve(self, dotted: str, depth: int = 0) -> tuple[_Def | _Module | None, list[str]]:
        """What ``dotted`` finally is in this tree, and the aliases passed through."""
        found = self.split(dotted) if depth < 12 else None
        if found is None:
            return None, []
        module, rest = found
        if not rest:
            return module, []
        name = rest[0]
        if name in module.defs:
            return (module.defs[name], []) if len(rest) == 1 else (None, [])
        binding = module.bindings.get(name)
        sources = [binding.target] if binding and binding.target else []
        sources += [f"{star}.{name}" for star in module.stars if binding is None]
        for source in sources:
            target, hops = self.resolve(".".join([source, *rest[1:]]), depth + 1)
            if target is not None:
                return target, [f"{module.name}:{name}", *hops]
        return None, []

    def resolve_def(self, dotted: str) -> _Def | None:
        """The definition ``dotted`` reaches, or None for a module or something unknown."""
        target, _ = self.resolve(dotted)
        return target if isinstance(target, _Def) else None

    def deprecated(self, module: str) -> bool:
        """Whether the project module says it is deprecated (test modules never do)."""
        info = self.by_name.get(module)
        return info is not None and info.note is not None and not info.is_test

    def is_deprecated(self, definition: _Def) -> bool:
        """A definition is deprecated by its own note or by its module's."""
        return definition.note is not None or self.deprecated(definition.module)

    def project_base(self, definition: _Def) -> _Def | None:
        """The first base class defined in another project module: ``class Old(New)``."""
        for _, absolute in definition.bases:
            if absolute is not None:
                base = self.resolve_def(absolute)
                if base is not None and base.module != definition.module:
                    return base
        return None

    def held_names(self, module: _Module) -> Iterator[tuple[str, str, _Def | None]]:
        """The public names a deprecated module binds, how, and the definition they reach."""
        for name, definition in module.defs.items():
            if not name.startswith("_"):
                kind = "subclass" if self.project_base(definition) else "definition"
                yield name, kind, None
        for name, binding in module.bindings.items():
            if name.startswith("_") or binding.kind == "import":
                continue
            if binding.target is None:
                yield name, "value", None
                continue
            target, _ = self.resolve(binding.target)
            if isinstance(target, _Def):
                yield name, ("alias" if binding.kind == "assign" else "re-export"), target
            elif target is None and binding.target.partition(".")[0] in self.tops:
                yield name, "value", None  # from a project module that no longer exists


def _definitions_by_name(code: Sequence[_Module]) -> dict[str, list[_Def]]:
    """Top-level definitions grouped by name, in module order: a duplicate is a group of two
    or more, so bucketing by name first keeps every later pairing inside one small group.
    Dunder functions (``__getattr__`` in every shim) are conventions, not copies."""
    grouped: dict[str, list[_Def]] = {}
    for module in code:
        for definition in module.defs.values():
            if not (definition.name.startswith("__") and definition.name.endswith("__")):
                grouped.setdefault(definition.name, []).append(definition)
    return grouped


# --- how the code already uses its definitions: imports and alias chains ----------------------


@dataclass
class _Links:
    """Who imports what, and the bindings that already point at one definition.

    Computed once, before any rule runs: the rules use them as evidence (an imported or
    aliased copy is the one the code treats as real) and the report lists the chains.
    """

    importers: dict[str, list[str]]  # "module:Name" or module -> "file:line"
    chains: list[AliasChain]
    chains_to: dict[str, list[AliasChain]]
    aliased: set[str]  # targets of alias chains other than plain imports


def _link(tree: _Tree) -> _Links:
    """One pass over every import and top-level binding of the tree."""
    importers: dict[str, list[str]] = {}
    chains: list[AliasChain] = []
    for module in tree.modules:
        for dotted, line in module.imports:
            found = tree.split(dotted)
            if found is not None:
                target_module, rest = found
                key = f"{target_module.name}:{rest[0]}" if rest else target_module.name
                importers.setdefault(key, []).append(f"{module.file}:{line}")
        if not module.is_test:
            for binding in module.bindings.values():
                if binding.target is not None and binding.kind != "value":
                    chain = _chain(tree, module, binding)
                    if chain is not None:
                        chains.append(chain)
    chains_to: dict[str, list[AliasChain]] = {}
    aliased: set[str] = set()
    for chain in chains:
        chains_to.setdefault(chain.target, []).append(chain)
        if chain.kind != "import":
            aliased.add(chain.target)
    return _Links(importers, chains, chains_to, aliased)


def _chain(tree: _Tree, module: _Module, binding: _Binding) -> AliasChain | None:
    """The binding as an alias chain, when it shows which definition the code treats as the
    real one; None for a plain import of an unambiguous name, or anything outside the tree."""
    assert binding.target is not None
    target, hops = tree.resolve(binding.target)
    alias = f"{module.name}:{binding.name}"
    if isinstance(target, _Module):
        leaf = target.name.rpartition(".")[2]
        if binding.kind == "import-as" and binding.name != leaf and target is not module:
            return AliasChain(alias, target.name, hops, "module-alias", module.file, binding.line)
        return None
    if target is None:
        return None
    if target.module == module.name and binding.kind != "assign":
        return None  # a circular import of the module's own definition
    kind = ""
    if binding.kind == "assign":
        kind = "assign"
    elif binding.name != target.name:
        kind = "import-as"
    elif hops or binding.name in module.exports or module.is_package:
        kind = "re-export"
    elif len(tree.defs_by_name.get(target.name, ())) > 1:
        kind = "import"  # a plain import, shown because the name is ambiguous
    if not kind:
        return None
    return AliasChain(alias, target.key, hops, kind, module.file, binding.line)


# --- pointers: where a deprecation note sends its reader ---------------------------------------


def _pointers(tree: _Tree, note: _Note, own: _Module) -> list[_Def | _Module]:
    """Project modules and definitions the note points at, from the first kind of pointer
    that resolves (see :class:`_Note`): a "use X" phrase is trusted over a bare mention."""
    tiers = (
        (note.phrases, True),
        (note.mentions, False),
        (note.far_phrases, True),
        (note.far_mentions, False),
    )
    for texts, bare in tiers:
        found: list[_Def | _Module] = []
        for text in texts:
            target = _pointer(tree, text, own, phrase=bare)
            if target is not None and target is not own and target not in found:
                found.append(target)
        if found:
            return found
    return []


def _pointer(tree: _Tree, text: str, own: _Module, *, phrase: bool) -> _Def | _Module | None:
    """Resolve one pointer. Outside a "use X" phrase a mention must name a module or one of
    its objects exactly: prose and links are full of dotted words."""
    dotted = text.strip("`'\".,;:()")
    dotted = re.sub(r"\.py$", "", dotted).replace("/", ".").replace(":", ".")
    if not dotted:
        return None
    if "." in dotted:
        found = tree.split(dotted)
        if found is None:
            found = _split_suffix(tree, dotted)
        if found is None:
            return None
        module, rest = found
        if not rest:
            return module
        target = tree.resolve_def(".".join([module.name, *rest]))
        if target is None and not phrase:
            return None
        return target if target is not None else module
    if not phrase:
        return None
    if dotted in own.defs:
        return own.defs[dotted]
    named = [d for d in tree.defs_by_name.get(dotted, ()) if not tree.is_deprecated(d)]
    if len(named) == 1:
        return named[0]
    leaves = [m for m in tree.code if m.name.rpartition(".")[2] == dotted and m is not own]
    return leaves[0] if len(leaves) == 1 else None


def _split_suffix(tree: _Tree, dotted: str) -> tuple[_Module, list[str]] | None:
    """``supervisor.engine`` written for ``app.agents.supervisor.engine``: the one module
    whose name ends that way (with an attribute after it or not)."""
    parts = dotted.split(".")
    for end in range(len(parts), 1, -1):
        suffix = "." + ".".join(parts[:end])
        matches = [m for m in tree.code if m.name.endswith(suffix)]
        if len(matches) == 1:
            return matches[0], parts[end:]
    return None


def _pointer_text(target: _Def | _Module) -> str:
    """A pointer as the report writes it: ``pkg.mod:Name`` or ``pkg.mod``."""
    return target.key if isinstance(target, _Def) else target.name


def _exposed(tree: _Tree, target: _Def | _Module) -> list[tuple[str, _Def]]:
    """What a pointer offers as canonical: the definition, or a module's public objects."""
    if isinstance(target, _Def):
        return [(target.name, target)]
    offered = [(n, d) for n, d in target.defs.items() if not n.startswith("_")]
    for name, binding in target.bindings.items():
        if not name.startswith("_") and binding.target:
            definition = tree.resolve_def(binding.target)
            if definition is not None and tree.by_name.get(definition.module) is not None:
                offered.append((name, definition))
    return offered


# --- body similarity ---------------------------------------------------------------------------


class _Bodies:
    """How alike two definitions' bodies are, with the files, token shingles and pairs cached:
    the same definition is compared by several rules and in several groups, and its file is
    read again only once (bodies are not kept from the parse, most are never compared)."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[int, int], float] = {}
        self._shingles: dict[str, Counter[tuple[str, ...]]] = {}
        self._lines: dict[str, list[str]] = {}

    def similarity(self, a: _Def, b: _Def) -> float:
        """How alike two bodies are, 0..1: the Dice coefficient of their token trigrams.

        Linear in the body size, where a longest-common-subsequence ratio is quadratic; the
        scale is close to ``difflib``'s ratio (the same code scores 1, a renamed variable a
        little less, unrelated code near 0).
        """
        pair = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
        cached = self._pairs.get(pair)
        if cached is None:
            left, right = self.shingles(a), self.shingles(b)
            total = sum(left.values()) + sum(right.values())
            cached = 2 * sum((left & right).values()) / total if left and right else 0.0
            self._pairs[pair] = cached
        return cached

    def max_similarity(self, definitions: Sequence[_Def]) -> float:
        """The most alike pair of definitions from different files."""
        best = 0.0
        for index, a in enumerate(definitions):
            for b in definitions[index + 1 :]:
                if a.file != b.file:
                    best = max(best, self.similarity(a, b))
        return best

    def shingles(self, definition: _Def) -> Counter[tuple[str, ...]]:
        """The definition's token trigrams (single tokens for a body under three)."""
        key = f"{definition.file}:{definition.line}"
        cached = self._shingles.get(key)
        if cached is None:
            tokens = self.tokens(definition)
            size = 3 if len(tokens) >= 3 else 1
            cached = Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
            self._shingles[key] = cached
        return cached

    def tokens(self, definition: _Def) -> list[str]:
        """The definition's code as tokens: its signature (without its name) and its body
        after the docstring, comments dropped. Read from the source text rather than parsed
        again: formatting is lost in the tokens anyway, and a parse costs ten times more."""
        lines = self._lines.get(definition.path)
        if lines is None:
            try:
                with open(definition.path, encoding="utf-8", errors="replace") as stream:
                    lines = stream.read().splitlines()
            except OSError:
                lines = []
            self._lines[definition.path] = lines
        first = lines[definition.line - 1 : definition.line]
        body = lines[max(definition.code_line, definition.line + 1) - 1 : definition.end_line]
        if definition.code_line == definition.line:  # ``def f(): return 1`` on one line
            body = []
        text = _COMMENT.sub("", "\n".join([*first, *body]))
        tokens = _TOKEN.findall(text)
        if definition.name in tokens:
            tokens[tokens.index(definition.name)] = "_"
        return tokens[:_MAX_TOKENS]


@dataclass
class _Context:
    """What every rule reads: the tree, how it is linked, and body similarity."""

    tree: _Tree
    links: _Links
    bodies: _Bodies


# --- findings that are reported whatever the proposals -----------------------------------------


def _deprecations(context: _Context) -> list[Deprecation]:
    """The modules that say they are deprecated, those still holding code first."""
    tree = context.tree
    found: list[Deprecation] = []
    for module in tree.code:
        if module.note is None:
            continue
        definitions = [name for name in module.defs if name not in _SHIM_FUNCTIONS]
        found.append(
            Deprecation(
                module=module.name,
                file=module.file,
                line=module.note.line,
                note=module.note.quote,
                pointers=[_pointer_text(p) for p in _pointers(tree, module.note, module)],
                definitions=definitions,
                holds_code=bool(definitions),
            )
        )
    found.sort(key=lambda d: (not d.holds_code, d.module))
    return found


def _duplicates(context: _Context) -> list[Duplicate]:
    """Names defined in several files, the most alike bodies first; a name too common to be a
    copy (``main``) is listed without comparing its bodies."""
    found: list[Duplicate] = []
    for name, definitions in context.tree.defs_by_name.items():
        if len({d.file for d in definitions}) < 2:
            continue
        compared = len(definitions) <= COMMON_NAME
        similarity = 0.0
        if compared:
            similarity = context.bodies.max_similarity(definitions[:MAX_COMPARED])
        found.append(
            Duplicate(
                name=name,
                definitions=[_public_definition(context.tree, d) for d in definitions],
                similarity=round(similarity, 2),
                compared=compared,
            )
        )
    found.sort(key=lambda d: (not d.compared, -d.similarity, -len(d.definitions), d.name))
    return found


def _public_definition(tree: _Tree, d: _Def) -> Definition:
    """The reported form of a definition (its deprecation resolved through its module)."""
    return Definition(
        path=d.key,
        module=d.module,
        name=d.name,
        kind=d.kind,
        file=d.file,
        line=d.line,
        lines=d.end_line - d.line + 1,
        deprecated=tree.is_deprecated(d),
    )


# --- candidate contracts: evidence for a canonical and its redirects ---------------------------


@dataclass
class _Evidence:
    """One reason for a proposal, with its weight; the score adds the distinct reasons."""

    text: str
    weight: float
    redirect: str | None  # the redirect it argues for; None for the canonical as a whole


@dataclass
class _Redirect:
    """A path proposed as a redirect, and how its module holds it (which ranks it)."""

    key: str  # "module:Name"
    module: str
    name: str
    kind: str  # "definition", "subclass", "value", "re-export" or "alias"
    file: str
    line: int
    definition: _Def | None


def _redirect(module: _Module, name: str, kind: str) -> _Redirect:
    """``module:name`` as a redirect, located at its definition or binding."""
    definition = module.defs.get(name)
    binding = module.bindings.get(name)
    line = definition.line if definition else binding.line if binding else 0
    return _Redirect(
        f"{module.name}:{name}", module.name, name, kind, module.file, line, definition
    )


@dataclass
class _Candidate:
    """A contract in the making, keyed by its canonical: rules add redirects and evidence."""

    canonical: _Def
    redirects: dict[str, _Redirect] = field(default_factory=dict)
    evidence: list[_Evidence] = field(default_factory=list)

    def add(self, redirect: _Redirect, weight: float, text: str) -> None:
        known = self.redirects.setdefault(redirect.key, redirect)
        if _KIND_RANK[redirect.kind] < _KIND_RANK[known.kind]:
            self.redirects[redirect.key] = redirect
        self.argue(weight, text, redirect.key)

    def argue(self, weight: float, text: str, redirect: str | None = None) -> None:
        if not any(e.text == text and e.redirect == redirect for e in self.evidence):
            self.evidence.append(_Evidence(text, weight, redirect))

    def weight(self, redirect: str) -> float:
        return sum(e.weight for e in self.evidence if e.redirect == redirect)

    @property
    def score(self) -> float:
        unique: dict[str, float] = {}
        for e in self.evidence:
            unique[e.text] = max(unique.get(e.text, 0.0), e.weight)
        return round(sum(unique.values()), 1)


#: Which way of holding a deprecated path says most about it (own code first).
_KIND_RANK = {"subclass": 0, "definition": 1, "value": 2, "alias": 3, "re-export": 4}


class _Candidates(dict[str, _Candidate]):
    """The candidates by canonical key, created on first evidence."""

    def of(self, canonical: _Def) -> _Candidate:
        return self.setdefault(canonical.key, _Candidate(canonical))


# --- the rules: each trace of a consolidation adds evidence -------------------------------------


def _from_deprecated_modules(context: _Context, candidates: _Candidates) -> None:
    """A module that says it is deprecated, and where it sends its reader."""
    tree = context.tree
    for module in tree.code:
        note = module.note
        if note is None:
            continue
        weight = 4.0 if note.strong else 2.0
        pointers = _pointers(tree, note, module)
        held = list(tree.held_names(module))
        own_code = [n for n, k, _ in held if k in ("definition", "subclass", "value")]
        for pointer in pointers:
            offered = _exposed(tree, pointer)
            what = "the canonical" if isinstance(pointer, _Def) else "the canonical's module"
            text = f'{module.file}:{note.line}: "{note.quote}" points at {what}'
            for name, kind, reached in held:
                if reached is not None:
                    if any(reached is d for _, d in offered):
                        candidates.of(reached).add(_redirect(module, name, kind), weight, text)
                    continue
                own = module.defs.get(name)
                best = _best_match(name, own.kind if own else None, offered)
                if best is None and isinstance(pointer, _Def) and len(own_code) == 1:
                    best = pointer
                if best is not None:
                    candidates.of(best).add(_redirect(module, name, kind), weight, text)
        if not pointers:
            _unpointed(tree, module, candidates)


def _unpointed(tree: _Tree, module: _Module, candidates: _Candidates) -> None:
    """A deprecated module that names no replacement but re-exports one explicitly."""
    for name, kind, reached in tree.held_names(module):
        if reached is None or tree.is_deprecated(reached):
            continue
        if kind == "alias" or name in module.exports or name != reached.name:
            candidates.of(reached).add(
                _redirect(module, name, kind),
                2.0,
                f"{module.file}:{module.note.line if module.note else 0}: deprecated "
                f"module re-exports {reached.key}",
            )


def _from_subclasses(context: _Context, candidates: _Candidates) -> None:
    """``class Old(New)`` in deprecated code: a shim that is still its own class.

    Deprecated code subclasses plenty of ordinary bases too, so the names must match or the
    deprecation note must point at the base.
    """
    tree = context.tree
    for module in tree.code:
        for definition in module.defs.values():
            if not tree.is_deprecated(definition):
                continue
            base = tree.project_base(definition)
            if base is None or tree.deprecated(base.module):
                continue
            notes = [n for n in (definition.note, module.note) if n is not None]
            pointed = any(
                p is base or p is tree.by_name.get(base.module)
                for note in notes
                for p in _pointers(tree, note, module)
            )
            if not pointed and _name_match(definition.name, base.name) is None:
                continue
            written = next(w for w, a in definition.bases if a and tree.resolve_def(a) is base)
            candidates.of(base).add(
                _redirect(module, definition.name, "subclass"),
                3.0,
                f"{definition.file}:{definition.line}: class {definition.name}({written}) "
                f"subclasses {base.key}",
            )


def _from_deprecated_definitions(context: _Context, candidates: _Candidates) -> None:
    """A class or function whose own docstring or warning names its replacement."""
    tree = context.tree
    for module in tree.code:
        for definition in module.defs.values():
            note = definition.note
            if note is None:
                continue
            for pointer in _pointers(tree, note, module):
                best = _best_match(definition.name, definition.kind, _exposed(tree, pointer))
                if best is None and isinstance(pointer, _Def):
                    best = pointer
                if best is None or best is definition:
                    continue
                candidates.of(best).add(
                    _redirect(module, definition.name, "definition"),
                    3.0 if note.strong else 1.5,
                    f'{definition.file}:{note.line}: "{note.quote}" points at {best.key}',
                )


def _from_duplicates(context: _Context, candidates: _Candidates) -> None:
    """Same-named definitions: the one the codebase still maintains is the canonical."""
    tree = context.tree
    for name, definitions in tree.defs_by_name.items():
        if len({d.file for d in definitions}) < 2 or len(definitions) > COMMON_NAME:
            continue
        maintained = [d for d in definitions if not tree.is_deprecated(d)]
        if len(maintained) == 1 and len(definitions) > 1:
            canonical = maintained[0]
            for other in definitions:
                if other is canonical:
                    continue
                candidates.of(canonical).add(
                    _redirect(tree.by_name[other.module], name, "definition"),
                    2.0,
                    f"{other.file}:{other.line}: {name} is also defined in deprecated "
                    f"{other.module}; {canonical.module} is the only maintained one",
                )
            continue
        if len(maintained) < 2:
            continue
        preferred = _preferred(context.links, maintained)
        if preferred is None:
            continue
        canonical, reason = preferred
        for other in definitions:
            if other is canonical or context.bodies.similarity(canonical, other) < 0.5:
                continue
            candidates.of(canonical).add(
                _redirect(tree.by_name[other.module], name, "definition"),
                1.0,
                f"{other.file}:{other.line}: {name} is a copy of {canonical.key}; {reason}",
            )


def _preferred(links: _Links, definitions: Sequence[_Def]) -> tuple[_Def, str] | None:
    """Among maintained copies, the one the code already treats as the real one."""
    chosen = [d for d in definitions if d.key in links.aliased]
    if len(chosen) == 1:
        return chosen[0], "only that one is re-exported or aliased"
    counts = sorted(
        ((len(links.importers.get(d.key, ())), i) for i, d in enumerate(definitions)),
        reverse=True,
    )
    (most, index), (second, _) = counts[0], counts[1]
    if most >= 2 and most >= 2 * second:
        return definitions[index], f"it is imported {most} times, the others {second} at most"
    return None


def _from_aliases(context: _Context, candidates: _Candidates) -> None:
    """``Old = New`` already maps an old name to a definition: other ``Old``s follow."""
    tree = context.tree
    for chain in context.links.chains:
        if chain.kind not in ("assign", "import-as"):
            continue
        module_name, _, name = chain.alias.partition(":")
        target = tree.resolve_def(chain.target.replace(":", "."))
        module = tree.by_name.get(module_name)
        if target is None or module is None or name == target.name:
            continue
        # Other definitions of the old name follow the alias when they are deprecated or
        # copies: a same-named class elsewhere may be unrelated (``Tag``, ``Config``).
        others = [
            d
            for d in tree.defs_by_name.get(name, ())
            if d is not target
            and (tree.is_deprecated(d) or context.bodies.similarity(d, target) >= 0.5)
        ]
        deprecated = tree.deprecated(module_name)
        if not others and not deprecated:
            continue
        text = f"{chain.file}:{chain.line}: {chain.alias} already points at {target.key}"
        if chain.kind == "assign" or deprecated or name in module.exports:
            # A public alias is a redirect to keep; ``import x as y`` is a local spelling.
            candidates.of(target).add(_redirect(module, name, "alias"), 2.0, text)
        for other in others:
            candidates.of(target).add(
                _redirect(tree.by_name[other.module], name, "definition"), 2.0, text
            )


#: In order: the evidence of earlier rules is listed first among equal weights.
_RULES = (
    _from_deprecated_modules,
    _from_subclasses,
    _from_deprecated_definitions,
    _from_duplicates,
    _from_aliases,
)


# --- from candidates to ranked proposals -------------------------------------------------------


def _settle(candidates: _Candidates) -> list[_Candidate]:
    """Make the candidates a valid configuration together: a canonical that is itself a
    redirect hands its redirects on, and each redirect belongs to one contract."""
    for _ in range(len(candidates)):
        merged = False
        for key, candidate in list(candidates.items()):
            owner = next(
                (c for k, c in candidates.items() if k != key and key in c.redirects), None
            )
            if owner is None:
                continue
            for redirect in candidate.redirects.values():
                if redirect.key != owner.canonical.key:
                    owner.redirects.setdefault(redirect.key, redirect)
            for evidence in candidate.evidence:
                owner.argue(evidence.weight, evidence.text, evidence.redirect)
            owner.argue(1.0, f"{key} is itself a deprecated path to {owner.canonical.key}")
            del candidates[key]
            merged = True
            break
        if not merged:
            break
    claims: dict[str, list[_Candidate]] = {}
    for candidate in candidates.values():
        candidate.redirects.pop(candidate.canonical.key, None)
        for key in candidate.redirects:
            claims.setdefault(key, []).append(candidate)
    for key, claimants in claims.items():
        winner = max(claimants, key=lambda c: (c.weight(key), c.canonical.key))
        for loser in claimants:
            if loser is not winner:
                del loser.redirects[key]
                loser.evidence = [e for e in loser.evidence if e.redirect != key]
    for candidate in candidates.values():
        by_module = Counter(r.module for r in candidate.redirects.values())
        for key, redirect in list(candidate.redirects.items()):
            plain = redirect.kind == "re-export" and redirect.name == candidate.canonical.name
            if plain and by_module[redirect.module] > 1:
                # ``from new import New`` in a module that also holds ``Old``: the import
                # serves the shim, the old name is the path callers use.
                del candidate.redirects[key]
                candidate.evidence = [e for e in candidate.evidence if e.redirect != key]
    return [c for c in candidates.values() if c.redirects]


def _enrich(context: _Context, candidate: _Candidate) -> None:
    """Evidence about each redirect and the canonical that every rule shares: added after
    settling, so a merged candidate is argued for once, with all its redirects."""
    tree, links = context.tree, context.links
    canonical = candidate.canonical
    for key, redirect in candidate.redirects.items():
        match = _name_match(redirect.name, canonical.name)
        if match:
            candidate.argue(match[0], f"name: {match[1]}", key)
        own = redirect.definition
        if own is not None:
            lines = own.end_line - own.line + 1
            text = f"{own.file}:{own.line}: {redirect.key} is its own {own.kind} ({lines} lines"
            weight = 1.0
            if redirect.kind != "subclass" and own.kind == canonical.kind:
                ratio = context.bodies.similarity(own, canonical)
                weight += 2 * ratio
                text += f", {ratio:.0%} similar to the canonical"
            candidate.argue(round(weight, 2), text + "): a second implementation", key)
        sites = [s for s in links.importers.get(key, ()) if not s.startswith(redirect.file + ":")]
        if sites:
            listed = ", ".join(sites[:3]) + (
                f" and {len(sites) - 3} more" if len(sites) > 3 else ""
            )
            candidate.argue(0.5 * min(len(sites), 3), f"{key} is still imported at {listed}", key)
        copies = len({d.file for d in tree.defs_by_name.get(redirect.name, ())})
        if copies > 1 and redirect.definition is not None:
            candidate.argue(
                min(0.5 * (copies - 1), 1.5),
                f"{redirect.name} is defined in {copies} modules",
                key,
            )
    modules = {r.module for r in candidate.redirects.values()}
    if len(modules) > 1:
        candidate.argue(
            float(min(len(modules) - 1, 3)), f"{len(modules)} modules hold a deprecated path"
        )
    aliases = [
        c for c in links.chains_to.get(canonical.key, ()) if c.alias not in candidate.redirects
    ]
    for chain in aliases[:4]:
        candidate.argue(
            0.5, f"{chain.file}:{chain.line}: {chain.alias} already points at the canonical"
        )
    users = len(links.importers.get(canonical.key, ()))
    if users:
        candidate.argue(
            0.25 * min(users, 4),
            f"{canonical.key} ({canonical.file}:{canonical.line}) is imported at {users} "
            f"place{'s' if users != 1 else ''}",
        )


def _rank(candidates: Sequence[_Candidate]) -> list[Proposal]:
    """Best score first, each with a unique contract name and its evidence strongest first."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.canonical.key))
    taken: set[str] = set()
    proposals: list[Proposal] = []
    for candidate in ranked:
        redirects = sorted(
            candidate.redirects.values(),
            key=lambda r: (-candidate.weight(r.key), _KIND_RANK[r.kind], r.key),
        )
        name = _contract_name(candidate.canonical.name, [r.name for r in redirects], taken)
        taken.add(name)
        evidence = sorted(
            {e.text: e.weight for e in reversed(candidate.evidence)}.items(),
            key=lambda item: -item[1],
        )
        proposals.append(
            Proposal(
                name=name,
                canonical=candidate.canonical.key,
                redirects=[r.key for r in redirects],
                score=candidate.score,
                evidence=[text for text, _ in evidence],
            )
        )
    return proposals


def _propose(context: _Context) -> list[Proposal]:
    """Every rule, then settling, shared evidence and ranking."""
    candidates = _Candidates()
    for rule in _RULES:
        rule(context, candidates)
    settled = _settle(candidates)
    for candidate in settled:
        _enrich(context, candidate)
    return _rank(settled)


def _analyse(modules: list[_Module], root: str, files: int, unreadable: list[str]) -> Discovery:
    """The whole tree at once: link it, run the rules, and report what was found."""
    tree = _Tree(modules)
    context = _Context(tree, _link(tree), _Bodies())
    proposals = _propose(context)
    return Discovery(
        root=root,
        files=files,
        proposals=proposals,
        duplicates=_duplicates(context),
        deprecated_modules=_deprecations(context),
        alias_chains=sorted(context.links.chains, key=lambda c: (c.file, c.line, c.alias)),
        unreadable=unreadable,
    )


def _words(name: str) -> list[str]:
    """``UserExecutionEngine`` -> ``["user", "execution", "engine"]``; snake_case alike."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return [word for word in spaced.lower().split("_") if word]


def _name_match(name: str, canonical: str) -> tuple[float, str] | None:
    """How much two names say they are the same thing: equal, one made of the other's words
    (``UserExecutionEngine`` holds ``ExecutionEngine``; ``PthDistributions`` does not hold
    ``Distribution``), or spelled almost alike."""
    if name == canonical:
        return 1.0, f"same name {name}"
    a, b = _words(name), _words(canonical)
    shorter, longer = sorted((a, b), key=len)
    size = len(shorter)
    if len("".join(shorter)) >= 4 and any(
        longer[start : start + size] == shorter for start in range(len(longer) - size + 1)
    ):
        outer, inner = (canonical, name) if len(b) >= len(a) else (name, canonical)
        return 1.0, f"{outer} contains {inner}"
    ratio = difflib.SequenceMatcher(None, "".join(a), "".join(b)).ratio()
    if ratio >= 0.8:
        return 0.5, f"{name} and {canonical} are {ratio:.0%} alike"
    return None


def _best_match(name: str, kind: str | None, offered: Sequence[tuple[str, _Def]]) -> _Def | None:
    """The offered definition whose name matches ``name`` best, of the same kind (a class
    does not replace a function)."""
    best: tuple[float, int, _Def] | None = None
    for index, (exposed, definition) in enumerate(offered):
        match = _name_match(name, exposed) if kind in (None, definition.kind) else None
        if match is None:
            continue
        score = match[0] + (1.0 if exposed == name else 0.0)
        if best is None or score > best[0]:
            best = (score, -index, definition)
    return best[2] if best else None


def kebab(name: str) -> str:
    """``ExecutionEngine`` -> ``execution-engine``: a contract name that is a bare TOML key."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return re.sub(r"[^A-Za-z0-9]+", "-", spaced).strip("-").lower() or "contract"


def _contract_name(canonical: str, redirect_names: Sequence[str], taken: set[str]) -> str:
    """Named after what callers still write (the most common redirect name), unique."""
    counts = Counter(redirect_names)
    preferred = max(redirect_names, key=lambda n: counts[n]) if redirect_names else canonical
    for base in (kebab(preferred), kebab(canonical)):
        if base not in taken:
            return base
    number = 2
    while f"{kebab(preferred)}-{number}" in taken:
        number += 1
    return f"{kebab(preferred)}-{number}"


# --- output ---------------------------------------------------------------------------------


def render_toml(proposals: Sequence[Proposal], top: int = 5) -> str:
    """Ready-to-paste ``[tool.ssot.contracts.*]`` blocks for the best ``top`` proposals.

    Strings are written as JSON strings, which are valid TOML basic strings.
    """
    blocks: list[str] = []
    for proposal in proposals[:top]:
        lines = [
            f"# proposed by `ssot discover` (score {proposal.score}); review before committing",
            f"[tool.ssot.contracts.{proposal.name}]",
            f"canonical = {json.dumps(proposal.canonical)}",
            "redirects = [",
            *(f"  {json.dumps(r)}," for r in proposal.redirects),
            "]",
            "golden-path = false  # set to true if users depend on it",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def render_text(discovery: Discovery, top: int = 5) -> list[str]:
    """The report for humans: ranked proposals with their evidence, then what to paste."""
    lines = [
        f"Scanned {discovery.files} files under {discovery.root}: "
        f"{len(discovery.proposals)} proposed contract(s), "
        f"{len(discovery.duplicates)} duplicated name(s), "
        f"{len(discovery.deprecated_modules)} deprecated module(s), "
        f"{len(discovery.alias_chains)} alias chain(s)."
    ]
    lines.extend(f"  unreadable: {message}" for message in discovery.unreadable)
    shown = discovery.proposals[:top]
    if not shown:
        lines.append("")
        lines.append("No contract to propose: no deprecated module, subclass shim or alias")
        lines.append("points at one definition of a duplicated name.")
    for rank, proposal in enumerate(shown, 1):
        lines.append("")
        lines.append(f"{rank}. {proposal.name}  (score {proposal.score})")
        lines.append(f"   canonical: {proposal.canonical}")
        for index, redirect in enumerate(proposal.redirects):
            lines.append(f"   {'redirects:' if index == 0 else '          '} {redirect}")
        lines.append("   evidence:")
        lines.extend(f"     - {text}" for text in proposal.evidence)
    if len(discovery.proposals) > top:
        lines.append("")
        lines.append(f"... and {len(discovery.proposals) - top} more proposal(s).")
    holding = [d for d in discovery.deprecated_modules if d.holds_code]
    if holding:
        lines.append("")
        lines.append("Deprecated modules that still hold code:")
        for deprecation in holding[:10]:
            lines.append(
                f"  {deprecation.file}:{deprecation.line}: {deprecation.module} defines "
                f"{', '.join(deprecation.definitions)}"
            )
    compared = [d for d in discovery.duplicates if d.compared]
    if compared:
        lines.append("")
        lines.append("Names defined in several modules:")
        for duplicate in compared[:10]:
            where = ", ".join(d.path for d in duplicate.definitions[:4])
            more = len(duplicate.definitions) - 4
            lines.append(
                f"  {duplicate.name} ({duplicate.similarity:.0%} alike): {where}"
                + (f" and {more} more" if more > 0 else "")
            )
    aliases = [c for c in discovery.alias_chains if c.kind != "import"]
    if aliases:
        lines.append("")
        lines.append("Aliases that already point at one definition:")
        for chain in aliases[:10]:
            through = "".join(f" -> {hop}" for hop in chain.hops)
            lines.append(
                f"  {chain.file}:{chain.line}: {chain.alias}{through} -> {chain.target} "
                f"({chain.kind})"
            )
        if len(aliases) > 10:
            lines.append(f"  ... and {len(aliases) - 10} more")
    if shown:
        lines.append("")
        lines.append("Paste into pyproject.toml:")
        lines.append("")
        lines.extend(render_toml(shown, top).rstrip("\n").split("\n"))
    return lines
