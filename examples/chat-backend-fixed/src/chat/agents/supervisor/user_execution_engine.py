"""The execution engine: the single source of truth (SSOT).

One engine per user, so no state is shared between users.
"""
from typing import List


class UserExecutionEngine:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.events: List[str] = []

    def execute(self, message: str) -> str:
        self.events.append("agent_started")
        self.events.append("agent_thinking")
        answer = f"[{self.user_id}] answer to: {message}"
        self.events.append("agent_completed")
        return answer


def create_engine(user_id: str) -> UserExecutionEngine:
    """Factory kept for callers of the old unified factory."""
    return UserExecutionEngine(user_id)
