"""Entry point of the chat API: turns a user's message into an AI answer."""
from chat.agents.supervisor.user_execution_engine import UserExecutionEngine


def handle_message(user_id: str, message: str) -> str:
    return UserExecutionEngine(user_id).execute(message)
