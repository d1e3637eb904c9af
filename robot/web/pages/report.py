"""/rapport/<ÅÅÅÅ-MM>: the monthly control report for verksamheten and teamledare, aggregates only
(the same figures and sections as `robot report`). A month without applications says so."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from robot.accounts import Permission
from robot.formats.period import is_month
from robot.report import html
from robot.report.data import load_month
from robot.report.figures import compute
from robot.swedish.dates import STOCKHOLM, month_name
from robot.web import sessions
from robot.web.context import Web, web
from robot.web.sessions import Session

router = APIRouter()


def _shift(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@router.get("/rapport")
def current(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    sessions.allowed(session, Permission.VIEW_REPORTS)
    chosen = request.query_params.get("manad", "")
    month = chosen if is_month(chosen) else w.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m")
    return RedirectResponse(f"/rapport/{month}", status_code=303)


@router.get("/rapport/{month}")
def report(
    month: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.signed_in)],
) -> Response:  # fmt: skip
    sessions.allowed(session, Permission.VIEW_REPORTS)
    if not is_month(month):
        return w.page(request, "error.html", 404, title="Ingen sådan månad",
                      message="Ange månaden som ÅÅÅÅ-MM, till exempel /rapport/2026-12.", login_link=False)  # fmt: skip
    figures = compute(load_month(w.engine, month), w.titles)
    return w.page(
        request, "report.html", month=month, name=month_name(month), empty=figures.empty,
        # The report's HTML escapes every value itself (robot/report/html.py) and has no styles or scripts.
        sections=Markup("\n".join(html.sections(figures))),
        previous=_shift(month, -1), next=_shift(month, 1), generated=w.clock.now(),
    )  # fmt: skip
