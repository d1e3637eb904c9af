"""Releasing a taken manual item: it goes back to the queue, open for anyone to take.

The one who took it may release it; releasing someone else's item is a teamledare's override
(`Permission.OVERRIDE`, `force`). Written for the `Actor` interface every casework action moves to.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot.accounts import Actor, Permission
from robot.casework.errors import Conflict
from robot.casework.manual import STATUS_WORDS, find_manual
from robot.clock import SYSTEM, Clock
from robot.queue import cases
from robot.queue.cases import ManualItem
from robot.queue.states import ManualStatus


def release_manual(
    engine: Engine, ref: str | int, actor: Actor, *, force: bool = False, clock: Clock = SYSTEM
) -> ManualItem:
    """Put a claimed item back in the queue (status open, nobody assigned)."""
    actor.require(Permission.WORK_CASES)
    item = find_manual(engine, ref)
    if item.status != ManualStatus.CLAIMED or item.assignee is None:
        raise Conflict(f"ärende {item.id} är inte tilldelat någon: det är {STATUS_WORDS[ManualStatus(item.status)]}")
    if item.assignee != actor.user_id:
        if not force:
            raise Conflict(
                f"ärende {item.id} är tilldelat {item.assignee}; bara hen eller en teamledare kan släppa det", "force"
            )
        actor.require(Permission.OVERRIDE)
    if not cases.release_item(engine, item.id, item.assignee, actor.user_id, clock.now()):
        raise Conflict(f"ärende {item.id} ändrades samtidigt av någon annan; ladda om och försök igen")
    return find_manual(engine, item.id)
