"""/manuell: the manual queue, earliest deadline first, filtered by district, reason, deadline,
assignee, stickprov and status, with counts, a page at a time. The filter is in the query string:
codes, dates and user ids, never personal data. The rows show application ids and amounts: each
application listed is in the access log as seen in a list."""

from __future__ import annotations

import math
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from robot.queue import access_log
from robot.queue.access_log import What
from robot.queue.states import ManualStatus
from robot.queue.worklist import UNASSIGNED, QueueFilter, queue_page
from robot.web import actions, forms, sessions
from robot.web.context import Web, web
from robot.web.security import client_address
from robot.web.sessions import Session

router = APIRouter()

STATUSES = {
    "aktiva": ("öppna och tilldelade", (ManualStatus.OPEN, ManualStatus.CLAIMED)),
    "oppna": ("öppna", (ManualStatus.OPEN,)),
    "tilldelade": ("tilldelade", (ManualStatus.CLAIMED,)),
    "avslutade": ("avslutade", (ManualStatus.RESOLVED,)),
}
FILTER_FIELDS = ("status", "stadsdel", "orsak", "senast", "handlaggare", "stickprov")


@router.get("/manuell")
def queue(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    actor = actions.case_worker(w, session.actor, None, What.VIEW_LIST, client_address(request))
    q = {name: request.query_params.get(name, "").strip()[:100] for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    status = q["status"] if q["status"] in STATUSES else "aktiva"
    due, problem = forms.day(q["senast"])
    if problem:
        errors["senast"] = problem
    assignee = {"": None, "mig": actor.user_id, "ingen": UNASSIGNED}.get(q["handlaggare"], q["handlaggare"])
    wanted = QueueFilter(
        statuses=STATUSES[status][1],
        district=q["stadsdel"] or None,
        reason=q["orsak"] or None,
        due_before=forms.end_of(due) if due else None,
        assignee=assignee,
        stickprov={"ja": True, "nej": False}.get(q["stickprov"]),
    )
    size = w.settings.web.page_size
    number = page_number(request.query_params.get("sida"))
    result = queue_page(w.engine, wanted, w.clock.now(), (number - 1) * size, size)
    access_log.record_list(w.engine, actor, [r.application_id for r in result.rows], client_address(request), w.clock)
    pages = max(1, math.ceil(result.matching / size))
    kept = {k: v for k, v in q.items() if v}

    def link(page: int) -> str:
        return "/manuell?" + urlencode({**kept, "sida": page}) if page > 1 else "/manuell?" + urlencode(kept)

    return w.page(
        request, "queue.html", q=q, status=status, statuses=STATUSES, errors=errors, result=result,
        page=number, pages=pages, previous=link(number - 1) if number > 1 else None,
        next=link(number + 1) if number < pages else None, now=w.clock.now(), filtered=bool(kept),
    )  # fmt: skip


def page_number(text: str | None) -> int:
    """The page asked for; anything but 1–99 999 in ASCII digits (`²` is a digit to str.isdigit) is page 1."""
    return int(text) if text and _PAGE.match(text) and int(text) > 0 else 1


_PAGE = re.compile(r"^[0-9]{1,5}$")
