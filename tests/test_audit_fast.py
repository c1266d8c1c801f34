"""The fast scan's shortcuts, each against the parse-everything reference on adversarial text.

Every decision the fast scan takes without parsing (a name that cannot be in an import, a
string that cannot be a path, a comment, a logical line found by lexing a few lines, the
``if TYPE_CHECKING:`` body found by indentation) has a case here where getting it wrong
would change the result.
"""

from __future__ import annotations

import os
import random
import textwrap
from pathlib import Path

import pytest

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    _anchors,
    deprecated_modules,
    scan_source,
    scan_source_reference,
)
from pytest_ssot.command import main as cli
from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract
from tests.conftest import write_tree

#: The deprecated leaf is inside the canonical's name and inside many other identifiers.
ENGINE = RedirectContract(
    name="engine",
    canonical=ObjectPath("app.agents.user_old_engine", "UserEngine"),
    redirects=(
        ObjectPath("app.agents.old_engine", "Engine"),
        ObjectPath("app.agents.old_engine_consolidated", "Engine"),
    ),
)
CORE = RedirectContract(
    name="core", canonical=ObjectPath("app.core"), redirects=(ObjectPath("app.legacy_core"),)
)
MATCHER = SiteMatcher(deprecated_modules([ENGINE, CORE]))
WHERE = SourceFile("app/agents/tools/use.py", "app.agents.tools.use")
PACKAGE = SourceFile("app/agents/__init__.py", "app.agents", is_package=True)


def both(source: str | bytes, where: SourceFile = WHERE) -> list[ImportSite]:
    data = textwrap.dedent(source).encode() if isinstance(source, str) else source
    fast = scan_source(data, where, MATCHER)
    assert fast == scan_source_reference(data, where, MATCHER)
    return fast


def lines(source: str, where: SourceFile = WHERE) -> list[tuple[int, int, str, bool]]:
    return [(s.line, s.column, s.form, s.type_only) for s in both(source, where)]


CASES = {
    # names that contain a leaf, or are a leaf, outside imports
    "substring-identifiers": (
        """
        from app.agents.user_old_engine import UserEngine
        from app.agents.old_engine_factory import build_old_engine_factory
        old_engine = UserEngine()
        get_old_engine_config(old_engine.old_engine_id)
        """,
        [],
    ),
    "leaf-as-name-in-code": (
        "def f(old_engine):\n    old_engine.run(old_engine=old_engine)\n    return old_engine\n",
        [],
    ),
    "leaf-as-name-list-line-in-a-call": (
        "run(\n    a,\n    old_engine,\n)\n",
        [],
    ),
    "parenthesized-through-parent": (
        "from app.agents import (\n    user_old_engine,\n    # old\n\n    old_engine,\n)\n",
        [(1, 1, "from-import", False)],
    ),
    "backslash-alias": (
        "from app.agents import \\\n    old_engine\n",
        [(1, 1, "from-import", False)],
    ),
    "backslash-dotted": ("import app.agents.\\\n    old_engine\n", [(1, 1, "import", False)]),
    "import-after-semicolon": ("x = 1; import app.agents.old_engine\n", [(1, 8, "import", False)]),
    "import-after-colon": ("if x: import app.legacy_core\n", [(1, 7, "import", False)]),
    "else-one-liner": (
        "if x:\n    pass\nelse: import app.legacy_core\n",
        [(3, 7, "import", False)],
    ),
    "elif-header-string": (
        "if x:\n    pass\nelif y == 'app.legacy_core':\n    pass\n",
        [(3, 11, "string", False)],
    ),
    # strings
    "patch-string-on-its-own-line": (
        "from unittest import mock\nwith mock.patch(\n    'app.agents.old_engine.Engine.run',\n"
        "    autospec=True,\n) as run:\n    pass\n",
        [(3, 5, "string", False)],
    ),
    "patch-decorator-in-a-class": (
        "class T:\n    @mock.patch('app.agents.old_engine.Engine')\n    def test(self, m):\n"
        "        pass\n",
        [(2, 17, "string", False)],
    ),
    "non-call-string-reaching-is-no-site": ("X = 'app.agents.old_engine.Engine.run'\n", []),
    "exact-string-in-a-dict": (
        "LAZY = {\n    'Engine': 'app.agents.old_engine:Engine',\n}\n",
        [(2, 15, "string", False)],
    ),
    "implicit-concatenation": (
        "m = importlib.import_module('app.agents.' 'old_engine')\n",
        [(1, 29, "string", False)],
    ),
    "concatenation-over-lines": (
        "LAZY = [\n    'app.agents.'\n    'old_engine',\n]\n",
        [(2, 5, "string", False)],
    ),
    "escape-in-the-path": (
        "m = __import__('app.agents\\x2eold_engine')\n",
        [(1, 16, "string", False)],
    ),
    "raw-string-with-backslash": ("m = __import__(r'app\\agents.old_engine')\n", []),
    "bytes-and-f-strings": (
        "a = b'app.legacy_core'\nb = f'app.legacy_core'\nc = f'{patch(\"app.legacy_core\")}'\n",
        [],
    ),
    "prose-strings": (
        "log.info('moved off app.agents.old_engine.Engine')\nX = 'app.agents.old_engine_v2'\n",
        [],
    ),
    "bare-string-statement-not-first": (
        "def f():\n    x = 1\n    'app.legacy_core'\n",
        [(3, 5, "string", False)],
    ),
    "docstring-is-no-site": ("def f():\n    'app.legacy_core'\n    return 1\n", []),
    "module-docstring-is-no-site": ("'app.legacy_core'\nimport os\n", []),
    "string-after-a-multiline-string": (
        'X = """\nabc\n""" + __import__("app.legacy_core")\n',
        [(3, 18, "string", False)],
    ),
    "comment-and-docstring-imports": (
        '"""\nfrom app.agents.old_engine import Engine\n"""\n'
        "# import app.agents.old_engine\n"
        "def f():\n    '''\n    import app.legacy_core\n    '''\n",
        [],
    ),
    "triple-quote-in-a-comment": (
        "x = 1  # ''' not a string\nimport app.legacy_core\n# '''\n",
        [(2, 1, "import", False)],
    ),
    "suppressed": ("import app.legacy_core  # ssot: ignore\n", []),
    # TYPE_CHECKING
    "type-checking-nested-in-a-method": (
        """
        from typing import TYPE_CHECKING
        class C:
            def f(self):
                if TYPE_CHECKING:
                    from app.agents.old_engine import Engine
                    if x:
                        import app.legacy_core
                else:
                    import app.legacy_core
                import app.agents.old_engine
        """,
        [
            (6, 13, "from-import", True),
            (8, 17, "import", True),
            (10, 13, "import", False),
            (11, 9, "import", False),
        ],
    ),
    "type-checking-elif-and-attribute": (
        """
        import typing
        def f():
            if x:
                pass
            elif typing.TYPE_CHECKING:
                import app.legacy_core
        """,
        [(7, 9, "import", True)],
    ),
    "type-checking-header-split": (
        "def f():\n    if (\n        TYPE_CHECKING\n    ):\n        import app.legacy_core\n",
        [(5, 9, "import", True)],
    ),
    "type-checking-alias-list": (
        "from typing import (\n    TYPE_CHECKING,\n)\ndef f():\n    import app.legacy_core\n",
        [(5, 5, "import", False)],
    ),
    "type-checking-variable": (
        "TYPE_CHECKING = False\ndef f():\n    if TYPE_CHECKING:\n        import app.legacy_core\n",
        [(4, 9, "import", True)],
    ),
    # relative imports
    "relative-forms": (
        "from .. import old_engine\nfrom ..old_engine import Engine\nfrom . import legacy_core\n",
        [(1, 1, "relative-import", False), (2, 1, "relative-import", False)],
    ),
    # brackets and lines the lexer must not misread
    "continuation-lines-at-column-zero": (
        "def f():\n    x = foo(\n1)\n    import app.legacy_core\n",
        [(4, 5, "import", False)],
    ),
    "yield-from-on-a-continuation-line": (
        "def g():\n    x = (yield\n    from old_engine)\n    import app.legacy_core\n",
        [(4, 5, "import", False)],
    ),
    "string-continued-by-backslash": (
        "x = 'abc\\\nimport app.legacy_core'\nimport app.legacy_core\n",
        [(3, 1, "import", False)],
    ),
    "crlf": ("def f():\r\n    import app.legacy_core\r\n", [(2, 5, "import", False)]),
}


@pytest.mark.parametrize(("source", "expected"), CASES.values(), ids=CASES.keys())
def test_fast_scan_equals_the_reference(
    source: str, expected: list[tuple[int, int, str, bool]]
) -> None:
    assert lines(source) == expected


def test_relative_imports_inside_a_deprecated_package_name_no_leaf() -> None:
    """``from . import x`` in ``app/legacy_core/util.py`` reaches the deprecated package
    without spelling its name: no mention, yet a site."""
    where = SourceFile("app/legacy_core/util.py", "app.legacy_core.util")
    source = "import os\nfrom . import helpers\nX = 'legacy_core'\n"
    assert [(s.line, s.deprecated) for s in both(source, where)] == [(2, "app.legacy_core.helpers")]


def test_a_file_mentioning_only_longer_names_is_not_parsed() -> None:
    """``user_old_engine`` is not a mention of ``old_engine``: a broken file holding only
    that is not read as Python at all (the substring prefilter parsed it, and reported it)."""
    assert scan_source(b"from app.agents.user_old_engine import (\n", WHERE, MATCHER) == []
    with pytest.raises(UnparsableSource):
        scan_source(b"from app.agents.old_engine import (\n", WHERE, MATCHER)


def test_unparsable_file_with_a_site_outside_the_broken_part() -> None:
    source = b"import app.legacy_core\n\ndef (:\n"
    assert [s.line for s in scan_source(source, WHERE, MATCHER)] == [1]
    with pytest.raises(UnparsableSource):
        scan_source_reference(source, WHERE, MATCHER)


def long_class(rng: random.Random) -> tuple[str, int]:
    """A test class of thousands of lines, with method-local imports of the canonical and
    the deprecated paths, patches, docstrings, comments and plain uses of the names."""
    out = ["from typing import TYPE_CHECKING", "from unittest import mock", "", "class TestEngine:"]
    planted = 0
    forms = [
        ("        from app.agents.old_engine import Engine", 1),
        (
            "        from app.agents import (\n            user_old_engine,\n            old_engine,\n        )",
            1,
        ),
        (
            "        with mock.patch('app.agents.old_engine.Engine.run') as run:\n            pass",
            1,
        ),
        (
            "        with mock.patch(\n            'app.agents.old_engine_consolidated.Engine',\n        ):\n            pass",
            1,
        ),
        ("        if TYPE_CHECKING:\n            import app.legacy_core", 1),
        ("        import app.agents.\\\n            old_engine as e", 1),
        (
            "        '''Replaces app.agents.old_engine.\n\n        from app.agents.old_engine import Engine\n        '''",
            0,
        ),
        ("        # from app.agents.old_engine import Engine", 0),
        ("        old_engine = UserEngine()\n        old_engine.run(old_engine_factory)", 0),
        ("        log.info('done with app.agents.old_engine %s', old_engine)", 0),
        ("        from app.agents.user_old_engine import UserEngine", 0),
    ]
    while len(out) < 3000:
        out.append(f"    def test_{len(out)}(self, old_engine):")
        for _ in range(rng.randint(1, 4)):
            text, sites = rng.choice(forms)
            out.append(text)
            planted += sites
        out.append("        assert True")
        out.append("")
    return "\n".join(out) + "\n", planted


@pytest.mark.parametrize("seed", range(3))
def test_mentions_inside_a_long_class(seed: int) -> None:
    source, planted = long_class(random.Random(seed))
    sites = both(source)
    assert len({s.line for s in sites}) == planted
    assert any(s.type_only for s in sites)


def test_anchors_cover_every_leaf_with_few_passes() -> None:
    leaves = ["order_repository", "invoice_repository", "execution_engine", "notifier", "x"]
    chosen = _anchors(leaves)
    assert sorted(leaf for covered in chosen.values() for leaf in covered) == sorted(leaves)
    assert chosen["_repository"] == ["invoice_repository", "order_repository"]
    assert all(anchor in leaf for anchor, covered in chosen.items() for leaf in covered)


def test_first_declared_module_wins_as_before() -> None:
    """``a.b`` and ``a.b.c`` both deprecated: the dict lookups keep the loop's answer (the
    first declared one that matches)."""
    outer = RedirectContract("outer", ObjectPath("n.b"), (ObjectPath("a.b"),))
    inner = RedirectContract("inner", ObjectPath("n.c"), (ObjectPath("a.b.c"),))
    for order in ([outer, inner], [inner, outer]):
        matcher = SiteMatcher(deprecated_modules(order))
        reached = matcher.reached("a.b.c.X")
        assert reached is not None
        assert reached.contract == order[0].name
        assert matcher.reached("a.bc") is None
        assert matcher.reached("a") is None


# -- `ssot check` and the cache ----------------------------------------------------------------

PROJECT = {
    "pyproject.toml": """\
        [tool.ssot.contracts.engine]
        canonical = "app.agents.user_old_engine:UserEngine"
        redirects = ["app.agents.old_engine:Engine"]
        audit = "warn"
        """,
    "app/__init__.py": "",
    "app/agents/__init__.py": "",
    "app/agents/user_old_engine.py": "class UserEngine:\n    pass\n",
    "app/agents/old_engine.py": "from app.agents.user_old_engine import UserEngine as Engine\n",
    "app/api.py": "from app.agents.old_engine import Engine\n",
}


def check(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["check", "--config", str(root / "pyproject.toml"), *args])
    return code, capsys.readouterr().out


def test_ssot_check_reuses_the_plugins_cache_and_no_cache_bypasses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path, {k: textwrap.dedent(v) for k, v in PROJECT.items()})
    monkeypatch.chdir(root)
    monkeypatch.delenv("TOX_ENV_DIR", raising=False)  # under tox pytest's cache lives there
    _, out = check(root, capsys=capsys)
    assert "app/api.py:1" in out
    cache = root / ".pytest_cache" / "d" / "ssot" / "audit.json"
    assert cache.is_file()
    assert (root / ".pytest_cache" / ".gitignore").read_text().endswith("*\n")
    # Same size and modification time, other content: only a scan that reads the file sees it.
    api = root / "app" / "api.py"
    stat = api.stat()
    api.write_text("from app.agents.user_old_engine import UserEngine as Engine\n"[: stat.st_size])
    api.write_text("x" * (stat.st_size - 1) + "\n")
    os.utime(api, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    _, warm = check(root, capsys=capsys)
    assert "app/api.py:1" in warm  # served from the cache
    before = cache.read_bytes()
    _, cold = check(root, "--no-cache", capsys=capsys)
    assert "app/api.py:1" not in cold
    assert cache.read_bytes() == before  # --no-cache leaves the cache alone
