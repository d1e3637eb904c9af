"""The workplace as each role uses it: the queue, an item, claim and resolve, recommendations, the
report, ops, accounts; who may do what (403 otherwise), all in Swedish."""

from __future__ import annotations

import re

import lxml.html
import pytest

from robot.casework import find_manual, find_recommendation
from tests.builders import APPLICANT
from tests.web_support import HOSTILE, PASSWORD, logged_in, post


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text, with a space between elements (a definition and its term stay apart)."""
    return " ".join(" ".join(lxml.html.fromstring(response.text).itertext()).split())


def rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The application ids in the queue table, in order."""
    return [a.text for a in lxml.html.fromstring(response.text).xpath("//table[contains(@class,'queue')]//td/a")]


def test_the_queue_lists_open_items_by_deadline_with_counts_and_reasons(workplace):
    anna = logged_in(workplace, "anna.h")
    queue = anna.get("/manuell")
    assert queue.status_code == 200
    assert sorted(rows(queue)) == ["BAD-1", "EL-1", "INK-1", "NY-1", "SP-1", "XSS-1"]
    text = page_text(queue)
    assert "6 ärenden. Sorterat efter sista dag." in text
    assert "Ansökt kostnad över schablonintervallet" in text and "öppet" in text
    assert "KOSTNAD_OVER_SCHABLON" not in text.replace('value="KOSTNAD_OVER_SCHABLON"', ""), "titles, not codes"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stadsdel=Hisingen", ["EL-1", "INK-1"]),
        ("orsak=NYANSOKAN", ["NY-1", "XSS-1"]),
        ("stickprov=ja", ["SP-1"]),
        ("stickprov=nej&stadsdel=Nordost", ["BAD-1", "NY-1"]),
        ("senast=2026-11-30", []),
        ("senast=2026-12-31&orsak=INVALID_APPLICATION", ["BAD-1"]),
        ("handlaggare=ingen&orsak=STICKPROV", ["SP-1"]),
    ],
)
def test_the_queue_filters(workplace, query, expected):
    anna = logged_in(workplace, "anna.h")
    assert sorted(rows(anna.get(f"/manuell?{query}"))) == expected


def test_the_queue_pages_and_a_bad_date_is_a_swedish_field_error(workplace, settings):
    workplace.state.web.settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"page_size": 10})}
    )
    anna = logged_in(workplace, "anna.h")
    bad = anna.get("/manuell?senast=igår")
    assert "Ange datumet som ÅÅÅÅ-MM-DD" in page_text(bad)
    assert len(rows(bad)) == 6, "the bad filter is left out, the rest applies"


def test_an_item_shows_the_facts_side_by_side_with_the_difference_marked(workplace):
    anna = logged_in(workplace, "anna.h")
    item = anna.get("/manuell/INK-1")
    assert item.status_code == 200
    text = page_text(item)
    assert "1 uppgift avviker mellan ansökan och registren" in text
    page = lxml.html.fromstring(item.text)
    differing = page.xpath("//tr[@class='differs']")
    assert len(differing) == 1
    cells = [c.text_content().strip() for c in differing[0].xpath("./th|./td")]
    assert cells[0] == "Sökande: lön, november 2026" and cells[1] == "4 000 kr"
    assert cells[2].startswith("4 200 kr (Skatteverket: brutto 5 200 kr − skatt 1 000 kr)")
    assert "avviker" in cells[3] and "200 kr mindre i ansökan" in cells[3]
    assert APPLICANT in text, "the handläggare sees who applies"
    assert "Regelkedjan steg för steg" in text and "Inkomster mot registren: till handläggare" in text
    assert "Källor för regelns värden" in text
    assert "roboten gjorde sin bedömning: manuell handläggning" in text, "the history"


def test_a_broken_application_names_its_fields_in_swedish(workplace):
    text = page_text(logged_in(workplace, "anna.h").get("/manuell/BAD-1"))
    assert "kostnad 1, belopp: ska vara ett heltal" in text
    assert "costs[0]" not in text


def test_claim_resolve_and_the_item_leaves_the_queue(workplace):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    taken = post(anna, "/manuell/EL-1/ta")
    assert taken.status_code == 303 and taken.headers["location"] == "/manuell/EL-1?klart=tagit"
    assert find_manual(engine, "EL-1").assignee == "anna.h"
    assert "Du har tagit ärendet." in page_text(anna.get(taken.headers["location"]))
    fields = {"decision": "delavslag", "amount": "11 900", "note": "Elen över schablon."}
    unconfirmed = post(anna, "/manuell/EL-1/avsluta", **fields)
    assert unconfirmed.status_code == 422 and "avviker mer än 25 % från robotens förslag" in page_text(unconfirmed)
    assert "Jag har kontrollerat beloppet och bekräftar det" in page_text(unconfirmed)
    done = post(anna, "/manuell/EL-1/avsluta", **fields, bekrafta="ja")
    assert done.status_code == 303 and done.headers["location"] == "/manuell?klart=avslutat"
    item = find_manual(engine, "EL-1")
    assert (item.status, item.resolution, item.resolution_amount, item.resolved_by) == (
        "resolved", "delavslag", 11900, "anna.h",
    )  # fmt: skip
    assert "EL-1" not in rows(anna.get("/manuell"))
    assert "EL-1" in rows(anna.get("/manuell?status=avslutade"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decision": "bifall", "amount": "tolv tusen"}, "Ange beloppet i hela kronor med siffror"),
        ({"decision": "", "amount": "100"}, "Välj ett beslut: bifall, delavslag, avslag eller överlämnad"),
        ({"decision": "delavslag", "amount": "100"}, "Delavslag kräver en motivering."),
        ({"decision": "avslag", "amount": "100", "note": "Nej."}, "Avslag har inget belopp."),
        ({"decision": "bifall"}, "Bifall kräver ett belopp större än 0 kr."),
    ],
)
def test_a_refused_decision_says_why_in_swedish_and_keeps_what_was_typed(workplace, fields, message):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    post(anna, "/manuell/EL-1/ta")
    refused = post(anna, "/manuell/EL-1/avsluta", **fields)
    assert refused.status_code == 422
    text = page_text(refused)
    assert message in text
    assert "field required" not in text.lower() and "[" not in text.split("Ärendet kunde inte avslutas")[1][:200]
    assert find_manual(engine, "EL-1").status == "claimed"
    if fields.get("amount"):
        assert f'value="{fields["amount"]}"' in refused.text


def test_a_confirmed_amount_above_the_ceiling_is_refused_as_in_the_cli(workplace):
    anna = logged_in(workplace, "anna.h")
    post(anna, "/manuell/EL-1/ta")
    refused = post(anna, "/manuell/EL-1/avsluta", decision="bifall", amount="99 999 999", bekrafta="ja")
    assert refused.status_code == 422
    assert "större än taket 200 000 kr som verksamheten har satt" in page_text(refused)
    assert find_manual(workplace.state.web.engine, "EL-1").status == "claimed"


def test_a_stickprov_needs_the_finding(workplace):
    engine = workplace.state.web.engine
    tea = logged_in(workplace, "tea.l")
    refused = post(tea, "/manuell/SP-1/avsluta", decision="bifall", amount="11220")
    assert "ange om ansökan var korrekt" in page_text(refused)
    done = post(tea, "/manuell/SP-1/avsluta", decision="bifall", amount="11220", stickprov="felaktig")
    assert done.status_code == 303
    assert find_manual(engine, "SP-1").stickprov_correct is False


def test_only_the_claimant_or_a_teamledare_resolves_or_releases(workplace):
    engine = workplace.state.web.engine
    anna, bo, tea = (logged_in(workplace, u) for u in ("anna.h", "bo.k", "tea.l"))
    post(anna, "/manuell/NY-1/ta")
    item = bo.get("/manuell/NY-1")
    assert "Ärendet är tilldelat anna.h" in page_text(item)
    assert not lxml.html.fromstring(item.text).xpath("//form[contains(@action,'avsluta')]"), "no resolve form for bo"
    for action, fields in (("avsluta", {"decision": "bifall", "amount": "10000"}), ("slapp", {}), ("ta", {})):
        refused = post(bo, f"/manuell/NY-1/{action}", **fields)
        assert refused.status_code == (409 if action == "ta" else 403), action
    assert "får inte ta över andras ärenden" in page_text(post(bo, "/manuell/NY-1/slapp"))
    assert (find_manual(engine, "NY-1").status, find_manual(engine, "NY-1").assignee) == ("claimed", "anna.h")
    assert post(bo, "/manuell/EL-1/avsluta", decision="bifall", amount="100").status_code == 409, "take it first"
    released = post(tea, "/manuell/NY-1/slapp")
    assert released.status_code == 303 and find_manual(engine, "NY-1").status == "open"
    post(anna, "/manuell/NY-1/ta")
    assert post(anna, "/manuell/NY-1/slapp").headers["location"] == "/manuell/NY-1?klart=slappt", "her own"
    assert (find_manual(engine, "NY-1").status, find_manual(engine, "NY-1").assignee) == ("open", None)
    post(anna, "/manuell/NY-1/ta")
    assert post(tea, "/manuell/NY-1/avsluta", decision="bifall", amount="10420").status_code == 303
    assert find_manual(engine, "NY-1").resolved_by == "tea.l"


def _review_code(page) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="granskat" value="([0-9a-f]{8})"', page.text).group(1)


def test_an_approval_needs_a_review_from_the_same_working_day(workplace, web_clock, settings):
    from robot.queue import access_log

    engine = workplace.state.web.engine
    assert settings.casework.review_valid_minutes == 480
    anna = logged_in(workplace, "anna.h")
    recent, stale = (_review_code(anna.get(f"/rekommendationer/{r}")) for r in ("REC-2", "REC-1"))
    web_clock.advance(minutes=480)  # the session has ended by now: anna logs in again the next time
    anna = logged_in(workplace, "anna.h")
    assert post(anna, "/rekommendationer/REC-2/faststall", granskat=recent).status_code == 303, "8 hours: still counts"
    web_clock.advance(minutes=1)
    late = post(anna, "/rekommendationer/REC-1/faststall", granskat=stale)
    assert late.status_code == 409 and find_recommendation(engine, "REC-1").status == "pending"
    assert (
        "Din granskning av rekommendation R1 gjordes för mer än 8 timmar sedan; öppna den igen och gå igenom "
        "beräkningen och skälen innan du fastställer den."
    ) in page_text(late)
    assert [(e.what, e.outcome) for e in access_log.entries(engine, application_id="REC-1")][-2:] == [
        ("approve", "refused"), ("review", "ok"),
    ], "refused, and the page saying why is a fresh review"  # fmt: skip
    assert post(anna, "/rekommendationer/REC-1/faststall", granskat=_review_code(late)).status_code == 303
    assert find_recommendation(engine, "REC-1").status == "approved"


def test_recommendations_are_approved_or_rejected_with_a_motivering(workplace):
    engine = workplace.state.web.engine
    anna = logged_in(workplace, "anna.h")
    listing = anna.get("/rekommendationer")
    assert "REC-1" in listing.text and "11 220 kr" in page_text(listing)
    assert "/faststall" not in listing.text, "approved only from its own page, after the calculation"
    unseen = post(anna, "/rekommendationer/REC-1/faststall", granskat="00000000")
    assert unseen.status_code == 409 and find_recommendation(engine, "REC-1").status == "pending"
    assert "kan fastställas först när du har öppnat den och gått igenom beräkningen och skälen" in page_text(unseen)
    page = anna.get("/rekommendationer/REC-1")
    code = re.search(r'name="granskat" value="([0-9a-f]{8})"', page.text).group(1)
    assert page.text.index("Robotens förslag och beräkning") < page.text.index('action="/rekommendationer/REC-1/faststall"')
    stale = post(anna, "/rekommendationer/REC-1/faststall", granskat="0" * 8)
    assert stale.status_code == 409 and "stämmer inte med rekommendation" in page_text(stale)
    bo = logged_in(workplace, "bo.k")
    assert post(bo, "/rekommendationer/REC-1/faststall", granskat=code).status_code == 409, "bo has not seen it"
    assert post(anna, "/rekommendationer/REC-1/faststall", granskat=code).headers["location"] == (
        "/rekommendationer?klart=faststalld")
    assert find_recommendation(engine, "REC-1").status == "approved"
    again = post(anna, "/rekommendationer/REC-1/faststall")
    assert again.status_code == 409 and "redan fastställd av anna.h" in page_text(again)
    no_note = post(anna, "/rekommendationer/REC-2/avvisa", note="  ")
    assert no_note.status_code == 422 and "Ange varför rekommendationen avvisas." in page_text(no_note)
    rejected = post(anna, "/rekommendationer/REC-2/avvisa", note="Hyran har ändrats.")
    assert rejected.headers["location"] == "/manuell/REC-2?klart=avvisad"
    assert find_manual(engine, "REC-2").codes == ["REKOMMENDATION_AVVISAD"]


def test_verksamhet_sees_reports_and_ops_but_no_personal_data(workplace):
    vera = logged_in(workplace, "vera.v")
    assert vera.get("/", follow_redirects=False).headers["location"] == "/rapport"
    for path in ("/manuell", "/manuell/INK-1", "/rekommendationer", "/rekommendationer/REC-1", "/admin/konton"):
        refused = vera.get(path)
        assert refused.status_code == 403, path
        assert APPLICANT not in refused.text and "Du saknar behörighet" in page_text(refused)
    report = vera.get("/rapport/2026-12")
    assert report.status_code == 200
    assert "Kontrollrapport ekonomiskt bistånd – december 2026" in page_text(report)
    assert APPLICANT not in report.text
    assert vera.get("/drift").status_code == 200


def test_an_empty_month_says_so(workplace):
    text = page_text(logged_in(workplace, "tea.l").get("/rapport/2031-05"))
    assert "Inga ansökningar är registrerade för maj 2031." in text
    assert "Ansökningar efter utfall" not in text


def test_admin_manages_accounts_but_sees_no_cases(workplace):
    admin = logged_in(workplace, "admin")
    assert admin.get("/", follow_redirects=False).headers["location"] == "/admin/konton"
    for path in ("/manuell", "/manuell/INK-1", "/rapport/2026-12"):
        assert admin.get(path).status_code == 403, path
    added = post(admin, "/admin/konton", user_id="cia.n", roles="handlaggare", password=PASSWORD)
    assert added.status_code == 303
    assert logged_in(workplace, "cia.n").get("/manuell").status_code == 200
    short = post(admin, "/admin/konton", user_id="dan.o", roles="handlaggare", password="kort")
    assert short.status_code == 422 and "Lösenordet måste ha minst 12 tecken." in page_text(short)
    assert post(admin, "/admin/konton/cia.n/stang-av").status_code == 303


def test_handlaggare_cannot_reach_accounts_reports_or_the_access_log(workplace):
    anna = logged_in(workplace, "anna.h")
    for path in ("/admin/konton", "/admin/atkomstlogg", "/rapport/2026-12"):
        assert anna.get(path).status_code == 403, path
    assert post(anna, "/admin/konton", user_id="x.y", roles="admin", password="ett-annat-losenord").status_code == 403


def test_ops_page_shows_the_queue_and_the_outbox(workplace):
    anna = logged_in(workplace, "anna.h")
    ops = page_text(anna.get("/drift"))
    assert "manuell handläggning" in ops
    assert "Utkorgen till verksamhetssystemet Mottagare inte inställd" in ops and "Väntar på leverans" in ops


def test_the_ops_page_gives_stockholm_time_with_its_zone(workplace):
    ops = page_text(logged_in(workplace, "anna.h").get("/drift"))
    assert "(UTC)" not in ops
    assert "Läget 2026-12-02 09:00 CET." in ops, ops[:300]


def test_the_queue_counts_agree_in_number(workplace):
    anna = logged_in(workplace, "anna.h")
    post(anna, "/manuell/EL-1/ta")
    assert "1 tilldelat ärende;" in page_text(anna.get("/manuell"))


def test_names_and_notes_are_escaped(workplace):
    anna = logged_in(workplace, "anna.h")
    queue = anna.get("/manuell")
    assert HOSTILE not in queue.text and "&lt;script&gt;" in queue.text
    post(anna, "/manuell/XSS-1/ta")
    post(anna, "/manuell/XSS-1/avsluta", decision="avslag", note='<img src=x onerror="alert(1)">')
    item = anna.get("/manuell/XSS-1")
    assert "<img src=x" not in item.text and "&lt;img src=x onerror=" in item.text
    assert HOSTILE not in item.text


def test_unknown_pages_and_items_are_swedish_404s(workplace):
    anna = logged_in(workplace, "anna.h")
    assert "Det finns inget ärende i manuella kön för den ansökan." in page_text(anna.get("/manuell/FINNS-INTE"))
    assert anna.get("/manuell/REC-1").status_code == 404
    assert "Det finns ingen sida med den adressen." in page_text(anna.get("/nagot-annat"))


CONTROLS = "\x1b]0;owned\x07\x1b[2J\u202eNej\u200b\x9b"
"""A window-title change with BEL, a screen clear, a bidi override (reverses what follows), zero width, C1."""


def _raw_controls(html: str) -> list[str]:
    return [ch for ch in ("\x1b", "\x07", "\u202e", "\u200b", "\x9b") if ch in html]


def test_a_note_typed_with_control_characters_is_stored_and_shown_without_them(workplace):
    from robot.queue import cases

    anna = logged_in(workplace, "anna.h")
    post(anna, "/manuell/XSS-1/ta")
    done = post(anna, "/manuell/XSS-1/avsluta", decision="avslag", note=f"Avslag\r\nRad två {CONTROLS}")
    assert done.status_code == 303, done.text
    item = anna.get("/manuell/XSS-1")
    assert not _raw_controls(item.text) and "Rad två ]0;owned[2JNej" in item.text
    stored = cases.manual_item(workplace.state.web.engine, application_id="XSS-1").note  # type: ignore[union-attr]
    assert stored == "Avslag\nRad två ]0;owned[2JNej"
    page = anna.get("/rekommendationer/REC-1")
    code = re.search(r'name="granskat" value="([0-9a-f]{8})"', page.text).group(1)
    assert post(anna, "/rekommendationer/REC-1/faststall", note=CONTROLS, granskat=code).status_code == 303
    approved = anna.get("/rekommendationer/REC-1").text
    assert not _raw_controls(approved) and "]0;owned[2JNej" in approved


def test_a_note_stored_with_control_characters_elsewhere_is_shown_as_visible_escapes(workplace):
    from robot.accounts.service import actor_for
    from robot.casework import claim_manual, resolve_manual

    engine = workplace.state.web.engine
    bo = actor_for(engine, "bo.k")
    claim_manual(engine, "EL-1", bo)
    resolve_manual(engine, "EL-1", bo, decision="avslag", note=f"Nej {CONTROLS}")  # as `robot manual resolve` would
    page = logged_in(workplace, "anna.h").get("/manuell/EL-1?status=avslutade")
    assert not _raw_controls(page.text) and "\\u202eNej" in page.text
