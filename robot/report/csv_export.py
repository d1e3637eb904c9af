"""The month's figures as CSV files for Excel: UTF-8 with BOM, `;` between fields, decimal comma.

Shares are percent with one decimal ("37,5"), amounts whole kronor, empty cells where a figure is
not available or not shown (groups too small to show amounts). Column names are ASCII (å→a, ä→a,
ö→o) so that scripts can use them too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from robot.config import open_private
from robot.report.figures import OUTSIDE, RESOLUTIONS, MonthFigures
from robot.swedish.labels import OUTCOMES

ENCODING = "utf-8-sig"
DELIMITER = ";"
Cell = str | int | float | None

OUTCOME_COLUMNS = {
    "recommendation": "rekommendation",
    "manual": "manuell",
    "waiting": "vantar",
    "technical_failure": "tekniskt_fel",
}
OUTSIDE_COLUMNS = {
    "over": "utanfor_over",
    "under": "utanfor_under",
    "always_manual": "utanfor_alltid_manuell",
    "no_range": "utanfor_intervall_saknas",
}
ASSESSMENTS = {"flagged": "flaggad", "no_difference": "ingen_skillnad", "too_small": "for_fa"}
RECOMMENDATION_STATUSES = {"pending": "vantar", "approved": "faststallda", "rejected": "avvisade"}
MANUAL_STATUSES = {"open": "oppna", "claimed": "tagna", "resolved": "avslutade"}

FILES = (
    "utfall.csv",
    "orsaker.csv",
    "kostnader.csv",
    "likstallighet.csv",
    "nyckeltal.csv",
    "regelverk.csv",
)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Cell) -> str:
    """One field. Text that Excel would take for a formula (a district name is free text from the
    application) gets a leading apostrophe, so it shows as text and never runs."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        text = f"{value:.3g}" if 0 < abs(value) < 0.001 else f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value)


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Path:
    with io.TextIOWrapper(open_private(path), encoding=ENCODING, newline="") as out:
        writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(v) for v in row])
    return path


def write_all(figures: MonthFigures, directory: Path) -> list[Path]:
    return [
        write(directory / "utfall.csv", *_outcomes(figures)),
        write(directory / "orsaker.csv", *_reasons(figures)),
        write(directory / "kostnader.csv", *_costs(figures)),
        write(directory / "likstallighet.csv", *_likstallighet(figures)),
        write(directory / "nyckeltal.csv", *_key_figures(figures)),
        write(directory / "regelverk.csv", *_rulesets(figures)),
    ]


Table = tuple[list[str], list[list[Cell]]]


def _outcomes(f: MonthFigures) -> Table:
    header = ["dimension", "grupp", "ansokningar", *(OUTCOME_COLUMNS[k] for k in OUTCOMES), "andel_manuell_procent"]
    groups = [
        ("alla", "alla", f.outcomes),
        *((g.dimension, g.group, g.counts) for g in (*f.by_channel, *f.by_district)),
    ]
    rows: list[list[Cell]] = [
        [dimension, group, c.total, *(c.count(k) for k in OUTCOMES), percent(c.manual_share)]
        for dimension, group, c in groups
    ]
    return header, rows


def _reasons(f: MonthFigures) -> Table:
    header = ["kod", "titel", "antal", "andel_av_manuella_procent", "andel_av_alla_procent", "avslutade",
              *RESOLUTIONS, "exempel"]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            r.code,
            r.title,
            r.count,
            percent(r.share_of_manual),
            percent(r.share_of_all),
            r.resolved,
            *(r.resolutions[k] for k in RESOLUTIONS),
            " ".join(r.examples),
        ]
        for r in f.reasons
    ]
    return header, rows


def _costs(f: MonthFigures) -> Table:
    header = ["kostnadstyp", "namn", "ansokningar", "summa_kr", "median_kr", "p90_kr",
              *(OUTSIDE_COLUMNS[k] for k in OUTSIDE), "utanfor_med_summa_kr", "utanfor_med_median_kr"]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            c.cost_type,
            c.name,
            c.applications,
            c.total,
            c.median,
            c.p90,
            *(c.outside[k] for k in OUTSIDE),
            c.outside_total,
            c.outside_median,
        ]
        for c in f.costs
    ]
    return header, rows


def _likstallighet(f: MonthFigures) -> Table:
    header = ["dimension", "grupp", "bedomda", "manuella", "andel_manuell_procent", "ovriga_bedomda",
              "ovriga_manuella", "ovriga_andel_manuell_procent", "skillnad_procentenheter", "p_varde",
              "signifikansniva", "bedomning"]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            c.dimension,
            c.group,
            c.decided,
            c.manual,
            percent(c.share),
            c.rest_decided,
            c.rest_manual,
            percent(c.rest_share),
            percent(c.difference),
            c.p_value,
            c.threshold,
            ASSESSMENTS[c.assessment],
        ]
        for c in f.likstallighet
    ]
    return header, rows


def _key_figures(f: MonthFigures) -> Table:
    s, p, d = f.stickprov, f.processing, f.decisions
    interval = s.interval
    rows: list[list[Cell]] = [
        ["period", "manad", f.month],
        ["ansokningar", "totalt", f.outcomes.total],
        ["stickprov", "utvalda", s.selected],
        ["stickprov", "avslutade", s.resolved],
        ["stickprov", "korrekta", s.correct],
        ["stickprov", "felaktiga", s.incorrect],
        ["stickprov", "andel_felaktiga_procent", percent(s.incorrect_share)],
        ["stickprov", "andel_felaktiga_95_lagsta_procent", percent(interval[0]) if interval else None],
        ["stickprov", "andel_felaktiga_95_hogsta_procent", percent(interval[1]) if interval else None],
        ["stickprov", "ej_avslutade", s.unresolved],
        ["behandling", "bedomningar", p.verdicts],
        ["behandling", "tid_p50_ms", p.p50_ms],
        ["behandling", "tid_p95_ms", p.p95_ms],
        ["behandling", "tid_max_ms", p.max_ms],
        ["tekniska_fel", "manuella_utan_bedomning", p.technical_failures],
        ["tekniska_fel", "nya_forsok", p.technical_retries],
        ["tekniska_fel", "vantan_pa_ssbtek", p.ssbtek_waits],
        ["tekniska_fel", "vantar_nu", p.waiting_retry],
        ["tekniska_fel", "ej_behandlade", p.waiting_queue],
        *(["tekniska_fel", f"feltyp:{error}", n] for error, n in p.error_types),
        *(["rekommendationer", RECOMMENDATION_STATUSES[status], n] for status, n in d.recommendations.items()),
        ["rekommendationer", "faststallt_belopp_kr", d.approved_amount],
        *(["manuella_arenden", MANUAL_STATUSES[status], n] for status, n in d.manual_items.items()),
        *(["manuella_arenden", resolution, n] for resolution, n in d.resolutions.items()),
        ["manuella_arenden", "med_robotens_forslag", d.proposal_compared],
        ["manuella_arenden", "bifall_med_robotens_forslag", d.proposal_followed],
        ["likstallighet", "flaggade_grupper", sum(1 for c in f.likstallighet if c.assessment == "flagged")],
        ["databas", "ansokningar_utan_period", f.without_period],
    ]
    return ["omrade", "matt", "varde"], rows


def _rulesets(f: MonthFigures) -> Table:
    rows: list[list[Cell]] = [[r.label, r.identifier, r.version, r.verdicts] for r in f.rulesets]
    return ["regelverk", "identifierare", "version", "bedomningar"], rows
