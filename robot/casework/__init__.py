"""Casework: what handläggare do with the robot's output. The CLI, the web app and the outbox call this.

    manual.py           the manual-handling queue: list, find, claim, resolve
    recommendations.py  the robot's recommendations: list, find, approve, reject
    errors.py           why an action cannot be done (Swedish messages, the input at fault)

Every action takes the acting handläggare's user id and records it in the event log; it returns
the domain object as it is afterwards (`ManualItem`, `Recommendation`) or raises a
`CaseworkError` (`NotFound`, `Conflict`, `Invalid`). Storage is `robot.queue.cases`; nothing
here builds SQL.
"""

from robot.casework.errors import CaseworkError, Conflict, Invalid, NotFound
from robot.casework.manual import claim_manual, find_manual, list_manual, resolve_manual
from robot.casework.recommendations import (
    approve_recommendation,
    find_recommendation,
    list_recommendations,
    reject_recommendation,
)
from robot.queue.cases import ManualItem, Recommendation

__all__ = [
    "CaseworkError",
    "Conflict",
    "Invalid",
    "ManualItem",
    "NotFound",
    "Recommendation",
    "approve_recommendation",
    "claim_manual",
    "find_manual",
    "find_recommendation",
    "list_manual",
    "list_recommendations",
    "reject_recommendation",
    "resolve_manual",
]
