"""The access log: every view of an application's personal data and every action, by whom, when,
through which channel, with its outcome; append-only; `robot audit` prints it to administrators;
`robot manual show` and `robot explain` write to it too."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from robot.accounts import Role
from robot.accounts.service import actor_for, add_account, os_user
from robot.cli.main import app as cli_app
from robot.queue import access_log
from robot.queue.schema import access_log as access_table
from tests.web_support import logged_in, post


def entries(engine, **filters):  # type: ignore[no-untyped-def]
    return [(e.user_id, e.channel, e.application_id, e.what, e.outcome) for e in access_log.entries(engine, **filters)]


def test_views_and_actions_are_logged_with_who_what_and_outcome(workplace):
    engine = workplace.state.web.engine
    anna, bo, vera = (logged_in(workplace, u) for u in ("anna.h", "bo.k", "vera.v"))
    anna.get("/manuell")  # the list shows ids and amounts: each application listed is logged
    anna.get("/manuell/EL-1")
    post(anna, "/manuell/EL-1/ta")
    bo.get("/manuell/EL-1")
    post(bo, "/manuell/EL-1/avsluta", decision="bifall", amount="100")
    vera.get("/manuell/EL-1")
    post(anna, "/manuell/EL-1/avsluta", decision="bifall", amount="12000", bekrafta="ja")
    assert entries(engine, application_id="EL-1") == [
        ("anna.h", "web", "EL-1", "view_list", "ok"),
        ("anna.h", "web", "EL-1", "view_item", "ok"),
        ("anna.h", "web", "EL-1", "claim", "ok"),
        ("bo.k", "web", "EL-1", "view_item", "ok"),
        ("bo.k", "web", "EL-1", "resolve", "denied"),
        ("vera.v", "web", "EL-1", "view_item", "denied"),
        ("anna.h", "web", "EL-1", "resolve", "ok"),
    ]
    logins = [e for e in access_log.entries(engine) if e.what == "login"]
    assert [e.user_id for e in logins] == ["anna.h", "bo.k", "vera.v"] and logins[0].address == "testclient"


def test_a_refused_action_is_logged_as_refused(workplace):
    engine = workplace.state.web.engine
    anna, bo = logged_in(workplace, "anna.h"), logged_in(workplace, "bo.k")
    post(anna, "/manuell/NY-1/ta")
    post(bo, "/manuell/NY-1/ta")
    post(anna, "/rekommendationer/REC-1/avvisa", note="")
    assert entries(engine, user_id="bo.k", application_id="NY-1") == [
        ("bo.k", "web", "NY-1", "claim", "refused"),
        ("bo.k", "web", "NY-1", "view_item", "ok"),  # the page saying why shows the item
    ]
    assert ("anna.h", "web", "REC-1", "reject", "refused") in entries(engine, application_id="REC-1")


def test_lists_reviews_approvals_and_csrf_refused_posts_are_logged(workplace):
    engine = workplace.state.web.engine
    anna, vera = logged_in(workplace, "anna.h"), logged_in(workplace, "vera.v")
    anna.get("/rekommendationer")
    vera.get("/rekommendationer")
    listed = {(e.application_id, e.what) for e in access_log.entries(engine, user_id="anna.h") if e.what != "login"}
    assert ("REC-1", "view_list") in listed and ("REC-2", "view_list") in listed
    assert entries(engine, user_id="vera.v")[-1] == ("vera.v", "web", None, "view_list", "denied")
    refused = anna.post("/rekommendationer/REC-1/faststall", data={"csrf_token": "fel"}, follow_redirects=False)
    assert refused.status_code == 403
    anna.post("/manuell/EL-1/ta", data={}, follow_redirects=False)
    anna.post("/logout", data={"csrf_token": "fel"}, follow_redirects=False)
    page = anna.get("/rekommendationer/REC-1")
    code = re.search(r'name="granskat" value="([0-9a-f]{8})"', page.text).group(1)
    assert post(anna, "/rekommendationer/REC-1/faststall", granskat=code).status_code == 303
    assert entries(engine, user_id="anna.h")[-5:] == [
        ("anna.h", "web", "REC-1", "approve", "refused"),
        ("anna.h", "web", "EL-1", "claim", "refused"),
        ("anna.h", "web", None, "logout", "refused"),
        ("anna.h", "web", "REC-1", "review", "ok"),
        ("anna.h", "web", "REC-1", "approve", "ok"),
    ]


def test_the_access_log_is_append_only(engine):
    access_log.record_access(engine, actor_for_test(), "X-1", access_log.What.VIEW_ITEM)
    for statement in (update(access_table).values(user_id="someone.else"), access_table.delete()):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    assert entries(engine) == [("ada", "cli", "X-1", "view_item", "ok")]


def test_the_access_log_is_append_only_on_postgres(postgres_url):
    from robot.queue.db import make_engine

    eng = make_engine(postgres_url)
    access_log.record_access(eng, actor_for_test(), "X-1", access_log.What.VIEW_ITEM)
    for sql in ("UPDATE access_log SET user_id = 'x'", "DELETE FROM access_log"):
        with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
            conn.execute(text(sql))
    assert len(access_log.entries(eng)) == 1
    eng.dispose()


def actor_for_test():  # type: ignore[no-untyped-def]
    from robot.accounts import Actor

    return Actor("ada", frozenset({Role.ADMIN}), "cli")


@pytest.fixture
def cli(workplace, settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, list(args))


def test_robot_manual_show_and_explain_are_logged_as_the_os_user(workplace, cli):
    engine = workplace.state.web.engine
    assert cli("manual", "show", "INK-1").exit_code == 4, "a person without an account sees nothing"
    unknown = cli("explain", "INK-1", "--json")
    assert unknown.exit_code == 4 and "finns inte" in unknown.output and "INK-1" not in unknown.output
    add_account(engine, actor_for(engine, "admin"), os_user(), frozenset({Role.HANDLAGGARE}))
    assert cli("manual", "show", "INK-1").exit_code == 0
    assert cli("explain", "INK-1").exit_code == 0
    assert entries(engine, application_id="INK-1") == [
        *[(os_user(), "cli", "INK-1", "view_item", "denied")] * 2,  # the attempts without an account
        *[(os_user(), "cli", "INK-1", "view_item", "ok")] * 2,
    ]


def test_robot_audit_prints_the_log_to_administrators_with_filters(workplace, cli):
    engine = workplace.state.web.engine
    anna, bo = logged_in(workplace, "anna.h"), logged_in(workplace, "bo.k")
    anna.get("/manuell/INK-1")
    bo.get("/manuell/EL-1")
    refused = cli("audit", "--json")
    assert refused.exit_code == 4 and "finns inte" in refused.output, "only an administrator's account may read it"
    add_account(engine, actor_for(engine, "admin"), os_user(), frozenset({Role.ADMIN}))
    everything = json.loads(cli("audit", "--json").stdout)
    assert [(e["user_id"], e["what"]) for e in everything] == [
        ("anna.h", "login"), ("bo.k", "login"), ("anna.h", "view_item"), ("bo.k", "view_item"),
    ]  # fmt: skip
    assert set(everything[0]) == {"at", "user_id", "channel", "application_id", "what", "outcome", "address"}
    mine = json.loads(cli("audit", "--json", "--user", "anna.h").stdout)
    assert {e["user_id"] for e in mine} == {"anna.h"} and len(mine) == 2
    ink = json.loads(cli("audit", "--json", "--application", "INK-1").stdout)
    assert [(e["user_id"], e["channel"], e["what"]) for e in ink] == [("anna.h", "web", "view_item")]
    assert json.loads(cli("audit", "--json", "--since", "2026-12-03").stdout) == []
    assert len(json.loads(cli("audit", "--json", "--until", "2026-12-02").stdout)) == 4
    assert json.loads(cli("audit", "--json", "--until", "2026-12-01").stdout) == []
    assert len(json.loads(cli("audit", "--json", "--since", "2026-12-02T09:00+01:00").stdout)) == 4
    bad = cli("audit", "--since", "igår")
    assert bad.exit_code == 2 and "ange ett datum (ÅÅÅÅ-MM-DD)" in bad.output
    listing = cli("audit", "--user", "bo.k").stdout
    assert "bo.k" in listing and "visade ansökan" in listing and "EL-1" in listing
