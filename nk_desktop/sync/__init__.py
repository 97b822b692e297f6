"""Change journal, shared-folder exchange and backup (no Qt)."""
