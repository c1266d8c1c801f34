"""DEPRECATED: use chat.websocket.notifier instead."""
from chat._compat import warn_moved
from chat.websocket.notifier import WebSocketNotifier, format_event

warn_moved(__name__ + ".WebSocketNotifier", "chat.websocket.notifier.WebSocketNotifier")

__all__ = ["WebSocketNotifier", "format_event"]
