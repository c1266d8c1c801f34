from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    UnparsableSource,
    audit_tree,
    deprecated_modules,
    scan_source,
    scan_source_reference,
)
from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract
from pytest_ssot.source.tree import TreeSelection, normalise_globs
from tests.conftest import write_tree

ENGINE = RedirectContract(
    name="engine",
    canonical=ObjectPath("app.agents.user_engine", "UserEngine"),
    redirects=(ObjectPath("app.agents.old_engine", "Engine"),),
)
CORE = RedirectContract(
    name="core",
    canonical=ObjectPath("app.core"),
    redirects=(ObjectPath("app.legacy_core"),),
)
MATCHER = SiteMatcher(deprecated_modules([ENGINE, CORE]))
WHERE = SourceFile("app/agents/tools/use.py", "app.agents.tools.use")


def scan(source: str, where: SourceFile = WHERE) -> list[ImportSite]:
    """Both scanners, which must agree; the fast one's result is returned."""
    data = textwrap.dedent(source).encode()
    fast = scan_source(data, where, MATCHER)
    assert fast == scan_source_reference(data, where, MATCHER)
    return fast


def found(source: str, where: SourceFile = WHERE) -> list[tuple[int, str, str]]:
    return [(s.line, s.form, s.deprecated) for s in scan(source, where)]


FORMS = {
    "import": ("import app.agents.old_engine\n", (1, "import", "app.agents.old_engine")),
    "import-as": ("import app.agents.old_engine as e\n", (1, "import", "app.agents.old_engine")),
    "from-import": (
        "from app.agents.old_engine import Engine\n",
        (1, "from-import", "app.agents.old_engine.Engine"),
    ),
    "from-import-as": (
        "from app.agents.old_engine import Engine as E\n",
        (1, "from-import", "app.agents.old_engine.Engine"),
    ),
    "through-parent": (
        "from app.agents import old_engine\n",
        (1, "from-import", "app.agents.old_engine"),
    ),
    "parenthesized": (
        "from app.agents import (\n    user_engine,\n    old_engine,\n)\n",
        (1, "from-import", "app.agents.old_engine"),
    ),
    "relative-parent": (
        "from ..old_engine import Engine\n",
        (1, "relative-import", "app.agents.old_engine.Engine"),
    ),
    "relative-package": (
        "from .. import old_engine\n",
        (1, "relative-import", "app.agents.old_engine"),
    ),
    "inside-function": (
        "def f():\n    from app.agents.old_engine import Engine\n    return Engine\n",
        (2, "from-import", "app.agents.old_engine.Engine"),
    ),
    "try-except": (
        "try:\n    import app.agents.old_engine\nexcept ImportError:\n    pass\n",
        (2, "import", "app.agents.old_engine"),
    ),
    "import-module": (
        "import importlib\nm = importlib.import_module('app.agents.old_engine')\n",
        (2, "string", "app.agents.old_engine"),
    ),
    "dunder-import": ("m = __import__('app.legacy_core')\n", (1, "string", "app.legacy_core")),
    "mock-patch": (
        "from unittest import mock\n\n@mock.patch('app.agents.old_engine.Engine.run')\n"
        "def test(m):\n    pass\n",
        (3, "string", "app.agents.old_engine.Engine.run"),
    ),
    "importorskip": (
        "import pytest\nm = pytest.importorskip('app.legacy_core')\n",
        (2, "string", "app.legacy_core"),
    ),
    "monkeypatch-setattr": (
        "def test(monkeypatch):\n    monkeypatch.setattr('app.agents.old_engine.Engine.run', 1)\n",
        (2, "string", "app.agents.old_engine.Engine.run"),
    ),
    "lazy-table-module": (
        "LAZY = {\n    'Engine': 'app.agents.old_engine',\n}\n",
        (2, "string", "app.agents.old_engine"),
    ),
    "lazy-table-object": (
        "PATHS = ['app.agents.old_engine:Engine']\n",
        (1, "string", "app.agents.old_engine.Engine"),
    ),
    "whole-module-star": ("from app.legacy_core import *\n", (1, "from-import", "app.legacy_core")),
}


@pytest.mark.parametrize(("source", "expected"), FORMS.values(), ids=FORMS.keys())
def test_every_site_form_is_found(source: str, expected: tuple[int, str, str]) -> None:
    assert found(source) == [expected]


DECOYS = {
    "module-docstring": '"""\nfrom app.agents.old_engine import Engine\n"""\n',
    "function-docstring": 'def f():\n    """Moved from app.agents.old_engine."""\n',
    "comment": "# from app.agents.old_engine import Engine\nx = 1\n",
    "log-message": "log = 'migrated from app.agents.old_engine last year'\n",
    "f-string": "name = 'x'\nmsg = f'app.agents.old_engine {name}'\n",
    "shared-prefix-module": "import app.agents.old_engine_factory\n",
    "shared-prefix-from": "from app.agents import old_engine_factory\n",
    "shared-prefix-string": "X = 'app.agents.old_engine_v2'\n",
    "attribute": "class A:\n    def f(self, x):\n        self.old_engine = x\n",
    "canonical": "from app.agents.user_engine import UserEngine\n",
    "lone-string-statement": "'app.agents.old_engine'\n",
    "patch-object": "from unittest import mock\nimport app\nmock.patch.object(app, 'old_engine')\n",
}


@pytest.mark.parametrize("source", DECOYS.values(), ids=DECOYS.keys())
def test_decoys_are_not_sites(source: str) -> None:
    assert found(source) == []


def test_type_checking_imports_are_marked_type_only() -> None:
    sites = scan(
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from app.agents.old_engine import Engine
        else:
            import app.legacy_core
        """
    )
    assert [(s.line, s.type_only) for s in sites] == [(5, True), (7, False)]


def test_location_text_and_replacement() -> None:
    (site,) = scan("import os\n\ndef f():\n    from app.agents.old_engine import Engine as E\n")
    assert (site.path, site.line, site.column) == ("app/agents/tools/use.py", 4, 5)
    assert site.contract == "engine"
    assert site.text == "from app.agents.old_engine import Engine as E"
    assert site.replacement == "from app.agents.user_engine import UserEngine as E"
    assert site.key == "from-import app.agents.old_engine.Engine"


REPLACEMENTS = {
    "renamed": (
        "from app.agents.old_engine import Engine\n",
        "from app.agents.user_engine import UserEngine as Engine",
    ),
    "other-name-unknown": ("from app.agents.old_engine import helper\n", ""),
    "whole-module": ("import app.legacy_core as lc\n", "import app.core as lc"),
    "whole-module-parent": ("from app import legacy_core\n", "from app import core as legacy_core"),
    "patch-target": (
        "import mock\nmock.patch('app.agents.old_engine.Engine.run')\n",
        "app.agents.user_engine.UserEngine.run",
    ),
}


@pytest.mark.parametrize(("source", "replacement"), REPLACEMENTS.values(), ids=REPLACEMENTS.keys())
def test_replacement(source: str, replacement: str) -> None:
    (site,) = scan(source)
    assert site.replacement == replacement


def test_suppression_comment() -> None:
    source = "from app.agents.old_engine import Engine  # ssot: ignore (tests the shim)\n"
    assert found(source) == []


def test_relative_import_of_a_package_init() -> None:
    where = SourceFile("app/agents/__init__.py", "app.agents", is_package=True)
    assert found("from .old_engine import Engine\n", where) == [
        (1, "relative-import", "app.agents.old_engine.Engine")
    ]


def test_relative_import_beyond_the_top_is_not_a_site() -> None:
    assert found("from ...... import old_engine\n") == []


def test_statements_split_by_column_zero_lines_inside_brackets_and_strings() -> None:
    source = """
        X = [
        'app.agents.old_engine',
        ]
        Y = '''
        import app.agents.old_engine
        '''
        def f():
            return (1,
        2)
        import app.legacy_core
    """
    assert found(source) == [
        (3, "string", "app.agents.old_engine"),
        (11, "import", "app.legacy_core"),
    ]


def test_encodings_bom_crlf_and_latin1() -> None:
    latin1 = "# -*- coding: latin-1 -*-\nA = 'café'\nimport app.legacy_core\n".encode("latin-1")
    bom_crlf = b"\xef\xbb\xbfx = 1\r\nimport app.legacy_core\r\n"
    for data, line in ((latin1, 3), (bom_crlf, 2)):
        sites = scan_source(data, WHERE, MATCHER)
        assert sites == scan_source_reference(data, WHERE, MATCHER)
        assert [s.line for s in sites] == [line]


def test_unparsable_file_that_mentions_a_deprecated_path_is_reported() -> None:
    with pytest.raises(UnparsableSource, match=r"use.py:2: cannot parse"):
        scan_source_reference(b"import app.legacy_core\nclass (:\n", WHERE, MATCHER)


def test_file_without_a_mention_is_not_parsed_at_all() -> None:
    assert scan_source(b"this is not python (", WHERE, MATCHER) == []


# -- the tree ------------------------------------------------------------------------------


def make_tree(root: Path) -> Path:
    return write_tree(
        root,
        {
            "app/agents/user_engine.py": "class UserEngine:\n    pass\n",
            "app/agents/old_engine.py": "from app.agents.user_engine import UserEngine as Engine\n",
            "app/api.py": "from app.agents.old_engine import Engine\n",
            "tests/test_api.py": "from app.agents import old_engine\n",
            ".venv/lib/site.py": "import app.agents.old_engine\n",
            "build/lib/app/api.py": "import app.agents.old_engine\n",
            "backups/api.py": "import app.agents.old_engine\n",
            "env2/pyvenv.cfg": "home = /usr\n",
            "env2/lib/x.py": "import app.agents.old_engine\n",
        },
    )


def test_tree_audit_excludes_environments_builds_and_configured_folders(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    selection = TreeSelection(exclude=normalise_globs(["backups/"]))
    audit = audit_tree(root, [ENGINE], selection)
    assert [(s.path, s.line) for s in audit.sites] == [("app/api.py", 1), ("tests/test_api.py", 1)]
    assert audit.test_paths == {"tests/test_api.py"}


def test_cache_is_never_stale(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "tree")
    cache = tmp_path / "cache.json"
    selection = TreeSelection(exclude=normalise_globs(["backups"]))

    def run() -> tuple[list[tuple[str, int]], int]:
        audit = audit_tree(root, [ENGINE], selection, cache_file=cache)
        return [(s.path, s.line) for s in audit.sites], audit.read

    cold, read = run()
    assert read > 0
    warm, read = run()
    assert (warm, read) == (cold, 0)
    # edited, same size: the mtime changes
    api = root / "app" / "api.py"
    api.write_text("from app.agents.old_engine import Engine\n".replace("from", "#rom"))
    os.utime(api, ns=(1, 1))
    assert run()[0] == [("tests/test_api.py", 1)]
    # added
    (root / "app" / "new.py").write_text("\n\nimport app.agents.old_engine\n")
    assert run()[0] == [("app/new.py", 3), ("tests/test_api.py", 1)]
    # renamed
    (root / "app" / "new.py").rename(root / "app" / "renamed.py")
    assert run()[0] == [("app/renamed.py", 3), ("tests/test_api.py", 1)]
    # deleted
    (root / "app" / "renamed.py").unlink()
    assert run()[0] == [("tests/test_api.py", 1)]


def test_cache_follows_package_changes_for_relative_imports(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write_tree(
        root,
        {
            "app/agents/user_engine.py": "class UserEngine:\n    pass\n",
            "app/agents/old_engine.py": "",
            "app/agents/tools/use.py": "from .. import old_engine\n",
        },
    )
    cache = tmp_path / "cache.json"
    # Without __init__.py, tools/ is a namespace package inside app.agents: Python 3 resolves
    # `from ..` in app.agents.tools.use to app.agents.
    (root / "app" / "agents" / "tools" / "__init__.py").unlink()
    (site,) = audit_tree(root, [ENGINE], TreeSelection(), cache_file=cache).sites
    assert site.deprecated == "app.agents.old_engine"
    # With an __init__.py on top, the tree is a package itself: use.py, unchanged, is now
    # tree.app.agents.tools.use and its `from ..` reads tree.app.agents.
    (root / "__init__.py").touch()
    assert audit_tree(root, [ENGINE], TreeSelection(), cache_file=cache).sites == ()


def test_damaged_cache_costs_only_a_cold_scan(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "tree")
    cache = tmp_path / "cache.json"
    cache.write_text("{not json")
    audit = audit_tree(root, [ENGINE], TreeSelection(), cache_file=cache)
    assert len(audit.sites) == 3  # backups/ is not excluded here
    assert cache.read_text().startswith('{"fingerprint"')


def test_unparsable_statement_mentioning_a_deprecated_path_is_reported(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/agents/user_engine.py": "",
            "app/broken.py": "x = 1\nimport app.agents.old_engine as (\n",
            # Broken elsewhere: the statements that mention the path still parse on their own,
            # so the fast scan reports the site (the reference would only report the file).
            "app/half.py": "import app.agents.old_engine\n\ndef (:\n",
        },
    )
    audit = audit_tree(root, [ENGINE], TreeSelection())
    assert [(s.path, s.line) for s in audit.sites] == [("app/half.py", 1)]
    assert audit.unreadable == ("app/broken.py:2: cannot parse: invalid syntax",)


def test_forked_scan_gives_the_same_result_in_the_same_order(tmp_path: Path) -> None:
    files = {
        f"app/m{i}.py": f"import app.agents.old_engine\n{'x = 1' * (i % 3)}\n" for i in range(9)
    }
    root = write_tree(tmp_path, {"app/agents/user_engine.py": "", **files})
    one = audit_tree(root, [ENGINE], TreeSelection(), workers=1)
    two = audit_tree(root, [ENGINE], TreeSelection(), workers=2)
    assert one == two
    assert len(two.sites) == 9
