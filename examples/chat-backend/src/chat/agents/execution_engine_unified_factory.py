"""The "unified" factory. Callers importing ExecutionEngine from here fail:
the name was never re-exported."""
from chat.agents.supervisor.user_execution_engine import UserExecutionEngine


def create_engine(user_id: str) -> UserExecutionEngine:
    return UserExecutionEngine(user_id)
