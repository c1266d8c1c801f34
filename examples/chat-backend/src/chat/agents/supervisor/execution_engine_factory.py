"""Legacy factory. DEPRECATED: use chat.agents.supervisor.user_execution_engine.

engine_registry was deleted in the migration, so this import now fails.
"""
from chat.agents.supervisor.engine_registry import ENGINE_REGISTRY

ExecutionEngine = ENGINE_REGISTRY["default"]
