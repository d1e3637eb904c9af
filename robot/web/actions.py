"""Handläggare actions from the web: the roles checked here too (defence in depth), casework does the
work, and every attempt goes into the access log with its outcome.

"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from robot import casework
from robot.accounts import Actor, Permission
from robot.casework import ManualItem, Recommendation, audit
from robot.casework.release import release_manual
from robot.queue import access_log
from robot.queue.access_log import Outcome, What
from robot.queue.states import ManualStatus
from robot.web.context import Web

T = TypeVar("T")


def logged(w: Web, actor: Actor, application_id: str, what: What, address: str | None, action: Callable[[], T]) -> T:
    """Run `action`, recording it in the access log as done, denied (no permission) or refused."""
    return audit.logged(w.engine, actor, application_id, what, action, address=address, clock=w.clock)


def case_worker(w: Web, actor: Actor, application_id: str | None, what: What, address: str | None) -> Actor:
    """The actor, if their roles let them work cases; else NotAllowed (403), logged as denied. Asked before
    an item is looked up, so that someone without the role learns nothing about which applications exist."""
    if not actor.can(Permission.WORK_CASES):
        access_log.record_access(w.engine, actor, application_id, what, Outcome.DENIED, address, w.clock)
        actor.require(Permission.WORK_CASES)
    return actor


def claim(w: Web, actor: Actor, item: ManualItem) -> ManualItem:
    actor.require(Permission.WORK_CASES)
    return casework.claim_manual(w.engine, item.id, actor, clock=w.clock)


def release(w: Web, actor: Actor, item: ManualItem) -> ManualItem:
    return release_manual(w.engine, item.id, actor, force=item.assignee != actor.user_id, clock=w.clock)


def may_resolve(actor: Actor, item: ManualItem) -> bool:
    """Only the one who took the item, or a teamledare, resolves it (NotAllowed, or Conflict for an
    open item: take it first); True when it is the actor's own."""
    actor.require(Permission.WORK_CASES)
    mine = item.status == ManualStatus.CLAIMED and item.assignee == actor.user_id
    if not mine and not actor.can(Permission.OVERRIDE):
        if item.status == ManualStatus.OPEN:
            raise casework.Conflict(f"ta ärendet ({item.application_id}) innan du avslutar det")
        if item.status == ManualStatus.CLAIMED:
            actor.require(Permission.OVERRIDE)
    return mine


def resolve(
    w: Web, actor: Actor, item: ManualItem, decision: str, amount: int | None, note: str | None,
    stickprov_correct: bool | None, confirm_amount: bool = False,
) -> ManualItem:  # fmt: skip
    mine = may_resolve(actor, item)
    return casework.resolve_manual(
        w.engine, item.id, actor, decision=decision, amount=amount, note=note, stickprov_correct=stickprov_correct,
        force=not mine, confirm_amount=confirm_amount, settings=w.settings, clock=w.clock,
    )  # fmt: skip


def approve(w: Web, actor: Actor, rec: Recommendation, reviewed: str | None, note: str | None) -> Recommendation:
    """Only after the recommendation's page was shown to `actor` (logged as a review) with the code `reviewed`."""
    actor.require(Permission.WORK_CASES)
    return casework.approve_recommendation(
        w.engine, rec.id, actor, reviewed=reviewed, note=note, settings=w.settings, clock=w.clock
    )


def reject(w: Web, actor: Actor, rec: Recommendation, note: str | None) -> ManualItem:
    actor.require(Permission.WORK_CASES)
    return casework.reject_recommendation(w.engine, rec.id, actor, note=note, settings=w.settings, clock=w.clock)
