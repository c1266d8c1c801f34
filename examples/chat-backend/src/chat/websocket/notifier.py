"""Sends agent events to the user's browser (SSOT)."""
from typing import List

# The SSOT still borrows a helper from the module it replaced: a circular import.
from chat.services.notifier import format_event
from chat.websocket.transport import send_frame


class WebSocketNotifier:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id

    def notify(self, events: List[str]) -> List[str]:
        return [send_frame(self.user_id, format_event(event)) for event in events]
