"""The monthly control report: exact figures on a known month, the HTML page, likställighet flags, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import lxml.html
import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from robot import casework
from robot.accounts import Actor, Role
from robot.cli.report import report as report_command
from robot.clock import FixedClock
from robot.queue import cases
from robot.queue.schema import metadata
from robot.report import html, produce
from robot.report.csv_export import cell
from robot.report.data import ApplicationRecord, CostFact, MonthData, VerdictRecord
from robot.report.figures import compute
from robot.report.likstallighet import GroupCount, compare
from robot.report.stats import Histogram, percentile, two_proportion_p_value, wilson_interval
from robot.report.tally import MonthTally
from tests.builders import APPLICANT, CO_APPLICANT, application, register
from tests.conftest import RULES
from tests.queue_helpers import DictSource, FailingSource, approve_reviewed, put, run_until_idle

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
SECTIONS = ("sammanfattning", "utfall", "kanal-stadsdel", "orsaker", "stickprov", "kostnader", "behandling",
            "beslut", "likstallighet", "regelverk", "metod")  # fmt: skip


def app(app_id: str, district: str = "Nordost", channel: str = "e-tjanst", rent: int = 6000, **changes):  # type: ignore[no-untyped-def]
    costs = [{"type": "hyra", "amount": rent}, *changes.pop("extra_costs", [])]
    return application(application_id=app_id, district=district, channel=channel, costs=costs, **changes)


def low_attendance(app_id: str, district: str) -> dict:
    return app(
        app_id,
        district,
        activities=[{"person": "applicant", "kind": "sfi", "month": "2026-11", "planned_hours": 120,
                     "attended_hours": 10, "exemption": None}],
    )  # fmt: skip


def electricity(amount: int) -> list[dict]:
    return [{"type": "hushallsel", "amount": amount}]


@pytest.fixture
def month(engine, settings, ruleset):
    """A known month: 16 applications, every outcome, handläggare decisions and stickprov verdicts."""
    clock = FixedClock(T0)
    # A technical failure: three attempts (two retries), then manual with TEKNISKT_FEL.
    put(engine, settings, clock, app("T-FAIL", "Centrum"))
    failing = FailingSource(failures=100, error=RuntimeError("boom"))
    for _ in range(settings.queue.max_attempts):
        run_until_idle(engine, settings, ruleset, failing, clock)
        clock.advance(hours=2)
    # The main batch, stickprov off.
    waiting = app("W1", "Sydväst")
    waiting["household"] = {**waiting["household"], "applicant": {"personnummer": CO_APPLICANT, "able_to_work": True}}
    put(
        engine, settings, clock,
        app("R1"), app("R2", rent=7000), app("R3", rent=5000), app("R4", extra_costs=electricity(500)),
        app("P1", "Hisingen", channel="papper"),
        app("M1", "Hisingen", extra_costs=electricity(1000)),
        app("M2", "Hisingen", extra_costs=electricity(900)),
        app("M3", "Centrum", channel="papper", extra_costs=electricity(1200)),
        app("M4", "Centrum", extra_costs=[{"type": "tandvard", "amount": 800}]),
        app("M5", kind="nyansokan"),
        low_attendance("M6", "Nordost"),
        waiting,
    )  # fmt: skip
    source = DictSource(register(APPLICANT, CO_APPLICANT, **{CO_APPLICANT: {"unavailable": ["FK"]}}))
    run_until_idle(engine, settings, ruleset, source, clock)
    # Three stickprov cases: every application selected.
    all_selected = settings.model_copy(update={"stickprov": settings.stickprov.model_copy(update={"rate": 1.0})})
    put(engine, settings, clock, app("S1"), app("S2"), app("S3"))
    run_until_idle(engine, all_selected, ruleset, DictSource(), clock)
    # What handläggare did (the applications' ids look like item numbers: the numbers are given as ints).
    hl1, hl2, hl3 = (Actor(f"hl-{n}", frozenset({Role.HANDLAGGARE})) for n in (1, 2, 3))
    rec_nr = {ref: cases.recommendation(engine, application_id=ref).id for ref in ("R1", "R2", "R3", "R4")}
    nr = {ref: cases.manual_item(engine, application_id=ref).id for ref in ("M1", "M2", "M3", "M4", "S1", "S2")}
    for ref in ("R1", "R2", "R3"):
        approve_reviewed(engine, rec_nr[ref], hl1, settings=settings, clock=clock)
    casework.reject_recommendation(engine, rec_nr["R4"], hl1, note="Elräkningen gäller fel månad", settings=settings,
                                   clock=clock)  # fmt: skip
    proposal = {ref: casework.find_manual(engine, nr[ref]).proposal_amount for ref in ("M1", "M2", "S1")}
    resolve = functools.partial(casework.resolve_manual, settings=settings, clock=clock, confirm_amount=True)
    resolve(engine, nr["M1"], hl2, decision="bifall", amount=proposal["M1"])
    resolve(engine, nr["M2"], hl2, decision="delavslag", amount=11920, note="Delvis el")
    casework.claim_manual(engine, nr["M3"], hl2, clock=clock)
    resolve(engine, nr["M4"], hl2, decision="avslag", note="Ingen kostnadsberäkning")
    resolve(engine, nr["S1"], hl3, decision="bifall", amount=proposal["S1"], stickprov_correct=True)
    resolve(engine, nr["S2"], hl3, decision="bifall", amount=10000, stickprov_correct=False)
    return clock


def dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))] for t in metadata.sorted_tables
        }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def pick(row: dict[str, str], *columns: str) -> tuple[str, ...]:
    return tuple(row[c] for c in columns)


def by(rows: list[dict[str, str]], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_the_report_has_the_exact_figures_of_a_known_month(engine, month, tmp_path, ruleset):
    result = produce(engine, "2026-12", tmp_path / "out", ruleset.reasons, now=T0)
    assert [p.name for p in result.paths] == ["rapport.html", "utfall.csv", "orsaker.csv", "kostnader.csv",
                                               "likstallighet.csv", "nyckeltal.csv", "regelverk.csv"]  # fmt: skip

    outcomes = by(read_csv(tmp_path / "out" / "utfall.csv"), "dimension", "grupp")
    columns = ("ansokningar", "rekommendation", "manuell", "vantar", "tekniskt_fel", "andel_manuell_procent")
    expected = {
        ("alla", "alla"): ("16", "5", "9", "1", "1", "64,3"),
        ("kanal", "e-tjänst"): ("14", "4", "8", "1", "1", "66,7"),
        ("kanal", "papper"): ("2", "1", "1", "0", "0", "50"),
        ("stadsdel", "Nordost"): ("9", "4", "5", "0", "0", "55,6"),
        ("stadsdel", "Hisingen"): ("3", "1", "2", "0", "0", "66,7"),
        ("stadsdel", "Centrum"): ("3", "0", "2", "0", "1", "100"),
        ("stadsdel", "Sydväst"): ("1", "0", "0", "1", "0", ""),
    }
    assert {k: tuple(v[c] for c in columns) for k, v in outcomes.items()} == expected

    reasons = read_csv(tmp_path / "out" / "orsaker.csv")
    assert [r["kod"] for r in reasons] == ["KOSTNAD_OVER_SCHABLON", "STICKPROV", "AKTIVITET_NARVARO",
                                           "KOSTNAD_ALLTID_MANUELL", "NYANSOKAN", "TEKNISKT_FEL"]  # fmt: skip
    over = reasons[0]
    assert over["titel"] == "Ansökt kostnad över schablonintervallet"
    assert (over["antal"], over["andel_av_manuella_procent"], over["andel_av_alla_procent"]) == ("3", "30", "18,8")
    assert (over["avslutade"], over["bifall"], over["delavslag"], over["avslag"]) == ("2", "1", "1", "0")
    assert over["exempel"] == "M1 M2 M3"
    stickprov = reasons[1]
    assert (stickprov["antal"], stickprov["avslutade"], stickprov["bifall"]) == ("3", "2", "2")
    assert by(reasons, "kod")["KOSTNAD_ALLTID_MANUELL"]["avslag"] == "1"
    assert by(reasons, "kod")["TEKNISKT_FEL"]["titel"] == "Tekniskt fel vid automatisk behandling"

    costs = by(read_csv(tmp_path / "out" / "kostnader.csv"), "kostnadstyp")
    assert list(costs) == ["hyra", "hushallsel", "tandvard"]
    rent, power, dental = costs["hyra"], costs["hushallsel"], costs["tandvard"]
    amounts = ("ansokningar", "summa_kr", "median_kr", "p90_kr")
    assert pick(rent, *amounts) == ("14", "84000", "6000", "6000")
    assert pick(power, *amounts) == ("4", "3600", "900", "1200")
    assert (power["utanfor_over"], power["utanfor_under"], power["utanfor_alltid_manuell"]) == ("3", "0", "0")
    assert (power["utanfor_med_summa_kr"], power["utanfor_med_median_kr"]) == ("1000", "300")
    assert dental["utanfor_alltid_manuell"] == "1"
    assert (dental["summa_kr"], dental["median_kr"]) == ("", ""), "one person's amount is not shown"

    key = {(r["omrade"], r["matt"]): r["varde"] for r in read_csv(tmp_path / "out" / "nyckeltal.csv")}
    assert key[("stickprov", "utvalda")] == "3"
    assert (key[("stickprov", "korrekta")], key[("stickprov", "felaktiga")]) == ("1", "1")
    assert key[("stickprov", "andel_felaktiga_procent")] == "50"
    assert key[("stickprov", "ej_avslutade")] == "1"
    assert key[("behandling", "bedomningar")] == "14"
    times = [int(key[("behandling", f"tid_{m}_ms")]) for m in ("p50", "p95", "max")]
    assert times == sorted(times)
    assert key[("tekniska_fel", "manuella_utan_bedomning")] == "1"
    assert key[("tekniska_fel", "nya_forsok")] == "2"
    assert key[("tekniska_fel", "vantan_pa_ssbtek")] == "1"
    assert key[("tekniska_fel", "vantar_nu")] == "1"
    assert key[("tekniska_fel", "feltyp:RuntimeError")] == "1"
    recs = {m: key[("rekommendationer", m)] for m in ("vantar", "faststallda", "avvisade", "faststallt_belopp_kr")}
    assert recs == {"vantar": "1", "faststallda": "3", "avvisade": "1", "faststallt_belopp_kr": "33660"}
    items = {m: key[("manuella_arenden", m)] for m in ("oppna", "tagna", "avslutade", "bifall", "delavslag", "avslag")}
    assert items == {"oppna": "5", "tagna": "1", "avslutade": "5", "bifall": "3", "delavslag": "1", "avslag": "1"}
    assert key[("manuella_arenden", "bifall_med_robotens_forslag")] == "2"

    rulesets = read_csv(tmp_path / "out" / "regelverk.csv")
    assert {r["regelverk"]: r["bedomningar"] for r in rulesets} == {
        f"{ruleset.identifier}~stickprov=0": "11",
        f"{ruleset.identifier}~stickprov=1": "3",
    }
    assert {r["version"] for r in rulesets} == {ruleset.version}

    small = read_csv(tmp_path / "out" / "likstallighet.csv")
    assert small and {r["bedomning"] for r in small} == {"for_fa"}, "groups under 30 are not judged"


def test_the_html_page_is_self_contained_and_has_every_section(engine, month, tmp_path, ruleset):
    before = dump(engine)
    result = produce(engine, "2026-12", tmp_path / "out", ruleset.reasons, now=T0)
    assert dump(engine) == before, "a report only reads"
    text = result.html.read_text(encoding="utf-8")
    page = lxml.html.fromstring(text)
    assert page.get("lang") == "sv"
    assert [s.get("id") for s in page.iter("section")] == list(SECTIONS)
    assert len(page.xpath("//*[local-name()='svg']")) >= 5
    assert not page.xpath("//script | //link | //img | //iframe"), "no outside resources"
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    assert "Kontrollrapport ekonomiskt bistånd – december 2026" in page.findtext(".//h1")
    assert "Ansökt kostnad över schablonintervallet" in page.get_element_by_id("orsaker").text_content()
    assert "För få ansökningar för att bedöma" in page.get_element_by_id("likstallighet").text_content()
    everything = text + "".join(p.read_text(encoding="utf-8-sig") for p in result.csv)
    for secret in (APPLICANT, CO_APPLICANT, "Elräkningen gäller fel månad", "hl-1", "hl-2", "hl-3"):
        assert secret not in everything, "no personnummer, notes or names of handläggare in the report"


def _record(app_id: str, district: str, manual: bool) -> ApplicationRecord:
    verdict = VerdictRecord("rs", "rs", "manual" if manual else "recommendation", 1000, False,
                            ("AKTIVITET_NARVARO",) if manual else (), 5, ())  # fmt: skip
    return ApplicationRecord(
        app_id, "e-tjanst", district, "MANUAL" if manual else "DONE", 0, 0, None, verdict, None, None
    )


def test_a_clearly_skewed_district_is_flagged_and_a_balanced_one_is_not():
    apps = [
        _record(f"{district}-{i}", district, i < manual)
        for district, manual in (("Nordost", 24), ("Centrum", 6), ("Hisingen", 6), ("Sydväst", 6))
        for i in range(30)
    ]
    figures = compute(MonthData("2026-12", tuple(apps), {}, 0))
    assessed = {c.group: c.assessment for c in figures.likstallighet if c.dimension == "stadsdel"}
    assert assessed == {"Nordost": "flagged", "Centrum": "no_difference", "Hisingen": "no_difference",
                        "Sydväst": "no_difference"}  # fmt: skip
    channel = [c for c in figures.likstallighet if c.dimension == "kanal"]
    assert [c.assessment for c in channel] == ["too_small"], "one channel has nothing to be compared with"
    page = lxml.html.fromstring(html.render(figures, T0))
    flagged = page.xpath("//section[@id='likstallighet']//tr[@class='flag']")
    assert [row.findtext("td") for row in flagged] == ["Nordost"]
    assert "Skillnad i andel manuell handläggning som bör utredas: Nordost (stadsdel)" in page.text_content()


def test_likstallighet_needs_size_difference_and_significance():
    flagged = compare("stadsdel", [GroupCount("A", 400, 200), GroupCount("B", 400, 100)])
    assert [c.assessment for c in flagged] == ["flagged", "flagged"]
    assert flagged[0].threshold == pytest.approx(0.025) and flagged[0].difference == pytest.approx(0.25)
    small_gap = compare("stadsdel", [GroupCount("A", 20000, 6000), GroupCount("B", 20000, 5400)])
    assert small_gap[0].p_value < 1e-6 and small_gap[0].assessment == "no_difference", "3 p.e. is below 5"
    too_small = compare("kanal", [GroupCount("papper", 29, 29), GroupCount("e-tjänst", 500, 50)])
    assert [c.assessment for c in too_small] == ["too_small", "too_small"]


def test_csv_cells_are_excel_friendly_and_never_formulas():
    assert [cell(v) for v in (None, 12, 37.5, -20.0, 0.0000123, True)] == ["", "12", "37,5", "-20", "1,23e-05", "ja"]
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and cell("-1") == "'-1" and cell("Nordost") == "Nordost"


def test_the_statistics_helpers():
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3 and percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 101)), 0.95) == 95 and percentile([], 0.5) is None
    assert two_proportion_p_value(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_p_value(30, 100, 50, 100) == pytest.approx(0.003892, abs=1e-6)  # chi² 8.333 (df 1)
    low, high = wilson_interval(1, 2)
    assert low == pytest.approx(0.0945, abs=1e-3) and high == pytest.approx(0.9055, abs=1e-3)


@given(
    st.lists(st.integers(min_value=0, max_value=50_000), max_size=300), st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.95, 1.0])
)
def test_the_histogram_gives_the_percentiles_of_the_list(values, p):
    histogram = Histogram()
    for v in values:
        histogram.append(v)
    assert histogram.percentile(p) == percentile(values, p)
    assert (len(histogram), histogram.total, histogram.max) == (len(values), sum(values), max(values, default=None))


def test_the_months_tally_does_not_grow_with_the_month():
    """A month ten times larger, amounts and durations from the same range: the tally's memory stays put."""
    import tracemalloc

    costs = tuple(CostFact("hyra", 5000 + i % 400, "within", None) for i in range(400))

    def tally_size(n: int) -> int:
        tracemalloc.start()
        tally = MonthTally()
        for i in range(n):
            verdict = VerdictRecord("rs", "rs", "recommendation", 1000, False, (), i % 300, (costs[i % 400],))
            tally.add(ApplicationRecord(f"A-{i}", "e-tjanst", "Nordost", "DONE", 0, 0, None, verdict, None, None))
        size, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(tally.durations) == n and tally.costs["hyra"].amounts.median() == 5199
        return size

    small, large = tally_size(4_000), tally_size(40_000)
    assert large < small * 1.2 + 10_000, (small, large)


@pytest.fixture
def cli(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_RULES_DIR", str(RULES))
    monkeypatch.delenv("ROBOT_DATABASE_URL", raising=False)
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("other")(lambda: None)  # two commands: the subcommand is named on the command line
    return lambda *args: CliRunner().invoke(app, ["report", *args])


def test_the_report_command_writes_into_the_data_folder_and_prints_the_paths(engine, month, settings, cli):
    done = cli("--month", "2026-12")
    assert done.exit_code == 0, done.output
    folder = settings.data_dir / "reports" / "2026-12"
    assert done.stdout.split() == [str(folder / n) for n in ("rapport.html", "utfall.csv", "orsaker.csv",
                                   "kostnader.csv", "likstallighet.csv", "nyckeltal.csv", "regelverk.csv")]  # fmt: skip


def test_a_month_without_applications_says_so_and_writes_no_empty_report(engine, cli, tmp_path):
    done = cli("--month", "2031-05", "--out", str(tmp_path / "empty"))
    assert done.exit_code == 0
    assert done.stdout.strip() == "Inga ansökningar är registrerade för maj 2031 (2031-05); ingen rapport skrevs."
    assert not (tmp_path / "empty").exists()


@pytest.mark.parametrize("text", ["2026-13", "12-2026", "2026-1"])
def test_a_bad_month_is_one_clear_line_and_exit_2(engine, cli, text):
    done = cli("--month", text)
    assert done.exit_code == 2 and "ange en månad som ÅÅÅÅ-MM" in done.output


def test_the_month_is_read_a_page_at_a_time_with_the_same_figures(engine, month, tmp_path, ruleset, monkeypatch):
    from robot.queue import month as month_queries
    from robot.report import data

    whole = produce(engine, "2026-12", tmp_path / "whole", ruleset.reasons, now=T0)
    pages: list[int] = []

    def small_pages(eng, period, size=3):
        for page in month_queries.month_pages(eng, period, size):
            pages.append(len(page.applications))
            yield page

    monkeypatch.setattr(data, "month_pages", small_pages)
    paged = produce(engine, "2026-12", tmp_path / "paged", ruleset.reasons, now=T0)
    assert len(pages) > 2 and max(pages) == 3
    assert paged.figures == whole.figures
    assert [p.read_bytes() for p in paged.csv] == [p.read_bytes() for p in whole.csv]
