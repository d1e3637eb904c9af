"""The handläggare commands as a handläggare meets them: Swedish lines, the acting OS user, exit codes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from typer.testing import CliRunner

from robot.accounts import Actor, Role
from robot.accounts import service as accounts
from robot.clock import FixedClock
from tests.builders import application
from tests.queue_helpers import DictSource, put, run_until_idle

CLOCK = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
ADMIN = Actor("ada", frozenset({Role.ADMIN}))


@pytest.fixture
def queue(engine, settings, ruleset):
    put(engine, settings, CLOCK,
        application(application_id="REC-1"),
        application(application_id="REC-2"),
        application(application_id="NY-1", kind="nyansokan"),
        application(application_id="EL-1", costs=[{"type": "hushallsel", "amount": 2000}]))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    accounts.add_account(engine, None, "ada", frozenset({Role.ADMIN}))
    accounts.add_account(engine, ADMIN, "anna.h", frozenset({Role.HANDLAGGARE}))
    accounts.add_account(engine, ADMIN, "vera", frozenset({Role.VERKSAMHET}))
    return engine


@pytest.fixture
def cli(settings, monkeypatch):
    """`robot …` in-process, acting as the OS user `as_user`."""
    from robot.cli.main import app

    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")

    def run(*args: str, as_user: str = "anna.h"):
        monkeypatch.setattr(accounts, "os_user", lambda: as_user)
        return CliRunner().invoke(app, list(args))

    return run


def test_an_os_user_without_an_account_gets_one_swedish_line_and_exit_4(queue, cli):
    refused = cli("manual", "claim", "NY-1", as_user="okand")
    assert refused.exit_code == 4
    assert refused.output.strip() == (
        "robot: kontot 'okand' finns inte; en administratör lägger till det med "
        "`robot users add okand --role handlaggare`"
    )


def test_a_role_that_may_not_work_cases_is_refused_and_sees_no_applications(queue, cli):
    refused = cli("recommendations", "approve", "REC-1", as_user="vera")
    assert refused.exit_code == 4 and "robot: nekas: vera (verksamhet) får inte handlägga ärenden" in refused.output
    for reading in (("manual", "list"), ("manual", "show", "NY-1"), ("recommendations", "list"),
                    ("decisions", "list", "REC-1")):  # fmt: skip
        looked = cli(*reading, as_user="vera")
        assert looked.exit_code == 4 and "REC-1" not in looked.output and "NY-1" not in looked.output


def test_the_acting_person_is_the_os_users_account(queue, cli):
    claimed = cli("manual", "claim", "NY-1")
    assert claimed.exit_code == 0, claimed.output
    assert "är tilldelat anna.h" in claimed.output
    assert "--as" not in cli("manual", "claim", "--help").output


def test_the_list_shows_the_reasons_swedish_titles_not_their_codes(queue, cli):
    listed = cli("manual", "list")
    assert listed.exit_code == 0, listed.output
    assert "Nyansökan handläggs alltid av en handläggare" in listed.output and "NYANSOKAN" not in listed.output


def test_explain_speaks_of_parameters_and_sources_in_words_not_identifiers(queue, cli):
    text = cli("explain", "EL-1").output
    assert "Parameter andel till stickprov per kostnadstyp = hushållsel: 0,05" in text
    assert "Parameter kostnader som alltid prövas av en handläggare = tandvård, glasögon och övrigt" in text
    for internal in ("andel_per_kostnadstyp", "Seed 0", "seed 0", "DOMAIN.md", "[KOSTNAD", "hushall ("):
        assert internal not in text, internal
    assert not re.search(r"(?i)exempelvärde[^()]*; exempelvärde\)", text)
    parameters = [line for line in text.splitlines() if line.strip().startswith("Parameter ")]
    assert len(parameters) == len(set(parameters))


@pytest.mark.parametrize("form", [(), ("--replay",), ("--notice",), ("--json",)])
def test_explain_is_for_those_who_may_work_cases_and_every_attempt_is_logged(engine, settings, queue, cli, form):
    """robot explain shows the stored verdict's amounts, motivering and reasons, or the notice to the
    applicant: only to a handläggare; anyone else gets the same one line whether or not the id exists."""
    from robot.queue import access_log

    put(engine, settings, CLOCK, application(application_id="VANTAR-1"))  # queued, no verdict yet
    refusals = {"vera": "robot: nekas: vera (verksamhet) får inte handlägga ärenden",
                "ada": "robot: nekas: ada (administratör) får inte handlägga ärenden"}  # fmt: skip
    for user, line in refusals.items():
        for application_id in ("EL-1", "VANTAR-1", "FINNS-INTE"):
            refused = cli("explain", application_id, *form, as_user=user)
            assert (refused.exit_code, refused.output.strip()) == (4, line), (user, application_id)
    log = [(e.user_id, e.channel, e.application_id, e.what, e.outcome) for e in access_log.entries(queue)]
    assert log == [
        (user, "cli", application_id, "view_item", "denied")
        for user in refusals for application_id in ("EL-1", "VANTAR-1", None)
    ], "a refusal names the application only if it exists"  # fmt: skip
    shown = cli("explain", "EL-1", *form)
    personal = {(): "förslag till handläggaren: 7 220 kr", ("--replay",): "identiskt utfall",
                ("--notice",): "din ansökan om ekonomiskt bistånd (EL-1)", ("--json",): '"amount": 7220'}[form]  # fmt: skip
    assert shown.exit_code == 0 and personal in shown.output, shown.output
    waiting = cli("explain", "VANTAR-1", *form)
    assert "VANTAR-1" in waiting.output and waiting.exit_code == (1 if form == ("--notice",) else 0), waiting.output
    missing = cli("explain", "FINNS-INTE", *form)
    assert (missing.exit_code, missing.output.strip()) == (1, "robot: ingen ansökan med id FINNS-INTE")
    assert [(e.user_id, e.application_id, e.outcome) for e in access_log.entries(queue)][len(log):] == [
        ("anna.h", "EL-1", "ok"), ("anna.h", "VANTAR-1", "ok"),
    ], "each application shown is a view; an id that names none shows nothing"  # fmt: skip


@pytest.mark.parametrize("word", ["tilldelat", "claimed", "Tilldelat "])
def test_manual_list_takes_the_status_words_it_shows(queue, cli, word):
    assert cli("manual", "claim", "NY-1").exit_code == 0
    listed = cli("manual", "list", "--status", word)
    assert listed.exit_code == 0 and "tilldelat" in listed.output and "NY-1" in listed.output
    refused = cli("manual", "list", "--status", "klar")
    assert refused.exit_code == 2
    assert refused.output.strip() == "robot: okänd status 'klar': välj öppet, tilldelat eller avslutat (--status)"


def test_a_case_is_handed_over_with_the_word_the_lists_show(queue, cli):
    done = cli("manual", "resolve", "NY-1", "-d", "överlämnat")
    assert done.exit_code == 0, done.output
    assert "avslutat: överlämnat." in done.output


def test_claiming_what_you_hold_says_you_have_it(queue, cli):
    assert cli("manual", "claim", "NY-1").exit_code == 0
    again = cli("manual", "claim", "NY-1")
    assert again.exit_code == 1
    assert again.output.strip().startswith("robot: du har redan tagit ärende M") and "--force" not in again.output


def test_lists_use_swedish_statuses_months_and_say_when_they_are_cut(queue, cli):
    listed = cli("manual", "list", "--limit", "1")
    assert listed.exit_code == 0, listed.output
    assert "december 2026" in listed.output and "öppet" in listed.output and "open" not in listed.output
    assert "Visar 1 av 2 ärenden; --limit 2 visar alla." in listed.output
    assert cli("manual", "list", "--status", "tilldelat").output.strip() == "Inga ärenden."
    recs = cli("recommendations", "list")
    assert "R1 " in recs.output and "väntar" in recs.output and "Visar" not in recs.output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["manual", "resolve", "NY-1"], "robot: --decision saknas: bifall, delavslag, avslag eller överlämnad."),
        (["manual", "resolve", "NY-1", "-d", "bifall", "--amount", "mycket"],
         "robot: beloppet ska vara hela kronor, till exempel 11590 eller \"11 590\", inte 'mycket' (--amount)"),
        (["manual", "resolve", "NY-1", "-d", "bifall", "--amont", "5"], "robot: okänt tillval --amont; menade du --amount?"),
        (["manual", "resolve", "NY-1", "-d", "avslag"], "robot: avslag kräver en motivering (--note)"),
        (["manual", "resolve"], "robot: ange ärendet (M12), rekommendationen (R12) eller ansökans id; se `robot manual resolve --help`"),
        (["manual", "list", "--limit", "många"], "robot: ogiltigt värde för --limit (ett heltal); se `robot manual list --help`"),
        (["manual", "show", "3"], "robot: ange M3 (ett ärende i manuella kön) eller ansökans id: ett nummer utan bokstav "
                                  "kan betyda både ett ärende (M) och en rekommendation (R) (ärende, rekommendation eller ansöknings-id)"),
        (["manual", "lista"], "robot: okänt kommando lista: välj claim, list, release, resolve, show"),
        (["recommendations", "list", "--status", "klar"], "robot: okänd status 'klar': välj väntar, fastställd, avvisad eller alla (--status)"),
    ],
    ids=["missing-option", "bad-amount", "misspelt-option", "missing-note", "missing-argument", "bad-integer",
         "bare-number", "unknown-command", "unknown-status"],
)  # fmt: skip
def test_input_errors_are_one_swedish_line_with_exit_2(queue, cli, args, line):
    refused = cli(*args)
    assert refused.exit_code == 2, refused.output
    assert refused.output.strip() == line


def test_an_amount_as_a_handlaggare_types_it(queue, cli):
    done = cli("manual", "resolve", "EL-1", "-d", "bifall", "--amount", "7 220 kr")
    assert done.exit_code == 0, done.output
    assert "avslutat: bifall 7 220 kr" in done.output


def test_a_far_amount_needs_confirm_amount(queue, cli):
    refused = cli("manual", "resolve", "EL-1", "-d", "bifall", "--amount", "42220")
    assert refused.exit_code == 2
    assert "avviker mer än 25 % från robotens förslag 7 220 kr" in refused.output and "(--confirm-amount)" in refused.output
    assert cli("manual", "resolve", "EL-1", "-d", "bifall", "--amount", "42220", "--confirm-amount").exit_code == 0


@pytest.mark.parametrize("typed", ["99 999 999 999", "1" + "0" * 24, "9" * 5000])
def test_confirm_amount_cannot_pass_the_ceiling(queue, cli, typed):
    refused = cli("manual", "resolve", "EL-1", "-d", "bifall", "--amount", typed, "--confirm-amount")
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    line = refused.output.strip()
    assert "\n" not in line and "större än taket 200 000 kr som verksamheten har satt" in line and "(--amount)" in line
    assert "skickat" not in refused.output
    assert cli("manual", "show", "EL-1").output.count("Status: öppet") == 1



def review_code(cli, ref: str) -> str:
    """`robot recommendations show` as a handläggare reads it: the calculation, then its review code."""
    shown = cli("recommendations", "show", ref)
    assert shown.exit_code == 0, shown.output
    return re.search(r"Granskningskod: ([0-9a-f]{8})", shown.output).group(1)


@pytest.fixture
def terminal(monkeypatch):
    """The command runs at a terminal (stdin is a TTY): it asks."""
    from robot.cli import handling

    monkeypatch.setattr(handling, "_at_terminal", lambda: True)


def test_at_a_terminal_each_recommendation_is_shown_and_asked_one_at_a_time(queue, cli, terminal, monkeypatch):
    from robot.cli.main import app

    monkeypatch.setattr(accounts, "os_user", lambda: "anna.h")
    done = CliRunner().invoke(app, ["recommendations", "approve", "R1", "REC-2"], input="ja\nnej\n")
    assert done.exit_code == 0, done.output
    first, second = done.output.split("Fastställ rekommendation R1:")[1].split("Fastställ rekommendation R2:")
    assert "Rekommendation R2 – ansökan REC-2" in first, "the second is shown only after the first is decided"
    assert "fastställd av anna.h: bifall 11 220 kr." in first and "Riksnorm" in done.output
    assert "Rekommendation R2 fastställdes inte." in second and "1 av 2 fastställda." in second
    again = CliRunner().invoke(app, ["recommendations", "approve", "R1", "R2"], input="ja\n")
    assert again.exit_code == 1 and "är redan fastställd av anna.h" in again.output
    assert "R2" in again.output and "2 av 2" not in again.output
    unknown = cli("recommendations", "approve", "R2", "R99")
    assert unknown.exit_code == 1 and "ingen rekommendation för R99" in unknown.output


def test_without_a_terminal_an_approval_names_the_calculation_it_was_shown(queue, cli):
    bulk = cli("recommendations", "approve", "R1", "R2")
    assert bulk.exit_code == 1 and bulk.output.count("kan fastställas först när du har öppnat den") == 2
    assert "fastställd av" not in bulk.output and "0 av 2 fastställda." in bulk.output
    r1, r2 = review_code(cli, "R1"), review_code(cli, "R2")
    missing = cli("recommendations", "approve", "R1")
    assert missing.exit_code == 1 and "ange granskningskoden" in missing.output and "(--granskad)" in missing.output
    swapped = cli("recommendations", "approve", "R1", "R2", "--granskad", r2, "--granskad", r1)
    assert swapped.exit_code == 1 and swapped.output.count("stämmer inte med rekommendation") == 2
    counted = cli("recommendations", "approve", "R1", "R2", "--granskad", r1)
    assert counted.exit_code == 2 and "en granskningskod per rekommendation" in counted.output
    done = cli("recommendations", "approve", "R1", "R2", "--granskad", r1, "--granskad", r2)
    assert done.exit_code == 0, done.output
    assert done.output.count("fastställd av anna.h: bifall 11 220 kr.") == 2 and "2 av 2 fastställda." in done.output
    assert "Granskningskod" not in cli("recommendations", "show", "R1").output, "a decided one needs none"


def test_a_scripted_approval_needs_a_review_made_within_the_window(queue, cli):
    from robot.casework import find_recommendation, show_for_review
    from robot.clock import SYSTEM, FixedClock
    from robot.queue import access_log

    anna = Actor("anna.h", frozenset({Role.HANDLAGGARE}), "cli")

    def earlier(minutes: int) -> FixedClock:
        return FixedClock(SYSTEM.now() - dt.timedelta(minutes=minutes))

    recent = show_for_review(queue, find_recommendation(queue, "REC-2"), anna, clock=earlier(470)).code
    assert cli("recommendations", "approve", "REC-2", "--granskad", recent).exit_code == 0, "within the working day"
    stale = show_for_review(queue, find_recommendation(queue, "REC-1"), anna, clock=earlier(7 * 24 * 60)).code
    late = cli("recommendations", "approve", "REC-1", "--granskad", stale)
    assert late.exit_code == 1 and late.output.strip() == (
        "robot: din granskning av rekommendation R1 gjordes för mer än 8 timmar sedan; öppna den igen och gå "
        "igenom beräkningen och skälen innan du fastställer den (--granskad)"
    )
    assert find_recommendation(queue, "REC-1").status == "pending"
    assert [(e.what, e.outcome) for e in access_log.entries(queue, application_id="REC-1")] == [
        ("review", "ok"), ("approve", "refused"),
    ]  # fmt: skip
    assert review_code(cli, "REC-1") == stale, "shown again: a new review of the same recommendation"
    done = cli("recommendations", "approve", "REC-1", "--granskad", stale)
    assert done.exit_code == 0 and "fastställd av anna.h" in done.output, done.output


def test_at_a_terminal_the_showing_is_the_fresh_review(queue, cli, terminal, monkeypatch):
    from robot.casework import find_recommendation, show_for_review
    from robot.cli.main import app
    from robot.clock import SYSTEM, FixedClock

    last_week = FixedClock(SYSTEM.now() - dt.timedelta(days=7))
    show_for_review(queue, find_recommendation(queue, "REC-1"), Actor("anna.h", frozenset({Role.HANDLAGGARE})),
                    clock=last_week)  # fmt: skip
    monkeypatch.setattr(accounts, "os_user", lambda: "anna.h")
    done = CliRunner().invoke(app, ["recommendations", "approve", "REC-1"], input="ja\n")
    assert done.exit_code == 0 and "fastställd av anna.h: bifall 11 220 kr." in done.output, done.output


def test_an_approval_stands_when_the_output_secret_is_refused_and_says_the_record_waits_for_ops(queue, cli, monkeypatch):
    monkeypatch.setenv("ROBOT_OUTPUT_URL", "http://127.0.0.1:9/beslut")
    monkeypatch.setenv("ROBOT_OUTPUT_SECRET", "s3cret")
    monkeypatch.setenv("ROBOT_DEMO", "0")
    done = cli("recommendations", "approve", "REC-1", "--granskad", review_code(cli, "REC-1"))
    assert done.exit_code == 0 and done.exception is None, done.output
    assert "fastställd av anna.h: bifall 11 220 kr." in done.output
    assert "Beslutet är sparat men kan inte skickas förrän driften har rättat mottagarens inställning." in done.output
    assert "robot: ROBOT_OUTPUT_SECRET is refused" in done.output
    assert "är redan fastställd av anna.h" in cli("recommendations", "approve", "REC-1").output


def test_the_fields_at_fault_are_named_in_words_not_json_paths(engine, settings, ruleset, cli):
    broken = application(application_id="FEL-1", costs=[{"type": "hyra", "amount": "sex tusen"}])
    broken["household"]["children"] = [{"birth_date": "2020-13-01"}]
    put(engine, settings, CLOCK, broken)
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    accounts.add_account(engine, None, "ada", frozenset({Role.ADMIN}))
    accounts.add_account(engine, ADMIN, "anna.h", frozenset({Role.HANDLAGGARE}))
    shown = cli("manual", "show", "FEL-1")
    assert shown.exit_code == 0, shown.output
    assert "kostnad 1, belopp: ska vara ett heltal" in shown.output and "barn 1, födelsedatum" in shown.output
    assert "costs[0]" not in shown.output and "household." not in shown.output


def test_every_cli_view_and_action_is_in_the_access_log_with_its_outcome(queue, cli):
    from robot.queue import access_log

    steps = [
        (("manual", "list"), "anna.h", 0),
        (("manual", "show", "NY-1"), "anna.h", 0),
        (("manual", "claim", "NY-1"), "okand", 4),
        (("manual", "claim", "NY-1"), "anna.h", 0),
        (("manual", "release", "NY-1"), "anna.h", 0),
        (("manual", "claim", "M1"), "anna.h", 0),
        (("manual", "resolve", "NY-1", "-d", "avslag"), "anna.h", 2),
        (("manual", "resolve", "NY-1", "-d", "avslag", "--note", "Inte nyansökan"), "anna.h", 0),
        (("recommendations", "list"), "vera", 4),
        (("recommendations", "list"), "anna.h", 0),
        (("recommendations", "approve", "REC-1"), "anna.h", 1),
        (("recommendations", "show", "REC-1"), "anna.h", 0),
        (("recommendations", "reject", "REC-2", "--note", "Ny hyra"), "vera", 4),
        (("recommendations", "reject", "REC-2", "--note", "Ny hyra"), "anna.h", 0),
    ]
    for args, user, code in steps:
        done = cli(*args, as_user=user)
        assert done.exit_code == code, (args, done.output)
    log = [(e.user_id, e.channel, e.application_id, e.what, e.outcome) for e in access_log.entries(queue)]
    assert all(channel == "cli" for _, channel, *_ in log)
    listed = {app for _, _, app, what, _ in log[:2] if what == "view_list"}
    assert listed == {"NY-1", "EL-1"}, "a list logs each application it shows"
    assert [(u, a, w, o) for u, _, a, w, o in log[2:]] == [
        ("anna.h", "NY-1", "view_item", "ok"),
        ("okand", "NY-1", "claim", "denied"),
        ("anna.h", "NY-1", "claim", "ok"),
        ("anna.h", "NY-1", "release", "ok"),
        ("anna.h", "NY-1", "claim", "ok"),
        ("anna.h", "NY-1", "resolve", "refused"),
        ("anna.h", "NY-1", "resolve", "ok"),
        ("vera", None, "view_list", "denied"),
        ("anna.h", "REC-1", "view_list", "ok"),
        ("anna.h", "REC-2", "view_list", "ok"),
        ("anna.h", "REC-1", "approve", "refused"),
        ("anna.h", "REC-1", "review", "ok"),
        ("vera", "REC-2", "reject", "denied"),
        ("anna.h", "REC-2", "reject", "ok"),
    ]
    code = re.search(r"[0-9a-f]{8}", cli("recommendations", "show", "REC-1").output.split("Granskningskod:")[1])
    assert cli("recommendations", "approve", "REC-1", "--granskad", code.group(0)).exit_code == 0
    assert [(e.what, e.outcome) for e in access_log.entries(queue, application_id="REC-1")][-2:] == [
        ("review", "ok"), ("approve", "ok")], "the review, then the approval it allowed"


def test_decisions_shown_and_corrected_from_the_cli_are_in_the_access_log(queue, cli):
    from robot.queue import access_log

    assert cli("manual", "claim", "EL-1").exit_code == 0
    assert cli("manual", "resolve", "EL-1", "-d", "bifall", "--amount", "7220").exit_code == 0
    assert cli("decisions", "list", "EL-1", as_user="vera").exit_code == 4
    listed = cli("decisions", "list", "M2")
    assert listed.exit_code == 0, listed.output
    event_id = re.search(r"\[([0-9a-f-]{36})\]", listed.output).group(1)
    assert cli("decisions", "show", event_id).exit_code == 0
    assert cli("decisions", "correct", "EL-1", "-d", "bifall", "--amount", "7000").exit_code == 2  # no note
    assert cli("decisions", "correct", "EL-1", "-d", "bifall", "--amount", "7000", "--note", "Fel elräkning").exit_code == 0
    log = [(e.user_id, e.what, e.outcome) for e in access_log.entries(queue, application_id="EL-1")]
    assert log[-5:] == [
        ("vera", "view_item", "denied"), ("anna.h", "view_item", "ok"), ("anna.h", "view_item", "ok"),
        ("anna.h", "correct", "refused"), ("anna.h", "correct", "ok"),
    ]
