"""Exceptions raised by services.  Each carries a Vietnamese message for the user.

Views show ``str(error)``; the CLI prints it on one line and exits 1.  A service
raises before it writes anything, or inside the transaction that is then rolled
back, so a refused action never leaves a partial change.
"""


class NKError(Exception):
    """Base of every error meant for the user."""


class PermissionDenied(NKError):
    """The acting user's roles or scope do not allow the action."""


class ValidationError(NKError):
    """The input is invalid; the message says which value and why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(NKError):
    """A record named by the caller does not exist (or was deleted)."""


class Locked(NKError):
    """The record or period is locked (a deadline passed, a book was closed)."""


class AuthenticationError(NKError):
    """Login refused: wrong user name or password, or the account is locked."""


class PasswordChangeRequired(NKError):
    """The password is correct but must be changed before going on."""


class DatabaseVersionError(NKError):
    """The database file was made by a newer version of the application."""
