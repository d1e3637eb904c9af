"""/drift: what ops look at first (queue states, what is due, the manual queue, the last batch and,
where the outbox exists, its backlog), as counts and ids without personal data. /healthz, /readyz and
/metrics (no login) come from `robot.observability`, the same as the daemon's."""

from __future__ import annotations

import importlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from robot.accounts import Permission
from robot.queue.status import queue_status
from robot.web import sessions
from robot.web.context import Web, web
from robot.web.sessions import Session

router = APIRouter()


def outbox_status(w: Web) -> dict[str, Any] | None:
    """The outbox's backlog when this installation has one (`robot.queue.outbox.outbox_status`), else None."""
    try:
        module = importlib.import_module("robot.queue.outbox")
    except ImportError:
        return None
    status = getattr(module, "outbox_status", None)
    return status(w.engine, w.clock) if callable(status) else None


@router.get("/drift")
def operations(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    sessions.allowed(session, Permission.VIEW_OPERATIONS)
    return w.page(request, "operations.html", status=queue_status(w.engine, w.clock), outbox=outbox_status(w))
