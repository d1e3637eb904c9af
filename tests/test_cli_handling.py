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
        (["manual", "lista"], "robot: okänt kommando lista: välj claim, list, resolve, show"),
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


def test_several_recommendations_are_approved_in_one_command_each_on_its_own(queue, cli):
    done = cli("recommendations", "approve", "R1", "REC-2")
    assert done.exit_code == 0, done.output
    assert done.output.count("fastställd av anna.h: bifall 11 220 kr.") == 2 and "2 av 2 fastställda." in done.output
    again = cli("recommendations", "approve", "R1", "R2")
    assert again.exit_code == 1 and again.output.count("är redan fastställd av anna.h") == 2
    unknown = cli("recommendations", "approve", "R1", "R99")
    assert unknown.exit_code == 1 and "ingen rekommendation för R99" in unknown.output


def test_an_approval_stands_when_the_output_secret_is_refused_and_says_the_record_waits_for_ops(queue, cli, monkeypatch):
    monkeypatch.setenv("ROBOT_OUTPUT_URL", "http://127.0.0.1:9/beslut")
    monkeypatch.setenv("ROBOT_OUTPUT_SECRET", "s3cret")
    monkeypatch.setenv("ROBOT_DEMO", "0")
    done = cli("recommendations", "approve", "REC-1")
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
