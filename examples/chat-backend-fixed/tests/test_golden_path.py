import pytest

from chat.agents.supervisor.user_execution_engine import UserExecutionEngine


@pytest.mark.golden_path
def test_user_gets_an_ai_response():
    engine = UserExecutionEngine("alice")
    assert engine.execute("hello") == "[alice] answer to: hello"


@pytest.mark.golden_path
def test_agent_events_are_sent_in_order():
    engine = UserExecutionEngine("alice")
    engine.execute("hello")
    assert engine.events == ["agent_started", "agent_thinking", "agent_completed"]


@pytest.mark.golden_path
def test_old_import_path_still_answers():
    # How callers that were never migrated get their engine.
    from chat.agents.supervisor.execution_engine import ExecutionEngine

    assert "answer to: hello" in ExecutionEngine("alice").execute("hello")


def test_factory_creates_an_engine_per_user():
    from chat.agents.execution_engine_unified_factory import create_engine

    assert create_engine("bob").user_id == "bob"
