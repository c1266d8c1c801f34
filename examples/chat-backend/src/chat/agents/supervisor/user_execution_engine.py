"""The execution engine: the single source of truth (SSOT).

One engine per user, so no state is shared between users.
"""
from typing import List


class UserExecutionEngine:
    # Turned on by old callers; legacy mode skips the "thinking" event.
    legacy_mode = False

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.events: List[str] = []

    def execute(self, message: str) -> str:
        self.events.append("agent_started")
        if not self.legacy_mode:
            self.events.append("agent_thinking")
        answer = f"[{self.user_id}] answer to: {message}"
        self.events.append("agent_completed")
        return answer
