"""A workplace for the web tests: a queue with manual items and recommendations, five accounts, and
clients logged in as each of them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from robot.accounts import Role
from robot.accounts.service import actor_for, add_account
from robot.clock import FixedClock
from robot.config import StickprovSettings
from tests.builders import APPLICANT, application, register
from tests.queue_helpers import DictSource, put, run_until_idle

PASSWORD = "ett-langt-losenord"
ACCOUNTS = {
    "admin": Role.ADMIN,
    "anna.h": Role.HANDLAGGARE,
    "bo.k": Role.HANDLAGGARE,
    "tea.l": Role.TEAMLEDARE,
    "vera.v": Role.VERKSAMHET,
}
WORKER_CLOCK = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
HOSTILE = '<script>alert("x")</script>'


def salary(amount: int) -> list[dict[str, Any]]:
    return [{"person": "applicant", "type": "lon", "month": "2026-11", "amount": amount}]


def fill_queue(engine, settings, ruleset) -> None:  # type: ignore[no-untyped-def]
    """Manual items of several kinds and districts, two recommendations and a stickprov."""
    put(engine, settings, WORKER_CLOCK,
        application(application_id="NY-1", kind="nyansokan"),
        application(application_id="EL-1", district="Hisingen", costs=[{"type": "hushallsel", "amount": 2000}]),
        {**application(application_id="BAD-1"), "costs": [{"type": "hyra", "amount": "sex tusen"}]},
        application(application_id="XSS-1", kind="nyansokan", district=HOSTILE),
        application(application_id="REC-1"),
        application(application_id="REC-2", district="Centrum"))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), WORKER_CLOCK)
    paid = register(APPLICANT)
    paid["persons"][APPLICANT]["incomes"] = [
        {"source": "SKV", "type": "lon", "month": "2026-11", "amount": 5200, "tax_withheld": 1000}
    ]
    put(engine, settings, WORKER_CLOCK, application(application_id="INK-1", district="Hisingen", incomes=salary(4000)))
    run_until_idle(engine, settings, ruleset, DictSource(paid), WORKER_CLOCK)
    put(engine, settings, WORKER_CLOCK, application(application_id="SP-1", district="Centrum"))
    always = settings.model_copy(update={"stickprov": StickprovSettings(key="test-key", rate=1.0)})
    run_until_idle(engine, always, ruleset, DictSource(), WORKER_CLOCK)


def add_accounts(engine) -> None:  # type: ignore[no-untyped-def]
    add_account(engine, None, "admin", frozenset({Role.ADMIN}), PASSWORD)
    admin = actor_for(engine, "admin")
    for user_id, role in ACCOUNTS.items():
        if user_id != "admin":
            add_account(engine, admin, user_id, frozenset({role}), PASSWORD)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "the page has a form with a csrf_token"
    return match.group(1)


def login(client: TestClient, user_id: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login", data={"user_id": user_id, "password": password, "csrf_token": csrf(page.text)}, follow_redirects=False
    )


def logged_in(app, user_id: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    done = login(client, user_id)
    assert done.status_code == 303, done.text
    return client


def post(client: TestClient, path: str, **fields: str) -> Any:
    """A form post with the session's CSRF token, as the page's form would send it."""
    token = csrf(client.get("/drift").text)  # every role may see /drift; the token is the session's
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)
