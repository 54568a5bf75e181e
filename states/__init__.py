"""Life cycles: the complaint state machine (pure) and the service that persists its changes."""
