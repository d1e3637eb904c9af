"""The a-kassor's part of SSBTEK (SO, `so:GetUnemploymentBenefitPaymentResponseType`) to and from register/1.

The structure is published (UnemploymentBenefitPaymentService.xsd). Every a-kassa that answered is
one `ArbetsloshetsersattningLista/Arbetsloshetsersattning` with its own
`StatusSvarandeOrganisation`. A status outside the answered ones (`codes.SO_ANSWERED`, or
`[ssbtek] so_answered_statuses`) means that a-kassa could not answer: SO is unavailable for the
person (felkod `SO_STATUS`), never zero income. Each payment (`Utbetalningar`) of an a-kassa that
answered is one a_kassa income: `NettoEfterSkatt` (after tax, before other deductions; rounded to
whole kronor, half up) in the month of `Utbetalningsdatum` (when the household got the money, as
for every other source). The answer has no income type: every SO income is `a_kassa`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from lxml import etree

from robot.adapters.decoding import PayloadError, code_text, month_of_date, whole_kronor
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.request import Question
from robot.adapters.ssbtek.soap import SO, escape, path_text
from robot.formats.application import IncomeType
from robot.formats.period import first_day, last_day, shift
from robot.formats.register import Authority, RegisterIncome

RESPONDER = "Arbetslöshetskassan (simulerad)"
"""SvarandeOrganisation in the simulator's answers."""
ERROR_STATUS = "Tekniskt fel"
"""The simulator's StatusSvarandeOrganisation for an a-kassa that could not answer."""

_S = f"{{{SO}}}"
_IDENTIFICATION, _LIST, _KASSA = (
    f"{_S}IdentificationNumber",
    f"{_S}ArbetsloshetsersattningLista",
    f"{_S}Arbetsloshetsersattning",
)
_STATUS, _PAYMENT = f"{_S}StatusSvarandeOrganisation", f"{_S}Utbetalningar"
_PAID_ON, _NET = f"{_S}Utbetalningsdatum", f"{_S}NettoEfterSkatt"


def parse_so(
    data: etree._Element, personnummer: str, answered: Iterable[str] = codes.SO_ANSWERED
) -> list[RegisterIncome]:
    """The a-kassor's `ssbt:data` element about `personnummer` as incomes of type a_kassa. Raises PayloadError."""
    if (path_text(data, _IDENTIFICATION) or "").strip() != personnummer:
        raise PayloadError("SO: the answer is about another person", "ANNAN_PERSON")
    ok = {status.strip().casefold() for status in answered}
    incomes = []
    for kassor in data.iterchildren(_LIST):
        for kassa in kassor.iterchildren(_KASSA):
            status = (path_text(kassa, _STATUS) or "").strip()
            if status.casefold() not in ok:
                raise PayloadError(
                    f"SO: an a-kassa's status {code_text(status)!r} is not one of the answered statuses", "SO_STATUS"
                )
            for payment in kassa.iterchildren(_PAYMENT):
                month = month_of_date(path_text(payment, _PAID_ON), "SO Utbetalningsdatum")
                amount = whole_kronor((path_text(payment, _NET) or "").strip(), "SO NettoEfterSkatt")
                incomes.append(RegisterIncome(source="SO", type=IncomeType.a_kassa, month=month, amount=amount))
    return incomes


def so_data(question: Question, incomes: list[RegisterIncome], unavailable: bool = False) -> str:
    """The content of `ssbt:data` in the a-kassor's answer (prefix `so` declared on each element).

    Each income is a payment on the 5th of its month for the previous month's days. `unavailable`:
    the a-kassa answers with an error status and no payments.
    """
    return so_data_from_payments(question, [payment_xml(income) for income in incomes], unavailable)


def so_data_from_payments(question: Question, payments: list[str], unavailable: bool = False) -> str:
    """`so_data` for payments already written by `payment_xml`."""
    q = question
    from_date, to_date = q.period_for(Authority.SO)
    parts = [
        _ingivare(q.organisationsnummer, q.namn, q.handlaggare),
        f"<so:Referensnummer{_NS}>{escape(q.arendeidentitet)}</so:Referensnummer>",
        f"<so:From{_NS}>{from_date.isoformat()}</so:From><so:Tom{_NS}>{to_date.isoformat()}</so:Tom>",
        _purpose(q.syfte, q.lagtext),
        f"<so:IdentificationNumber{_NS}>{escape(q.personidentitet)}</so:IdentificationNumber>",
        f"<so:ArbetsloshetsersattningLista{_NS}>",
    ]
    if payments or unavailable:
        status = ERROR_STATUS if unavailable else codes.SO_ANSWERED[0]
        parts.append(
            f"<so:Arbetsloshetsersattning><so:SvarandeOrganisation>{RESPONDER}</so:SvarandeOrganisation>"
            f"<so:StatusSvarandeOrganisation>{status}</so:StatusSvarandeOrganisation>"
        )
        if not unavailable:
            parts.extend(payments)
        parts.append("</so:Arbetsloshetsersattning>")
    parts.append("</so:ArbetsloshetsersattningLista>")
    return "".join(parts)


def payment_xml(income: RegisterIncome) -> str:
    """An a-kassa income as the payment `so_data` writes for it."""
    worked = shift(income.month, -1)
    start, end = first_day(worked), last_day(worked)
    return (
        f"<so:Utbetalningar><so:Utbetalningsdatum>{first_day(income.month).replace(day=5).isoformat()}"
        f"</so:Utbetalningsdatum><so:NettoEfterSkatt>{income.amount}</so:NettoEfterSkatt>"
        f"<so:NettoEfterAvdrag>{income.amount}</so:NettoEfterAvdrag>"
        f"<so:Ersattningsdagar>{_weekdays(start, end)}</so:Ersattningsdagar>"
        f"<so:AvserFrom>{start.isoformat()}</so:AvserFrom><so:AvserTom>{end.isoformat()}</so:AvserTom>"
        "</so:Utbetalningar>"
    )


_NS = f' xmlns:so="{SO}"'


@functools.lru_cache(maxsize=16)
def _ingivare(organisationsnummer: str, namn: str, handlaggare: str) -> str:
    """The asking municipality, escaped once: the same in every question it asks."""
    return (
        f"<so:OrganisationsnummerIngivare{_NS}>{escape(organisationsnummer)}</so:OrganisationsnummerIngivare>"
        f"<so:NamnIngivare{_NS}>{escape(namn)}</so:NamnIngivare>"
        f"<so:KontonamnHandlaggare{_NS}>{escape(handlaggare)}</so:KontonamnHandlaggare>"
    )


@functools.lru_cache(maxsize=16)
def _purpose(syfte: str, lagtext: str) -> str:
    return f"<so:Syfte{_NS}>{escape(syfte)}</so:Syfte><so:Paragraf{_NS}>{escape(lagtext)}</so:Paragraf>"


def _weekdays(start: dt.date, end: dt.date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)
