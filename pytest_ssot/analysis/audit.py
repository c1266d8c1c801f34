"""Every place in a source tree that reaches a deprecated path instead of the canonical one.

Correctness comes from the ``ast`` module: a site is an import statement or a string literal
in real code, never the same text in a docstring, a comment or a log message. Speed comes from
not parsing what cannot matter: a file is read as bytes and dropped unless it spells the last
name component of a deprecated module as a whole word (found with a few ``bytes.find`` passes,
see :class:`SiteMatcher`); in the files that remain, each mention that can be a site is parsed
as its logical line only (:class:`_FastScan`), and where the text around it is unclear, as its
top-level statement, or the whole file. All paths feed the same visitor, so the fast scan and
the slow reference (:func:`scan_source_reference`, which parses whole files) agree by
construction. Nothing here imports or executes user code.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import functools
import hashlib
import heapq
import io
import json
import operator
import os
import pickle
import re
import sys
import threading
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract
from pytest_ssot.source.files import write_atomically
from pytest_ssot.source.modules import (
    TYPE_CHECKING_GUARDS,
    dotted_name,
    import_source,
    is_string_statement,
    parse_source,
)
from pytest_ssot.source.tree import PythonFile, TreeSelection, python_files

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


#: Characters of an ASCII identifier. A mention is a last name component not preceded or
#: followed by one of them; a non-ASCII neighbour counts as a boundary, which can only add
#: mentions (costing a parse), never lose one.
_WORD = "A-Za-z0-9_"

#: String escapes ending with a name character (``\\N{...}`` ends with ``}``).
_ESCAPES = (
    r"\\x[0-9A-Fa-f]{2}",
    r"\\u[0-9A-Fa-f]{4}",
    r"\\U[0-9A-Fa-f]{8}",
    r"\\[0-7]",
    r"\\[0-7]{2}",
    r"\\[0-7]{3}",
)

#: Shortest shared substring worth a pass of its own over every file (see :func:`_anchors`).
MIN_ANCHOR = 6


@dataclass(frozen=True)
class _Group:
    """Leaves found through one anchor: a byte test for the file, a regex for the words
    (compiled on first use: a warm audit reads no file and needs none)."""

    anchor: bytes
    pattern: str
    #: For the regex's n-th branch, the length of the leaf before the anchor.
    before: tuple[int, ...]

    @property
    def words(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class SiteMatcher:
    """Knows the deprecated modules and turns a dotted name into the one it reaches.

    Finding mentions is the part of an audit that reads every byte of the tree, so it is
    built on ``bytes.find`` (C, skipping ahead by the needle's length), not on one regex
    alternation: Python's ``re`` tries each alternative at nearly every position and is
    20-60 times slower than a single ``find`` on source code. Leaves sharing a substring
    share one ``find`` (``order_repository``, ``invoice_repository``: ``_repository``); the
    word-boundary regex then runs on the few files that contain an anchor.
    """

    modules: tuple[DeprecatedModule, ...]
    groups: tuple[_Group, ...] = field(init=False, repr=False, compare=False)
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _exact: dict[str, DeprecatedModule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        exact: dict[str, DeprecatedModule] = {}
        for number, module in enumerate(self.modules):
            index.setdefault(module.module, number)
            exact.setdefault(module.module, module)
            for old, _ in module.renames:
                exact.setdefault(f"{module.module}.{old}", module)
                exact.setdefault(f"{module.module}:{old}", module)
        leaves = sorted({m.leaf for m in self.modules})
        groups = tuple(_group(anchor, covered) for anchor, covered in _anchors(leaves).items())
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "groups", groups)

    def may_contain_site(self, source: bytes) -> bool:
        """Whether ``source`` holds any anchor: a file without one has no site."""
        return any(group.anchor in source for group in self.groups)

    def present(self, source: bytes) -> list[_Group]:
        """The groups whose anchor ``source`` holds: one ``find`` per anchor."""
        return [group for group in self.groups if group.anchor in source]

    def mentions(self, text: str, groups: Sequence[_Group] | None = None) -> list[int]:
        """Sorted offsets in ``text`` of every leaf spelled as a whole word, looking only
        for the leaves of ``groups`` (see :meth:`present`) when given."""
        found: list[int] = []
        for group in self.groups if groups is None else groups:
            for match in group.words.finditer(text):
                found.append(match.start() - group.before[(match.lastindex or 1) - 1])
        found.sort()
        return found

    def reached(self, dotted: str) -> DeprecatedModule | None:
        """The deprecated module ``dotted`` is, or lies inside (``pkg.old.Name``); the first
        declared one when several match."""
        index = self._index
        best = -1
        end = dotted.find(".")
        while True:
            number = index.get(dotted if end < 0 else dotted[:end], -1)
            if number >= 0 and (best < 0 or number < best):
                best = number
            if end < 0:
                return self.modules[best] if best >= 0 else None
            end = dotted.find(".", end + 1)

    def exact_path(self, text: str) -> DeprecatedModule | None:
        """A string that is exactly a deprecated module or one of its redirected objects."""
        return self._exact.get(text)


def _anchors(leaves: Sequence[str]) -> dict[str, list[str]]:
    """Few substrings such that every leaf contains one: each costs a pass over every file.

    Greedy set cover over the substrings shared by several leaves (at least
    :data:`MIN_ANCHOR` long) and the leaves themselves: the one in most uncovered leaves,
    the longest among those (a longer needle is skipped through faster and matches less).
    """
    holders: dict[str, set[str]] = {}
    for leaf in leaves:
        shortest = min(MIN_ANCHOR, len(leaf))
        for start in range(len(leaf) - shortest + 1):
            for end in range(start + shortest, len(leaf) + 1):
                holders.setdefault(leaf[start:end], set()).add(leaf)
    candidates = {s: held for s, held in holders.items() if len(held) > 1 or s in held}
    heap = [(-len(held), -len(s), s) for s, held in candidates.items()]
    heapq.heapify(heap)
    uncovered = set(leaves)
    chosen: dict[str, list[str]] = {}
    while uncovered:
        count, length, anchor = heapq.heappop(heap)
        covered = candidates[anchor] & uncovered
        if len(covered) != -count:  # stale: covered in part since it was counted
            if covered:
                heapq.heappush(heap, (-len(covered), length, anchor))
            continue
        chosen[anchor] = sorted(covered)
        uncovered -= covered
    return chosen


def _group(anchor: str, leaves: Sequence[str]) -> _Group:
    """The anchor as the regex's literal prefix (``re`` searches for that quickly), then
    one branch per leaf: the rest of the leaf, a look-behind for its start, and the
    word boundaries on both sides."""
    branches: list[str] = []
    before: list[int] = []
    # Longer leaves first, so that a leaf that is a prefix of another one does not stop
    # the search (the boundary check after it would fail and the longer one is tried).
    for leaf in sorted(leaves, key=lambda text: (-len(text), text)):
        start = leaf.find(anchor)
        whole = re.escape(leaf)
        # Preceded by a name character, a leaf is part of a longer name, unless that
        # character ends an escape in a string: ``'app\\x2eold'`` spells ``app.old``.
        left = "|".join(f"(?<={escape}{whole})" for escape in _ESCAPES)
        rest = re.escape(leaf[start + len(anchor) :])
        branches.append(f"({rest})(?<={whole})(?:(?<![{_WORD}]{whole})|{left})")
        before.append(start)
    pattern = f"{re.escape(anchor)}(?:{'|'.join(branches)})(?![{_WORD}])"
    return _Group(anchor.encode(), pattern, tuple(before))


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
    """The fast scan, equal in results to :func:`scan_source_reference` on valid Python.

    Every site spells the last name component of the module it reaches as a whole word
    (``from .`` imports inside a deprecated package are the exception, and take the
    reference scan), so only the statements around those mentions are parsed.
    """
    groups = matcher.present(source)
    if not groups:
        return []
    if matcher.reached(where.package) is not None:
        # ``from . import x`` inside a deprecated package reaches it without naming it.
        return scan_source_reference(source, where, matcher)
    try:
        text = _decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return scan_source_reference(source, where, matcher)
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return scan_source_reference(source, where, matcher)  # lone CR: ast counts lines itself
    mentions = matcher.mentions(text, groups)
    if not mentions:
        return []
    sites = _FastScan(text, where, matcher, mentions).run()
    return scan_source_reference(source, where, matcher) if sites is None else sites


class _Uncertain(Exception):
    """The local reading of the text cannot be trusted here: the file takes the reference."""


_QUOTE_OR_HASH = re.compile(r"[#'\"]")
_ONE_LINE_STRING = {
    "'": re.compile(r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"),
    '"': re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'),
}


def _line_token(text: str, position: int, end: int) -> tuple[str, int, int] | None:
    """The next comment, string or triple quote in ``text[position:end]`` (one line), as
    (kind, start, end): ``comment`` (to the line's end), ``string`` (a one-line string),
    ``triple`` (the three quotes only) or ``open`` (a quote no string closes on the line).

    A character class finds the next candidate and a per-quote regex reads the string:
    one alternation of all token kinds is several times slower in ``re``.
    """
    found = _QUOTE_OR_HASH.search(text, position, end)
    if found is None:
        return None
    start = found.start()
    char = text[start]
    if char == "#":
        return "comment", start, end
    if text.startswith(char * 3, start):
        return "triple", start, start + 3
    string = _ONE_LINE_STRING[char].match(text, start, end)
    if string is None:
        return "open", start, start + 1
    return "string", start, string.end()


#: Keywords that start a statement and cannot start a line inside brackets: a line beginning
#: with one (outside a string, not after a backslash) is a logical line at bracket depth 0.
#: (``from`` can follow ``yield`` on a continuation line; the lexer then meets a closing
#: bracket it has no opening for, and gives up.)
_ANCHOR = re.compile(
    r"[ \t\f]*(?:def|class|return|import|from|pass|raise|with|while|try|except|finally|elif"
    r"|del|assert|global|nonlocal|break|continue)(?![\w.])"
)
_IMPORT_WORD = re.compile(r"(?<![\w.])(?:import|from)(?!\w)")
#: What a line inside an import's parentheses can hold (comments removed).
_IMPORT_LIST = re.compile(r"[\w\s,()\\]*")
_INDENT = re.compile(r"[ \t\f]*")
_PATH_CHARS = re.compile(r"[\w.:]*")
_STRING_PREFIX = re.compile(r"[rRbBuUfF]{1,2}$")
#: Compound-statement clauses that cannot be parsed on their own line.
_CLAUSE = re.compile(r"(?:else|try|finally|except|case|match)(?!\w)")
#: What the lexer of :meth:`_FastScan._lex_to` stops at.
_LEXEME = re.compile(r"[#'\"()\[\]{}\\\n]")
_NEWLINE = re.compile(r"\r?\n")
#: How far up a mention's line the lexer looks for a line it can start from.
_MAX_UP = 300


class _FastScan:
    """Parses only the logical line around each mention; where that cannot be decided from
    the text nearby, the top-level statement (the older, coarser method), and where even
    that fails, nothing: the caller takes the reference scan.

    A mention is a name in code, or inside a string, or inside a comment. A name can only
    be a site inside an import statement, a string only if its value can start with a
    deprecated module path; everything else is dismissed without parsing, which is what
    makes a test class of thousands of lines cheap.
    """

    def __init__(
        self, text: str, where: SourceFile, matcher: SiteMatcher, mentions: list[int]
    ) -> None:
        self.text = text
        self.where = where
        self.matcher = matcher
        self.mentions = mentions
        self.statements = _Statements(text)
        self.mention_lines = _line_numbers(text, mentions)
        self.guards: list[tuple[int, int]] | None = None
        self.line = self.offset = 0  # the mention at hand, and its line
        self.codes: dict[int, str] = {}
        #: Parsed regions: (start, end, sites), ordered and not overlapping.
        self.regions: list[tuple[int, int, list[ImportSite]]] = []

    def run(self) -> list[ImportSite] | None:
        # One warnings guard for the whole file (see parse_source): it costs as much as
        # parsing a short line, and this parses thousands of them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._run()

    def _run(self) -> list[ImportSite] | None:
        try:
            if "TYPE_CHECKING" in self.text:
                self.guards = self._guard_bodies()
            for offset, line in zip(self.mentions, self.mention_lines):
                if self.regions and offset < self.regions[-1][1]:
                    continue  # inside a region already parsed
                self.line, self.offset = line, offset
                self._mention(offset)
        except _Uncertain:
            return None
        return sorted(site for _, _, found in self.regions for site in found)

    def _continues_string(self, start: int) -> tuple[int, int] | None:
        """The multi-line string the line at ``start`` continues (not one it opens)."""
        span = self.statements.string_at(start)
        return span if span is not None and span[0] < start else None

    # -- one mention -----------------------------------------------------------------------

    def _mention(self, offset: int) -> None:
        span = self.statements.string_at(offset)
        if span is not None:
            if self._string_may_be_site(span[0], span[1], offset, triple=True):
                self._parse_logical(offset)
            return
        text = self.text
        start = _line_start(text, offset)
        if self._continues_string(start) is not None:
            raise _Uncertain  # code after a multi-line string closed on this line
        end = _line_end(text, start)
        if _QUOTE_OR_HASH.search(text, start, end) is None:  # the common case: code only
            self.codes[start] = text[start:end]
            if self._may_be_import(start):
                self._parse_logical(offset)
            return
        kind, token = self._lex_line(start, offset)
        if kind == "comment":
            return
        if kind == "string":
            if self._string_may_be_site(token[0], token[1], offset, triple=False):
                self._parse_logical(offset)
            return
        if self._may_be_import(start):
            self._parse_logical(offset)

    def _lex_line(self, start: int, offset: int) -> tuple[str, tuple[int, int]]:
        """Whether ``offset`` (on the line starting at ``start``, which is not inside a
        multi-line string) is in a comment, in a string (its span), or in code."""
        for kind, token_start, token_end in self._line_tokens(start):
            if token_start > offset:
                break
            if offset < token_end:
                return kind, (token_start, token_end)
        return "code", (0, 0)

    def _line_tokens(self, start: int) -> Iterator[tuple[str, int, int]]:
        """The comment and strings of the line at ``start``: (kind, start, end); a
        triple-quoted string that goes on below ends the line."""
        text = self.text
        end = _line_end(text, start)
        token = _line_token(text, start, end)
        while token is not None:
            kind, token_start, token_end = token
            if kind == "open":
                raise _Uncertain  # a string continued by a backslash at the line's end
            if kind == "triple":
                span = self.statements.string_at(token_start)
                if span is None or span[0] != token_start:
                    raise _Uncertain  # the two ways of finding strings disagree
                yield "string", span[0], span[1]
                if span[1] > end:
                    return
                token_end = span[1]
            else:
                yield kind, token_start, token_end
                if kind == "comment":
                    return
            token = _line_token(text, token_end, end)

    def _string_may_be_site(self, start: int, end: int, offset: int, *, triple: bool) -> bool:
        """A string site's value starts with a deprecated module path ending at a mention:
        what precedes the mention inside the literal must be path characters, and if the
        literal is certainly the whole value (no escapes, no neighbour it could be glued
        to), the value itself must reach a deprecated module."""
        text = self.text
        prefix = _STRING_PREFIX.search(text, max(0, start - 2), start)
        letters = prefix.group().lower() if prefix else ""
        if (
            prefix
            and prefix.start() > 0
            and (text[prefix.start() - 1].isalnum() or text[prefix.start() - 1] == "_")
        ):
            letters = ""  # the end of a name, not a prefix (``x'...'`` is invalid anyway)
        if "b" in letters or "f" in letters:
            return False  # bytes are no paths; nothing inside an f-string is visited
        quote = 3 if triple else 1
        content = text[start + quote : end - quote]
        head = text[start + quote : offset]
        raw = "r" in letters
        if not _PATH_CHARS.fullmatch(head):
            return "\\" in head and not raw  # an escape may spell a path character
        if "\\" in content and not raw:
            return True
        if self._may_be_glued(prefix.start() if prefix else start, end):
            return True
        return self.matcher.reached(content.replace(":", ".")) is not None

    def _may_be_glued(self, start: int, end: int) -> bool:
        """Whether a literal may be one part of an implicit concatenation: it is not
        enclosed by code on its own line."""
        text = self.text
        line_start = _line_start(text, start)
        before = text[line_start:start].rstrip()
        if not before or before[-1] in "'\"":
            return True
        after = text[end : _line_end(text, end)].lstrip()
        return not after or after[0] in "'\"#\\" or _STRING_PREFIX.match(after[:3]) is not None

    def _may_be_import(self, start: int) -> bool:
        """Whether the code line at ``start`` can be part of an import statement: it holds
        ``import``/``from`` or a ``;``, follows a backslash, or is a line of a parenthesized
        name list that an import line opens."""
        code = self._code(start)
        while True:
            if ";" in code or (("import" in code or "from" in code) and _IMPORT_WORD.search(code)):
                return True
            if start and self._continued(start):
                return True
            if not _IMPORT_LIST.fullmatch(code):
                return False
            previous = self._previous_code_line(start)
            if previous is None:
                return False
            start = previous
            code = self._code(start)

    def _previous_code_line(self, start: int) -> int | None:
        """The start of the nearest line above with code on it, or ``None`` at the top or
        where a string is in the way (no string is part of a name list)."""
        text = self.text
        for _ in range(_MAX_UP):
            if start == 0:
                return None
            start = _line_start(text, start - 1)
            if self._continues_string(start) is not None:
                return None
            if self._code(start).strip():
                return start
        raise _Uncertain

    def _continued(self, start: int) -> bool:
        """Whether the line before ``start`` ends with a backslash (a comment ending with one
        is counted too: a needless parse, never a missed site)."""
        return self.text[max(0, start - 3) : start].rstrip("\r\n").endswith("\\")

    def _code(self, start: int) -> str:
        """The line at ``start`` without its comment, each string reduced to ``''``."""
        code = self.codes.get(start)
        if code is None:
            code = self.codes[start] = self._read_code(start)
        return code

    def _read_code(self, start: int) -> str:
        text = self.text
        pieces: list[str] = []
        position = start
        for kind, token_start, token_end in self._line_tokens(start):
            pieces.append(text[position:token_start])
            if kind == "comment":
                return "".join(pieces)
            pieces.append("''")
            position = token_end
        pieces.append(text[position : max(position, _line_end(text, start))])
        return "".join(pieces)

    # -- parsing -----------------------------------------------------------------------------

    def _parse_logical(self, offset: int) -> None:
        """Parse the logical line holding ``offset``; failing that, its top-level statement."""
        found = self._logical_line(offset)
        if found is not None:
            start, end = found
            tree, indent = self._logical_tree(start, end)
            if tree is not None:
                self._add_region(start, end, tree, indent, module_docstring=False)
                return
        parsed = self.statements.parse_around(offset)
        if parsed is None:
            raise _Uncertain
        tree, start, end = parsed
        self._add_region(start, end, tree, 0, module_docstring=self.statements.is_first(start))

    def _logical_line(self, offset: int) -> tuple[int, int] | None:
        """Start and end of the logical line holding ``offset``, lexed from the nearest line
        above that certainly starts one; ``None`` where the text says otherwise."""
        text = self.text
        start = self._outside_strings(_line_start(text, offset))
        for _ in range(_MAX_UP):
            if start == 0 or (_ANCHOR.match(text, start) and not self._continued(start)):
                break
            start = self._outside_strings(_line_start(text, start - 1))
        else:
            return None
        return self._lex_to(start, offset)

    def _outside_strings(self, start: int) -> int:
        """The start of the line where a multi-line string holding ``start`` opens."""
        while True:
            span = self._continues_string(start)
            if span is None:
                return start
            start = _line_start(self.text, span[0])

    def _lex_to(self, start: int, offset: int) -> tuple[int, int] | None:
        """Lex from ``start`` (a logical line's start at depth 0) to the end of the logical
        line holding ``offset``: brackets, strings, comments, backslashes and newlines."""
        text = self.text
        depth = 0
        line = start
        position = start
        while True:
            found = _LEXEME.search(text, position)
            if found is None:
                return (line, len(text)) if depth == 0 else None
            at = found.start()
            char = text[at]
            position = at + 1
            if char == "\n":
                if depth == 0:
                    if offset < position:
                        return line, position
                    line = position
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
                if depth < 0:
                    return None
            elif char == "#":
                position = _line_end(text, at)
            elif char == "\\":
                newline = _NEWLINE.match(text, position)
                if newline is None:
                    return None
                position = newline.end()
            elif text.startswith(char * 3, at):
                span = self.statements.string_at(at)
                if span is None or span[0] != at or not _closed(text, span):
                    return None
                position = span[1]
            else:
                string = _ONE_LINE_STRING[char].match(text, at)
                if string is None:
                    return None
                position = string.end()

    def _logical_tree(self, start: int, end: int) -> tuple[ast.Module | None, int]:
        """The logical line parsed at column 0, made a whole statement where it is not one
        (a decorator, a block header). ``None`` where a clause cannot stand alone, or where
        a leading string may be a docstring."""
        text = self.text
        indent = _INDENT.match(text, start).end() - start  # type: ignore[union-attr]
        code = text[start + indent : end]
        if not code.endswith("\n"):
            code += "\n"
        if code.startswith("@"):
            code += "def _ssot_(): pass\n"
        elif _CLAUSE.match(code):
            return None, indent
        elif code.startswith("elif") and not (code[4:5].isalnum() or code[4:5] == "_"):
            code = "if  " + code[4:]
        if self._ends_block_header(start, end):
            code += " pass\n"
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None, indent
        if not tree.body or is_string_statement(tree.body[0]):
            return None, indent  # a docstring or not depends on what comes before
        return tree, indent

    def _ends_block_header(self, start: int, end: int) -> bool:
        last = _line_start(self.text, end - 1) if end > start else start
        last = max(last, start)
        code = self._code(last) if self._continues_string(last) is None else ""
        return code.rstrip().endswith(":")

    def _add_region(
        self, start: int, end: int, tree: ast.Module, indent: int, *, module_docstring: bool
    ) -> None:
        """Visit a parsed region; a region covering earlier ones replaces them."""
        text = self.text
        first_line = self.line - text.count("\n", start, self.offset)
        while self.regions and self.regions[-1][0] >= start:
            if self.regions[-1][1] > end:
                raise _Uncertain
            self.regions.pop()
        if self.regions and self.regions[-1][1] > start:
            raise _Uncertain  # overlapping regions: the two readings of the text disagree
        visitor = _SiteVisitor(
            self.matcher,
            self.where,
            text[start:end].split("\n"),
            first_line - 1,
            module_docstring=module_docstring,
            first_indent=indent,
            type_only=self._type_only(first_line) and indent > 0,
            only_lines=self.mention_lines,
        )
        visitor.visit(tree)
        self.regions.append((start, end, visitor.sites))

    # -- TYPE_CHECKING -----------------------------------------------------------------------

    def _type_only(self, line: int) -> bool:
        return any(first <= line <= last for first, last in self.guards or ())

    def _guard_bodies(self) -> list[tuple[int, int]]:
        """Line ranges of the bodies of ``if TYPE_CHECKING:`` blocks, each block parsed on
        its own to know exactly where its body ends."""
        text = self.text
        bodies: list[tuple[int, int]] = []
        found = text.find("TYPE_CHECKING")
        while found >= 0:
            start = _line_start(text, found)
            following = text.find("TYPE_CHECKING", _line_end(text, found))
            if self.statements.string_at(found) is not None:
                found = following
                continue
            if self._continues_string(start) is not None:
                raise _Uncertain
            kind, _ = self._lex_line(start, found)
            if kind == "code":
                code = self._code(start)
                header = re.match(r"[ \t\f]*(el)?if(?!\w)", code)
                if header is not None:
                    bodies += self._guard_body(start, code, bool(header.group(1)))
                elif not self._may_be_import(start):
                    raise _Uncertain  # TYPE_CHECKING = False, or a test split over lines
            found = following
        return bodies

    def _guard_body(self, start: int, code: str, is_elif: bool) -> list[tuple[int, int]]:
        text = self.text
        stripped = code.rstrip()
        if not stripped.endswith(":"):
            if code.count("(") != code.count(")") or code.count("[") != code.count("]"):
                raise _Uncertain
            return []  # ``if TYPE_CHECKING: import x``: parsed with its line
        indent = _INDENT.match(code).end()  # type: ignore[union-attr]
        end = _line_end(text, start) + 1
        while end < len(text):
            line_end = _line_end(text, end)
            body = text[end:line_end].strip()
            if (
                body
                and not body.startswith("#")
                and self._continues_string(end) is None
                and _INDENT.match(text, end).end() - end <= indent  # type: ignore[union-attr]
            ):
                break
            end = line_end + 1
        block = text[start + indent : min(end, len(text))]
        if is_elif:
            block = "if  " + block[4:]
        try:
            tree = ast.parse(block)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise _Uncertain from None
        node = tree.body[0]
        if len(tree.body) != 1 or not isinstance(node, ast.If):
            raise _Uncertain  # the block did not end where its indentation says
        if dotted_name(node.test) not in TYPE_CHECKING_GUARDS:
            return []
        offset = text.count("\n", 0, start)
        return [(node.body[0].lineno + offset, (node.body[-1].end_lineno or 0) + offset)]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _line_numbers(text: str, offsets: Sequence[int]) -> list[int]:
    """1-based line numbers of sorted offsets, counting each stretch of text once."""
    lines: list[int] = []
    line, position = 1, 0
    for offset in offsets:
        line += text.count("\n", position, offset)
        position = offset
        lines.append(line)
    return lines


def _closed(text: str, span: tuple[int, int]) -> bool:
    """Whether a triple-quoted string found by :class:`_Statements` really ends."""
    return span[1] - span[0] >= 6 and text[span[1] - 3 : span[1]] == text[span[0] : span[0] + 3]


class _Statements:
    """Finds the top-level statements around a position without tokenizing the whole file.

    A top-level statement starts at column 0, outside a triple-quoted string, not after a
    backslash, and not with ``else``/``elif``/``except``/``finally`` or a closing bracket
    (those continue the statement before). Triple-quoted strings are the one lexical
    construct that makes a column-0 line lie, so they are located first (a few per file);
    everything else is settled by parsing: a slice that does not parse on its own is widened
    until it does, and a file where that fails is parsed whole.
    """

    _CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b|[)\]}]")
    _MAX_WIDEN = 3

    def __init__(self, text: str) -> None:
        self.text = text
        self.strings = self._triple_quoted()
        self.string_starts = [start for start, _ in self.strings]
        self.first = self._next_start(0, inclusive=True)

    def _triple_quoted(self) -> list[tuple[int, int]]:
        """Spans of triple-quoted strings. A line holding a triple quote is tokenized on its
        own, so a triple quote inside a comment or a one-line string does not count.

        ``str.find`` for each delimiter, not a regex: a long test class has a docstring per
        method, and this runs over every file with a mention.
        """
        text = self.text
        spans: list[tuple[int, int]] = []
        position = 0
        double, single = text.find('"""'), text.find("'''")
        while double >= 0 or single >= 0:
            found = double if single < 0 or 0 <= double < single else single
            line_start = max(text.rfind("\n", 0, found) + 1, position)
            if _QUOTE_OR_HASH.search(text, line_start, found) is None:
                opening: int | None = found  # nothing before it on its line can hide it
            else:
                opening = _first_triple(text, line_start, _line_end(text, found))
            if opening is None:
                position = _line_end(text, found)
            else:
                position = _closing(text, text[opening : opening + 3], opening + 3)
                spans.append((opening, position))
            if double >= 0 and double < position:
                double = text.find('"""', position)
            if single >= 0 and single < position:
                single = text.find("'''", position)
        return spans

    def in_string(self, offset: int) -> bool:
        return self.string_at(offset) is not None

    def string_at(self, offset: int) -> tuple[int, int] | None:
        """The span of the triple-quoted string holding ``offset`` (its quotes included)."""
        index = bisect.bisect_right(self.string_starts, offset) - 1
        if index >= 0 and offset < self.strings[index][1]:
            return self.strings[index]
        return None

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


def _first_triple(text: str, start: int, end: int) -> int | None:
    """Where the first triple quote outside comments and one-line strings of a line is."""
    token = _line_token(text, start, end)
    while token is not None and token[0] != "comment":
        if token[0] == "triple":
            return token[1]
        token = _line_token(text, token[2], end)
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
        first_indent: int = 0,
        type_only: bool = False,
        only_lines: Sequence[int] | None = None,
    ) -> None:
        """``first_indent``: columns removed from the first line before parsing it;
        ``type_only``: the parsed text lies in an ``if TYPE_CHECKING:`` body;
        ``only_lines``: sorted line numbers of the file's mentions, so that statements
        without one (which hold no site) are not visited."""
        self.module_docstring = module_docstring
        self.matcher = matcher
        self.where = where
        self.lines = lines
        self.line_offset = line_offset
        self.first_indent = first_indent
        self.only_lines = only_lines
        self.sites: list[ImportSite] = []
        self.type_only = int(type_only)
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
        only = self.only_lines
        for index, statement in enumerate(body):
            if index == 0 and docstring and is_string_statement(statement):
                continue
            if only is not None:
                # A decorated definition's line is its ``def``; the decorators come first.
                decorators = getattr(statement, "decorator_list", ())
                first = min([statement.lineno, *(d.lineno for d in decorators)])
                first += self.line_offset
                found = bisect.bisect_left(only, first)
                last = (statement.end_lineno or statement.lineno) + self.line_offset
                if found == len(only) or only[found] > last:
                    continue  # no mention in it, so no site
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
        shift = self.first_indent if node.lineno == 1 else 0
        self.sites.append(
            ImportSite(
                path=self.where.path,
                line=line,
                column=node.col_offset + 1 + shift,
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
    sites = [site for found, _ in entries.values() for site in found]
    sites.sort(key=_site_order)  # the dataclass order, without a Python call per comparison
    unreadable = (*problems, *(error for _, error in entries.values() if error))
    tests = frozenset(path for path in {s.path for s in sites} if selection.is_test(path))
    return TreeAudit(tuple(sites), unreadable, len(entries), len(todo), tests)


#: ``ImportSite``'s fields in declaration order: sorting by it is sorting the dataclasses.
_site_order = operator.attrgetter(*(f.name for f in fields(ImportSite)))


def _row(site: ImportSite) -> list[Any]:
    """A site as the cache stores it: every field but the path, in declaration order."""
    return list(_site_order(site))[1:]


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
        source = read_bytes(file.path, file.size)
    except OSError as error:
        return [], f"{file.relative}: cannot read: {error.strerror or type(error).__name__}"
    where = SourceFile(file.relative, file.module, file.is_package)
    try:
        return scan_source(source, where, matcher), None
    except UnparsableSource as error:
        return [], str(error)


def read_bytes(path: str, size: int) -> bytes:
    """A file's bytes with one ``open``/``read``/``close`` when ``size`` (from the walk's
    ``stat``) is still right: the buffered ``open()`` costs about as much again per file,
    and reading is most of what a cold audit does for a file without mentions."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(descriptor, size + 1)
        if len(data) > size:  # it grew since the walk: read on to the end
            chunks = [data]
            while chunks[-1]:
                chunks.append(os.read(descriptor, 1 << 20))
            data = b"".join(chunks)
    finally:
        os.close(descriptor)
    return data


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
        rows = [_row(site) for site in sites]
        self.fresh[relative] = [key, rows, error]
        self.changed = True

    def save(self) -> None:
        if self.path is None or not (self.changed or len(self.fresh) != len(self.files)):
            return
        payload = json.dumps({"fingerprint": self.fingerprint, "files": self.fresh})
        with contextlib.suppress(OSError):  # a read-only cache directory only costs speed
            write_atomically(self.path, payload)
