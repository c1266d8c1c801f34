"""Chat backend: users send a message, an agent answers."""
