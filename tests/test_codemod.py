from __future__ import annotations

import ast
import difflib
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    deprecated_modules,
    scan_source,
)
from pytest_ssot.analysis.purity import RedirectRules, check_source_purity
from pytest_ssot.domain.model import ObjectPath, RedirectContract
from pytest_ssot.migration.codemod import (
    FixPlan,
    NameMap,
    NotRewritable,
    plan_fix,
    rewrite_sites,
)
from pytest_ssot.rendering.redirects import ModuleRedirect
from pytest_ssot.settings.pyproject import load_config, parse_config
from tests.conftest import write_tree

ENGINE = RedirectContract(
    name="engine",
    canonical=ObjectPath("app.core", "Engine"),
    redirects=(ObjectPath("app.old", "LegacyEngine"),),
)
CONFIG = parse_config(
    {
        "contracts": {
            "engine": {"canonical": "app.core:Engine", "redirects": ["app.old:LegacyEngine"]},
            "tools": {"canonical": "app.tools", "redirects": ["app.legacy_tools"]},
        }
    },
    Path("pyproject.toml"),
)
NAMES: NameMap = {
    ("app.old", "LegacyEngine"): ("app.core", "Engine"),
    ("app.old", "make_engine"): ("app.core", "make_engine"),
}
MATCHER = SiteMatcher(deprecated_modules(CONFIG.contracts))
WHERE = SourceFile("app/api/views.py", "app.api.views")


def fix(source: str) -> tuple[str, list[str]]:
    text = textwrap.dedent(source)
    sites = scan_source(text.encode(), WHERE, MATCHER)
    return rewrite_sites(text, sites, WHERE, NAMES, CONFIG)


REWRITES = {
    "renamed-keeps-the-local-name": (
        "from app.old import LegacyEngine\n",
        "from app.core import Engine as LegacyEngine\n",
    ),
    "alias-kept": (
        "from app.old import LegacyEngine as E  # why\n",
        "from app.core import Engine as E  # why\n",
    ),
    "split-where-only-some-move": (
        "from app.old import LegacyEngine, unknown_helper\n",
        "from app.old import unknown_helper\nfrom app.core import Engine as LegacyEngine\n",
    ),
    "moved-name": ("from app.old import make_engine\n", "from app.core import make_engine\n"),
    "relative": (
        "def f():\n    from ..old import LegacyEngine\n",
        "def f():\n    from app.core import Engine as LegacyEngine\n",
    ),
    "parenthesized": (
        "from app.old import (\n    LegacyEngine,\n    make_engine,\n)\n",
        "from app.core import Engine as LegacyEngine, make_engine\n",
    ),
    "mock-patch-string": (
        "from unittest import mock\n\n@mock.patch('app.old.LegacyEngine.run')\ndef test(m):\n    pass\n",
        "from unittest import mock\n\n@mock.patch('app.core.Engine.run')\ndef test(m):\n    pass\n",
    ),
    "module-colon-string": ('PATHS = ["app.old:LegacyEngine"]\n', 'PATHS = ["app.core:Engine"]\n'),
    "whole-module-import-as": ("import app.legacy_tools as t\n", "import app.tools as t\n"),
    "whole-module-through-parent": (
        "from app import legacy_tools\n",
        "from app import tools as legacy_tools\n",
    ),
    "whole-module-star": ("from app.legacy_tools import *\n", "from app.tools import *\n"),
    "semicolons": (
        "import os; from app.old import LegacyEngine\n",
        "import os; from app.core import Engine as LegacyEngine\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), REWRITES.values(), ids=REWRITES.keys())
def test_rewrite(before: str, after: str) -> None:
    assert fix(before)[0] == after


def test_what_cannot_be_rewritten_is_left_and_reported() -> None:
    text, manual = fix("import app.old\nx = app.old.LegacyEngine\n")
    assert text == "import app.old\nx = app.old.LegacyEngine\n"
    assert manual == [
        "app/api/views.py: 'import app.old' — rewrite its uses to the canonical module by hand "
        "(attribute uses are not rewritten)"
    ]


def test_redirect_module_source_is_pure_and_keeps_names() -> None:
    rules = RedirectRules.for_module("app.old", [ENGINE], ())
    exported = {"LegacyEngine": ("app.core", "Engine"), "make_engine": ("app.core", "make_engine")}
    redirect = ModuleRedirect("app.old", "app.core", exported, docstring='"""Deprecated."""')
    for warn in (False, True):
        source = redirect.source(warn=warn)
        assert check_source_purity(source, "old.py", rules).ok, source
        tree = ast.parse(source)
        assert ast.get_docstring(tree) == "Deprecated."
        assert '__all__ = ["LegacyEngine", "make_engine"]' in source


def plan_for(root: Path, extra: dict[str, str]) -> FixPlan:
    """The fix plan of a one-contract project with ``app/good.py`` importing the old path."""
    write_tree(
        root,
        {
            "pyproject.toml": '[tool.ssot.contracts.engine]\ncanonical = "app.core:Engine"\n'
            'redirects = ["app.old:LegacyEngine"]\n',
            "app/core.py": "class Engine:\n    pass\n",
            "app/old.py": "from app.core import Engine as LegacyEngine\n",
            "app/good.py": "from app.old import LegacyEngine\n",
            **extra,
        },
    )
    config = load_config(root / "pyproject.toml")
    assert config is not None
    return plan_fix(config, search_path=[str(root)])


def test_unparsable_file_is_skipped_and_reported(tmp_path: Path) -> None:
    broken = "from app.old import LegacyEngine\ndef (:\n"
    plan = plan_for(tmp_path, {"app/broken.py": broken})
    assert [c.path for c in plan.changes] == ["app/good.py"]
    assert len(plan.skipped) == 1
    assert plan.skipped[0].startswith("app/broken.py: not valid Python")
    assert (tmp_path / "app/broken.py").read_text() == broken


def test_a_failed_write_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_for(tmp_path, {})

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        plan.write()
    assert (tmp_path / "app/good.py").read_text() == "from app.old import LegacyEngine\n"
    assert [p.name for p in (tmp_path / "app").iterdir() if p.name.startswith(".")] == []


# -- everything outside the rewritten statements is byte-identical ---------------------------

FILLER = st.sampled_from(
    [
        "",
        "# a comment about app.old.LegacyEngine",
        "x = 1",
        "x  =  ( 1 ,2 )   # odd spacing",
        "def f(a, b=2):",
        "    return a  # trailing",
        "class C:",
        '    """Docstring: from app.old import LegacyEngine."""',
        "    pass",
        "s = 'app.old is deprecated'",
        "\t",
        "import os",
        "from app.core import Engine",
        "if True:",
        "    y = [",
        "        1,",
        "    ]",
    ]
)
SITES = st.sampled_from(
    [
        "from app.old import LegacyEngine",
        "from app.old import LegacyEngine as E",
        "from app.old import LegacyEngine, make_engine",
        "import app.legacy_tools as t",
        "from app.legacy_tools import *",
    ]
)


@st.composite
def module_with_sites(draw: st.DrawFn) -> tuple[str, set[int]]:
    lines: list[str] = []
    site_lines: set[int] = set()
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.booleans()):
            site_lines.add(len(lines) + 1)
            lines.append(draw(SITES))
        else:
            lines.append(draw(FILLER))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline, site_lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module_with_sites())
def test_only_rewritten_statements_change(case: tuple[str, set[int]]) -> None:
    text, site_lines = case
    try:
        ast.parse(text)
    except SyntaxError:
        return  # the filler can make invalid Python; fix skips such files
    sites = scan_source(text.encode(), WHERE, MATCHER)
    assert {s.line for s in sites} == site_lines
    try:
        new, _ = rewrite_sites(text, sites, WHERE, NAMES, CONFIG)
    except NotRewritable:
        return  # refused whole (libcst could not give it back byte for byte): nothing lost

    old_lines = text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Whatever differs is a site line, replaced by import statements only.
        assert set(range(i1 + 1, i2 + 1)) <= site_lines, (tag, old_lines[i1:i2])
        assert all(_is_site(line) for line in new_lines[j1:j2]), new_lines[j1:j2]
    # A second pass finds nothing to do.
    again = scan_source(new.encode(), WHERE, MATCHER)
    assert rewrite_sites(new, again, WHERE, NAMES, CONFIG)[0] == new


def _is_site(line: str) -> bool:
    return line.lstrip().startswith(("from app.", "import app."))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_after_a_site_is_kept_or_the_file_refused(tail: str) -> None:
    """Whatever follows a rewritten import: either every byte of it survives, or the file is
    refused as a whole (``plan_fix`` reports it as skipped)."""
    head = "from app.old import LegacyEngine\n"
    text = head + tail
    try:
        sites = scan_source(text.encode("utf-8", "surrogatepass"), WHERE, MATCHER)
        new, _ = rewrite_sites(text, sites, WHERE, NAMES, CONFIG)
    except (NotRewritable, UnparsableSource, UnicodeEncodeError):
        return
    if any(site.line == 1 for site in sites):
        assert new == "from app.core import Engine as LegacyEngine\n" + tail
    else:
        assert new == text


# -- moving definitions: what they need comes along, spelled as the canonical spells it ------

CORE_WITH_HELPER = "class Engine:\n    pass\n\n\ndef _helper():\n    return 2\n"


def moved_into_core(root: Path, old: str) -> tuple[str, FixPlan]:
    plan = plan_for(root, {"app/old.py": textwrap.dedent(old), "app/core.py": CORE_WITH_HELPER})
    after = {c.path: c.after for c in plan.changes}
    return after["app/core.py"].removeprefix(CORE_WITH_HELPER), plan


def test_renames_follow_scopes_not_spelling(tmp_path: Path) -> None:
    """``LegacyEngine`` becomes ``Engine`` where it means the module's name (a string
    annotation included), not where a function binds its own, nor inside longer names."""
    moved, plan = moved_into_core(
        tmp_path,
        """
        class LegacyEngine:
            pass


        class LegacyEngineFactory:
            def build(self, kind=None):
                LegacyEngine = kind or object
                return LegacyEngine

            def make(self) -> "LegacyEngine":
                return LegacyEngine()
        """,
    )
    assert moved == (
        "\n\n# Moved from app.old by `ssot fix`.\n"
        "class LegacyEngineFactory:\n"
        "    def build(self, kind=None):\n"
        "        LegacyEngine = kind or object\n"
        "        return LegacyEngine\n"
        "\n"
        '    def make(self) -> "Engine":\n'
        "        return Engine()\n"
    )
    assert not plan.problems


def test_a_statement_that_would_shadow_a_canonical_name_is_refused(tmp_path: Path) -> None:
    _, plan = moved_into_core(tmp_path, "make_engine, Engine = (lambda: 1), None\n")
    assert plan.problems == (
        "app/old.py:1: this statement must move into app.core, but it also binds Engine, "
        "which app.core already defines; move it by hand",
    )


def test_a_helper_both_modules_define_is_the_canonicals_and_said_so(tmp_path: Path) -> None:
    moved, plan = moved_into_core(
        tmp_path,
        """
        def _helper():
            return 1


        def make_engine():
            return _helper()
        """,
    )
    assert "def _helper" not in moved
    assert (
        "app/old.py: _helper is defined in app.old and in app.core; the moved code now uses "
        "app.core's"
    ) in plan.manual
