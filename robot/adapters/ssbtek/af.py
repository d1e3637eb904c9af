"""Arbetsförmedlingen's part of SSBTEK (`af:SvarMeddelande`, ers_stod.xsd) to and from register/1.

Read from the elements AF's real answers carry: `Svar` only. The schema requires the echo of the
question (`Fraga`) and, in `ArbetssokandeInfo`, `AktivetetsRapportDatum`, but the saved real-shaped
answers have neither (tests/fixtures/ssbtek/af-answer-no-fraga.xml): both are optional here.

register/1's `af` is derived from `Svar` like this:

- `StatusSokandeinformationKod` other than `codes.AF_LOOKUP_OK`: the lookup itself failed (that code
  only says whether AF could answer): aktivitetsrapport 502, status from `ArbetssokandeInfo` when
  AF sent one, else `okand`.
- `status`: `ArbetssokandeInfo/Arbetssokande` true is `inskriven`, false `ej_inskriven`; no
  ArbetssokandeInfo at all is `ej_inskriven` (AF answered and knows no job seeker); an
  ArbetssokandeInfo without `Arbetssokande` is unreadable. `registered_since`:
  `ArbetssokandeInfo/ArbetssokandeRegistrerad`.
- `aktivitetsrapport` (register/1's own codes, see `report_code`): 500 for a person not registered;
  200 when `AktivetetsRapportDatum/SenasteAktivitetsRapportDatum` falls on or after the first day of
  the control month; 501 when it is earlier or missing.

The control month is the last month of the period asked about (M−1 for an application for month
M): the question's, passed by the caller (`asked_control_month`); for a saved answer, AF's echo of
the question (`Fraga/Tom`) when it has one. A report date with no control month to compare it with
is unreadable (felkod `AF_KONTROLLMANAD`): never a guess. A report filed from the first day of the
control month shows that the person reports as required; the report on M−1 itself is due only by
the 14th of M, after the robot's first batch on day 1–5 of M (this reading is `assumed`, docs/ssbtek.md).

When AF is unavailable (its own error, an answer not read), register/1's `af` is `AF_UNKNOWN`
(`okand`, 502), never `ej_inskriven` (`robot.adapters.ssbtek.response`).

AF's answer carries no amounts. Its `BeslutInfo` (decisions on aktivitetsstöd,
etableringsersättning) is not read: those are paid by Försäkringskassan and come from Lefi.
"""

from __future__ import annotations

import datetime as dt
import functools

from lxml import etree

from robot.adapters.decoding import PayloadError, code_text, iso_date
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.request import Question
from robot.adapters.ssbtek.soap import AF, escape, path_text
from robot.formats.period import first_day, of, shift
from robot.formats.register import AF_UNKNOWN, AfInfo, AktivitetsrapportKod, Authority

SCHEMA_VERSION = "2.0"
NO_CONTROL_MONTH = "AF_KONTROLLMANAD"
_A = f"{{{AF}}}"
_SVAR, _PERSON, _LOOKUP = f"{_A}Svar", f"{_A}IdentitetsbeteckningFysiskPerson", f"{_A}StatusSokandeinformationKod"
_INFO, _JOBSEEKER, _SINCE = f"{_A}ArbetssokandeInfo", f"{_A}Arbetssokande", f"{_A}ArbetssokandeRegistrerad"
_REPORT, _LATEST = f"{_A}AktivetetsRapportDatum", f"{_A}SenasteAktivitetsRapportDatum"

LOOKUP_FAILED = 1
"""The simulator's StatusSokandeinformationKod for a lookup that failed (register/1 code 502)."""

MESSAGES = {
    AktivitetsrapportKod.FILED: "Aktivitetsrapport inlämnad",
    AktivitetsrapportKod.NOT_REGISTERED: "Inte inskriven som arbetssökande",
    AktivitetsrapportKod.NOT_FILED: "Ingen aktivitetsrapport under perioden",
    AktivitetsrapportKod.TECHNICAL_ERROR: "Uppgifter om aktivitetsrapport kunde inte hämtas",
}


def report_code(lookup: int, registered: bool, latest_report: dt.date | None, control_month: str) -> int:
    """register/1's `aktivitetsrapport` from AF's lookup status, registration and latest report date."""
    if lookup != codes.AF_LOOKUP_OK:
        return AktivitetsrapportKod.TECHNICAL_ERROR
    if not registered:
        return AktivitetsrapportKod.NOT_REGISTERED
    if latest_report is not None and latest_report >= first_day(control_month):
        return AktivitetsrapportKod.FILED
    return AktivitetsrapportKod.NOT_FILED


def asked_control_month(question: Question) -> str:
    """The control month of a question: the month of the last day it asks AF about."""
    return of(question.period_for(Authority.AF)[1])


def parse_af(data: etree._Element, personnummer: str, control_month: str | None = None) -> AfInfo:
    """AF's `ssbt:data` element about `personnummer` as register/1's `af`. Raises PayloadError.

    `control_month`: the question's (None for a saved answer: AF's echo `Fraga/Tom`, if any, is used).
    """
    svar = next(data.iterchildren(_SVAR), None)
    if svar is None:
        raise PayloadError("AF: no Svar")
    parts = {child.tag: child for child in svar}  # the last of each name, as this reading always took it
    who = _text(parts.get(_PERSON))
    if who != personnummer:
        raise PayloadError("AF: the answer is about another person", "ANNAN_PERSON")
    code_text_value = _text(parts.get(_LOOKUP))
    try:
        lookup = int(code_text_value)
    except ValueError:
        raise PayloadError(f"AF: StatusSokandeinformationKod {code_text(code_text_value)} is not a number") from None
    info = parts.get(_INFO)
    registered: bool | None = None if lookup != codes.AF_LOOKUP_OK else False
    since = latest = None
    if info is not None:
        fields = {child.tag: child for child in info}
        jobseeker = _text(fields.get(_JOBSEEKER))
        if jobseeker not in ("true", "1", "false", "0"):
            raise PayloadError("AF: ArbetssokandeInfo without a readable Arbetssokande")
        registered = jobseeker in ("true", "1")
        if since_text := _text(fields.get(_SINCE)):
            since = iso_date(since_text, "AF ArbetssokandeRegistrerad")
        report = path_text(info, _REPORT, _LATEST)
        if report and report.strip():
            latest = iso_date(report, "AF SenasteAktivitetsRapportDatum")
    if registered is None:
        return AF_UNKNOWN
    month = control_month or _echoed_month(data)
    if month is None and lookup == codes.AF_LOOKUP_OK and registered and latest is not None:
        raise PayloadError(
            "AF: a report date, but no control month (no Fraga/Tom in the answer and the question not known)",
            NO_CONTROL_MONTH,
        )
    return _af_info(
        "inskriven" if registered else "ej_inskriven", report_code(lookup, registered, latest, month or ""), since
    )


@functools.lru_cache(maxsize=256)
def _af_info(status: str, aktivitetsrapport: int, registered_since: dt.date | None) -> AfInfo:
    """AfInfo is frozen: the few distinct values are validated once and shared."""
    return AfInfo(status=status, aktivitetsrapport=aktivitetsrapport, registered_since=registered_since)


def _echoed_month(data: etree._Element) -> str | None:
    tom = data.findtext(f"{_A}Fraga/{_A}Tom")
    return of(iso_date(tom, "AF Fraga/Tom")) if tom is not None else None


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


# The simulator's side -------------------------------------------------------------------------


def af_data(question: Question, af: AfInfo) -> str:
    """The content of `ssbt:data` in AF's answer (elements in the af namespace, prefix `af` declared here)."""
    q = question
    from_date, to_date = q.period_for(Authority.AF)
    control_month = of(to_date)
    pnr = escape(q.personidentitet)
    registered = af.status == "inskriven"
    referens = escape(q.arendeidentitet)
    lagparagraf = _lagparagraf(q.lagtext)
    parts = [
        _fraga_head(q.organisationsnummer, q.namn, q.handlaggare),
        f"<af:Referensnummer>{referens}</af:Referensnummer>",
        f"<af:From>{from_date.isoformat()}</af:From><af:Tom>{to_date.isoformat()}</af:Tom>",
        _syfte(q.syfte),
        lagparagraf,
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson></af:Fraga>",
        _SVAR_HEAD,
        f"<af:Referensnummer>{referens}</af:Referensnummer>",
        lagparagraf,
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson>",
    ]
    if af.status != "okand":  # a failed lookup about whom AF says nothing carries no ArbetssokandeInfo
        parts.append(f"<af:ArbetssokandeInfo><af:Arbetssokande>{'true' if registered else 'false'}</af:Arbetssokande>")
        if af.registered_since is not None:
            parts.append(
                f"<af:ArbetssokandeRegistrerad>{af.registered_since.isoformat()}</af:ArbetssokandeRegistrerad>"
            )
        parts.append(
            f"<af:AktivetetsRapportDatum><af:AktivitetsRapportMeddelande>{MESSAGES[af.aktivitetsrapport]}"
            "</af:AktivitetsRapportMeddelande>"
        )
        if registered and af.aktivitetsrapport != AktivitetsrapportKod.TECHNICAL_ERROR:
            filed = af.aktivitetsrapport == AktivitetsrapportKod.FILED
            month = control_month if filed else shift(control_month, -2)
            day = first_day(month).replace(day=12).isoformat()
            parts.append(f"<af:SenasteAktivitetsRapportDatum>{day}</af:SenasteAktivitetsRapportDatum>")
        parts.append("</af:AktivetetsRapportDatum></af:ArbetssokandeInfo>")
    lookup = LOOKUP_FAILED if af.aktivitetsrapport == AktivitetsrapportKod.TECHNICAL_ERROR else codes.AF_LOOKUP_OK
    lookup_text = "Tekniskt fel" if lookup != codes.AF_LOOKUP_OK else "Frågan har behandlats normalt"
    parts.append(
        f"<af:StatusSokandeinformationKod>{lookup}</af:StatusSokandeinformationKod>"
        f"<af:StatusSokandeinformationKodText>{lookup_text}</af:StatusSokandeinformationKodText></af:Svar>"
    )
    return "".join(parts)


_SVAR_HEAD = f'<af:Svar xmlns:af="{AF}"><af:Schemaversion>{SCHEMA_VERSION}</af:Schemaversion>'


@functools.lru_cache(maxsize=16)
def _fraga_head(organisationsnummer: str, namn: str, handlaggare: str) -> str:
    """The asking municipality, escaped once: the same in every question it asks."""
    return (
        f'<af:Fraga xmlns:af="{AF}"><af:OrganisationsnummerForIngivare>{escape(organisationsnummer)}'
        f"</af:OrganisationsnummerForIngivare><af:NamnPaIngivare>{escape(namn)}</af:NamnPaIngivare>"
        f"<af:KontonamnForHandlaggare>{escape(handlaggare)}</af:KontonamnForHandlaggare>"
    )


@functools.lru_cache(maxsize=16)
def _syfte(syfte: str) -> str:
    return f"<af:SyfteMedFraga>{escape(syfte)}</af:SyfteMedFraga>"


@functools.lru_cache(maxsize=16)
def _lagparagraf(lagtext: str) -> str:
    return f"<af:LagParagraf>{escape(lagtext)}</af:LagParagraf>"


def representable(af: AfInfo) -> bool:
    """Whether AF's answer can say this: registration and report code must agree (or the lookup failed:
    then AF may still say whether the person is registered, or not: `okand`)."""
    if af.aktivitetsrapport == AktivitetsrapportKod.TECHNICAL_ERROR:
        return True
    if af.status == "inskriven":
        return af.aktivitetsrapport in (AktivitetsrapportKod.FILED, AktivitetsrapportKod.NOT_FILED)
    return af.aktivitetsrapport == AktivitetsrapportKod.NOT_REGISTERED
