"""DEPRECATED: use chat.agents.supervisor.user_execution_engine instead.

...but this module still holds its own engine, so old imports get this one.
"""
from typing import Dict, List


class ExecutionEngine:
    # Class-level, so every user shares the same runs.
    _active_runs: Dict[str, List[str]] = {}

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.events = self._active_runs.setdefault("current", [])

    def execute(self, message: str) -> str:
        self.events.append("agent_started")
        self.events.append("agent_thinking")
        # No user id in the answer, and "agent_completed" is never sent.
        return f"answer to: {message}"
