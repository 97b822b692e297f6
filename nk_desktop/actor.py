"""Who is acting: the logged-in account, passed to every service call."""

from __future__ import annotations

import dataclasses
import uuid


@dataclasses.dataclass(frozen=True)
class Actor:
    account_id: uuid.UUID | None
    username: str
    display_name: str  # "Cô Lan", "Thầy Hùng"
    staff_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()

    @property
    def is_system(self) -> bool:
        return self.account_id is None

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


SYSTEM = Actor(account_id=None, username="", display_name="Hệ thống")
"""Writes made by the application itself (creating a file, the demo school, migrations)."""
