"""What-if for rule changes: re-running stored applications under changed rules, read-only."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from robot.chain.ruleset import load_ruleset
from robot.cli.report import simulate as simulate_command
from robot.clock import FixedClock
from robot.queue.schema import metadata
from robot.whatif.simulate import simulate
from tests.builders import APPLICANT, CO_APPLICANT, application, register
from tests.conftest import RULES, STICKPROV_KEY
from tests.queue_helpers import DictSource, put, run_until_idle

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
KEY = STICKPROV_KEY.encode()
WINTER_ONE_PERSON = '{hushall: "1", manader: "11-3", min: 0, max: 700}'


def app(app_id: str, electricity: int | None = None, **changes) -> dict:  # type: ignore[no-untyped-def]
    costs = [{"type": "hyra", "amount": 6000}]
    if electricity is not None:
        costs.append({"type": "hushallsel", "amount": electricity})
    return application(application_id=app_id, costs=costs, **changes)


def november(doc: dict) -> dict:
    """The same application for November 2026 (also winter electricity), activities in October."""
    activities = [{**a, "month": "2026-10"} for a in doc["activities"]]
    return {**doc, "period": "2026-11", "activities": activities}


def changed_rules(tmp_path: Path, name: str, file: str, old: str, new: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(RULES, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.fixture
def stored(engine, settings, ruleset):
    """December 2026: five applications with a verdict and one still waiting; one for November 2026."""
    clock = FixedClock(T0)
    waiting = app("W1")
    waiting["household"] = {**waiting["household"], "applicant": {"personnummer": CO_APPLICANT, "able_to_work": True}}
    put(
        engine, settings, clock,
        app("E300", 300), app("E600", 600), app("E650", 650), app("NONE"), app("NEW600", 600, kind="nyansokan"),
        waiting, november(app("NOV600", 600)),
    )  # fmt: skip
    source = DictSource(register(APPLICANT, CO_APPLICANT, **{CO_APPLICANT: {"unavailable": ["FK"]}}))
    run_until_idle(engine, settings, ruleset, source, clock)


def dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))] for t in metadata.sorted_tables
        }


def test_a_tighter_electricity_schablon_sends_those_above_it_to_manual_and_changes_nothing_stored(
    engine, stored, tmp_path
):
    tighter = load_ruleset(changed_rules(tmp_path, "rules", "schablon.yaml", WINTER_ONE_PERSON,
                                         WINTER_ONE_PERSON.replace("max: 700", "max: 400")))  # fmt: skip
    before = dump(engine)
    result = simulate(engine, tighter, KEY, "2026-12")
    assert dump(engine) == before, "a simulation never writes"

    assert (result.applications, result.compared, result.without_verdict) == (6, 5, 1)
    assert result.outcomes == {("recommendation", "manual"): 2}
    assert result.reasons_gained == {"KOSTNAD_OVER_SCHABLON": 3} and not result.reasons_lost
    assert result.amount_changes == 0, "a manual verdict keeps the robot's proposal"
    assert result.recommended_before - result.recommended_after == 11220 + 600 + 11220 + 650
    cases = {c.application_id: c for c in result.sample(10)}
    assert list(cases) == ["E600", "E650", "NEW600"], "outcome changes first"
    assert (cases["E600"].before_outcome, cases["E600"].after_outcome) == ("recommendation", "manual")
    assert cases["E600"].reasons_gained == ("KOSTNAD_OVER_SCHABLON",)
    assert not cases["NEW600"].outcome_changed and cases["NEW600"].after_reasons == (
        "NYANSOKAN",
        "KOSTNAD_OVER_SCHABLON",
    )


def test_the_same_rules_change_nothing(engine, stored, ruleset):
    result = simulate(engine, ruleset, KEY)
    assert (result.applications, result.compared, result.changed) == (7, 6, 0)


def test_a_new_stickprov_rate_per_cost_type_draws_for_the_applications_it_concerns(engine, settings, tmp_path):
    no_random = changed_rules(tmp_path, "before", "stickprov.yaml", "value: 0.10", "value: 0.0")
    text = (no_random / "stickprov.yaml").read_text(encoding="utf-8").replace("hushallsel: 0.05", "hushallsel: 0.0")
    (no_random / "stickprov.yaml").write_text(text, encoding="utf-8")
    every_bill = changed_rules(tmp_path, "after", "stickprov.yaml", "value: 0.10", "value: 0.0")
    (every_bill / "stickprov.yaml").write_text(text.replace("hushallsel: 0.0", "hushallsel: 1.0"), encoding="utf-8")
    clock = FixedClock(T0)
    put(engine, settings, clock, app("E300", 300), app("E600", 600), app("NONE"))
    with_rate_from_rules = settings.model_copy(
        update={"stickprov": settings.stickprov.model_copy(update={"rate": None})}
    )
    run_until_idle(engine, with_rate_from_rules, load_ruleset(no_random), DictSource(), clock)

    result = simulate(engine, load_ruleset(every_bill), KEY, "2026-12")
    assert result.reasons_gained == {"STICKPROV": 2}
    assert result.outcomes == {("recommendation", "manual"): 2}
    assert {c.application_id for c in result.cases} == {"E300", "E600"}


@pytest.fixture
def cli(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_STICKPROV_KEY", STICKPROV_KEY)
    monkeypatch.delenv("ROBOT_DATABASE_URL", raising=False)
    app = typer.Typer()
    app.command("simulate")(simulate_command)
    app.command("other")(lambda: None)  # two commands: the subcommand is named on the command line
    return lambda *args: CliRunner().invoke(app, ["simulate", *args])


def test_the_simulate_command_speaks_swedish_and_json(engine, stored, cli, tmp_path):
    rules = changed_rules(tmp_path, "rules", "schablon.yaml", WINTER_ONE_PERSON,
                          WINTER_ONE_PERSON.replace("max: 700", "max: 400"))  # fmt: skip
    done = cli("--rules", str(rules), "--month", "2026-12", "--sample", "1")
    assert done.exit_code == 0, done.output
    assert "Jämförda ansökningar: 5 av 6 (1 utan bedömning hoppades över" in done.stdout
    assert "rekommendation → manuell: 2" in done.stdout
    assert "KOSTNAD_OVER_SCHABLON  +3" in done.stdout
    assert "Exempel på ändrade ansökningar (1 av 3):" in done.stdout and "E600" in done.stdout
    as_json = json.loads(cli("--rules", str(rules), "--json").stdout)
    assert as_json["compared"] == 6 and as_json["month"] is None
    assert as_json["outcomes"]["recommendation_to_manual"] == 3, "NOV600 is above the new max too"
    assert as_json["reasons"] == {"KOSTNAD_OVER_SCHABLON": {"gained": 4, "lost": 0}}
    assert len(as_json["sample"]) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rules", "/no/such/folder"], "mappen finns inte"),
        (["--rules", "."], "är inte giltiga"),
        (["--rules", str(RULES), "--month", "2026-13"], "ange en månad som ÅÅÅÅ-MM"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(engine, cli, args, message):
    done = cli(*args)
    assert done.exit_code == 2 and message in done.output
