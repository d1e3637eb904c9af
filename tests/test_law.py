"""The households of issue 10, and amounts worked out by hand from the published riksnorm table.

Nothing here uses the robot's own calculation to compute what it expects: the 2026 table below is
copied from socialtjänstförordningen (2025:468) 12 kap. 2 § as amended by SFS 2025:1046.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from robot.chain.engine import evaluate_raw
from robot.chain.explain import explain
from robot.chain.inputs import Circumstances, HouseholdHistory
from robot.chain.reliefs import history_from_verdicts
from robot.chain.stickprov import StickprovInput
from robot.formats.register import Register
from robot.swedish.notice import Contact, applicant_notice
from tests.builders import APPLICANT, CO_APPLICANT, application, raw, register

OFF = StickprovInput(key=b"k", rate_override=0.0)
DECEMBER_20 = Circumstances(as_of=dt.date(2026, 12, 20))

RIKSNORM_2026 = {
    "child": {0: 2740, 1: 3060, 2: 3060, 3: 2720, 4: 3060, 5: 3060, 6: 3060, **dict.fromkeys(range(7, 11), 3820),
              **dict.fromkeys(range(11, 15), 4390), **dict.fromkeys(range(15, 19), 4960), 19: 5000, 20: 5000},
    "child_lunch_away": {0: 2560, 1: 2800, 2: 2800, 3: 2500, 4: 2720, 5: 2720, 6: 2720},
    "single": 3940,
    "couple": 7100,
    "shared": {1: 1280, 2: 1410, 3: 1790, 4: 2030, 5: 2330, 6: 2640, 7: 2830},
}  # fmt: skip


def by_hand(adults: int, children: list[tuple[int, bool]], costs: int, incomes: int) -> int:
    """The riksnorm sum for a household, plus costs, minus incomes, straight from the table above."""
    table = RIKSNORM_2026
    personal = table["couple"] if adults == 2 else table["single"]
    for age, lunch_away in children:
        personal += table["child_lunch_away"][age] if lunch_away and age <= 6 else table["child"][age]
    return personal + table["shared"][adults + len(children)] + costs - incomes


def verdict(app, reg=None, circumstances=DECEMBER_20):
    register_doc = Register.model_validate_json(json.dumps(reg or register()), strict=True)
    return evaluate_raw(raw(app), register_doc, _ruleset(), OFF, circumstances=circumstances).verdict


def _ruleset():
    from tests.conftest import RULES

    global _LOADED
    try:
        return _LOADED
    except NameError:
        from robot.chain.ruleset import load_ruleset

        _LOADED = load_ruleset(RULES)
        return _LOADED


def kid(born: str, lunch: bool = False, **extra) -> dict:
    return {"birth_date": born, "lunch_away_5_days": lunch, **extra}


def inc(person: str, kind: str, amount: int) -> dict:
    return {"person": person, "type": kind, "month": "2026-11", "amount": amount}


def reg_income(source: str, kind: str, amount: int, **extra) -> dict:
    return {"source": source, "type": kind, "month": "2026-11", "amount": amount, **extra}


# Independently computed households --------------------------------------------------------------


def test_a_single_person_gets_the_verified_2026_row_3940_plus_1280():
    v = verdict(application(costs=[{"type": "hyra", "amount": 6500}]))
    assert v.outcome == "recommendation" and v.amount == by_hand(1, [], 6500, 0) == 11720
    assert (v.norm.personal, v.norm.shared) == (3940, 1280)


def test_a_couple_with_a_toddler_in_forskola_and_a_schoolchild():
    app = application(
        household={
            "applicant": {"personnummer": APPLICANT, "able_to_work": True},
            "co_applicant": {"personnummer": CO_APPLICANT, "able_to_work": True},
            "children": [kid("2024-03-10", lunch=True), kid("2017-08-01")],
            "other_adults": 0, "protected_identity": False, "changed_since_last_application": False,
        },
        costs=[{"type": "hyra", "amount": 9000}, {"type": "hushallsel", "amount": 800}],
        incomes=[inc("applicant", "barnbidrag", 2650)],
    )  # fmt: skip
    reg = register(APPLICANT, CO_APPLICANT, **{APPLICANT: {"incomes": [reg_income("FK", "barnbidrag", 2650)]}})
    v = verdict(app, reg)
    assert v.outcome == "recommendation"
    assert v.amount == by_hand(2, [(2, True), (9, False)], 9800, 2650) == 22_900


def test_a_single_parent_with_three_children_and_housing_allowance():
    app = application(
        household={
            "applicant": {"personnummer": APPLICANT, "able_to_work": True}, "co_applicant": None,
            "children": [kid("2026-06-01"), kid("2021-02-01"), kid("2011-01-20")],
            "other_adults": 0, "protected_identity": False, "changed_since_last_application": False,
        },
        costs=[{"type": "hyra", "amount": 10_400}],
        incomes=[inc("applicant", "barnbidrag", 4480), inc("applicant", "bostadsbidrag", 3100)],
    )  # fmt: skip
    # Barnbidrag for three children under 16: 3 × 1 250 + flerbarnstillägg 730 (SFB 15 kap. 3 and 8 §§).
    reg = register(**{APPLICANT: {"incomes": [reg_income("FK", "barnbidrag", 4480), reg_income("FK", "bostadsbidrag", 3100)]}})
    v = verdict(app, reg)
    assert v.outcome == "recommendation"
    assert v.amount == by_hand(1, [(0, False), (5, False), (15, False)], 10_400, 7580) == 19_550


def test_net_pay_with_jobbstimulans_by_hand():
    net = 8000 - 1900
    app = application(incomes=[inc("applicant", "lon", net)],
                      history={"consecutive_months_with_support": 12, "jobbstimulans_months_used": 7})  # fmt: skip
    reg = register(**{APPLICANT: {"incomes": [reg_income("SKV", "lon", 8000, tax_withheld=1900)]}})
    v = verdict(app, reg)
    counted = net - round(net * 0.25)  # 25 % of the net pay is not counted
    assert v.outcome == "recommendation" and v.amount == by_hand(1, [], 6000, counted) == 6645


def test_an_adult_sharing_the_flat_gets_a_share_per_head():
    app = application(household={**application()["household"], "other_adults": 1})
    v = verdict(app)
    assert v.amount == 3940 + round(1410 / 2) + round(6000 / 2) == 7645


# The households issue 10 found wrongly handled -------------------------------------------------------


def test_not_able_to_work_without_activities_is_never_a_bifall():
    app = application(
        period="2021-03",
        submitted_at="2021-02-24T10:00:00+01:00",
        household={**application()["household"], "applicant": {"personnummer": APPLICANT, "able_to_work": False}},
        activities=[],
    )
    v = verdict(app, register(**{APPLICANT: {"af": {"status": "ej_inskriven", "aktivitetsrapport": 500}}}))
    assert v.outcome == "manual" and v.reason_codes() == ["ARBETSFORMAGA_BEDOMS"]
    assert v.amount == 3160 + 1020 + 6000  # the proposal for the handläggare


def test_hours_only_in_the_application_do_not_confirm_the_activity_requirement():
    from robot.chain.casetests import with_parameters

    rules = with_parameters(_ruleset(), {"aktivitet.krav_inskriven_af": False})
    reg = register(**{APPLICANT: {"af": {"status": "ej_inskriven", "aktivitetsrapport": 500}}})
    v = evaluate_raw(raw(application()), Register.model_validate_json(json.dumps(reg)), rules, OFF, circumstances=DECEMBER_20).verdict
    assert v.outcome == "manual" and v.reason_codes() == ["AKTIVITET_EJ_STYRKT"]


def test_a_15_year_olds_work_income_is_not_deducted():
    household = {**application()["household"], "children": [kid("2011-05-05")]}
    app = application(household=household, incomes=[inc("applicant", "barnbidrag", 1250), inc("child:0", "lon", 2500)])
    reg = register(**{APPLICANT: {"incomes": [reg_income("FK", "barnbidrag", 1250)]}})
    known = HouseholdHistory(year=2026, through="2026-10", children_work_income={"2011-05-05": 9000})
    v = verdict(app, reg, Circumstances(as_of=dt.date(2026, 12, 20), household=known))
    assert v.outcome == "recommendation"
    assert v.amount == by_hand(1, [(15, False)], 6000, 1250)  # the 2 500 kr is not deducted


def test_skatteverkets_gross_pay_is_turned_into_net_pay():
    app = application(incomes=[inc("applicant", "lon", 4650)])
    v = verdict(app, register(**{APPLICANT: {"incomes": [reg_income("SKV", "lon", 6200, tax_withheld=1550)]}}))
    assert v.outcome == "recommendation" and v.norm.incomes == 4650
    inkomst = next(s for s in v.steps if s.rule == "inkomst")
    assert "6 200 kr före skatt − 1 550 kr avdragen skatt = 4 650 kr netto" in inkomst.motivering


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"household": {**application()["household"], "children": [kid("2007-06-01")]}}, "UNG_VUXEN_SKOLGANG_OKAND"),
        ({"costs": [{"type": "hyra", "amount": 6000}, {"type": "barnomsorg", "amount": 900}]}, "BARNOMSORG_UTAN_BARN"),
        ({"household": {**application()["household"], "assets": {"bank": 40_000, "other": False}}}, "TILLGANGAR"),
    ],
    ids=["19-year-old-in-school-unknown", "barnomsorg-without-children", "savings"],
)
def test_facts_the_robot_may_not_settle_go_to_a_handlaggare(changes, code):
    v = verdict(application(**changes))
    assert v.outcome == "manual" and v.reason_codes() == [code]


def test_an_applicant_of_71_is_tried_for_aldreforsorjningsstod_first():
    pnr = "195503011230"
    app = application(household={**application()["household"], "applicant": {"personnummer": pnr, "able_to_work": True}})
    v = verdict(app, register(pnr))
    assert v.outcome == "manual" and v.reason_codes() == ["PENSIONSALDER"]


def test_a_period_no_parameter_covers_is_never_a_technical_error():
    app = application(period="2012-06", submitted_at="2012-05-24T10:00:00+02:00", activities=[])
    v = verdict(app, circumstances=Circumstances(as_of=dt.date(2012, 6, 20)))
    assert v.outcome == "manual" and v.amount is None
    assert v.reason_codes() == ["PARAMETER_SAKNAS"]
    assert "intag.barn_max_alder" in v.reasons[0].text and "TEKNISKT_FEL" not in json.dumps(v.model_dump())


# What the handläggare and the applicant read ---------------------------------------------------------


def test_explain_shows_lagrum_and_each_parameters_source_and_valid_from():
    text = explain(verdict(application()), program="9.9.9")
    assert "Lagrum: 12 kap. 3 § socialtjänstlagen (2025:400); 12 kap. 4–5 §§ socialtjänstlagen (2025:400)" in text
    assert "Lagrum: 12 kap. 7 § socialtjänstlagen (2025:400); 12 kap. 1–3 §§ socialtjänstförordningen (2025:468)" in text
    assert "Parameter riksnorm 2026, personliga kostnader, vuxen, ensamstående = 3 940 (gäller från 2026-01-01; källa: " in text
    assert "SFS 2025:1046" in text
    assert "(programversion 9.9.9)" in text


def test_swedish_texts_months_plural_activities_and_stickprov():
    household = {**application()["household"], "other_adults": 1}
    sfi = [{"person": "applicant", "kind": "sfi", "month": "2026-11", "planned_hours": 100, "attended_hours": 96,
            "exemption": None}]  # fmt: skip
    text = explain(verdict(application(household=household, activities=sfi)))
    assert "december 2026" in text and "2026-11" not in text.split("Regelkedjan")[1].split("Parameter")[0]
    assert "1 annan vuxen som inte är sambo" in text and "1 annan vuxen i bostaden är inte sambo" in text
    assert "på SFI" in text and "i SFI" not in text
    assert "stickprov (inte utvald)" in text and "stickprov (godkänt)" not in text


def test_nobody_subject_to_motprestation_is_said_so():
    from robot.chain.casetests import with_parameters

    rules = with_parameters(_ruleset(), {"aktivitet.krav_inskriven_af": False})
    app = application(household={**application()["household"], "applicant": {"personnummer": APPLICANT, "able_to_work": False}})
    v = evaluate_raw(raw(app), Register.model_validate_json(json.dumps(register())), rules, OFF, circumstances=DECEMBER_20).verdict
    aktivitet = next(s for s in v.steps if s.rule == "aktivitet")
    assert "Kraven på motprestation är uppfyllda" not in aktivitet.motivering


def test_a_reason_is_never_repeated():
    v = verdict(application(period="2027-01", activities=[]), circumstances=Circumstances(as_of=dt.date(2027, 1, 20)))
    assert v.reason_codes() == ["RIKSNORM_SAKNAS"]


def test_the_applicant_notice_names_registers_the_decider_the_appeal_the_contact_and_gdpr_rights():
    v = verdict(application(incomes=[inc("applicant", "bostadsbidrag", 1400)]),
                register(**{APPLICANT: {"incomes": [reg_income("FK", "bostadsbidrag", 1400)]}}))  # fmt: skip
    text = applicant_notice(v, Contact("Kontaktcenter, 031-365 00 00", "socialnämnden Nordost"))
    assert "med kommunens regler och med uppgifter som kommunen har rätt att hämta" in text
    assert "Arbetsförmedlingen, CSN, Försäkringskassan, Skatteverket och arbetslöshetskassorna (via" in text
    assert "(SO)" not in text and "kommunens närvarorapporter" not in text
    assert "En person fattar beslutet" in text
    assert "socialnämnden Nordost, som skickar det vidare till förvaltningsrätten" in text
    assert "inom tre veckor från den dag du fick del av beslutet (44 § förvaltningslagen)" in text
    assert "artiklarna 13–15 i dataskyddsförordningen" in text and "(artikel 22)" in text
    assert "vilka uppgifter och regler som har använts (10 § förvaltningslagen)" in text
    assert "Kontakta Kontaktcenter, 031-365 00 00." in text


# The household's year so far, from the robot's own verdicts ------------------------------------------


def test_the_year_so_far_comes_from_earlier_verdicts_covering_every_month():
    household = {**application()["household"], "children": [kid("2011-05-05")]}
    earlier = []
    for month in range(1, 11):
        period = f"2026-{month + 1:02d}"
        app = application(
            period=period, household=household,
            activities=[{"person": "applicant", "kind": "sfi", "month": f"2026-{month:02d}", "planned_hours": 100,
                         "attended_hours": 100, "exemption": None}],
            incomes=[{"person": "child:0", "type": "lon", "month": f"2026-{month:02d}", "amount": 1000}],
        )  # fmt: skip
        january = Circumstances(as_of=dt.date(2026, month + 1, 20))
        earlier.append(verdict(app, circumstances=january))
    known = history_from_verdicts(earlier, "2026-11")
    assert known == HouseholdHistory(year=2026, through="2026-10", children_work_income={"2011-05-05": 10_000})
    assert history_from_verdicts(earlier[:5] + earlier[6:], "2026-11") is None, "a month without a verdict"


def test_a_provisional_riksnorm_row_never_gives_a_recommendation():
    from robot.chain.ruleset import ruleset_from_files

    files = dict(_ruleset().files)
    files["riksnorm/2026.yaml"] = files["riksnorm/2026.yaml"].replace(
        "    ensamstaende: 3940", '    ensamstaende: {value: 3940, provisional: true, source: "härledd"}'
    )
    rules = ruleset_from_files(files)
    v = evaluate_raw(raw(application()), Register.model_validate_json(json.dumps(register())), rules, OFF,
                     circumstances=DECEMBER_20).verdict  # fmt: skip
    assert v.outcome == "manual" and v.amount == 11220 and v.reason_codes() == ["PARAMETER_PRELIMINAR"]
    assert "riksnorm.2026.personliga.vuxna.ensamstaende" in v.reasons[0].text


def test_no_parameter_in_force_in_2026_cites_only_the_repealed_sol_or_sof():
    """SoL 2001:453 and SoF 2001:937 were repealed on 2025-07-01 (SoL 2025:400, SoF 2025:468)."""
    stale = []
    for step in _ruleset().steps:
        for param in step.params.walk():
            value = param.at(dt.date(2026, 1, 1))
            text = json.dumps(value.source if value else "", ensure_ascii=False) + json.dumps(
                value.value if value and param.name.endswith("lagrum") else "", ensure_ascii=False
            )
            if ("2001:937" in text or "2001:453" in text) and not ("2025:468" in text or "2025:400" in text):
                stale.append(param.name)
    assert stale == []
