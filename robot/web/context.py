"""What every page needs: the database, the settings, the clock, the templates and the reason titles.

One `Web` per app, on `app.state.web`; pages get it (and the signed-in person) as FastAPI dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import Engine
from starlette.responses import Response

from robot.accounts import Permission
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.formats.text import terminal_safe
from robot.swedish import casework as swedish
from robot.web.throttle import LoginThrottle

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # names and notes are untrusted: everything is escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        kr=swedish.kr,
        integer=swedish.integer,
        month_name=swedish.month_name,
        local_date=swedish.local_date,
        local_time=swedish.local_time,
        manual_status=lambda s: swedish.MANUAL_STATUS.get(s, s),
        recommendation_status=lambda s: swedish.RECOMMENDATION_STATUS.get(s, s),
        decision=lambda s: swedish.DECISIONS.get(s, s),
        queue_state=lambda s: swedish.QUEUE_STATES.get(s, s),
        channel=lambda s: swedish.CHANNELS.get(s or "", s or swedish.NONE),
    )
    env.globals["Permission"] = Permission
    env.finalize = _visible
    return Jinja2Templates(env=env)


def _visible(value: Any) -> Any:
    """Every value a page shows: control, format and separator characters (ESC, BEL, a bidi override,
    zero-width) appear as visible escapes (`\\u202e`), whoever stored them (a note from the CLI, an
    application's text). Markup (the report's own HTML) is already safe."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return terminal_safe(value, lines=True)
    return value


@dataclass
class Web:
    engine: Engine
    settings: Settings
    clock: Clock = SYSTEM
    titles: dict[str, str] = field(default_factory=dict)
    """Reason code → its Swedish title (rules/orsaker.yaml)."""
    templates: Jinja2Templates = field(default_factory=_templates)
    oidc: Any = None
    """The OpenID Connect login (`oidc.OidcLogin`) when configured."""
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)

    def title(self, code: str) -> str:
        return self.titles.get(code, code)

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        session = getattr(request.state, "session", None)
        context.setdefault("session", session)
        context.setdefault("actor", session.actor if session else None)
        context.setdefault("csrf_token", session.csrf_token if session else "")
        context.setdefault("web", self)
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)


def web(request: Request) -> Web:
    return request.app.state.web
