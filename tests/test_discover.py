"""``ssot discover``: proposals on the demo and on small trees, static only."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from pytest_ssot.migration.discover import (
    Discovery,
    Proposal,
    discover,
    kebab,
    render_text,
    render_toml,
)
from pytest_ssot.settings.pyproject import parse_config
from pytest_ssot.source.tree import TreeSelection
from tests.conftest import write_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.9 and 3.10 only
    import tomli as tomllib

DEMO_SRC = Path(__file__).resolve().parent.parent / "examples" / "chat-backend" / "src"


def assert_valid_config(text: str, tmp_path: Path) -> None:
    """The TOML parses and ``[tool.ssot]`` is accepted as a configuration."""
    document = tomllib.loads(text)
    config = parse_config(document["tool"]["ssot"], tmp_path / "pyproject.toml")
    assert config.contracts


def proposal_for(discovery: Discovery, canonical: str) -> Proposal:
    matches = [p for p in discovery.proposals if p.canonical == canonical]
    assert matches, [p.canonical for p in discovery.proposals]
    return matches[0]


# --- the demo -------------------------------------------------------------------------------


def test_demo_top_proposal_is_the_execution_engine_contract() -> None:
    discovery = discover(DEMO_SRC)

    top = discovery.proposals[0]
    assert top.name == "execution-engine"
    assert top.canonical == "chat.agents.supervisor.user_execution_engine:UserExecutionEngine"
    assert "chat.agents.supervisor.execution_engine:ExecutionEngine" in top.redirects
    assert "chat.agents.execution_engine_consolidated:ExecutionEngine" in top.redirects
    assert top.canonical not in top.redirects
    evidence = "\n".join(top.evidence)
    assert (
        'chat/agents/supervisor/execution_engine.py:1: "DEPRECATED: use '
        'chat.agents.supervisor.user_execution_engine instead."'
    ) in evidence
    assert (
        "chat/agents/execution_engine_consolidated.py:8: class ExecutionEngine"
        "(UserExecutionEngine) subclasses "
        "chat.agents.supervisor.user_execution_engine:UserExecutionEngine"
    ) in evidence
    assert "still imported at chat/api.py:2" in evidence
    assert all(top.score > other.score for other in discovery.proposals[1:])


def test_demo_reports_the_deprecated_modules_that_still_hold_code() -> None:
    discovery = discover(DEMO_SRC)

    by_module = {d.module: d for d in discovery.deprecated_modules}
    engine = by_module["chat.agents.supervisor.execution_engine"]
    assert engine.holds_code
    assert engine.definitions == ["ExecutionEngine"]
    assert engine.pointers == ["chat.agents.supervisor.user_execution_engine"]
    assert engine.file == "chat/agents/supervisor/execution_engine.py"
    factory = by_module["chat.agents.supervisor.execution_engine_factory"]
    assert not factory.holds_code  # an assignment, not a class or function
    assert "chat.agents.supervisor.user_execution_engine" not in by_module
    duplicate = next(d for d in discovery.duplicates if d.name == "ExecutionEngine")
    assert {d.module for d in duplicate.definitions} == {
        "chat.agents.supervisor.execution_engine",
        "chat.agents.execution_engine_consolidated",
    }
    assert all(d.deprecated for d in duplicate.definitions)


def test_demo_toml_is_accepted_by_parse_config(tmp_path: Path) -> None:
    discovery = discover(DEMO_SRC)
    text = render_toml(discovery.proposals, top=5)

    assert "[tool.ssot.contracts.execution-engine]" in text
    assert "golden-path = false  # set to true if users depend on it" in text
    assert_valid_config(text, tmp_path)
    config = parse_config(tomllib.loads(text)["tool"]["ssot"], tmp_path / "pyproject.toml")
    engine = config.contract("execution-engine")
    assert str(engine.canonical) == (
        "chat.agents.supervisor.user_execution_engine:UserExecutionEngine"
    )
    assert not engine.golden_path


def test_demo_render_text_ranks_then_prints_the_toml() -> None:
    lines = render_text(discover(DEMO_SRC), top=1)

    assert lines[0].startswith("Scanned ")
    assert "1. execution-engine  (score " in lines[2]
    assert "   canonical: chat.agents.supervisor.user_execution_engine:UserExecutionEngine" in lines
    assert "Paste into pyproject.toml:" in lines
    assert "[tool.ssot.contracts.execution-engine]" in lines
    assert lines[-1] == "golden-path = false  # set to true if users depend on it"
    assert sum(line.startswith("[tool.ssot.contracts.") for line in lines) == 1


def test_discovery_is_json_serialisable() -> None:
    discovery = discover(DEMO_SRC)
    data = json.loads(json.dumps(asdict(discovery)))

    assert data["proposals"][0]["name"] == "execution-engine"
    assert data["files"] == discovery.files > 0


# --- deprecated modules ---------------------------------------------------------------------

ENGINE_BODY = """
    def __init__(self, user_id):
        self.user_id = user_id
        self.events = []

    def execute(self, message):
        self.events.append("started")
        return f"answer to {message}"
"""


def test_deprecated_module_pointing_at_a_module_proposes_the_best_named_class(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "app/new_engine.py": '"""The engine."""\n\n\nclass Helper:\n    pass\n\n\n'
            "class NewEngine:" + ENGINE_BODY,
            "app/old.py": '"""Deprecated: use app.new_engine instead."""\n\n\n'
            "class Engine:" + ENGINE_BODY + "\n\ndef _private():\n    return 1\n",
        },
    )
    discovery = discover(tmp_path)

    assert len(discovery.proposals) == 1
    proposal = discovery.proposals[0]
    assert proposal.canonical == "app.new_engine:NewEngine"
    assert proposal.redirects == ["app.old:Engine"]
    assert proposal.name == "engine"
    assert any("100% similar to the canonical" in e for e in proposal.evidence)
    assert any(
        e.startswith('app/old.py:1: "Deprecated: use app.new_engine') for e in proposal.evidence
    )
    [deprecation] = discovery.deprecated_modules
    assert deprecation.module == "app.old"
    assert deprecation.pointers == ["app.new_engine"]
    assert deprecation.holds_code
    assert deprecation.definitions == ["Engine", "_private"]


@pytest.mark.parametrize(
    "note",
    [
        '"""DEPRECATED. Do not use; see app.core:Widget."""\n',
        '"""Legacy widgets.\n\nReplaced by app.core.Widget.\n"""\n',
        "# DEPRECATED: moved to app.core.Widget\nimport os\n",
        "import warnings\n\nwarnings.warn('use app.core.Widget', DeprecationWarning)\n",
        '"""Old widgets (deprecated): use Widget instead."""\n',
    ],
    ids=["docstring-object", "replaced-by", "comment", "warning", "bare-name"],
)
def test_every_form_of_deprecation_note_points_at_the_canonical(tmp_path: Path, note: str) -> None:
    write_tree(
        tmp_path,
        {
            "app/core.py": "class Widget:\n    size = 1\n",
            "app/widgets.py": note + "\n\nclass OldWidget:\n    size = 2\n",
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.core:Widget"
    assert proposal.redirects == ["app.widgets:OldWidget"]
    assert proposal.name == "old-widget"
    [deprecation] = discovery.deprecated_modules
    assert deprecation.pointers in (["app.core:Widget"], ["app.core"])


def test_subclass_shim_in_a_deprecated_module_points_at_its_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/engines/user.py": "class UserEngine:\n    def run(self):\n        return 1\n",
            "app/base.py": "class Plugin:\n    pass\n",
            "app/compat.py": '"""Legacy entry points, kept for old callers."""\n'
            "from app.engines import user\n"
            "from app.base import Plugin\n\n\n"
            "class Engine(user.UserEngine):\n    def run(self):\n        return 0\n\n\n"
            "class Exporter(Plugin):\n    pass\n",
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals  # Exporter(Plugin) is ordinary inheritance
    assert proposal.canonical == "app.engines.user:UserEngine"
    assert proposal.redirects == ["app.compat:Engine"]
    assert any(
        "app/compat.py:6: class Engine(user.UserEngine) subclasses app.engines.user:UserEngine" in e
        for e in proposal.evidence
    )


def test_subclass_named_otherwise_counts_when_the_note_points_at_its_base(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "app/engines/user.py": "class UserEngine:\n    def run(self):\n        return 1\n",
            "app/compat.py": '"""Deprecated: see app.engines.user."""\n'
            "from app.engines.user import UserEngine\n\n\n"
            "class Runner(UserEngine):\n    pass\n",
        },
    )
    [proposal] = discover(tmp_path).proposals

    assert proposal.canonical == "app.engines.user:UserEngine"
    assert proposal.redirects == ["app.compat:Runner"]


def test_deprecated_definition_in_a_maintained_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/api.py": """
                import warnings


                def fetch_user(user_id):
                    return {"id": user_id}


                def get_user(user_id):
                    warnings.warn("get_user() is deprecated", DeprecationWarning, stacklevel=2)
                    return fetch_user(user_id)


                def lookup(user_id):
                    \"\"\"Deprecated: use fetch_user instead.\"\"\"
                    return {"id": user_id}
            """,
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.api:fetch_user"
    assert proposal.redirects == ["app.api:lookup"]  # get_user names no replacement
    assert not discovery.deprecated_modules  # the module itself is maintained


def test_a_pure_redirect_module_is_still_proposed_as_a_contract(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/notify/sender.py": "class Sender:\n    pass\n",
            "app/_compat.py": "def warn_moved(old, new):\n    pass\n",
            "app/services.py": '"""DEPRECATED: use app.notify.sender instead."""\n'
            "from app._compat import warn_moved\n"
            "from app.notify.sender import Sender\n\n"
            "warn_moved('app.services', 'app.notify.sender')\n",
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.notify.sender:Sender"
    assert proposal.redirects == ["app.services:Sender"]  # not the helper it imports
    [deprecation] = discovery.deprecated_modules
    assert not deprecation.holds_code


def test_a_chain_of_deprecated_modules_ends_at_one_canonical(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/v3.py": "class Engine:\n    version = 3\n",
            "app/v2.py": '"""Deprecated: use app.v3 instead."""\n\n\n'
            "class Engine:\n    version = 2\n",
            "app/v1.py": '"""Deprecated: use app.v2 instead."""\n\n\n'
            "class Engine:\n    version = 1\n",
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.v3:Engine"
    assert sorted(proposal.redirects) == ["app.v1:Engine", "app.v2:Engine"]


# --- duplicates -----------------------------------------------------------------------------


def test_duplicates_are_reported_with_their_similarity(tmp_path: Path) -> None:
    parse = "def parse(text):\n    parts = text.split(',')\n    return [p.strip() for p in parts]\n"
    write_tree(
        tmp_path,
        {
            "app/a.py": parse,
            "app/b.py": '"""The B parser."""\n\n\n' + parse.replace("parts", "pieces"),
            "app/c.py": "def render(rows):\n    return '\\n'.join(rows)\n",
            "app/d.py": "class render:\n    pass\n",
        },
    )
    discovery = discover(tmp_path)

    by_name = {d.name: d for d in discovery.duplicates}
    assert set(by_name) == {"parse", "render"}
    assert by_name["parse"].similarity > 0.6
    assert by_name["render"].similarity < by_name["parse"].similarity
    assert discovery.duplicates[0].name == "parse"  # most alike first
    first = by_name["parse"].definitions[0]
    assert (first.path, first.file, first.line, first.lines) == ("app.a:parse", "app/a.py", 1, 3)
    assert not discovery.proposals  # two maintained copies and nothing prefers one


def test_duplicate_with_one_maintained_definition_makes_it_canonical(tmp_path: Path) -> None:
    body = "class Config:\n    def load(self):\n        return {}\n"
    write_tree(
        tmp_path,
        {
            "app/config.py": body,
            "app/old/config.py": "# legacy: kept until every service moved\n" + body,
            "app/older/settings.py": '"""Obsolete."""\n' + body,
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.config:Config"
    assert sorted(proposal.redirects) == ["app.old.config:Config", "app.older.settings:Config"]
    assert proposal.name == "config"
    assert any("Config is defined in 3 modules" in e for e in proposal.evidence)


def test_maintained_copies_follow_the_one_the_package_re_exports(tmp_path: Path) -> None:
    body = "class Client:\n    def get(self, url):\n        return self.session.get(url)\n"
    write_tree(
        tmp_path,
        {
            "app/http/__init__.py": "from app.http.client import Client\n",
            "app/http/client.py": body,
            "app/tools/client.py": body,
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.http.client:Client"
    assert proposal.redirects == ["app.tools.client:Client"]


def test_common_names_are_not_compared(tmp_path: Path) -> None:
    files = {f"scripts/s{i}/tool.py": f"def main():\n    return {i}\n" for i in range(30)}
    write_tree(tmp_path, files)
    discovery = discover(tmp_path)

    [duplicate] = discovery.duplicates
    assert duplicate.name == "main"
    assert not duplicate.compared
    assert duplicate.similarity == 0.0
    assert len(duplicate.definitions) == 30
    assert not discovery.proposals


def test_test_files_are_read_for_imports_only(tmp_path: Path) -> None:
    fixture = "import pytest\n\n\n@pytest.fixture\ndef client():\n    return 1\n"
    write_tree(
        tmp_path,
        {
            "app/old.py": '"""Deprecated: use app.new instead."""\n\n\nclass Engine:\n    pass\n',
            "app/new.py": "class Engine:\n    pass\n",
            "tests/test_a.py": fixture + "from app.old import Engine\n",
            "tests/test_b.py": fixture,
        },
    )
    discovery = discover(tmp_path)

    assert [d.name for d in discovery.duplicates] == ["Engine"]
    [proposal] = discovery.proposals
    assert proposal.redirects == ["app.old:Engine"]
    assert any("still imported at tests/test_a.py:7" in e for e in proposal.evidence)
    with_tests = discover(tmp_path, include_tests=True)
    assert {d.name for d in with_tests.duplicates} == {"Engine", "client"}


@pytest.mark.parametrize(
    "importer",
    [
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING: from app.old import Engine\n",
        "import os; from app.old import Engine\n",
        "def run():\n    from app.old import Engine\n    return Engine\n",
        "try:\n    from app.old import Engine\nexcept ImportError:\n    pass\n",
        "class Suite:\n    def test_it(self):\n        if True:\n"
        "            from app.old import Engine\n",
        "if True: \\\nfrom app.old import Engine\n",
    ],
    ids=["one-line-if", "after-semicolon", "in-function", "in-try", "deep", "continuation"],
)
def test_imports_below_the_top_level_still_count_as_uses(tmp_path: Path, importer: str) -> None:
    """Nested imports are read, whatever their form, in code and in tests alike: the
    top-level shortcut must not lose a use of the deprecated path."""
    write_tree(
        tmp_path,
        {
            "app/old.py": '"""Deprecated: use app.new instead."""\n\n\nclass Engine:\n    pass\n',
            "app/new.py": "class Engine:\n    pass\n",
            "app/user.py": importer,
            "tests/test_user.py": importer,
        },
    )
    [proposal] = discover(tmp_path).proposals

    used = [e for e in proposal.evidence if "still imported at" in e]
    assert len(used) == 1, proposal.evidence
    assert "app/user.py:" in used[0]
    assert "tests/test_user.py:" in used[0]


def test_discover_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    """Collection is paused while files are parsed, and restored afterwards, also when the
    caller had it off."""
    import gc

    write_tree(tmp_path, {"app/a.py": "class A:\n    pass\n", "app/bad.py": "def (:\n"})
    assert gc.isenabled()
    discover(tmp_path)
    assert gc.isenabled()
    gc.disable()
    try:
        discover(tmp_path)
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- alias chains ---------------------------------------------------------------------------


def test_alias_chains_show_which_definition_the_code_already_uses(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/impl.py": "class Engine:\n    pass\n",
            "app/__init__.py": "from app.impl import Engine\n",
            "app/compat.py": "from app.impl import Engine as LegacyEngine\n"
            "from app import Engine\n\nOldEngine = Engine\n",
            "app/tools.py": "import app.impl as implementation\nimport os\n",
        },
    )
    discovery = discover(tmp_path)

    chains = {(c.alias, c.kind): c for c in discovery.alias_chains}
    assert set(chains) == {
        ("app:Engine", "re-export"),
        ("app.compat:LegacyEngine", "import-as"),
        ("app.compat:Engine", "re-export"),
        ("app.compat:OldEngine", "assign"),
        ("app.tools:implementation", "module-alias"),
    }
    assert all(c.target == "app.impl:Engine" for c in chains.values() if c.kind != "module-alias")
    assert chains["app.compat:Engine", "re-export"].hops == ["app:Engine"]
    assert chains["app.compat:OldEngine", "assign"].hops == ["app:Engine"]
    assert chains["app.tools:implementation", "module-alias"].target == "app.impl"
    assert (
        chains["app.compat:OldEngine", "assign"].file,
        chains["app.compat:OldEngine", "assign"].line,
    ) == (
        "app/compat.py",
        4,
    )
    assert not discovery.proposals  # nothing else is called OldEngine or LegacyEngine


def test_an_alias_maps_other_definitions_of_the_old_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/engine.py": "class UserEngine:\n    def run(self):\n        return 1\n\n\n"
            "Engine = UserEngine\n",
            "app/legacy.py": "class Engine:\n    def run(self):\n        return 1\n",
            # The same spelling for something else: not a copy, not deprecated.
            "app/tags.py": "class Tag:\n    kind = 'unrelated'\n",
            "app/cache.py": "from app.engine import UserEngine as Tag\n",
        },
    )
    discovery = discover(tmp_path)

    [proposal] = discovery.proposals
    assert proposal.canonical == "app.engine:UserEngine"
    assert sorted(proposal.redirects) == ["app.engine:Engine", "app.legacy:Engine"]
    assert proposal.name == "engine"
    assert any(
        "app/engine.py:6: app.engine:Engine already points at" in e for e in proposal.evidence
    )


# --- what it must not do --------------------------------------------------------------------


def test_clean_tree_proposes_nothing(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/models.py": '"""Domain models."""\n\n\nclass User:\n    pass\n',
            "app/service.py": "from app.models import User\n\n\n"
            "def load(user_id):\n    return User()\n",
            "app/legacy_mode.py": "LEGACY_MODE = False  # not a deprecation note\n",
        },
    )
    discovery = discover(tmp_path)

    assert discovery.proposals == []
    assert discovery.duplicates == []
    assert discovery.deprecated_modules == []
    assert render_toml(discovery.proposals) == ""
    lines = render_text(discovery)
    assert any(line.startswith("No contract to propose") for line in lines)
    assert "Paste into pyproject.toml:" not in lines


def test_code_about_deprecation_is_not_deprecated(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/new.py": "class Engine:\n    pass\n",
            "app/audit.py": '"""Finds every deprecated path in a tree, instead of guessing."""\n'
            "import re\n\n"
            "#: (deprecated module, name) -> canonical\n"
            "NameMap = dict\n"
            '# Wording we accept: "is deprecated", "do not use"\n\n\n'
            "class Engine:\n    pass\n",
            "app/api.py": '"""The API.\n\nSee https://example.org/deprecated/api.html.\n"""\n'
            "import warnings\n\n\n"
            "def connect(host, cmp=None):\n"
            '    """Connect.\n\n    .. deprecated:: 2.0 *cmp*, use *eq*.\n    """\n'
            "    if cmp is not None:\n"
            '        warnings.warn("cmp is deprecated", DeprecationWarning)\n'
            "    return host\n",
        },
    )
    discovery = discover(tmp_path)

    assert discovery.deprecated_modules == []
    assert discovery.proposals == []  # two maintained Engines, nothing prefers one
    assert not any(d.deprecated for dup in discovery.duplicates for d in dup.definitions)


def test_discover_never_imports_or_runs_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported.txt"
    side_effect = (
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "raise SystemExit('imported')\n"
    )
    write_tree(
        tmp_path,
        {
            "booby/new.py": side_effect + "\n\nclass Engine:\n    pass\n",
            "booby/old.py": '"""Deprecated: use booby.new instead."""\n'
            + side_effect
            + "\n\nclass Engine:\n    pass\n",
            "booby/__init__.py": side_effect,
        },
    )
    sys.path.insert(0, str(tmp_path))
    try:
        discovery = discover(tmp_path)
    finally:
        sys.path.remove(str(tmp_path))

    assert not marker.exists()
    assert not any(name == "booby" or name.startswith("booby.") for name in sys.modules)
    [proposal] = discovery.proposals
    assert proposal.canonical == "booby.new:Engine"


def test_unreadable_files_are_reported_and_the_rest_analysed(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/broken.py": "def oops(:\n",
            "app/new.py": "class Engine:\n    pass\n",
            "app/old.py": '"""Deprecated: use app.new instead."""\n\n\nclass Engine:\n    pass\n',
        },
    )
    discovery = discover(tmp_path)

    assert len(discovery.unreadable) == 1
    assert discovery.unreadable[0].startswith("app/broken.py:1: cannot parse")
    assert [p.canonical for p in discovery.proposals] == ["app.new:Engine"]
    assert any("unreadable: app/broken.py" in line for line in render_text(discovery))


def test_selection_excludes_paths(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/new.py": "class Engine:\n    pass\n",
            "app/old.py": '"""Deprecated: use app.new instead."""\n\n\nclass Engine:\n    pass\n',
            "vendor/old.py": '"""Deprecated."""\n\n\nclass Engine:\n    pass\n',
        },
    )
    discovery = discover(tmp_path, TreeSelection(exclude=("vendor", "vendor/**")))

    assert {d.module for d in discovery.deprecated_modules} == {"app.old"}
    assert discovery.files == 3  # app/__init__.py, app/new.py, app/old.py


# --- proposals as configuration -------------------------------------------------------------


def test_several_proposals_make_one_valid_configuration(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/new.py": "class Engine:\n    pass\n\n\nclass Notifier:\n    pass\n",
            "app/old.py": '"""Deprecated: use app.new instead."""\n\n\n'
            "class Engine:\n    pass\n\n\nclass Notifier:\n    pass\n",
            "app/older.py": '"""Deprecated: use app.new instead."""\n\n\nclass Engine:\n    pass\n',
        },
    )
    discovery = discover(tmp_path)

    assert [(p.name, p.canonical) for p in discovery.proposals] == [
        ("engine", "app.new:Engine"),
        ("notifier", "app.new:Notifier"),
    ]
    redirects = [r for p in discovery.proposals for r in p.redirects]
    assert len(redirects) == len(set(redirects))
    assert_valid_config(render_toml(discovery.proposals), tmp_path)
    assert render_toml(discovery.proposals, top=1).count("[tool.ssot.contracts.") == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ExecutionEngine", "execution-engine"),
        ("HTTPServer", "http-server"),
        ("create_engine", "create-engine"),
        ("_private", "private"),
        ("Engine2", "engine2"),
        ("___", "contract"),
    ],
)
def test_kebab(name: str, expected: str) -> None:
    assert kebab(name) == expected
