"""Use cases and rules; every call takes the acting user."""
