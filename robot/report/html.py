"""The monthly control report as one self-contained HTML page, in Swedish for verksamheten.

No scripts, fonts or images from outside: the styles are inline and the charts are inline SVG.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape

from robot.report import svg
from robot.report.figures import OUTSIDE, GroupOutcomes, MonthFigures
from robot.report.likstallighet import ASSESSMENT_NAMES, Comparison
from robot.swedish.casework import RESOLUTIONS as RESOLUTION_NAMES
from robot.swedish.dates import local_time, month_name
from robot.swedish.labels import DIMENSION_NAMES, OUTCOME_NAMES, OUTCOMES
from robot.swedish.numbers import NONE, integer, kr, milliseconds, p_value, percent, points

OUTCOME_COLOURS = {
    "recommendation": "#2e7d32",
    "manual": "#e07b00",
    "waiting": "#90a4ae",
    "technical_failure": "#c62828",
}
COST_SERIES = (
    svg.Series("inom schablon", "#2e7d32"),
    svg.Series("över", "#e07b00"),
    svg.Series("under", "#f2c14e"),
    svg.Series("alltid manuell", "#6a4c93"),
    svg.Series("intervall saknas", "#c62828"),
)
OUTSIDE_NAMES = {"over": "över", "under": "under", "always_manual": "alltid manuell", "no_range": "intervall saknas"}
REC_STATUS_NAMES = {"pending": "väntar på handläggare", "approved": "fastställda", "rejected": "avvisade"}
MANUAL_STATUS_NAMES = {"open": "öppna", "claimed": "tagna av en handläggare", "resolved": "avslutade"}

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0 auto;max-width:62rem;
padding:1.5rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #1f5f99;
padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.meta{color:#555}.note{color:#444;font-size:.9rem}.flag{background:#fde8e0;font-weight:600}
.small{color:#595959}.examples{font-size:.9rem;overflow-wrap:anywhere}.key{display:flex;flex-wrap:wrap;gap:.6rem;padding:0;list-style:none}
.key li{border:1px solid #ccd;border-radius:6px;padding:.5rem .8rem;min-width:9rem}
.key b{display:block;font-size:1.3rem}code{background:#f3f3f3;padding:0 .2rem}
svg{max-width:100%;height:auto;display:block;margin:.4rem 0}
@media print{h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
"""


def render(figures: MonthFigures, generated_at: dt.datetime, files: Sequence[str] = ()) -> str:
    title = f"Kontrollrapport ekonomiskt bistånd – {month_name(figures.month)}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Period {escape(figures.month)} (ansökningarnas period). Skapad '
        f"{local_time(generated_at)} av <code>robot report</code>.</p>",
        '<p class="note">Rapporten innehåller bara sammanräknade uppgifter: inga personnummer, namn eller '
        "belopp för enskilda personer. Ansöknings-id i exempellistorna kan slås upp med "
        "<code>robot explain ID</code> av den som har behörighet.</p>",
        *sections(figures, files),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )


def sections(figures: MonthFigures, files: Sequence[str] = ()) -> list[str]:
    """The report's sections as escaped HTML (no styles, no scripts): the page above and the web app's."""
    if figures.empty:
        return [empty_month(figures.month)]
    return [
        _summary(figures),
        _outcomes(figures),
        _groups(figures),
        _reasons(figures),
        _stickprov(figures),
        _costs(figures),
        _processing(figures),
        _decisions(figures),
        _likstallighet(figures),
        _rulesets(figures),
        _method(figures, files),
    ]


def empty_month(month: str) -> str:
    return (
        '<section id="sammanfattning"><h2>Sammanfattning</h2>'
        f"<p><strong>Inga ansökningar är registrerade för {escape(month_name(month))}.</strong> "
        "Det finns därför inget att redovisa för månaden.</p></section>"
    )


# Building blocks ------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (), cls: str = "") -> str:
    """A table; `numeric` are the column indexes to right-align. Cells are escaped here."""
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>" for i, h in enumerate(headers)
    )
    lines = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>" for i, c in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    if not lines:
        lines.append(f'<tr><td colspan="{len(headers)}" class="small">Inga uppgifter.</td></tr>')
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _section(anchor: str, heading: str, *parts: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>' + "".join(parts) + "</section>"


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"


def _share_text(part: int, whole: int) -> str:
    return percent(part / whole) if whole else NONE


# Sections -------------------------------------------------------------------------------------


def _summary(f: MonthFigures) -> str:
    o = f.outcomes
    flagged = [c for c in f.likstallighet if c.assessment == "flagged"]
    cards = [
        ("Ansökningar", integer(o.total)),
        ("Rekommendation om bifall", f"{integer(o.recommendation)} ({_share_text(o.recommendation, o.total)})"),
        ("Manuell handläggning", f"{integer(o.manual)} ({_share_text(o.manual, o.total)})"),
        ("Väntar", integer(o.waiting)),
        ("Tekniskt fel", integer(o.technical_failure)),
        ("Stickprov felaktiga", percent(f.stickprov.incorrect_share)),
        ("Likställighet: flaggor", integer(len(flagged))),
    ]
    items = "".join(f"<li>{escape(label)}<b>{escape(value)}</b></li>" for label, value in cards)
    text = []
    if f.reasons:
        top = f.reasons[0]
        text.append(
            f"Den vanligaste orsaken till manuell handläggning var ”{top.title}” ({top.code}), "
            f"{integer(top.count)} ansökningar."
        )
    if flagged:
        groups = ", ".join(f"{c.group} ({DIMENSION_NAMES[c.dimension].lower()})" for c in flagged)
        text.append(f"Skillnad i andel manuell handläggning som bör utredas: {groups}.")
    else:
        text.append("Inga skillnader i andel manuell handläggning mellan stadsdelar eller kanaler har flaggats.")
    rules = ", ".join(r.label for r in f.rulesets) or "inga bedömningar ännu"
    text.append(f"Regelverk som månadens bedömningar gjordes med: {rules}.")
    return _section("sammanfattning", "Sammanfattning", f'<ul class="key">{items}</ul>', *(_p(t) for t in text))


def _outcomes(f: MonthFigures) -> str:
    o = f.outcomes
    rows = [(OUTCOME_NAMES[k], integer(o.count(k)), _share_text(o.count(k), o.total)) for k in OUTCOMES]
    chart = svg.stacked_bars(
        [("Alla ansökningar", [o.count(k) for k in OUTCOMES])],
        [svg.Series(OUTCOME_NAMES[k], OUTCOME_COLOURS[k]) for k in OUTCOMES],
        "Ansökningar efter utfall",
    )
    note = (
        "Utfallet är robotens: rekommendation om bifall eller manuell handläggning (med orsak, även stickprov). "
        "”Väntar” är ansökningar som ännu inte har bedömts (i kö eller väntar på SSBTEK eller ett nytt försök); "
        "”Tekniskt fel” är ansökningar som efter alla försök gick till manuell handläggning utan bedömning."
    )
    return _section(
        "utfall",
        "Ansökningar efter utfall",
        chart,
        _table(
            ["Utfall", "Antal", "Andel"], [*rows, ("Totalt", integer(o.total), _share_text(o.total, o.total))], (1, 2)
        ),
        _p(note, "note"),
    )


def _group_table(groups: Sequence[GroupOutcomes], heading: str) -> str:
    rows = [
        (
            g.group,
            integer(g.counts.total),
            *(integer(g.counts.count(k)) for k in OUTCOMES),
            percent(g.counts.manual_share),
        )
        for g in groups
    ]
    headers = [heading, "Ansökningar", "Rekommendation", "Manuell", "Väntar", "Tekniskt fel", "Andel manuell*"]
    chart = svg.stacked_bars(
        [(g.group, [g.counts.count(k) for k in OUTCOMES]) for g in groups],
        [svg.Series(OUTCOME_NAMES[k], OUTCOME_COLOURS[k]) for k in OUTCOMES],
        f"Utfall per {heading.lower()}",
    )
    return f"<h3>{escape(heading)}</h3>{chart}{_table(headers, rows, (1, 2, 3, 4, 5, 6))}"


def _groups(f: MonthFigures) -> str:
    return _section(
        "kanal-stadsdel",
        "Kanal och stadsdel",
        _group_table(f.by_channel, "Kanal"),
        _group_table(f.by_district, "Stadsdel"),
        _p("* Andel manuell = manuella bedömningar av alla ansökningar som roboten har bedömt.", "note"),
    )


def _reasons(f: MonthFigures) -> str:
    manual_total = f.outcomes.manual + f.outcomes.technical_failure
    chart = svg.bar_chart(
        [svg.Bar(r.title, r.count, integer(r.count)) for r in f.reasons],
        "Orsaker till manuell handläggning",
        colour="#e07b00",
        label_limit=56,
    )
    rows = [
        (
            str(i),
            f"{r.title} ({r.code})",
            integer(r.count),
            percent(r.share_of_manual),
            percent(r.share_of_all),
            integer(r.resolved),
            " / ".join(integer(r.resolutions[k]) for k in RESOLUTION_NAMES),
        )
        for i, r in enumerate(f.reasons, 1)
    ]
    headers = ["#", "Orsak (kod)", "Antal", "Andel av manuella", "Andel av alla", "Avslutade",
               "Bifall / delavslag / avslag / överlämnat"]  # fmt: skip
    examples = "".join(
        f"<li>{escape(r.code)}: {escape(', '.join(r.examples))}</li>" for r in f.reasons if r.examples
    )
    note = (
        f"{integer(manual_total)} ansökningar gick till manuell handläggning (varav {integer(f.outcomes.technical_failure)} "
        "på grund av tekniskt fel). En ansökan kan ha flera orsaker, så andelarna summerar inte till 100 %. "
        "Handläggarnas beslut per orsak visar om en regel eller schablon skickar ärenden till manuell "
        "handläggning som ändå beviljas: många bifall med robotens förslag tyder på att gränsen kan ses över."
    )
    return _section(
        "orsaker",
        "Orsaker till manuell handläggning",
        chart,
        _table(headers, rows, (0, 2, 3, 4, 5, 6), "reasons"),
        f'<h3>Exempel på ansökningar per orsak</h3><ul class="examples">{examples}</ul>' if examples else "",
        _p(note, "note"),
    )


def _stickprov(f: MonthFigures) -> str:
    s = f.stickprov
    interval = s.interval
    interval_text = f"{percent(interval[0])}–{percent(interval[1])}" if interval else NONE
    rows = [
        ("Utvalda till stickprov", integer(s.selected)),
        ("Avslutade av handläggare", integer(s.resolved)),
        ("– bedömda som korrekta", integer(s.correct)),
        ("– bedömda som felaktiga", integer(s.incorrect)),
        ("Andel felaktiga (av avslutade)", percent(s.incorrect_share)),
        ("95 % konfidensintervall för andelen felaktiga", interval_text),
        ("Ännu inte avslutade", integer(s.unresolved)),
    ]
    note = (
        "Stickprov väljs slumpmässigt före behandlingen. Handläggaren anger vid avslut om ansökan var korrekt. "
        "Andelen felaktiga visar om stickprovsandelen är rimlig; intervallet (Wilson) visar hur osäker andelen "
        "är när stickproven är få. Ärenden som inte är avslutade ingår inte i andelen."
    )
    return _section("stickprov", "Stickprov", _table(["Mått", "Värde"], rows, (1,)), _p(note, "note"))


def _costs(f: MonthFigures) -> str:
    chart = svg.stacked_bars(
        [(c.name, [c.applications - c.outside_count, *(c.outside[k] for k in OUTSIDE)]) for c in f.costs],
        COST_SERIES,
        "Sökta kostnader per kostnadstyp, inom och utanför schablon",
    )
    applied = [(c.name, integer(c.applications), kr(c.total), kr(c.median), kr(c.p90)) for c in f.costs]
    outside = [
        (c.name, *(integer(c.outside[k]) for k in OUTSIDE), kr(c.outside_total), kr(c.outside_median))
        for c in f.costs
    ]
    outside_headers = ["Kostnadstyp", *(OUTSIDE_NAMES[k].capitalize() for k in OUTSIDE), "Utanför med, summa",
                       "Utanför med, median"]  # fmt: skip
    note = (
        "Sökta belopp per kostnadstyp i ansökningar som roboten har bedömt (kostnader av samma typ i en ansökan "
        "räknas samman). ”Utanför med” är hur många kronor över eller under schablonintervallet kostnaderna låg. "
        "Belopp visas inte för grupper med färre än 3 ansökningar (–), så att inga enskilda personers belopp syns."
    )
    return _section(
        "kostnader",
        "Kostnadstyper och schabloner",
        chart,
        "<h3>Sökta belopp</h3>",
        _table(["Kostnadstyp", "Ansökningar", "Summa sökt", "Median", "90:e percentil"], applied, (1, 2, 3, 4)),
        "<h3>Utanför schablonintervallet (antal ansökningar)</h3>",
        _table(outside_headers, outside, tuple(range(1, 7))),
        _p(note, "note"),
    )


def _processing(f: MonthFigures) -> str:
    p = f.processing
    rows = [
        ("Bedömningar", integer(p.verdicts)),
        ("Behandlingstid, median (p50)", milliseconds(p.p50_ms)),
        ("Behandlingstid, p95", milliseconds(p.p95_ms)),
        ("Behandlingstid, längsta", milliseconds(p.max_ms)),
        ("Tekniska fel (manuell handläggning utan bedömning)", integer(p.technical_failures)),
        ("Nya försök efter tekniskt fel", integer(p.technical_retries)),
        ("Väntan på SSBTEK (antal gånger)", integer(p.ssbtek_waits)),
        ("Väntar nu på SSBTEK eller nytt försök", integer(p.waiting_retry)),
        ("Ännu inte behandlade", integer(p.waiting_queue)),
    ]
    parts = [_table(["Mått", "Värde"], rows, (1,))]
    if p.error_types:
        parts.append("<h3>Tekniska fel per feltyp</h3>")
        parts.append(_table(["Feltyp", "Antal"], [(e, integer(n)) for e, n in p.error_types], (1,)))
        parts.append(_p(f"Exempel: {', '.join(p.failure_examples)}.", "note"))
    parts.append(
        _p(
            "Behandlingstiden är robotens tid för en ansökan (registerhämtning och regelkedjan), från de lagrade "
            "bedömningarna. Percentiler enligt närmaste rang.",
            "note",
        )
    )
    return _section("behandling", "Behandlingstid och tekniska fel", *parts)


def _decisions(f: MonthFigures) -> str:
    d = f.decisions
    recs_total = sum(d.recommendations.values())
    rec_rows = [
        (REC_STATUS_NAMES[k].capitalize(), integer(n), _share_text(n, recs_total)) for k, n in d.recommendations.items()
    ]
    rec_rows.append(("Summa fastställda belopp", kr(d.approved_amount), ""))
    items_total = sum(d.manual_items.values())
    item_rows = [
        (MANUAL_STATUS_NAMES[k].capitalize(), integer(n), _share_text(n, items_total))
        for k, n in d.manual_items.items()
    ]
    resolved = d.manual_items["resolved"]
    item_rows += [(f"– {RESOLUTION_NAMES[k]}", integer(n), _share_text(n, resolved)) for k, n in d.resolutions.items()]
    item_rows.append(
        (
            "Bifall med exakt robotens förslag",
            f"{integer(d.proposal_followed)} av {integer(d.proposal_compared)}",
            _share_text(d.proposal_followed, d.proposal_compared),
        )
    )
    parts = [
        "<h3>Robotens rekommendationer</h3>",
        _table(["Status", "Antal", "Andel"], rec_rows, (1, 2)),
    ]
    if d.rejected_examples:
        parts.append(_p(f"Exempel på avvisade rekommendationer: {', '.join(d.rejected_examples)}.", "note"))
    parts += [
        "<h3>Manuella ärenden</h3>",
        _table(["Status / beslut", "Antal", "Andel"], item_rows, (1, 2)),
        _p(
            "Manuella ärenden omfattar robotens manuella bedömningar, tekniska fel och rekommendationer som "
            "handläggaren avvisade. Beslut räknas bland avslutade ärenden.",
            "note",
        ),
    ]
    return _section("beslut", "Handläggarnas beslut", *parts)


def _comparison_rows(comparisons: Sequence[Comparison]) -> str:
    headers = ["Grupp", "Bedömda", "Manuella", "Andel manuell", "Övriga: andel manuell", "Skillnad", "p-värde",
               "Bedömning"]  # fmt: skip
    lines = []
    for c in comparisons:
        cells = [
            escape(c.group),
            integer(c.decided),
            integer(c.manual),
            percent(c.share),
            percent(c.rest_share),
            points(c.difference),
            p_value(c.p_value),
            escape(ASSESSMENT_NAMES[c.assessment]),
        ]
        tds = "".join(
            f'<td class="n">{escape(cell)}</td>' if 1 <= i <= 6 else f"<td>{cell}</td>" for i, cell in enumerate(cells)
        )
        lines.append(f'<tr class="{"flag" if c.assessment == "flagged" else ""}">{tds}</tr>')
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if 1 <= i <= 6 else f"<th>{escape(h)}</th>" for i, h in enumerate(headers)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _likstallighet(f: MonthFigures) -> str:
    t = f.thresholds
    parts = []
    for dimension in ("kanal", "stadsdel"):
        comparisons = [c for c in f.likstallighet if c.dimension == dimension]
        parts.append(f"<h3>{escape(DIMENSION_NAMES[dimension])}</h3>")
        parts.append(_comparison_rows(comparisons))
        if comparisons and all(c.assessment == "too_small" for c in comparisons):
            parts.append(
                _p(
                    f"Grupperna är för små för att bedöma: varje grupp och de övriga tillsammans behöver minst "
                    f"{t.min_group} bedömda ansökningar.",
                    "note",
                )
            )
    method = (
        "Metod: varje stadsdel och kanal jämförs med alla övriga tillsammans (en mot resten) i andel ansökningar "
        "som roboten skickade till manuell handläggning, med ett tvåsidigt z-test för två andelar. En grupp "
        f"flaggas bara om (1) både gruppen och de övriga har minst {t.min_group} bedömda ansökningar, (2) skillnaden "
        f"är minst {points(t.min_difference).lstrip('+')} (procentenheter) och (3) p-värdet är under "
        f"{percent(t.alpha, 0)} delat med antalet grupper som jämförs (Bonferroni-korrigering, eftersom flera "
        "grupper prövas samtidigt). En flagga är en signal att undersöka närmare, inte ett bevis på olika "
        "behandling: skillnader kan ha naturliga förklaringar, t.ex. fler nyansökningar, andra hushåll eller "
        "andra kostnader. Pappersansökningar skrivs in av personal och går genom samma regler som e-ansökningar; "
        "en skillnad mellan kanalerna bör därför förklaras."
    )
    return _section("likstallighet", "Likställighet", *parts, _p(method, "note"))


def _rulesets(f: MonthFigures) -> str:
    rows = [(r.label, r.version, integer(r.verdicts)) for r in f.rulesets]
    note = (
        "Varje bedömning sparas med det regelverk den gjordes med och kan köras om med "
        "samma resultat. Ett tillägg ”~stickprov=…” betyder att stickprovsandelen var ersatt av "
        "miljövariabeln ROBOT_STICKPROV_RATE."
    )
    return _section(
        "regelverk", "Regelverk", _table(["Regelverk", "Version", "Bedömningar"], rows, (2,)), _p(note, "note")
    )


def _method(f: MonthFigures, files: Sequence[str]) -> str:
    items = [
        "Månaden är ansökningarnas period (den månad som ansökan gäller), inte den dag de kom in.",
        "Varje ansökan räknas en gång, med sin senaste bedömning.",
        "Median, p90 och p95 beräknas enligt närmaste rang och är alltid ett av de faktiska värdena.",
        "Belopp för grupper med färre än 3 ansökningar visas inte.",
        "Andelar avrundas till en decimal.",
    ]
    if f.without_period:
        items.append(
            f"{integer(f.without_period)} ansökningar i databasen saknar en giltig period och ingår därför inte i "
            "någon månadsrapport (de ligger i den manuella kön med orsak)."
        )
    parts = ["<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"]
    if files:
        parts.append(
            _p(
                "Siffrorna finns också som CSV-filer (UTF-8, semikolon som avgränsare, decimalkomma) för Excel: "
                + ", ".join(files)
                + ".",
                "note",
            )
        )
    return _section("metod", "Metod och definitioner", *parts)
