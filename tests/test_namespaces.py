"""Namespace packages (directories without ``__init__.py``) inside and outside regular packages.

Real backends have them at every depth: a folder of modules nobody gave an ``__init__.py``
inside a regular package, a regular package inside that, a top-level namespace package for
plugins. Every check must name, find, replay and import them as Python does, and leave the
interpreter as it found it.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from pytest_ssot.analysis.identity import check_identity
from pytest_ssot.analysis.static import check_identity_static
from pytest_ssot.domain.model import IdentityResult, ObjectPath, RedirectContract, Verdict
from pytest_ssot.migration.discover import discover, render_toml
from pytest_ssot.settings.pyproject import load_config
from pytest_ssot.source.modules import find_module, find_module_source
from pytest_ssot.source.tree import TreeSelection, module_name, python_files, source_roots
from tests.conftest import WriteTree, write_tree
from tests.test_cli import ssot

QUIET = ("-p", "no:hypothesispytest")

#: Namespace directories: inside a regular package (``app/admin/corpus``, ``app/legacy``),
#: inside a regular package inside that (``.../store/cache``), and at the top (``plugins``).
NAMESPACES = (
    "app/admin/corpus",
    "app/admin/corpus/store/cache",
    "app/legacy",
    "plugins",
    "plugins/ext",
)

PROJECT = {
    # The canonical lives in a namespace directory and imports through deeper ones.
    "app/admin/corpus/engine.py": """
        from app.admin.corpus import store
        from app.admin.corpus.store import cache
        from app.admin.corpus.store.cache.lru import lru

        from . import helpers


        class Engine:
            def run(self) -> str:
                return lru(helpers.KEY)
    """,
    "app/admin/corpus/helpers.py": 'KEY = "ssot"\n',
    "app/admin/corpus/store/cache/lru.py": "def lru(key):\n    return key\n",
    # Deprecated modules: in a namespace directory, in a regular package, in a top-level
    # namespace package (whose name is a prefix of nothing and a suffix of another module).
    "app/legacy/engine.py": "from app.admin.corpus.engine import Engine\n",
    "app/compat.py": "from app.admin.corpus.engine import Engine as Engine\n",
    "plugins/ext/engine_ext.py": "from app.admin.corpus.engine import Engine\n",
    "app/legacy/tools.py": "from app.admin.corpus.store.cache.lru import lru\n",
}

ENGINE_REDIRECTS = (
    "app.legacy.engine:Engine",
    "plugins.ext.engine_ext:Engine",
    "app.compat:Engine",
)


def contract(name: str, canonical: str, *redirects: str) -> RedirectContract:
    return RedirectContract(
        name=name,
        canonical=ObjectPath.parse(canonical),
        redirects=tuple(ObjectPath.parse(r) for r in redirects),
    )


ENGINE = contract("engine", "app.admin.corpus.engine:Engine", *ENGINE_REDIRECTS)
LRU = contract("lru", "app.admin.corpus.store.cache.lru:lru", "app.legacy.tools:lru")


def verdicts(results: tuple[IdentityResult, ...]) -> dict[str, Verdict]:
    return {str(r.redirect): r.verdict for r in results}


# -- finding modules without importing them ---------------------------------------------------


def test_modules_below_namespace_directories_are_found(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT, NAMESPACES)
    source = find_module_source("app.admin.corpus.store.cache.lru", [str(root)])
    assert source is not None
    assert source.path == root / "app/admin/corpus/store/cache/lru.py"
    corpus = find_module("app.admin.corpus", [str(root)])
    assert corpus is not None
    assert corpus.is_namespace
    assert corpus.locations == (str(root / "app/admin/corpus"),)
    top = find_module("plugins", [str(root)])
    assert top is not None
    assert top.is_namespace
    assert find_module_source("plugins.ext.engine_ext", [str(root)]) is not None
    assert find_module_source("app.admin.corpus", [str(root)]) is None  # no file to read
    assert find_module("app.admin.corpus.nothing", [str(root)]) is None


@pytest.mark.parametrize("parent", ["absent", "another copy"])
def test_finding_never_reads_sys_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parent: str
) -> None:
    """What is found on the search path given does not depend on this process: the parent
    package of a namespace directory may be half removed from ``sys.modules``, or be another
    copy of it (a module object whose ``__path__`` is elsewhere)."""
    root = write_tree(tmp_path, PROJECT, NAMESPACES)
    monkeypatch.setitem(sys.modules, "app", types.ModuleType("app"))
    if parent == "absent":
        monkeypatch.delitem(sys.modules, "app.admin", raising=False)
    else:
        monkeypatch.setitem(sys.modules, "app.admin", types.ModuleType("app.admin"))
    source = find_module_source("app.admin.corpus.helpers", [str(root)])
    assert source is not None
    assert source.path == root / "app/admin/corpus/helpers.py"


# -- the static replay ----------------------------------------------------------------------


def test_static_replay_treats_namespace_packages_as_modules(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT, NAMESPACES)
    assert verdicts(check_identity_static(ENGINE, [str(root)])) == dict.fromkeys(
        ENGINE_REDIRECTS, Verdict.IDENTITY
    )
    assert verdicts(check_identity_static(LRU, [str(root)])) == {
        "app.legacy.tools:lru": Verdict.IDENTITY
    }


def test_static_and_runtime_agree_on_what_a_namespace_package_holds(
    importable_tree: WriteTree,
) -> None:
    """A namespace package exists, and has no attributes but its submodules."""
    root = importable_tree(
        {
            **PROJECT,
            "app/legacy/broken.py": "from app.legacy import Engine\n",
            "app/legacy/submodule.py": "from app.admin.corpus import engine\n",
        },
        NAMESPACES,
    )
    checked = contract(
        "engine",
        "app.admin.corpus.engine:Engine",
        "app.legacy:Engine",  # the namespace package itself: it holds no Engine
        "app.legacy.broken:Engine",  # importing a name a namespace package lacks
        "app.legacy.submodule:engine",  # no class: the module (a separate definition)
    )
    static = verdicts(check_identity_static(checked, [str(root)]))
    assert static == {
        "app.legacy:Engine": Verdict.MISSING,
        "app.legacy.broken:Engine": Verdict.IMPORT_ERROR,
        "app.legacy.submodule:engine": Verdict.SEPARATE_DEFINITION,
    }
    assert verdicts(check_identity(checked)) == static


# -- the runtime check leaves sys.modules as it found it --------------------------------------


def project_names() -> set[str]:
    return {n for n in sys.modules if n.partition(".")[0] in ("app", "plugins")}


def test_the_check_forgets_namespace_packages_with_their_parents(
    importable_tree: WriteTree,
) -> None:
    importable_tree(PROJECT, NAMESPACES)
    assert verdicts(check_identity(ENGINE)) == dict.fromkeys(ENGINE_REDIRECTS, Verdict.IDENTITY)
    assert project_names() == set()
    # What a later test does: import deep below a namespace directory.
    lru = importlib.import_module("app.admin.corpus.store.cache.lru")
    assert lru.lru("x") == "x"
    assert verdicts(check_identity(LRU)) == {"app.legacy.tools:lru": Verdict.IDENTITY}


def test_modules_imported_before_the_check_stay_exactly_as_they_were(
    importable_tree: WriteTree,
) -> None:
    importable_tree(
        {
            **PROJECT,
            # A shim that drops another module's entry: the check must put it back.
            "app/legacy/engine.py": """
                import sys

                from app.admin.corpus.engine import Engine

                sys.modules.pop("app.admin.corpus.helpers", None)
            """,
        },
        NAMESPACES,
    )
    importlib.import_module("app.admin.corpus.store.cache.lru")
    importlib.import_module("app.admin.corpus.helpers")
    before = {name: sys.modules[name] for name in project_names()}
    corpus_names = set(vars(sys.modules["app.admin.corpus"]))
    assert check_identity(ENGINE)
    after = {name: sys.modules[name] for name in project_names()}
    assert after.keys() == before.keys()
    assert all(after[name] is before[name] for name in before)
    # The modules the check imported below a namespace package that stays are gone from it too.
    assert set(vars(sys.modules["app.admin.corpus"])) == corpus_names
    engine = importlib.import_module("app.admin.corpus.engine")
    assert engine.Engine().run() == "ssot"


# -- end to end: a pytest session, in process and isolated ----------------------------------

PYPROJECT = """
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.ssot.contracts.engine]
canonical = "app.admin.corpus.engine:Engine"
redirects = ["app.legacy.engine:Engine", "plugins.ext.engine_ext:Engine", "app.compat:Engine"]
audit = "off"

[tool.ssot.contracts.lru]
canonical = "app.admin.corpus.store.cache.lru:lru"
redirects = ["app.legacy.tools:lru"]
audit = "off"
golden-path = true
"""

USER_TESTS = {
    # The deprecated helper keeps its own copy: the golden-path contract is broken.
    "app/legacy/tools.py": "def lru(key):\n    return key\n",
    "tests/test_late.py": """
        def test_imports_the_project_after_the_checks():
            from app.admin.corpus import store
            from app.admin.corpus.engine import Engine
            from app.admin.corpus.store.cache.lru import lru
            from app.legacy.engine import Engine as Old
            from plugins.ext.engine_ext import Engine as Plugged

            assert Old is Plugged is Engine and Engine().run() == lru("ssot")
            assert store.cache.lru.lru is lru
    """,
    "tests/test_golden.py": """
        import pytest


        @pytest.mark.golden_path("lru")
        def test_cache_answers():
            from app.legacy.tools import lru

            assert lru("a") == "a"
    """,
}

COLLECTED = {
    "tests/test_collected.py": """
        from app.admin.corpus.store.cache.lru import lru  # imported at collection


        def test_imported_during_collection():
            from app.admin.corpus.engine import Engine

            assert Engine().run() == lru("ssot")
    """,
}


def user_outcomes(result: pytest.RunResult) -> dict[str, str]:
    """``{nodeid: PASSED|FAILED|ERROR}`` for the user's tests, from ``-rA``."""
    outcomes = {}
    for line in result.outlines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR") and rest.startswith("tests/"):
            outcomes[rest.split(" ")[0]] = word
    return outcomes


@pytest.mark.parametrize("collected", [False, True], ids=["imported-late", "imported-early"])
@pytest.mark.parametrize("mode", [[], ["--ssot-isolate"]], ids=["in-process", "isolated"])
def test_a_session_on_namespace_packages_is_the_one_without_the_plugin(
    pytester: pytest.Pytester, mode: list[str], collected: bool
) -> None:
    files = {**PROJECT, **USER_TESTS, **(COLLECTED if collected else {})}
    write_tree(pytester.path, {**files, "pyproject.toml": PYPROJECT}, NAMESPACES)
    without = pytester.runpytest_subprocess(*QUIET, "-rA", "-p", "no:pytest_ssot")
    with_plugin = pytester.runpytest_subprocess(*QUIET, "-rA", "-p", "pytest_ssot", *mode)
    expected = user_outcomes(without)
    assert set(expected.values()) == {"PASSED"}
    # The golden-path test fails with the diagnosis, not an error; every other test as without.
    expected["tests/test_golden.py::test_cache_answers"] = "FAILED"
    assert user_outcomes(with_plugin) == expected
    output = with_plugin.stdout.str()
    assert "KeyError" not in output
    assert "SSOT005" not in output
    with_plugin.stdout.fnmatch_lines(
        [
            "*_ test_cache_answers _*",
            "golden path broken by SSOT contract(s) lru:*",
            "*x from app.legacy.tools import lru*SSOT001 separate-definition*",
            "*SSOT golden path: BROKEN*",
            "Contract 'lru':*",
            "*x from app.legacy.tools import lru*SSOT001 separate-definition*",
            "*tests/test_golden.py::test_cache_answers",
            "engine: ok (3 redirect(s) are the SSOT)",
        ]
    )


def test_ssot_check_static_and_runtime_agree_on_namespace_packages(tmp_path: Path) -> None:
    write_tree(tmp_path, {**PROJECT, **USER_TESTS, "pyproject.toml": PYPROJECT}, NAMESPACES)
    runtime = ssot("check", "--format", "json", cwd=tmp_path)
    static = ssot("check", "--static", "--format", "json", cwd=tmp_path)
    assert runtime.returncode == static.returncode == 1, static.stderr  # lru is violated
    assert "Traceback" not in static.stderr + runtime.stderr

    def found(output: str) -> dict[str, str]:
        data = json.loads(output)
        return {r["redirect"]: r["verdict"] for c in data["contracts"] for r in c["identity"]}

    assert (
        found(static.stdout)
        == found(runtime.stdout)
        == {
            **dict.fromkeys(ENGINE_REDIRECTS, "identity"),
            "app.legacy.tools:lru": "separate-definition",
        }
    )


def test_ssot_check_static_on_the_issue_repro(tmp_path: Path) -> None:
    """``pkg/sub/nsdir/mod.py`` without ``__init__.py``, imported by the canonical."""
    write_tree(
        tmp_path,
        {
            "pkg/sub/nsdir/mod.py": "def helper():\n    return 1\n",
            "pkg/core.py": textwrap.dedent(
                """
                from pkg.sub.nsdir.mod import helper
                from pkg.sub import nsdir


                class Engine:
                    pass
                """
            ),
            "pkg/old.py": "from pkg.core import Engine\n",
            "pyproject.toml": '[tool.ssot.contracts.engine]\ncanonical = "pkg.core:Engine"\n'
            'redirects = ["pkg.old:Engine", "pkg.sub.nsdir:Engine"]\naudit = "off"\n',
        },
        ("pkg/sub/nsdir",),
    )
    result = ssot("check", "--static", cwd=tmp_path)
    assert result.stderr == ""
    assert "ok pkg.old:Engine  [identity]" in result.stdout
    assert "SSOT003 missing: pkg.sub.nsdir:Engine" in result.stdout
    assert (
        "SSOT011 module pkg.sub.nsdir is a namespace package (no __init__.py in pkg/sub/nsdir): "
        "it holds no code and no names but its submodules;"
    ) in result.stdout
    assert "SSOT005" not in result.stdout


# -- naming files: discover, the audit, map and fix share one function -----------------------

INDEX = """
class CorpusIndex:
    def build(self, docs):
        out = {}
        for doc in docs:
            out[doc] = len(doc)
        return out
"""

DISCOVER_TREE = {
    "app/admin/corpus/engine.py": INDEX,
    "app/admin/corpus/compatibility.py": '"""Deprecated: use app.admin.corpus.engine."""\n' + INDEX,
    # A regular package inside a namespace directory inside a regular package, and a
    # namespace directory below it: all part of the name.
    "app/admin/corpus/store/cache/lru.py": "def evict(cache):\n    cache.clear()\n    return 0\n",
    "app/admin/corpus/store/cache/old_lru.py": '"""Deprecated: use '
    'app.admin.corpus.store.cache.lru."""\n\n\ndef evict(cache):\n    cache.clear()\n'
    "    return 0\n",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app/admin/corpus/compatibility.py", ("app.admin.corpus.compatibility", False)),
        ("app/admin/corpus/store/__init__.py", ("app.admin.corpus.store", True)),
        ("app/admin/corpus/store/cache/lru.py", ("app.admin.corpus.store.cache.lru", False)),
        ("plugins/ext/engine_ext.py", ("plugins.ext.engine_ext", False)),  # top-level namespace
        ("src/lib/core.py", ("lib.core", False)),  # src/ holds the packages: a source root
        ("src/tool.py", ("tool", False)),  # and so it is with pythonpath = ["src"]
        ("scripts/my-tools/run.py", ("run", False)),  # not a Python name: cannot be a package
    ],
)
def test_a_file_is_named_as_python_imports_it(
    tmp_path: Path, path: str, expected: tuple[str, bool]
) -> None:
    files = {
        **PROJECT,
        "app/admin/corpus/compatibility.py": "",
        "src/lib/core.py": "",
        "src/tool.py": "",
        "scripts/my-tools/run.py": "",
    }
    root = write_tree(
        tmp_path, files, (*NAMESPACES, "app/admin/corpus", "src", "scripts", "scripts/my-tools")
    )
    assert module_name(root / path, root, source_roots(root, ["src"])) == expected
    found = {
        f.relative: (f.module, f.is_package)
        for f in python_files(root, TreeSelection(roots=("src",)))
    }
    assert found[path] == expected


def test_discover_names_modules_in_namespace_directories_by_their_import_path(
    tmp_path: Path,
) -> None:
    root = write_tree(tmp_path, DISCOVER_TREE, ("app/admin/corpus", "app/admin/corpus/store/cache"))
    found = discover(root)
    proposals = {p.canonical: sorted(p.redirects) for p in found.proposals}
    assert proposals == {
        "app.admin.corpus.engine:CorpusIndex": ["app.admin.corpus.compatibility:CorpusIndex"],
        "app.admin.corpus.store.cache.lru:evict": ["app.admin.corpus.store.cache.old_lru:evict"],
    }
    # The block to paste parses, and every path in it is found where Python finds it.
    block = render_toml(found.proposals)
    (root / "pyproject.toml").write_text(block + '\n[tool.ssot.audit]\npaths = ["."]\n')
    config = load_config(root / "pyproject.toml")
    assert config is not None
    paths = [p for c in config.contracts for p in (c.canonical, *c.redirects)]
    assert all(find_module_source(p.module, [str(root)]) is not None for p in paths)
    static = [r for c in config.contracts for r in check_identity_static(c, [str(root)])]
    assert {r.verdict for r in static} == {Verdict.SEPARATE_DEFINITION}  # copies, not missing


def test_discover_scanning_inside_a_package_keeps_the_full_names(tmp_path: Path) -> None:
    root = write_tree(tmp_path, DISCOVER_TREE, ("app/admin/corpus", "app/admin/corpus/store/cache"))
    found = discover(root / "app" / "admin")
    assert "app.admin.corpus.engine:CorpusIndex" in {p.canonical for p in found.proposals}
