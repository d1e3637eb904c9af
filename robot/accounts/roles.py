"""The roles and what each may do. Every check is made on the server side, in `Actor.require`."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HANDLAGGARE = "handlaggare"
    """Works manual items and recommendations; sees the personal data of the applications."""
    TEAMLEDARE = "teamledare"
    """A handläggare who may also reassign items and act on items claimed by someone else."""
    VERKSAMHET = "verksamhet"
    """Reports, rules and what-if: aggregates only, no personal data."""
    ADMIN = "admin"
    """Manages accounts; sees no personal data by this role."""


class Permission(StrEnum):
    WORK_CASES = "work_cases"
    """Claim, resolve, approve, reject; see an application's personal data."""
    OVERRIDE = "override"
    """Reassign or release others' items, resolve an item claimed by someone else, correct others' decisions."""
    VIEW_REPORTS = "view_reports"
    """The monthly report and what-if: aggregates."""
    VIEW_OPERATIONS = "view_operations"
    """Queue states, batches, the outbox: counts and ids, no personal data."""
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    """The access log: who looked at which application."""


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HANDLAGGARE: frozenset({Permission.WORK_CASES, Permission.VIEW_OPERATIONS}),
    Role.TEAMLEDARE: frozenset(
        {Permission.WORK_CASES, Permission.OVERRIDE, Permission.VIEW_REPORTS, Permission.VIEW_OPERATIONS}
    ),
    Role.VERKSAMHET: frozenset({Permission.VIEW_REPORTS, Permission.VIEW_OPERATIONS}),
    Role.ADMIN: frozenset({Permission.MANAGE_ACCOUNTS, Permission.VIEW_OPERATIONS, Permission.VIEW_AUDIT}),
}

ROLE_NAMES = {
    Role.HANDLAGGARE: "handläggare",
    Role.TEAMLEDARE: "teamledare",
    Role.VERKSAMHET: "verksamhet",
    Role.ADMIN: "administratör",
}

PERMISSION_NAMES = {
    Permission.WORK_CASES: "handlägga ärenden",
    Permission.OVERRIDE: "ta över andras ärenden (teamledare)",
    Permission.VIEW_REPORTS: "se rapporter och konsekvensanalyser",
    Permission.VIEW_OPERATIONS: "se driftläget",
    Permission.MANAGE_ACCOUNTS: "hantera konton",
    Permission.VIEW_AUDIT: "se åtkomstloggen",
}
