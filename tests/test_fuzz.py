"""Property tests: the static checks never crash, and the fast scanner equals the reference.

Bounded for CI (a few seconds). For a longer run, raise the number of examples::

    SSOT_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -p no:cacheprovider

Results of the recorded long runs are in docs/errors.md ("Fuzzing").
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    deprecated_modules,
    scan_source,
    scan_source_reference,
)
from pytest_ssot.analysis.purity import (
    RedirectRules,
    check_source_purity,
    find_attribute_assignment,
)
from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract

T = TypeVar("T", bound=Callable[..., None])

#: 0 (unset): the CI budget of each test; otherwise every test runs this many examples.
EXAMPLES = int(os.environ.get("SSOT_FUZZ_EXAMPLES", "0"))


def budget(ci: int) -> Callable[[T], T]:
    return settings(
        max_examples=EXAMPLES or ci,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


ENGINE = RedirectContract(
    name="engine",
    canonical=ObjectPath("app.agents.user_engine", "UserEngine"),
    redirects=(ObjectPath("app.agents.old_engine", "Engine"),),
)
CORE = RedirectContract(
    name="core", canonical=ObjectPath("app.core"), redirects=(ObjectPath("app.legacy_core"),)
)
MATCHER = SiteMatcher(deprecated_modules([ENGINE, CORE]))
RULES = RedirectRules.for_module("app.agents.old_engine", [ENGINE], ())
PLACES = (
    SourceFile("app/agents/tools/use.py", "app.agents.tools.use"),
    SourceFile("app/agents/__init__.py", "app.agents", is_package=True),
    SourceFile("use.py", "use"),
)

# -- arbitrary input never crashes ------------------------------------------------------------

#: Pieces that steer random text towards what the scanner looks at.
FRAGMENTS = (
    "app.agents.old_engine",
    "app.legacy_core",
    "old_engine",
    "legacy_core",
    "import ",
    "from ",
    " as ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\f",
    "    ",
    '"""',
    "'''",
    "'",
    '"',
    "\\",
    "\\\n",
    "(",
    ")",
    ",",
    ";",
    "#",
    "# ssot: ignore",
    ":",
    ".",
    "..",
    "*",
    "def f():\n",
    "if TYPE_CHECKING:\n",
    "else:\n",
    "try:\n",
    "except ImportError:\n",
    "import_module(",
    "f'",
    "\x00",
    "\ufeff",
    "# -*- coding: latin-1 -*-\n",
    "# coding: nope\n",
)
soup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map(
    "".join
)


def scans(source: bytes, where: SourceFile) -> None:
    """Both scanners; only the reference may refuse, and then only with UnparsableSource."""
    try:
        reference: list[ImportSite] | None = scan_source_reference(source, where, MATCHER)
    except UnparsableSource:
        reference = None
    try:
        fast = scan_source(source, where, MATCHER)
    except UnparsableSource:
        assert reference is None  # the fast scan gives up only where the reference does
        return
    if reference is not None:
        assert fast == reference


@budget(ci=150)
@given(soup, st.sampled_from(PLACES))
@example("import app.\\\nlegacy_core\n", PLACES[0])
@example("X = '''\nimport app.legacy_core\n'''\n", PLACES[0])
@example("\rimport app.legacy_core\n", PLACES[0])
def test_scanners_on_text(source: str, where: SourceFile) -> None:
    scans(source.encode("utf-8", "surrogatepass"), where)


@budget(ci=100)
@given(st.binary(max_size=200), st.sampled_from(PLACES))
@example(b"#\x80", PLACES[0])  # found by hypothesis and atheris: see the regression test
def test_scanners_on_bytes(source: bytes, where: SourceFile) -> None:
    scans(b"import app.legacy_core\n" + source, where)
    scans(source + b"\nfrom app.agents import old_engine\n", where)


@budget(ci=150)
@given(st.one_of(soup, st.text(max_size=300)))
def test_purity_and_mutation_finder_on_text(source: str) -> None:
    result = check_source_purity(source, "old.py", RULES)
    assert result.error is None or "cannot parse" in result.error
    find_attribute_assignment(source, "legacy")


@budget(ci=100)
@given(st.binary(max_size=300))
def test_purity_and_mutation_finder_on_bytes(source: bytes) -> None:
    result = check_source_purity(source, "old.py", RULES)
    assert result.error is None or "cannot parse" in result.error
    find_attribute_assignment(source, "legacy")


# -- valid Python: the fast scanner equals the reference exactly -----------------------------

COMPONENTS = ("app", "agents", "old_engine", "user_engine", "legacy_core", "core", "tools", "x")
DEPRECATED = ("app.agents.old_engine", "app.legacy_core", "app.agents.old_engine.Engine")

dotted = st.one_of(
    st.sampled_from(DEPRECATED),
    st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=4).map(".".join),
)
name = st.sampled_from(("Engine", "old_engine", "legacy_core", "UserEngine", "helper", "x"))
alias = st.one_of(st.just(""), name.map(lambda n: f" as {n}"))


@st.composite
def import_statement(draw: st.DrawFn) -> str:
    form = draw(st.integers(0, 9))
    if form == 0:
        modules = draw(st.lists(st.tuples(dotted, alias), min_size=1, max_size=3))
        return "import " + ", ".join(m + a for m, a in modules)
    if form == 1:
        return f"from {draw(dotted)} import {draw(name)}{draw(alias)}"
    if form == 2:
        names = draw(st.lists(st.tuples(name, alias), min_size=1, max_size=4))
        body = "".join(f"\n    {n}{a}," for n, a in names)
        comment = draw(st.sampled_from(("", "  # app.legacy_core", "  # ssot: ignore")))
        return f"from {draw(dotted)} import ({comment}{body}\n)"
    if form == 3:
        dots = "." * draw(st.integers(1, 4))
        source = draw(st.one_of(st.just(""), st.sampled_from(COMPONENTS)))
        target = "*" if source and draw(st.booleans()) else draw(name) + draw(alias)
        return f"from {dots}{source} import {target}"
    if form == 4:
        call = draw(
            st.sampled_from(
                ("importlib.import_module", "__import__", "mock.patch", "monkeypatch.setattr")
            )
        )
        quote = draw(st.sampled_from(("'", '"')))
        return f"{call}({quote}{draw(dotted)}{quote})"
    if form == 5:
        return f"X = {draw(st.sampled_from(DEPRECATED))!r}"
    if form == 6:
        return f'"""Moved from {draw(dotted)}.\n\nimport {draw(dotted)}\n"""'
    if form == 7:
        return f"# from {draw(dotted)} import Engine"
    if form == 8:
        return f"msg = f'{{x}} {draw(dotted)}'"
    parts = draw(dotted).split(".")
    return "import " + ".\\\n    ".join(parts)


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """Statements, each a list of lines, possibly nested in a compound statement."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            header = draw(
                st.sampled_from(
                    (
                        "def f():",
                        "async def g():",
                        "class C:",
                        "if TYPE_CHECKING:",
                        "if typing.TYPE_CHECKING:",
                        "try:",
                        "with ctx:",
                        "@decorator\ndef h():",
                    )
                )
            )
            inner = draw(block(depth + 1))
            lines += [*header.split("\n"), *(f"    {line}" for line in inner)]
            if header == "try:":
                lines += ["except ImportError:", "    pass"]
            elif header.startswith("if") and draw(st.booleans()):
                lines += ["else:", *(f"    {line}" for line in draw(block(depth + 1)))]
        else:
            lines += draw(import_statement()).split("\n")
    return lines


@st.composite
def module_source(draw: st.DrawFn) -> bytes:
    lines = draw(block())
    if draw(st.booleans()):
        lines.insert(0, '"""Module docstring: import app.legacy_core."""')
    newline = draw(st.sampled_from(("\n", "\r\n")))
    indent = draw(st.sampled_from(("    ", "\t")))
    text = newline.join(line.replace("    ", indent) for line in lines) + newline
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@budget(ci=150)
@given(module_source(), st.sampled_from(PLACES))
def test_fast_scanner_equals_the_reference_on_valid_python(
    source: bytes, where: SourceFile
) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        assume(False)  # e.g. "from . import *", or a relative import in a class body
    assert scan_source(source, where, MATCHER) == scan_source_reference(source, where, MATCHER)


def test_regression_one_statement_importing_a_module_twice_is_two_sites() -> None:
    """Found by the property above: the fast scanner used to keep a set of sites."""
    source = b"import app.agents.old_engine, app.agents.old_engine\n"
    fast = scan_source(source, PLACES[0], MATCHER)
    assert fast == scan_source_reference(source, PLACES[0], MATCHER)
    assert len(fast) == 2


def test_regression_bytes_invalid_in_the_encoding_inside_a_comment() -> None:
    """Found by atheris (``2#\\xff``) and by a long hypothesis run (``#\\x80``): CPython parses
    a file whose comment is not valid UTF-8, and the reference then failed to decode it for
    the sites' text, so a whole pytest run stopped with an internal error."""
    for source in (
        b"2#\xff\xff",
        b"import app.legacy_core\n#\x80",
        b"import app.legacy_core  # caf\xe9\n",
        b"# -*- coding: nope -*-\nimport app.legacy_core\n",
    ):
        try:
            reference = scan_source_reference(source, PLACES[0], MATCHER)
        except UnparsableSource:
            reference = None
        if reference is not None:
            assert scan_source(source, PLACES[0], MATCHER) == reference
    (site,) = scan_source(b"import app.legacy_core  # caf\xe9\n", PLACES[0], MATCHER)
    assert site.text == "import app.legacy_core"
