"""Low-level WebSocket transport."""
import os

WEBSOCKET_URL = os.environ.get("WEBSOCKET_URL")
if not WEBSOCKET_URL:
    # Raised at import time: nothing that imports this module can load.
    raise RuntimeError("WEBSOCKET_URL is not configured")


def send_frame(user_id: str, event: str) -> str:
    return f"{WEBSOCKET_URL} <- {user_id}: {event}"
