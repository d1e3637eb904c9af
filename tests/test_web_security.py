"""Logging in and staying safe: sessions (HttpOnly, SameSite, Secure behind TLS, idle timeout, logout),
login throttling per account and per address, CSRF on every form, the Content-Security-Policy, and
no personal data in query strings or logs."""

from __future__ import annotations

import datetime as dt
import io
import re

import lxml.html
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from robot.queue import access_log, web_sessions
from robot.queue.access_log import What
from tests.builders import APPLICANT
from tests.web_support import PASSWORD, csrf, logged_in, login, post

PAGES = ("/manuell", "/manuell/INK-1", "/manuell/BAD-1", "/rekommendationer", "/rekommendationer/REC-1", "/drift")


def test_pages_need_a_login_but_health_and_login_do_not(workplace):
    anonymous = TestClient(workplace)
    for path in (*PAGES, "/", "/rapport/2026-12", "/admin/konton", "/admin/atkomstlogg"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?nasta="), path
    assert anonymous.get("/healthz").json() == {"status": "alive"}
    metrics = anonymous.get("/metrics")
    assert metrics.status_code == 200 and "robot_queue_applications" in metrics.text
    assert anonymous.get("/login").status_code == 200


def test_after_login_you_land_where_you_were_going(workplace):
    client = TestClient(workplace)
    target = client.get("/manuell/INK-1", follow_redirects=False).headers["location"]
    assert target == "/login?nasta=/manuell/INK-1"
    page = client.get(target)
    done = client.post("/login", data={"user_id": "anna.h", "password": PASSWORD, "csrf_token": csrf(page.text),
                                       "next": "/manuell/INK-1"}, follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/manuell/INK-1"
    other = TestClient(workplace)
    page = other.get(target)
    evil = other.post("/login", data={"user_id": "anna.h", "password": PASSWORD, "csrf_token": csrf(page.text),
                                      "next": "//evil.example/"}, follow_redirects=False)  # fmt: skip
    assert evil.headers["location"] == "/", "never a redirect off the site"


def test_a_wrong_password_is_refused_in_swedish_and_logged(workplace):
    engine = workplace.state.web.engine
    client = TestClient(workplace)
    refused = login(client, "anna.h", "fel-losenord-igen")
    assert refused.status_code == 401 and "Fel användarnamn eller lösenord." in refused.text
    unknown = login(client, "ingen.alls", "fel-losenord-igen")
    assert unknown.status_code == 401 and "Fel användarnamn eller lösenord." in unknown.text
    failed = [e for e in access_log.entries(engine) if e.what == What.LOGIN_FAILED]
    assert [(e.user_id, e.outcome) for e in failed] == [("anna.h", "refused"), (None, "refused")]
    assert "robot_session" not in client.cookies


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_tls(workplace, settings):
    cookie = next(
        c for c in login(TestClient(workplace), "anna.h").headers.get_list("set-cookie") if "robot_session" in c
    )
    assert "robot_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    tls = settings.model_copy(update={"web": settings.web.model_copy(update={"secure_cookies": True})})
    workplace.state.web.settings = tls
    secure = login(TestClient(workplace, base_url="https://testserver"), "anna.h")
    assert all("Secure" in c for c in secure.headers.get_list("set-cookie"))


def test_login_is_throttled_per_account_and_per_address(workplace, web_clock, settings):
    client = TestClient(workplace)
    for _ in range(settings.web.login_failures_per_user):
        assert login(client, "anna.h", "gissat-losenord-1").status_code == 401
    locked = login(client, "anna.h")
    assert locked.status_code == 429 and "För många misslyckade inloggningar" in locked.text
    assert login(TestClient(workplace), "bo.k").status_code == 303, "another account from the same address may"
    elsewhere = TestClient(workplace, client=("192.0.2.7", 50000))
    assert login(elsewhere, "anna.h").status_code == 303, "the guesser did not lock anna.h out from elsewhere"
    web_clock.advance(minutes=settings.web.login_window_minutes + 1)
    assert login(client, "anna.h").status_code == 303, "the failures age out"
    guesser = TestClient(workplace)
    for i in range(settings.web.login_failures_per_address):
        login(guesser, f"gissning{i}", "gissat-losenord-1")
    assert login(guesser, "tea.l").status_code == 429, "too many failures from one address"


def _page_text(html: str) -> str:
    """What the page says, without the per-visit form token."""
    return re.sub(r'value="[^"]*"', "", html)


def test_a_throttled_login_looks_the_same_for_an_existing_and_an_unknown_account(workplace, settings):
    answers = {}
    for name in ("anna.h", "finns.inte"):
        client = TestClient(workplace, client=(f"198.51.100.{len(answers) + 1}", 50000))
        seen = [login(client, name, "gissat-losenord-1") for _ in range(settings.web.login_failures_per_user + 1)]
        answers[name] = [(a.status_code, _page_text(a.text).replace(name, "NAMN")) for a in seen]
    assert answers["anna.h"] == answers["finns.inte"]
    assert [status for status, _ in answers["anna.h"]] == [401] * settings.web.login_failures_per_user + [429]


def test_every_form_post_without_a_valid_csrf_token_is_refused(workplace):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    for path in ("/manuell/EL-1/ta", "/manuell/EL-1/avsluta", "/rekommendationer/REC-1/faststall", "/logout"):
        for token in ({}, {"csrf_token": ""}, {"csrf_token": "gissad"}):
            refused = anna.post(path, data={**token, "decision": "bifall", "amount": "1"}, follow_redirects=False)
            assert refused.status_code == 403, (path, token)
            assert "säkerhetskod" in refused.text
    logged = [(e.what, e.outcome, e.application_id) for e in access_log.entries(engine, user_id="anna.h")]
    assert logged == [("login", "ok", None)] + [
        (what, "refused", app) for what, app in
        [("claim", "EL-1"), ("resolve", "EL-1"), ("approve", "REC-1"), ("logout", None)] for _ in range(3)
    ], "nothing was done; each refused post is in the access log"  # fmt: skip
    fresh = TestClient(workplace)
    assert fresh.post("/login", data={"user_id": "anna.h", "password": PASSWORD}).status_code == 403


def test_a_token_from_another_session_does_not_work(workplace):
    anna, bo = logged_in(workplace, "anna.h"), logged_in(workplace, "bo.k")
    bos_token = csrf(bo.get("/drift").text)
    assert anna.post("/manuell/EL-1/ta", data={"csrf_token": bos_token}).status_code == 403


def test_an_idle_session_ends_and_asks_for_a_new_login(workplace, web_clock, settings):
    anna = logged_in(workplace, "anna.h")
    web_clock.advance(minutes=settings.web.idle_minutes - 1)
    assert anna.get("/manuell").status_code == 200, "in use: the session lives on"
    web_clock.advance(minutes=settings.web.idle_minutes - 1)
    assert anna.get("/manuell").status_code == 200
    web_clock.advance(minutes=settings.web.idle_minutes + 1)
    answer = anna.get("/manuell", follow_redirects=False)
    assert answer.headers["location"] == "/login?nasta=/manuell&meddelande=utgangen"
    assert "Sessionen har gått ut" in anna.get(answer.headers["location"]).text


def test_a_session_ends_after_its_hours_however_active(workplace, web_clock, settings):
    anna = logged_in(workplace, "anna.h")
    for _ in range(settings.web.session_hours * 4):
        web_clock.advance(minutes=15)
        anna.get("/drift")
    assert anna.get("/manuell", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_for_a_copied_cookie_too(workplace):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    cookie = anna.cookies["robot_session"]
    out = post(anna, "/logout")
    assert out.headers["location"] == "/login?meddelande=utloggad"
    copy = TestClient(workplace, cookies={"robot_session": cookie})
    assert copy.get("/manuell", follow_redirects=False).status_code == 303
    assert [e.what for e in access_log.entries(engine, user_id="anna.h")] == ["login", "logout"]


def test_the_cookie_holds_a_token_the_database_only_its_hash(workplace):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    token = anna.cookies["robot_session"]
    assert web_sessions.find(engine, token) is None


def test_a_disabled_account_is_signed_out_and_a_removed_role_takes_effect_at_once(workplace):
    anna = logged_in(workplace, "anna.h")
    admin = logged_in(workplace, "admin")
    assert anna.get("/manuell").status_code == 200
    post(admin, "/admin/konton/anna.h/stang-av")
    assert anna.get("/manuell", follow_redirects=False).status_code == 303
    assert login(TestClient(workplace), "anna.h").status_code == 401


def test_security_headers_and_a_policy_without_inline_script_or_style(workplace):
    anna = logged_in(workplace, "anna.h")
    answer = anna.get("/manuell")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["referrer-policy"] == "same-origin"


def _secured(answer) -> bool:  # type: ignore[no-untyped-def]
    policy = answer.headers.get("content-security-policy", "")
    return "script-src 'none'" in policy and answer.headers.get("x-frame-options") == "DENY" \
        and answer.headers.get("cache-control") == "no-store"  # fmt: skip


def test_every_error_page_carries_the_security_headers(workplace, settings):
    anna = logged_in(workplace, "anna.h")
    assert _secured(answer := anna.get("/finns-inte")) and answer.status_code == 404
    assert _secured(answer := anna.put("/manuell")) and answer.status_code == 405
    assert _secured(answer := anna.get("/admin/konton")) and answer.status_code == 403
    big = anna.post("/login", content=b"a" * (settings.web.max_body_bytes + 1),
                    headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert _secured(big) and big.status_code == 413
    guesser = TestClient(workplace, client=("203.0.113.9", 50000))
    for _ in range(settings.web.login_failures_per_user):
        login(guesser, "anna.h", "gissat-losenord-1")
    assert _secured(answer := login(guesser, "anna.h")) and answer.status_code == 429

    def broken() -> None:
        raise RuntimeError("a bug")

    workplace.add_api_route("/trasig", broken)
    failed = TestClient(workplace, raise_server_exceptions=False).get("/trasig")
    assert failed.status_code == 500 and _secured(failed) and "Ett tekniskt fel uppstod" in failed.text


OUT_OF_RANGE = "Ange ett datum mellan 1900-01-01 och 2199-12-31."


@pytest.mark.parametrize(("path", "says"), [
    ("/manuell?sida=²", ""), ("/manuell?sida=٣", ""), ("/rekommendationer?sida=²", ""),
    ("/admin/atkomstlogg?sida=²", ""), ("/manuell?sida=99999999999999999999", ""),
    ("/manuell?senast=9999-12-31", OUT_OF_RANGE), ("/manuell?senast=0001-01-01", OUT_OF_RANGE),
    ("/admin/atkomstlogg?fran=0001-01-01", OUT_OF_RANGE), ("/admin/atkomstlogg?till=9999-12-31", OUT_OF_RANGE),
    ("/manuell?senast=20261219", "Ange datumet som ÅÅÅÅ-MM-DD"),
])  # fmt: skip
def test_odd_query_input_is_a_swedish_answer_never_a_500(workplace, path, says):
    client = logged_in(workplace, "admin" if path.startswith("/admin") else "anna.h")
    answer = client.get(path)
    assert answer.status_code == 200 and says in answer.text, answer.text[-300:]


@pytest.mark.parametrize("user", ["anna.h", "tea.l", "admin"])
def test_no_page_has_inline_script_or_style(workplace, user):
    client = logged_in(workplace, user)
    for path in (*PAGES, "/login", "/rapport/2026-12", "/admin/konton", "/admin/atkomstlogg", "/finns-inte"):
        page = lxml.html.fromstring(client.get(path).text)
        assert not page.xpath("//script | //style | //*[@style] | //*[starts-with(name(@*), 'on')]"), path
        assert not page.xpath("//link[@href][not(starts-with(@href, '/'))]"), "every asset served locally"


def test_filters_put_no_personal_data_in_query_strings(workplace):
    anna = logged_in(workplace, "anna.h")
    allowed = {
        "status",
        "stadsdel",
        "orsak",
        "senast",
        "handlaggare",
        "stickprov",
        "anvandare",
        "ansokan",
        "fran",
        "till",
        "manad",
    }
    for path in ("/manuell", "/admin/atkomstlogg", "/rapport/2026-12"):
        client = anna if path == "/manuell" else logged_in(workplace, "admin" if "admin" in path else "tea.l")
        page = lxml.html.fromstring(client.get(path).text)
        for form in page.xpath("//form[@method='get']"):
            assert {f.get("name") for f in form.xpath(".//*[@name]")} <= allowed
    links = lxml.html.fromstring(anna.get("/manuell").text).xpath("//a/@href")
    assert not [link for link in links if APPLICANT in link or re.search(r"[0-9]{12}", link)]


def test_the_logs_have_paths_but_no_query_strings_or_personnummer(workplace):
    from robot import logs

    stream = io.StringIO()
    logs.configure("json", "INFO", stream)
    anna = logged_in(workplace, "anna.h")
    anna.get("/manuell?stadsdel=Hisingen")
    anna.get("/manuell/INK-1")
    post(anna, "/manuell/INK-1/ta")
    written = stream.getvalue()
    assert '"path": "/manuell/INK-1"' in written and "stadsdel" not in written
    assert APPLICANT not in written and PASSWORD not in written


def test_sessions_are_cleared_when_stale(workplace, web_clock, settings):
    engine = workplace.state.web.engine
    logged_in(workplace, "anna.h")
    web_clock.advance(minutes=settings.web.idle_minutes + 1)
    logged_in(workplace, "bo.k")
    idle_since = web_clock.now() - dt.timedelta(minutes=settings.web.idle_minutes)
    assert web_sessions.end_stale(engine, idle_since, web_clock.now()) == 0, "anna's was removed at bo's login"


@given(st.lists(st.tuples(st.sampled_from(["anna.h", "ANNA.H ", "bo.k", "finns.inte"]),
                          st.sampled_from(["192.0.2.1", "192.0.2.2", None])), max_size=40))  # fmt: skip
def test_failed_logins_count_per_name_and_address_and_nothing_else(attempts):
    from collections import Counter

    from robot.web.throttle import LoginThrottle

    throttle, at = LoginThrottle(), dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    for name, address in attempts:
        throttle.failed(name, address, at)
    counted = Counter((name.strip().lower(), address) for name, address in attempts)
    for name in ("anna.h", "bo.k", "finns.inte"):
        for address in ("192.0.2.1", "192.0.2.2", None):
            assert throttle.failures(name, address, at) == counted[(name, address)]
    assert throttle.failures("anna.h", "192.0.2.1", at + dt.timedelta(seconds=1)) == 0, "aged out"


def test_the_throttle_forgets_the_oldest_pairs_beyond_its_bound():
    from robot.web.throttle import LoginThrottle

    throttle, at = LoginThrottle(max_pairs=100), dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    for n in range(1000):
        throttle.failed(f"gissning{n}", "192.0.2.1", at)
    assert throttle.failures("gissning999", "192.0.2.1", at) == 1
    assert throttle.failures("gissning0", "192.0.2.1", at) == 0, "the oldest pair is forgotten"
    assert len(throttle._failures) == 100


@given(st.text())
def test_a_typed_note_keeps_no_control_format_or_separator_character(note):
    import unicodedata

    from robot.web.forms import plain

    kept = plain(note)
    assert all(ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} for ch in kept)
    assert plain(kept) == kept
    visible = [ch for ch in note if unicodedata.category(ch)[0] in "LNPS"]
    assert [ch for ch in kept if unicodedata.category(ch)[0] in "LNPS"] == visible, "what can be seen is kept"
