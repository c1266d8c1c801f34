"""DEPRECATED: use chat.agents.supervisor.user_execution_engine instead."""
from chat.agents.supervisor.user_execution_engine import UserExecutionEngine

# Changes the SSOT for everyone, as a side effect of importing this module.
UserExecutionEngine.legacy_mode = True


class ExecutionEngine(UserExecutionEngine):
    """A subclass "shim" that was never finished."""

    def execute(self, message: str) -> str:
        return ""  # TODO: delegate to UserExecutionEngine
