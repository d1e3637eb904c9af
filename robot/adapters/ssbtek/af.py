"""Arbetsförmedlingen's answer (`af:SvarMeddelande`) to and from register/1, side by side.

AF's schema is published (ers_stod.xsd). register/1's `af` maps onto it like this:

- `status` inskriven / ej_inskriven ↔ `Svar/ArbetssokandeInfo/Arbetssokande` true / false
  (no ArbetssokandeInfo at all also reads as ej_inskriven);
- `registered_since` ↔ `ArbetssokandeInfo/ArbetssokandeRegistrerad`;
- `aktivitetsrapport` (200, 500, 501, 502) ↔ `Svar/StatusSokandeinformationKod`, with
  `StatusSokandeinformationKodText` and `AktivetetsRapportDatum/AktivitetsRapportMeddelande` in words.
  Any other code is not understood, and the adapter reports AF as unavailable for the person.

Incomes with source AF (aktivitetsstöd, etableringsersättning) are decisions in
`BeslutInfo/EkonomiskaBeslut/Beslut`, one per income. AF's real decisions carry no amounts (the money
is paid by Försäkringskassan), so the amount travels in the decision's `xs:any` extension point as
``<sim:Utbetalning xmlns:sim="urn:bistandsrobot:ssbtek-sim:1" inkomsttyp="aktivitetsstod"
manad="2026-11" belopp="4400"/>``. A decision without that element (as real AF data would be) gives
no income: its amount is not known from AF.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from robot.adapters.ssbtek.payloads import PayloadError, income_type, whole_kronor
from robot.adapters.ssbtek.request import Question
from robot.adapters.ssbtek.soap import AF, SIM, escape
from robot.formats.application import IncomeType
from robot.formats.period import first_day, is_month, last_day
from robot.formats.register import AfInfo, AktivitetsrapportKod, Authority, RegisterIncome

SCHEMA_VERSION = "2.0"

CODE_TEXTS = {
    AktivitetsrapportKod.FILED: "Aktivitetsrapport inlämnad",
    AktivitetsrapportKod.NOT_REGISTERED: "Personen finns inte i Arbetsförmedlingens register",
    AktivitetsrapportKod.NOT_FILED: "Aktivitetsrapport saknas",
    AktivitetsrapportKod.TECHNICAL_ERROR: "Tekniskt fel, uppgifter om aktivitetsrapport kunde inte hämtas",
}

ERSATTNING_NAMES = {
    IncomeType.aktivitetsstod: "Aktivitetsstöd",
    IncomeType.etableringsersattning: "Etableringsersättning",
}
"""AF's names of its compensation types (ErsattningTyp); other income types are written by their code."""

_A = f"{{{AF}}}"
_UTBETALNING = f"{{{SIM}}}Utbetalning"


def af_data(question: Question, af: AfInfo, incomes: list[RegisterIncome]) -> str:
    """The content of `ssbt:data` in AF's answer (elements in the af namespace, prefix `af` declared here)."""
    q = question
    from_date, to_date = q.period_for(Authority.AF)
    pnr = escape(q.personidentitet)
    parts = [
        f'<af:Fraga xmlns:af="{AF}"><af:OrganisationsnummerForIngivare>{escape(q.organisationsnummer)}'
        f"</af:OrganisationsnummerForIngivare><af:NamnPaIngivare>{escape(q.namn)}</af:NamnPaIngivare>"
        f"<af:KontonamnForHandlaggare>{escape(q.handlaggare)}</af:KontonamnForHandlaggare>"
        f"<af:Referensnummer>{escape(q.arendeidentitet)}</af:Referensnummer>"
        f"<af:From>{from_date.isoformat()}</af:From><af:Tom>{to_date.isoformat()}</af:Tom>"
        f"<af:SyfteMedFraga>{escape(q.syfte)}</af:SyfteMedFraga><af:LagParagraf>{escape(q.lagtext)}</af:LagParagraf>"
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson></af:Fraga>"
        f'<af:Svar xmlns:af="{AF}"><af:Schemaversion>{SCHEMA_VERSION}</af:Schemaversion>'
        f"<af:Referensnummer>{escape(q.arendeidentitet)}</af:Referensnummer>"
        f"<af:LagParagraf>{escape(q.lagtext)}</af:LagParagraf>"
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson>"
        "<af:ArbetssokandeInfo>"
        f"<af:Arbetssokande>{'true' if af.status == 'inskriven' else 'false'}</af:Arbetssokande>"
    ]
    if af.registered_since is not None:
        parts.append(f"<af:ArbetssokandeRegistrerad>{af.registered_since.isoformat()}</af:ArbetssokandeRegistrerad>")
    text = CODE_TEXTS[af.aktivitetsrapport]
    parts.append(
        f"<af:AktivetetsRapportDatum><af:AktivitetsRapportMeddelande>{text}</af:AktivitetsRapportMeddelande>"
        "</af:AktivetetsRapportDatum></af:ArbetssokandeInfo>"
    )
    if incomes:
        parts.append("<af:BeslutInfo><af:EkonomiskaBeslut>")
        for income in incomes:
            name = ERSATTNING_NAMES.get(income.type, income.type.value)
            parts.append(
                f"<af:Beslut><af:ErsattningTyp>{name}</af:ErsattningTyp><af:Omfattning>100</af:Omfattning>"
                f"<af:BeslutFrom>{first_day(income.month).isoformat()}</af:BeslutFrom>"
                f"<af:BeslutTom>{last_day(income.month).isoformat()}</af:BeslutTom>"
                f'<sim:Utbetalning xmlns:sim="{SIM}" inkomsttyp="{income.type.value}" manad="{income.month}"'
                f' belopp="{income.amount}"/></af:Beslut>'
            )
        parts.append("</af:EkonomiskaBeslut></af:BeslutInfo>")
    parts.append(
        f"<af:StatusSokandeinformationKod>{af.aktivitetsrapport}</af:StatusSokandeinformationKod>"
        f"<af:StatusSokandeinformationKodText>{text}</af:StatusSokandeinformationKodText></af:Svar>"
    )
    return "".join(parts)


_AF_NAMES = {name: income for income, name in ERSATTNING_NAMES.items()}


def parse_af(data: etree._Element) -> tuple[AfInfo, list[RegisterIncome]]:
    """AF's `ssbt:data` element as register/1's `af` and AF's incomes. Raises PayloadError when not understood."""
    svar = next(data.iterchildren(f"{_A}Svar"), None)
    if svar is None:
        raise PayloadError("AF: no Svar")
    parts = {child.tag: child for child in svar}  # one pass instead of a search per element
    code_text = _text(parts.get(f"{_A}StatusSokandeinformationKod"))
    try:
        code = int(code_text)
    except ValueError:
        raise PayloadError("AF: StatusSokandeinformationKod is not a number") from None
    if code not in CODE_TEXTS:
        raise PayloadError(f"AF: unknown StatusSokandeinformationKod {code}")
    info = parts.get(f"{_A}ArbetssokandeInfo")
    registered = False
    since = None
    if info is not None:
        fields = {child.tag: child for child in info}
        registered = _text(fields.get(f"{_A}Arbetssokande")) in ("true", "1")
        since_text = _text(fields.get(f"{_A}ArbetssokandeRegistrerad"))
        if since_text:
            try:
                since = dt.date.fromisoformat(since_text[:10])
            except ValueError:
                raise PayloadError("AF: ArbetssokandeRegistrerad is not a date") from None
    af = AfInfo(status="inskriven" if registered else "ej_inskriven", aktivitetsrapport=code, registered_since=since)
    incomes = []
    beslut_info = parts.get(f"{_A}BeslutInfo")
    decisions = () if beslut_info is None else beslut_info.iterfind(f"{_A}EkonomiskaBeslut/{_A}Beslut")
    for beslut in decisions:
        for payment in beslut.iterfind(_UTBETALNING):
            month = payment.get("manad", "")
            if not is_month(month):
                raise PayloadError("AF: Utbetalning/@manad is not a month")
            name = payment.get("inkomsttyp") or (beslut.findtext(f"{_A}ErsattningTyp") or "").strip()
            kind = _AF_NAMES.get(name) or income_type(name, {})
            amount = whole_kronor(payment.get("belopp"), "AF Utbetalning/@belopp")
            incomes.append(RegisterIncome(source="AF", type=kind, month=month, amount=amount))
    return af, incomes


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
