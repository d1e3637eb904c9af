"""The rule chain: outcomes, amounts and reasons, and the invariants no input may break."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot.chain.casetests import case_files, run_files
from robot.chain.engine import evaluate_raw
from robot.chain.explain import explain
from robot.chain.inputs import Circumstances, HouseholdHistory
from robot.chain.stickprov import StickprovInput, draw
from robot.formats.period import age_on
from robot.formats.register import Register
from tests.builders import APPLICANT, PAYERS, application, barnbidrag_for, household_case, months_back, raw, register
from tests.conftest import RULES, SAMPLES

OFF = StickprovInput(key=b"k", rate_override=0.0)
AFTER_DECLARATIONS = Circumstances(as_of=dt.date(2026, 12, 29))
"""Every employer has declared November's salaries (by 27 December, 2026 a Sunday: the 28th)."""


def verdict_for(ruleset, app=None, reg=None, stickprov=OFF, circumstances=AFTER_DECLARATIONS):
    reg_model = Register.model_validate_json(json.dumps(reg or register()), strict=True)
    return evaluate_raw(raw(app or application()), reg_model, ruleset, stickprov, circumstances=circumstances).verdict


def test_standard_case_is_recommended_with_its_breakdown(ruleset):
    v = verdict_for(ruleset)
    assert (v.outcome, v.amount, v.reasons, v.stickprov) == ("recommendation", 11220, [], False)
    assert [s.rule for s in v.steps] == [
        "intag", "stickprov", "aktivitet", "hushall", "schablon", "naringsverksamhet", "inkomst", "rimlighet", "norm"
    ]  # fmt: skip
    assert all(s.result == "pass" and s.motivering for s in v.steps)
    assert v.ruleset == f"{ruleset.identifier}~stickprov=0"  # the override is part of its identity


def test_motivering_names_facts_and_parameters(ruleset):
    app = application(costs=[{"type": "hyra", "amount": 6000}, {"type": "hushallsel", "amount": 1250}])
    v = verdict_for(ruleset, app)
    schablon = next(s for s in v.steps if s.rule == "schablon")
    assert "1 250 kr" in schablon.motivering and "550 kr över" in schablon.motivering
    assert any(p["name"] == "schablon.intervall.hushallsel" and p["value"]["max"] == 700 for p in schablon.parameters)
    assert v.reasons[0].code == "KOSTNAD_OVER_SCHABLON"
    assert v.amount == 12470  # the robot's proposal for the handläggare


def test_nothing_personal_in_reasons_or_motiveringar(ruleset):
    v = verdict_for(ruleset, application(kind="nyansokan"))
    text = json.dumps([s.motivering for s in v.steps] + [r.text for r in v.reasons], ensure_ascii=False)
    assert APPLICANT not in text


def test_a_failing_step_makes_the_verdict_manual_not_a_silent_pass(ruleset, monkeypatch):
    step = ruleset.step("inkomst")

    def broken(ctx):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(step, "evaluate", broken)
    v = verdict_for(ruleset)
    assert v.outcome == "manual" and v.amount is None
    assert set(v.reason_codes()) == {"TEKNISKT_FEL"}
    inkomst = next(s for s in v.steps if s.rule == "inkomst")
    assert inkomst.result == "manual" and not inkomst.evaluated


def test_explain_tells_the_story_in_swedish(ruleset):
    app = application(
        activities=[
            {
                "person": "applicant",
                "kind": "sfi",
                "month": "2026-11",
                "planned_hours": 120,
                "attended_hours": 60,
                "exemption": None,
            }
        ]
    )
    text = explain(verdict_for(ruleset, app))
    assert "manuell handläggning" in text
    assert "enligt ansökan närvarat 60 av 120 planerade timmar (50 %) på SFI" in text
    assert "Summa: 3 940 kr + 1 280 kr + 6 000 kr − 0 kr = 11 220 kr" in text


def test_ruleset_hash_changes_with_any_rule_file(ruleset, tmp_path):
    from robot.chain.ruleset import ruleset_from_files

    files = dict(ruleset.files)
    files["aktivitet.yaml"] = files["aktivitet.yaml"].replace("value: 0.90", "value: 0.85")
    changed = ruleset_from_files(files)
    assert changed.version == ruleset.version and changed.digest != ruleset.digest
    assert ruleset_from_files(dict(ruleset.files)).identifier == ruleset.identifier


def test_stickprov_override_is_part_of_the_ruleset_identity(ruleset):
    v = verdict_for(ruleset, stickprov=StickprovInput(key=b"k", rate_override=0.25))
    assert v.ruleset == f"{ruleset.identifier}~stickprov=0.25"


@pytest.mark.parametrize("path", case_files(RULES / "tests"), ids=lambda p: p.name)
def test_shipped_yaml_rule_cases_pass(path, ruleset):
    results = run_files([path], ruleset)
    assert results
    assert [(r.name, r.problems) for r in results if not r.ok] == []


def test_sample_files_give_both_outcomes(ruleset):
    reg = Register.model_validate_json((SAMPLES / "register.json").read_bytes(), strict=True)
    outcomes = {}
    for path in sorted((SAMPLES / "applications").glob("*.json")):
        v = evaluate_raw(path.read_bytes(), reg, ruleset, OFF, circumstances=AFTER_DECLARATIONS).verdict
        outcomes[path.stem] = (v.outcome, v.reason_codes())
    assert outcomes["000101-ensamstaende-med-barn"] == ("recommendation", [])
    assert outcomes["000104-hog-elkostnad"] == ("manual", ["KOSTNAD_OVER_SCHABLON"])
    assert outcomes["000116-felaktig-ansokan"] == ("manual", ["INVALID_APPLICATION"])
    assert outcomes["000120-ssbtek-fk-fel"] == ("manual", ["SSBTEK_EJ_TILLGANGLIG"])
    assert outcomes["000121-jobbstimulans"] == ("recommendation", [])
    assert outcomes["000122-barns-extrajobb"] == ("manual", ["BARNINKOMST_OKAND"])
    assert outcomes["000124-pensionsalder"][1] == ["ARBETSFORMAGA_BEDOMS", "PENSIONSALDER"]
    assert outcomes["000126-lon-ej-deklarerad"] == ("manual", ["INKOMSTTYP_MOTSAGS"])  # after 28 December
    assert {o for o, _ in outcomes.values()} == {"recommendation", "manual"}


# Invariants --------------------------------------------------------------------------------------


def case_verdict(ruleset, case, stickprov=OFF):
    app, reg, known = case
    history = known.get("household")
    circumstances = Circumstances(
        as_of=known["as_of"], household=HouseholdHistory.model_validate(history) if history else None
    )
    return verdict_for(ruleset, app, reg, stickprov, circumstances)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_case(), st.sampled_from([0.0, 0.1, 1.0]))
def test_invariants_hold_for_any_valid_application(ruleset, case, rate):
    app = case[0]
    stickprov = StickprovInput(key=b"property-key", rate_override=rate)
    v = case_verdict(ruleset, case, stickprov)
    # Exactly one outcome, and it is never a rejection.
    assert v.outcome in ("recommendation", "manual")
    if v.outcome == "recommendation":
        assert v.amount is not None and v.amount > 0 and v.amount == v.norm.total
        assert v.reasons == [] and not v.stickprov
        assert all(s.result == "pass" and s.evaluated for s in v.steps)
    else:
        assert v.reasons, "a manual verdict always has a reason"
        assert v.amount is None or v.amount > 0
    assert "TEKNISKT_FEL" not in v.reason_codes(), "a rule situation is never a technical error"
    # No path recommends when a step could not be evaluated.
    if not all(s.evaluated for s in v.steps):
        assert v.outcome == "manual" and v.amount is None
    # Amounts add up.
    if v.norm is not None:
        n = v.norm
        assert n.total == n.personal + n.shared + n.costs - n.incomes
        by_group = {
            g: sum(line.amount for line in n.lines if line.group == g)
            for g in ("personal", "shared", "costs", "incomes")
        }
        assert by_group == {"personal": n.personal, "shared": n.shared, "costs": n.costs, "incomes": n.incomes}
        applied = sum(c["amount"] for c in app["costs"])
        assert n.costs == applied if not app["household"]["other_adults"] else n.costs <= applied
    # Stickprov at rate 1 always selects; at rate 0 never.
    if rate == 1.0:
        assert v.stickprov and "STICKPROV" in v.reason_codes()
    if rate == 0.0:
        assert not v.stickprov
    # Every step names its lagrum.
    assert all(s.lagrum for s in v.steps) or v.period is None or v.period < "2019"
    # Determinism: the same input gives a byte-identical verdict.
    assert case_verdict(ruleset, case, stickprov).to_json() == v.to_json()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_case())
def test_no_recommendation_rests_on_a_fact_only_the_applicant_stated(ruleset, case):
    app, reg, _ = case
    v = case_verdict(ruleset, case)
    if v.outcome != "recommendation":
        return
    persons = reg["persons"]
    control = months_back(app["period"], 1)
    h = app["household"]
    adults = {"applicant": h["applicant"]} | ({"co_applicant": h["co_applicant"]} if h["co_applicant"] else {})
    for role_name, adult in adults.items():
        # Ability to work is never taken on the applicant's word ...
        assert adult["able_to_work"]
        # ... and attendance comes from the provider or from Arbetsförmedlingen, never the application alone.
        entry = persons.get(adult["personnummer"], {})
        provider = [a for a in entry.get("activity") or [] if a["month"] == control]
        af = entry.get("af", {})
        assert provider or (af.get("status") == "inskriven" and af.get("aktivitetsrapport") == 200)
        # A salary in the register is net only with the tax withheld.
        for i in entry.get("incomes", []):
            if i["source"] == "SKV" and i["type"] == "lon" and i["month"] == control:
                assert "tax_withheld" in i
        # Every declared income that a register reports is confirmed by it.
        for i in app["incomes"]:
            if i["person"] == role_name and i["type"] in PAYERS:
                registered = [r for r in entry.get("incomes", []) if r["type"] == i["type"]]
                assert any(r["month"] in (control, months_back(control, 1)) for r in registered)
    # A young adult counts as a child only while in school, as stated.
    for c in h["children"]:
        born = dt.date.fromisoformat(c["birth_date"])
        age = age_on(born, dt.date.fromisoformat(app["period"] + "-01"))
        if age >= 18:
            assert c.get("in_school") is True
    # Jobbstimulans is never guessed: its window's start is stated or follows from an unbroken run.
    work = any(i["type"] == "lon" and not i["person"].startswith("child") for i in app["incomes"])
    history = app["history"]
    if work and "jobbstimulans_start" not in history:
        assert history["consecutive_months_with_support"] > 0
        assert history.get("last_support_month") in (None, control)


def without_children_work(app):
    out = json.loads(json.dumps(app))
    out["incomes"] = [i for i in out["incomes"] if not (i["person"].startswith("child") and i["type"] == "lon")]
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_case())
def test_a_childs_exempt_work_income_is_never_deducted(ruleset, case):
    app, reg, known = case
    v = case_verdict(ruleset, case)
    control = months_back(app["period"], 1)
    earned = {}
    for i in app["incomes"]:
        if i["person"].startswith("child") and i["type"] == "lon" and i["month"] == control:
            earned[i["person"]] = earned.get(i["person"], 0) + i["amount"]
    if not earned or v.norm is None:
        return
    without = case_verdict(ruleset, (without_children_work(app), reg, known))
    if without.norm is None:
        return
    # At most the part above one prisbasbelopp a year can reduce the amount (59 200 kr is the highest here).
    history = known.get("household") or {}
    so_far = history.get("children_work_income", {}) if history.get("through") == months_back(control, 1) else None
    if control.endswith("-01"):
        so_far = {}
    limit = {"2019": 46_500, "2020": 47_300, "2021": 47_600, "2025": 58_800, "2026": 59_200}.get(control[:4])
    deducted = without.norm.total - v.norm.total
    assert deducted >= 0
    if so_far is None or limit is None:
        return
    children = app["household"]["children"]
    excess = 0
    for person, amount in earned.items():
        before = so_far.get(children[int(person[6:])]["birth_date"], 0)
        excess += max(0, min(amount, before + amount - limit))
    assert deducted <= excess


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_case())
def test_jobbstimulans_never_makes_the_amount_smaller(ruleset, case):
    app, reg, known = case
    inside = json.loads(json.dumps(app))
    inside["history"]["jobbstimulans_start"] = app["period"]
    outside = json.loads(json.dumps(app))
    outside["history"]["jobbstimulans_start"] = months_back(app["period"], 24)
    with_rule = case_verdict(ruleset, (inside, reg, known))
    without_rule = case_verdict(ruleset, (outside, reg, known))
    if with_rule.norm is not None and without_rule.norm is not None:
        assert with_rule.norm.total >= without_rule.norm.total
    assert not any("Jobbstimulans" in line.text for line in (without_rule.norm.lines if without_rule.norm else []))


def submitted_month(app) -> str:
    moment = dt.datetime.fromisoformat(app["submitted_at"]).astimezone(ZoneInfo("Europe/Stockholm"))
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_of_16(born: dt.date) -> str:
    return f"{born.year + 16:04d}-{(born.month - 1) // 3 * 3 + 3:02d}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_case())
def test_no_recommendation_pays_for_a_past_month_an_unconfirmed_child_or_jobbstimulans_outside_its_window(
    ruleset, case
):
    app, reg, _ = case
    v = case_verdict(ruleset, case)
    if v.outcome != "recommendation":
        return
    period, control = app["period"], months_back(app["period"], 1)
    # The period had not begun before the month the application was submitted.
    assert period >= submitted_month(app)
    # Every child is one the registers show: barnbidrag under 16, studiebidrag for 16–17 in school.
    h = app["household"]
    adults = [h["applicant"]["personnummer"]] + ([h["co_applicant"]["personnummer"]] if h["co_applicant"] else [])
    rows = [r for p in adults for r in reg["persons"].get(p, {}).get("incomes", [])]

    def paid(source, kind):
        for month in (control, months_back(control, 1)):
            found = [r["amount"] for r in rows if r["source"] == source and r["type"] == kind and r["month"] == month]
            if found:
                return month, sum(found)
        return control, 0

    fk_month, fk = paid("FK", "barnbidrag")
    under_16, students = 0, 0
    for c in h["children"]:
        born = dt.date.fromisoformat(c["birth_date"])
        assert c.get("lives_here", "heltid") == "heltid"
        assert born < dt.date.fromisoformat(fk_month + "-01"), "barnbidrag is paid from the month after birth"
        if fk_month <= quarter_of_16(born):
            under_16 += 1
        else:
            assert c.get("in_school") is True and age_on(born, dt.date.fromisoformat(fk_month + "-01")) < 18
            students += 1
    assert fk >= 1250 * under_16 and (under_16 == 0 or fk <= barnbidrag_for(under_16 + students))
    if students:
        assert paid("CSN", "studiemedel")[1] >= 1250 * students
    # Jobbstimulans only inside its 24-month window.
    relieved = [line for line in v.norm.lines if line.text.startswith("Jobbstimulans")]
    if relieved:
        history = app["history"]
        start = history.get("jobbstimulans_start") or months_back(period, history["consecutive_months_with_support"] - 6)
        assert start <= period <= months_back(start, -23)
        if "jobbstimulans_start" not in history:
            assert history["consecutive_months_with_support"] >= 6
            assert history.get("last_support_month") in (None, control)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=20,
    ),
    st.sampled_from(["household", "costs", "incomes", "activities", "period", "history", "application_id", "extra"]),
)
def test_any_json_object_gets_exactly_one_verdict(ruleset, junk, field):
    doc = application()
    doc[field] = junk
    v = verdict_for(ruleset, doc)
    assert v.outcome in ("recommendation", "manual")
    if v.outcome == "manual":
        assert v.reasons


def test_stickprov_selection_is_stable_per_id_and_period():
    key = b"secret"
    assert draw(key, "A-1", "2026-12", "bas") == draw(key, "A-1", "2026-12", "bas")
    assert draw(key, "A-1", "2026-12", "bas") != draw(key, "A-1", "2027-01", "bas")
    assert draw(key, "A-1", "2026-12", "bas") != draw(b"other", "A-1", "2026-12", "bas")


@pytest.mark.parametrize("rate", [0.05, 0.10, 0.30])
@pytest.mark.parametrize("key", [b"key-one", b"key-two"])
def test_stickprov_rate_converges_over_10000_ids(rate, key):
    n = 10_000
    selected = sum(draw(key, f"GBG-2026-12-{i:06d}", "2026-12", "bas") < rate for i in range(n))
    sd = (n * rate * (1 - rate)) ** 0.5
    assert abs(selected - n * rate) < 5 * sd, (selected, n * rate)


def test_stickprov_draws_are_uniform_across_deciles():
    counts = [0] * 10
    for i in range(10_000):
        counts[int(draw(b"k", f"ID-{i}", "2026-12", "bas") * 10)] += 1
    # chi-square with 9 degrees of freedom; 27.9 is the 0.1 % critical value
    chi2 = sum((c - 1000) ** 2 / 1000 for c in counts)
    assert chi2 < 27.9, counts
