"""Entry point of the chat API: turns a user's message into an AI answer."""
from chat.agents.supervisor.execution_engine import ExecutionEngine  # never migrated


def handle_message(user_id: str, message: str) -> str:
    return ExecutionEngine(user_id).execute(message)
