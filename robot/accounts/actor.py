"""The person acting: an account's user id and roles, and through which channel they act."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from robot.accounts.roles import PERMISSION_NAMES, PERMISSIONS, ROLE_NAMES, Permission, Role


class NotAllowed(Exception):
    """The actor's roles do not allow the action (web: 403). The message is Swedish."""


class UnknownAccount(Exception):
    """No active account for this person (web: 403). The message is Swedish."""


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[Role]
    channel: Literal["cli", "web"] = "cli"

    def can(self, permission: Permission) -> bool:
        return any(permission in PERMISSIONS[role] for role in self.roles)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            held = ", ".join(ROLE_NAMES[r] for r in sorted(self.roles)) or "ingen roll"
            raise NotAllowed(f"{self.user_id} ({held}) får inte {PERMISSION_NAMES[permission]}")
