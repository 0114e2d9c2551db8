"""Audit trail of changes: who, when, what, old -> new."""
