"""DEPRECATED: use chat.agents.supervisor.user_execution_engine instead."""
from chat._compat import warn_moved
from chat.agents.supervisor.user_execution_engine import UserExecutionEngine as ExecutionEngine

warn_moved(
    __name__ + ".ExecutionEngine",
    "chat.agents.supervisor.user_execution_engine.UserExecutionEngine",
)

__all__ = ["ExecutionEngine"]
