"""This PC's small secrets and memories in the OS keyring (Windows Credential Manager).

With no keyring backend (a headless Linux box, a locked-down PC) every call
degrades quietly: nothing is remembered and the application still works.
"""

from __future__ import annotations

SERVICE = "NK Desktop"
LAST_USER = "last-username"


def get(name: str) -> str | None:
    import keyring  # loaded on first use: its backend discovery is slow and start-up does not need it
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, name)
    except (KeyringError, RuntimeError):
        return None


def put(name: str, value: str) -> bool:
    """Store *value*; returns False when this PC has no keyring."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, name, value)
        return True
    except (KeyringError, RuntimeError):
        return False


def remember_last_user(username: str) -> bool:
    return put(LAST_USER, username)


def last_user() -> str | None:
    return get(LAST_USER)
