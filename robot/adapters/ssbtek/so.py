"""The a-kassor's answer (SO, `so:GetUnemploymentBenefitPaymentResponseType`) to and from register/1.

The structure is published (UnemploymentBenefitPaymentService.xsd). Each register/1 income with
source SO is one payment (`Utbetalningar`) of one a-kassa (`Arbetsloshetsersattning`):
`NettoEfterSkatt` is the amount (rounded to whole kronor, half up) and `AvserFrom`/`AvserTom` the
month it is for. A payment whose period spans two months counts for the month of `AvserFrom`.
The answer has no income type: every SO income is `a_kassa`.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from robot.adapters.ssbtek.payloads import PayloadError, whole_kronor
from robot.adapters.ssbtek.request import Question
from robot.adapters.ssbtek.soap import SO, escape
from robot.formats.application import IncomeType
from robot.formats.period import first_day, last_day, of
from robot.formats.register import Authority, RegisterIncome

RESPONDER = "Arbetslöshetskassan (simulerad)"
"""SvarandeOrganisation in the simulator's answers."""

_S = f"{{{SO}}}"


def so_data(question: Question, incomes: list[RegisterIncome]) -> str:
    """The content of `ssbt:data` in the a-kassor's answer (prefix `so` declared on each element)."""
    q = question
    from_date, to_date = q.period_for(Authority.SO)
    ns = f' xmlns:so="{SO}"'
    head = (
        ("OrganisationsnummerIngivare", q.organisationsnummer),
        ("NamnIngivare", q.namn),
        ("KontonamnHandlaggare", q.handlaggare),
        ("Referensnummer", q.arendeidentitet),
        ("From", from_date.isoformat()),
        ("Tom", to_date.isoformat()),
        ("Syfte", q.syfte),
        ("Paragraf", q.lagtext),
        ("IdentificationNumber", q.personidentitet),
    )
    parts = [f"<so:{name}{ns}>{escape(value)}</so:{name}>" for name, value in head]
    parts.append(f"<so:ArbetsloshetsersattningLista{ns}>")
    if incomes:
        parts.append(
            f"<so:Arbetsloshetsersattning><so:SvarandeOrganisation>{RESPONDER}</so:SvarandeOrganisation>"
            "<so:StatusSvarandeOrganisation>OK</so:StatusSvarandeOrganisation>"
        )
        for income in incomes:
            start, end = first_day(income.month), last_day(income.month)
            parts.append(
                f"<so:Utbetalningar><so:Utbetalningsdatum>{(end + dt.timedelta(days=5)).isoformat()}"
                f"</so:Utbetalningsdatum><so:NettoEfterSkatt>{income.amount}</so:NettoEfterSkatt>"
                f"<so:NettoEfterAvdrag>{income.amount}</so:NettoEfterAvdrag>"
                f"<so:Ersattningsdagar>{_weekdays(start, end)}</so:Ersattningsdagar>"
                f"<so:AvserFrom>{start.isoformat()}</so:AvserFrom><so:AvserTom>{end.isoformat()}</so:AvserTom>"
                "</so:Utbetalningar>"
            )
        parts.append("</so:Arbetsloshetsersattning>")
    parts.append("</so:ArbetsloshetsersattningLista>")
    return "".join(parts)


def parse_so(data: etree._Element) -> list[RegisterIncome]:
    """The a-kassor's `ssbt:data` element as incomes of type a_kassa. Raises PayloadError when not understood."""
    incomes = []
    path = f"{_S}ArbetsloshetsersattningLista/{_S}Arbetsloshetsersattning/{_S}Utbetalningar"
    for payment in data.iterfind(path):
        start = (payment.findtext(f"{_S}AvserFrom") or "").strip()
        try:
            month = of(dt.date.fromisoformat(start[:10]))
        except ValueError:
            raise PayloadError("SO: AvserFrom is not a date") from None
        amount = whole_kronor((payment.findtext(f"{_S}NettoEfterSkatt") or "").strip(), "SO NettoEfterSkatt")
        incomes.append(RegisterIncome(source="SO", type=IncomeType.a_kassa, month=month, amount=amount))
    return incomes


def _weekdays(start: dt.date, end: dt.date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)
