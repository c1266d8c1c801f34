"""``ssot map``: which tests guard the canonical and which still exercise deprecated code."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from pytest_ssot.migration.testmap import ContractTests, TestRef, map_tests, render_text
from pytest_ssot.settings.pyproject import SsotConfig, load_config
from tests.conftest import write_tree

DEMO = Path(__file__).resolve().parent.parent / "examples" / "chat-backend"

PYPROJECT = """
[tool.ssot.contracts.engine]
canonical = "app.engine:UserEngine"
redirects = ["app.old_engine:Engine", "app.legacy:Engine"]
golden-path = true

[tool.ssot.contracts.notifier]
canonical = "app.notify:Notifier"
redirects = ["app.legacy:Notifier"]
"""


def project(tmp_path: Path, files: Mapping[str, str], pyproject: str = PYPROJECT) -> SsotConfig:
    """A project with its app package, the given test files, and a loaded configuration."""
    write_tree(
        tmp_path,
        {
            "app/engine.py": "class UserEngine:\n    pass\n",
            "app/old_engine.py": "class Engine:\n    pass\n",
            "app/legacy.py": "class Engine:\n    pass\n\n\nclass Notifier:\n    pass\n",
            "app/notify.py": "class Notifier:\n    pass\n",
            **files,
        },
    )
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    config = load_config(tmp_path / "pyproject.toml")
    assert config is not None
    return config


def by_id(refs: list[TestRef]) -> dict[str, TestRef]:
    return {ref.nodeid: ref for ref in refs}


# --- the demo -------------------------------------------------------------------------------


def test_demo_execution_engine_tests() -> None:
    config = load_config(DEMO / "pyproject.toml")
    assert config is not None
    test_map = map_tests(config)

    engine = test_map.contracts["execution-engine"]
    guarding = by_id(engine.guarding)
    answer = guarding["tests/test_golden_path.py::test_user_gets_an_ai_response"]
    assert answer.golden_path
    assert answer.markers == ["golden_path"]
    assert answer.path == "tests/test_golden_path.py"
    assert answer.line == 7
    assert answer.via == "chat.agents.supervisor.user_execution_engine.UserExecutionEngine"
    assert answer.scope == "test"  # the module imports it, the test uses it
    assert "tests/test_isolation.py::test_users_do_not_see_each_others_events" in guarding
    assert not guarding[
        "tests/test_isolation.py::test_users_do_not_see_each_others_events"
    ].golden_path

    deprecated = by_id(engine.deprecated)
    assert set(deprecated) == {
        "tests/test_golden_path.py::test_old_import_path_still_answers",
        "tests/test_golden_path.py::test_factory_creates_an_engine_per_user",
    }
    old = deprecated["tests/test_golden_path.py::test_old_import_path_still_answers"]
    assert old.golden_path
    assert old.scope == "test"
    assert old.via == "chat.agents.supervisor.execution_engine.ExecutionEngine"
    factory = deprecated["tests/test_golden_path.py::test_factory_creates_an_engine_per_user"]
    assert not factory.golden_path
    assert factory.via == "chat.agents.execution_engine_unified_factory.create_engine"
    assert engine.golden_path
    assert engine.golden_path_guarded


def test_demo_render_text() -> None:
    config = load_config(DEMO / "pyproject.toml")
    assert config is not None
    lines = render_text(map_tests(config))

    start = lines.index(
        "execution-engine: chat.agents.supervisor.user_execution_engine:UserExecutionEngine"
        "  [golden-path contract]"
    )
    section = lines[start : lines.index("", start)]
    assert section[1] == "  guards the SSOT (5 tests):"
    assert all("[golden_path]" in line for line in section[2:5])  # golden-path tests first
    assert "tests/test_isolation.py::test_users_do_not_see_each_others_events" in section[6]
    assert section[7] == "  exercises deprecated code (2 tests):"
    assert section[8].startswith(
        "    tests/test_golden_path.py::test_old_import_path_still_answers [golden_path]  "
        "(in the test: chat.agents.supervisor.execution_engine.ExecutionEngine)"
    )
    assert not any(line.startswith("  warning:") for line in section)


def test_demo_map_is_json_serialisable() -> None:
    config = load_config(DEMO / "pyproject.toml")
    assert config is not None
    data = json.loads(json.dumps(asdict(map_tests(config))))

    assert data["files"] == 2
    engine = data["contracts"]["execution-engine"]
    assert engine["golden_path"] is True
    assert {t["nodeid"] for t in engine["deprecated"]} >= {
        "tests/test_golden_path.py::test_old_import_path_still_answers"
    }


# --- where a reference sits -----------------------------------------------------------------


def test_module_level_reference_applies_to_every_test(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_a.py": """
                from app.old_engine import Engine


                def test_one():
                    assert Engine


                def test_two():
                    pass


                def helper_not_a_test():
                    pass
            """,
        },
    )
    engine = map_tests(config).contracts["engine"]

    assert [r.nodeid for r in engine.deprecated] == [
        "tests/test_a.py::test_one",
        "tests/test_a.py::test_two",
    ]
    # Module level applies to every test; the test that uses the name says so.
    assert [r.scope for r in engine.deprecated] == ["test", "module"]
    assert {r.via for r in engine.deprecated} == {"app.old_engine.Engine"}
    assert engine.guarding == []


def test_function_level_reference_applies_to_that_test_only(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_b.py": """
                import app


                def test_new():
                    from app.engine import UserEngine
                    assert UserEngine


                def test_attribute_chain():
                    assert app.old_engine.Engine


                def test_patched(monkeypatch):
                    monkeypatch.setattr("app.legacy.Engine.run", lambda self: 1)


                def test_unrelated():
                    \"\"\"Mentions app.old_engine.Engine in a docstring only.\"\"\"
                    message = f"app.old_engine.Engine is {1}"
                    assert "app.old_engine is deprecated"
            """,
        },
    )
    engine = map_tests(config).contracts["engine"]

    assert [(r.nodeid, r.scope, r.via) for r in engine.guarding] == [
        ("tests/test_b.py::test_new", "test", "app.engine.UserEngine"),
    ]
    assert [(r.nodeid, r.via) for r in engine.deprecated] == [
        ("tests/test_b.py::test_attribute_chain", "app.old_engine.Engine"),
        ("tests/test_b.py::test_patched", "app.legacy.Engine.run"),
    ]
    assert engine.deprecated[0].line == 9


def test_class_based_tests_markers_and_pytestmark(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_c.py": """
                import pytest
                from pytest import mark

                from app import engine

                pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore")]


                @pytest.mark.golden_path
                class TestJourney:
                    pytestmark = pytest.mark.integration

                    def test_answer(self):
                        assert engine.UserEngine

                    @mark.parametrize("user", ["a", "b"])
                    def test_per_user(self, user):
                        from app.old_engine import Engine

                    class TestNested:
                        @pytest.mark.xfail(reason="old")
                        def test_deep(self):
                            pass

                    def helper(self):
                        pass


                class Helper:
                    def test_not_collected(self):
                        pass


                @pytest.mark.golden_path()
                def test_plain():
                    pass
            """,
        },
    )
    engine = map_tests(config).contracts["engine"]
    guarding = by_id(engine.guarding)

    assert list(guarding) == [
        "tests/test_c.py::TestJourney::test_answer",
        "tests/test_c.py::TestJourney::test_per_user",
        "tests/test_c.py::TestJourney::TestNested::test_deep",
        "tests/test_c.py::test_plain",
    ]
    answer = guarding["tests/test_c.py::TestJourney::test_answer"]
    assert answer.markers == ["integration", "golden_path", "slow", "filterwarnings"]
    assert answer.golden_path
    # ``engine.UserEngine`` in the test, through ``from app import engine`` at module level.
    assert answer.via == "app.engine.UserEngine, app.engine"
    assert answer.scope == "test"
    deep = guarding["tests/test_c.py::TestJourney::TestNested::test_deep"]
    assert deep.markers == ["xfail", "integration", "golden_path", "slow", "filterwarnings"]
    assert deep.line == 22
    assert guarding["tests/test_c.py::test_plain"].markers == [
        "golden_path",
        "slow",
        "filterwarnings",
    ]
    assert [r.nodeid for r in engine.deprecated] == ["tests/test_c.py::TestJourney::test_per_user"]
    assert engine.deprecated[0].markers[0] == "parametrize"


def test_class_body_reference_applies_to_the_class_tests(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_d.py": """
                from app import legacy


                class TestOld:
                    engine_class = legacy.Engine

                    def test_it(self):
                        pass


                def test_outside():
                    pass
            """,
        },
    )
    test_map = map_tests(config)
    engine, notifier = test_map.contracts["engine"], test_map.contracts["notifier"]

    # ``from app import legacy`` reaches the module (both contracts); the class attribute
    # names the engine.
    assert [(r.nodeid, r.scope) for r in engine.deprecated] == [
        ("tests/test_d.py::TestOld::test_it", "class"),
        ("tests/test_d.py::test_outside", "module"),
    ]
    assert engine.deprecated[0].via == "app.legacy.Engine, app.legacy"
    assert [r.nodeid for r in notifier.deprecated] == [
        "tests/test_d.py::TestOld::test_it",
        "tests/test_d.py::test_outside",
    ]


def test_a_name_picks_its_contract_in_a_shared_module(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_e.py": """
                def test_engine():
                    from app.legacy import Engine


                def test_notifier():
                    from app.legacy import Notifier as N


                def test_other():
                    from app.legacy import something_else
            """,
        },
    )
    test_map = map_tests(config)

    assert [r.nodeid for r in test_map.contracts["engine"].deprecated] == [
        "tests/test_e.py::test_engine",
        "tests/test_e.py::test_other",
    ]
    assert [r.nodeid for r in test_map.contracts["notifier"].deprecated] == [
        "tests/test_e.py::test_notifier",
        "tests/test_e.py::test_other",
    ]


# --- fixtures and helpers -------------------------------------------------------------------


def test_fixtures_helpers_and_conftest(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/conftest.py": """
                import pytest

                from app.old_engine import Engine
                from app.notify import Notifier


                @pytest.fixture
                def old_engine():
                    return Engine()


                @pytest.fixture(name="wrapped")
                def _wrapped(old_engine):
                    return [old_engine]


                @pytest.fixture(autouse=True)
                def quiet():
                    yield
            """,
            "tests/unit/test_f.py": """
                import pytest


                @pytest.fixture
                def engine():
                    from app.engine import UserEngine
                    return UserEngine()


                def make_legacy():
                    from app.legacy import Engine
                    return Engine()


                def test_uses_fixture(engine):
                    pass


                def test_uses_conftest_fixture(wrapped):
                    pass


                def test_calls_helper():
                    make_legacy()


                @pytest.mark.usefixtures("old_engine")
                def test_usefixtures():
                    pass


                def test_nothing():
                    pass
            """,
        },
    )
    engine = map_tests(config).contracts["engine"]

    assert [(r.nodeid, r.scope, r.via) for r in engine.guarding] == [
        (
            "tests/unit/test_f.py::test_uses_fixture",
            "fixture",
            "app.engine.UserEngine (fixture 'engine')",
        ),
    ]
    deprecated = by_id(engine.deprecated)
    assert list(deprecated) == [
        "tests/unit/test_f.py::test_uses_conftest_fixture",
        "tests/unit/test_f.py::test_calls_helper",
        "tests/unit/test_f.py::test_usefixtures",
    ]
    assert deprecated["tests/unit/test_f.py::test_uses_conftest_fixture"].via == (
        "app.old_engine.Engine (fixture 'old_engine')"
    )
    assert deprecated["tests/unit/test_f.py::test_calls_helper"].scope == "helper"
    assert deprecated["tests/unit/test_f.py::test_calls_helper"].via == (
        "app.legacy.Engine (helper 'make_legacy')"
    )
    # The conftest imports Notifier but no fixture a test uses needs it.
    assert map_tests(config).contracts["notifier"].guarding == []


# --- what is and is not a test file ---------------------------------------------------------


def test_only_test_files_count(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "app/api.py": "from app.old_engine import Engine\n\n\ndef test_like():\n    pass\n",
            "tests/helpers.py": "from app.old_engine import Engine\n\n\ndef test_helper():\n    pass\n",
            "tests/engine_test.py": "from app.engine import UserEngine\n\n\ndef test_suffix():\n    pass\n",
            "tests/test_broken.py": "def test_(:\n",
        },
    )
    test_map = map_tests(config)
    engine = test_map.contracts["engine"]

    assert engine.deprecated == []
    assert [r.nodeid for r in engine.guarding] == ["tests/engine_test.py::test_suffix"]
    assert len(test_map.unreadable) == 1
    assert test_map.unreadable[0].startswith("tests/test_broken.py:1: cannot parse")
    assert test_map.files == 4  # tests/__init__.py, helpers, engine_test and the broken one


def test_relative_imports_in_a_test_package(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "app/tests/test_rel.py": "from ..old_engine import Engine\n\n\ndef test_rel():\n    pass\n",
        },
    )
    engine = map_tests(config).contracts["engine"]

    assert [(r.nodeid, r.via) for r in engine.deprecated] == [
        ("app/tests/test_rel.py::test_rel", "app.old_engine.Engine")
    ]


# --- rendering ------------------------------------------------------------------------------


def test_warning_when_no_golden_path_test_guards_a_golden_path_contract(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        {
            "tests/test_g.py": """
                import pytest

                from app.notify import Notifier


                def test_engine():
                    from app.engine import UserEngine


                @pytest.mark.golden_path
                def test_old():
                    from app.old_engine import Engine
            """,
        },
    )
    test_map = map_tests(config)
    lines = render_text(test_map)

    engine: ContractTests = test_map.contracts["engine"]
    assert not engine.golden_path_guarded
    assert lines[0] == f"Read 2 test file(s) under {tmp_path}."
    engine_start = lines.index("engine: app.engine:UserEngine  [golden-path contract]")
    notifier_start = lines.index("notifier: app.notify:Notifier")
    engine_lines = lines[engine_start:notifier_start]
    assert engine_lines[1:] == [
        "  guards the SSOT (1 test):",
        "    tests/test_g.py::test_engine  (in the test: app.engine.UserEngine)",
        "  exercises deprecated code (1 test):",
        "    tests/test_g.py::test_old [golden_path]  (in the test: app.old_engine.Engine)",
        "  warning: no @pytest.mark.golden_path test guards this golden-path contract; "
        "mark the test of the user journey that uses the canonical",
        "",
    ]
    notifier_lines = lines[notifier_start:]
    assert notifier_lines[2:4] == [
        "    tests/test_g.py::test_old [golden_path]  (module-level reference: app.notify.Notifier)",
        "    tests/test_g.py::test_engine  (module-level reference: app.notify.Notifier)",
    ]
    assert "  exercises deprecated code (0 tests):" in notifier_lines
    assert "    (none)" in notifier_lines
    assert not any("warning" in line for line in notifier_lines)  # not a golden-path contract


def test_contracts_without_tests_are_listed(tmp_path: Path) -> None:
    config = project(tmp_path, {})
    lines = render_text(map_tests(config))

    assert "    (no test references the canonical)" in lines
    assert sum(line.startswith("  warning:") for line in lines) == 1
