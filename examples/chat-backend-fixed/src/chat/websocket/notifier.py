"""Sends agent events to the user's browser (SSOT)."""
from typing import List

from chat.websocket.transport import send_frame


def format_event(event: str) -> str:
    return event.upper()


class WebSocketNotifier:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id

    def notify(self, events: List[str]) -> List[str]:
        return [send_frame(self.user_id, format_event(event)) for event in events]
