"""Low-level WebSocket transport."""
import os

DEFAULT_URL = "ws://localhost:8000/ws"


def send_frame(user_id: str, event: str) -> str:
    # Read at send time, so importing this module never fails.
    url = os.environ.get("WEBSOCKET_URL", DEFAULT_URL)
    return f"{url} <- {user_id}: {event}"
