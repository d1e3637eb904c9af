"""/drift: what ops look at first (queue states, what is due, the manual queue, the last batch and,
the outbox's backlog), as counts and ids without personal data. /healthz, /readyz and
/metrics (no login) come from `robot.observability`, the same as the daemon's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from robot.accounts import Permission
from robot.queue.outbox import summary
from robot.queue.status import queue_status
from robot.web import sessions
from robot.web.context import Web, web
from robot.web.sessions import Session

router = APIRouter()


@router.get("/drift")
def operations(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    sessions.allowed(session, Permission.VIEW_OPERATIONS)
    alert_after = dt.timedelta(seconds=w.settings.output.alert_after)
    outbox = summary(w.engine, w.clock.now(), alert_after)
    return w.page(request, "operations.html", status=queue_status(w.engine, w.clock), outbox=outbox,
                  outbox_target=w.settings.outbox_target())  # fmt: skip
