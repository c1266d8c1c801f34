from chat.agents.supervisor.user_execution_engine import UserExecutionEngine


def test_users_do_not_see_each_others_events():
    alice = UserExecutionEngine("alice")
    bob = UserExecutionEngine("bob")

    alice.execute("hi from alice")

    assert alice.events == ["agent_started", "agent_thinking", "agent_completed"]
    assert bob.events == []
