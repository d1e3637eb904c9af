"""Casework: what handläggare do with the robot's output. The CLI and the web app call this.

    manual.py           the manual-handling queue: list, find, claim, resolve
    recommendations.py  the robot's recommendations: list, find, approve, reject
    review.py           approving needs a review: the calculation shown to the approver, logged, named by a code
    audit.py            every action into the access log with its outcome, whatever the channel
    decisions.py        an application's decision records; correcting a decision taken in error
    records.py          the `beslut/1` record each deciding action writes, in its own transaction
    amounts.py          an amount far from the robot's calculation must be confirmed
    errors.py           why an action cannot be done (Swedish messages, the input at fault); permissions

Every action takes the acting person as an `Actor` (robot.accounts) and checks on the server side
what their roles allow: handläggare work cases; acting on an item claimed by someone else (`force`)
needs a teamledare, and the event log records both names. An action returns the domain object as
it is afterwards (`ManualItem`, `Recommendation`, `StoredDecision`) or raises a `CaseworkError` (`NotFound`,
`Conflict`, `Invalid`) or `NotAllowed`. Items are named M12, recommendations R12, or either by the
application id. Storage is `robot.queue.cases`; nothing here builds SQL.
"""

from robot.accounts import NotAllowed
from robot.casework.decisions import correct_decision, current_decision, decisions_for
from robot.casework.errors import CaseworkError, Conflict, Invalid, NotFound
from robot.casework.manual import claim_manual, find_manual, list_manual, resolve_manual
from robot.casework.recommendations import (
    approve_recommendation,
    find_recommendation,
    list_recommendations,
    reject_recommendation,
)
from robot.casework.review import Review, show_for_review
from robot.queue.cases import ManualItem, Page, Recommendation
from robot.queue.outbox import StoredDecision

__all__ = [
    "CaseworkError",
    "Conflict",
    "Invalid",
    "ManualItem",
    "NotAllowed",
    "NotFound",
    "Page",
    "Recommendation",
    "Review",
    "StoredDecision",
    "approve_recommendation",
    "claim_manual",
    "correct_decision",
    "current_decision",
    "decisions_for",
    "find_manual",
    "find_recommendation",
    "list_manual",
    "list_recommendations",
    "reject_recommendation",
    "resolve_manual",
    "show_for_review",
]
