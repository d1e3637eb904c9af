"""Every handläggare action into the access log with its outcome, whichever channel it came through
(the actor's `channel`: cli or web): done, denied (the person's roles do not allow it) or refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from robot.accounts import Actor, NotAllowed
from robot.casework.errors import CaseworkError
from robot.clock import SYSTEM, Clock
from robot.queue import access_log
from robot.queue.access_log import Outcome, What

T = TypeVar("T")


def logged(
    engine: Engine,
    actor: Actor,
    application_id: str | None,
    what: What,
    action: Callable[[], T],
    *,
    address: str | None = None,
    clock: Clock = SYSTEM,
) -> T:
    """Run `action`, recording it in the access log as done, denied or refused (and re-raising why)."""
    try:
        result = action()
    except NotAllowed:
        access_log.record_access(engine, actor, application_id, what, Outcome.DENIED, address, clock)
        raise
    except CaseworkError:
        access_log.record_access(engine, actor, application_id, what, Outcome.REFUSED, address, clock)
        raise
    access_log.record_access(engine, actor, application_id, what, Outcome.OK, address, clock)
    return result
