"""DEPRECATED: use chat.websocket.notifier instead."""
from chat._compat import warn_moved
from chat.websocket.notifier import WebSocketNotifier

warn_moved(__name__ + ".WebSocketNotifier", "chat.websocket.notifier.WebSocketNotifier")


def format_event(event: str) -> str:
    """Still defined here, and imported by the SSOT."""
    return event.upper()
