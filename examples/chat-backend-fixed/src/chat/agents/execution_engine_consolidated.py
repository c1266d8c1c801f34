"""DEPRECATED: use chat.agents.supervisor.user_execution_engine instead.

Lazy redirect (PEP 562): the warning fires when the name is used.
"""
import warnings


def __getattr__(name: str):
    if name == "ExecutionEngine":
        from chat.agents.supervisor.user_execution_engine import UserExecutionEngine

        warnings.warn(
            f"{__name__}.ExecutionEngine is deprecated; import "
            "chat.agents.supervisor.user_execution_engine.UserExecutionEngine instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return UserExecutionEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return ["ExecutionEngine"]
