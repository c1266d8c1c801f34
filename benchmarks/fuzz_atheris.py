"""Coverage-guided fuzzing of the static checks with atheris (libFuzzer).

The hypothesis properties in ``tests/test_fuzz.py`` run in every CI build; this harness is the
longer, coverage-guided run recorded in docs/errors.md ("Fuzzing"). Usage::

    python -m pip install atheris            # wheels for CPython 3.8-3.11 on Linux x86_64
    python benchmarks/fuzz_atheris.py -max_total_time=300 /tmp/ssot-fuzz-corpus

Any option libFuzzer takes can be added (``-jobs=2``, ``-max_len=4096``, ...). A dictionary of
Python and import tokens is written next to the corpus and used unless ``-dict=`` is given.

Per input, on the purity checker, the attribute-assignment finder and both import scanners:
nothing may raise except ``UnparsableSource`` from a scanner, and whenever the whole-file
reference parses the input, the fast scanner must return exactly the same sites. A failure
is a crash: libFuzzer stops and writes the input to ``crash-<sha1>``.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

with atheris.instrument_imports():
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

ENGINE = RedirectContract(
    "engine",
    ObjectPath("app.agents.user_engine", "UserEngine"),
    (ObjectPath("app.agents.old_engine", "Engine"),),
)
CORE = RedirectContract("core", ObjectPath("app.core"), (ObjectPath("app.legacy_core"),))
MATCHER = SiteMatcher(deprecated_modules([ENGINE, CORE]))
RULES = RedirectRules.for_module("app.agents.old_engine", [ENGINE], ())
PLACES = (
    SourceFile("app/agents/tools/use.py", "app.agents.tools.use"),
    SourceFile("app/agents/__init__.py", "app.agents", is_package=True),
)
#: The first byte of an input picks a prefix, so most inputs reach the scanners' parsing.
PREFIXES = (
    b"",
    b"import app.legacy_core\n",
    b"from app.agents import old_engine\n",
    b"\xef\xbb\xbf",
)
TOKENS = (
    "app.agents.old_engine",
    "app.legacy_core",
    "old_engine",
    "import ",
    "from ",
    " as ",
    '"""',
    "'''",
    "\\\n",
    "\r\n",
    "\t",
    "if TYPE_CHECKING:\n",
    "def f():\n    ",
    "import_module('",
    "# ssot: ignore",
    "# -*- coding: latin-1 -*-\n",
    "from .. import ",
    "(\n",
    ")\n",
)


def check(data: bytes) -> None:
    if not data:
        return
    source = PREFIXES[data[0] % len(PREFIXES)] + data[1:]
    where = PLACES[data[0] // len(PREFIXES) % len(PLACES)]
    check_source_purity(source, "old.py", RULES)
    find_attribute_assignment(source, "legacy")
    reference: list[ImportSite] | None
    try:
        reference = scan_source_reference(source, where, MATCHER)
    except UnparsableSource:
        reference = None
    try:
        fast = scan_source(source, where, MATCHER)
    except UnparsableSource:
        if reference is not None:
            raise AssertionError("the fast scan gave up on a file the reference parses") from None
        return
    if reference is not None and fast != reference:
        raise AssertionError(f"scanners disagree:\nfast      {fast}\nreference {reference}")


def main() -> None:
    argv = list(sys.argv)
    if not any(arg.startswith("-dict=") for arg in argv):
        corpus = next((a for a in argv[1:] if not a.startswith("-")), tempfile.gettempdir())
        os.makedirs(corpus, exist_ok=True)
        dictionary = os.path.join(corpus, "..", "ssot-fuzz.dict")
        with open(dictionary, "w", encoding="utf-8") as stream:
            for token in TOKENS:
                escaped = "".join(
                    chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}"
                    for b in token.encode()
                )
                stream.write(f'"{escaped}"\n')
        argv.append(f"-dict={dictionary}")
    atheris.Setup(argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
