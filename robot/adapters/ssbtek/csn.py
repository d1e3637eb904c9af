"""CSN's part of SSBTEK: `CSN/data/svar`, base64 of a `CSNSvar` XML document (kommunfraga.xsd).

Read like this (schema version 4.0, and 3.0 which CSN still sends, in its own namespaces):

- `GemensamtSvarEkbistand/Resultat/ResultatKod`: `codes.CSN_RESULT_OK` is a normal answer; any
  other code makes CSN unavailable for the person (felkod `CSN_RESULTAT_<kod>`).
- `Personer/Person`: the person asked about (10-digit `personnummer` with its `sekel`). Missing:
  CSN unavailable. `Status="Ej träff"`: CSN does not know the person, no income.
- Per support form (`Studiemedel`, `Studiehjalp`, `Studiestartsstod`, `Omstallningsstudiestod`,
  `HemutrustningsLan`), per case (`Arenden/Arende`), the payment plan
  (`UtbetalningsPlan/Utbetalning`): each payment made (`utbetstatus` Utbetald) is one studiemedel
  income in the month of `utbetdatum`, with its `totbelopp` (grant and loan together). Its grant and
  loan (kept in `CsnPayment`) are the `totbelopp` of each `Belopp` by `beloppstyp`, never `belopp`,
  which is the weekly rate: a payment of 4 weeks at 671 + 1 284 kr a week is 2 684 grant + 5 136
  loan = 7 820. The parts of a payment made must add up (the `Belopp` rows to their `Utbetaldtid`'s
  `totbelopp`, those to the payment's `totbelopp`) and name a known `beloppstyp`; otherwise the
  answer is unreadable and CSN unavailable (felkod `CSN_BELOPP`): never a guess. Planned payments
  are not income and are not checked. A hemutrustningslån paid out makes CSN unavailable (felkod
  `FORMAN_KRAVER_BEDOMNING`): whether it counts is for a handläggare to judge.

Elements are matched by local name: the answer spreads them over the kommunfraga, person, csntyper
and per-form namespaces of its version.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from lxml import etree

from robot.adapters.decoding import PayloadError, base64_bytes, checked_amount, code_text, twelve_digit
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.soap import children_at, escape, parse_xml
from robot.formats.period import first_day, last_day, of
from robot.formats.register import RegisterIncome

BENEFIT_NEEDS_JUDGEMENT = "FORMAN_KRAVER_BEDOMNING"
AMOUNTS_DISAGREE = "CSN_BELOPP"


@dataclass(frozen=True)
class CsnPayment:
    form: str
    """The support form's element name (`Studiemedel`, …, `HemutrustningsLan`)."""
    date: dt.date
    paid: bool
    total: int
    grant: int | None
    """The grants' `totbelopp` (GRUNDB, STÖDB, …); None when CSN gave no `Utbetaldtid` for the payment."""
    loan: int | None
    """The loans' `totbelopp` (GRUNDL, TILL, …); grant + loan == total whenever both are known."""


@dataclass(frozen=True)
class CsnAnswer:
    version: str
    result: str
    known: bool
    """False when CSN answered "Ej träff": it does not know the person."""
    payments: tuple[CsnPayment, ...]


def read_answer(text: str, personnummer: str) -> CsnAnswer:
    """The CSNSvar carried in `CSN/data/svar`, about `personnummer`. Raises PayloadError."""
    try:
        root = parse_xml(base64_bytes(text, "CSN svar"))
    except etree.XMLSyntaxError:
        raise PayloadError("CSN svar: not well-formed XML") from None
    version = (root.get("schemaVersion") or "").strip()
    version = version if version in codes.CSN_VERSIONS else _normalised(version)
    if root.tag != f"{{{codes.CSN_VERSIONS.get(version, '?')}}}CSNSvar":
        raise PayloadError(f"CSN svar: not a CSNSvar of a known schema version ({code_text(version)})")
    result = (_result_code(root) or "").strip()
    if result != codes.CSN_RESULT_OK:
        raise PayloadError(f"CSN: ResultatKod {code_text(result)}", f"CSN_RESULTAT_{code_text(result) or 'SAKNAS'}")
    person = _person(root, personnummer)
    known = (person.get("Status") or "").strip() != codes.CSN_NOT_FOUND
    payments: list[CsnPayment] = []
    sections: dict[str, etree._Element] = {}  # by local name, the first of each (as `find("{*}…")` gives it)
    for child in person:
        if isinstance(child.tag, str):
            sections.setdefault(child.tag.rsplit("}", 1)[-1], child)
    for form in codes.CSN_SECTIONS:
        section = sections.get(form)
        if section is None or len(section) == 0:  # absent or empty (the common case): no payment to look for
            continue
        for payment in children_at(section, *_PAYMENTS):
            payments.append(_payment(form, payment))
    return CsnAnswer(version=version, result=result, known=known, payments=tuple(payments))


def decode_answer(text: str, personnummer: str) -> list[RegisterIncome]:
    """The payments CSN made to the person, as register/1 incomes (one per payment)."""
    incomes = []
    for payment in read_answer(text, personnummer).payments:
        if not payment.paid:
            continue
        income_type = codes.CSN_SECTIONS[payment.form]
        if income_type is None:
            raise PayloadError(f"CSN: a {payment.form} payment is for a handläggare to assess", BENEFIT_NEEDS_JUDGEMENT)
        amount = checked_amount(payment.total, f"CSN {payment.form} totbelopp")
        incomes.append(RegisterIncome(source="CSN", type=income_type, month=of(payment.date), amount=amount))
    return incomes


_PAYMENTS = ("{*}Arenden", "{*}Arende", "{*}UtbetalningsPlan", "{*}Utbetalning")


def _result_code(root: etree._Element) -> str | None:
    """`path_text(root, "{*}GemensamtSvarEkbistand", "{*}Resultat", "{*}ResultatKod")`, its steps written out:
    no generator per step."""
    for common in root.iterchildren("{*}GemensamtSvarEkbistand"):
        for result in common.iterchildren("{*}Resultat"):
            for code in result.iterchildren("{*}ResultatKod"):
                return code.text or ""
    return None


def _normalised(version: str) -> str:
    """`4`, `4.00` → `4.0` (schemaVersion is an xs:decimal)."""
    try:
        return f"{float(version):.1f}"
    except ValueError:
        return version


def _person(root: etree._Element, personnummer: str) -> etree._Element:
    for persons in root.iterchildren("{*}Personer"):
        for person in persons.iterchildren("{*}Person"):
            number = twelve_digit(person.get("personnummer") or "", person.get("sekel"))
            if number == personnummer or (len(number) == 10 and number == personnummer[2:]):
                return person
    raise PayloadError("CSN: the person asked about is not in the answer")


def _payment(form: str, element: etree._Element) -> CsnPayment:
    where = f"CSN {form} Utbetalning"
    day = (element.findtext("{*}utbetdatum") or "").strip()
    try:
        if len(day) != 8 or not day.isdigit():
            raise ValueError(day)
        date = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise PayloadError(f"{where}.utbetdatum: not a date") from None
    paid = (element.findtext("{*}utbetstatus") or "").strip() in codes.CSN_PAID
    total = _integer(element.findtext("{*}totbelopp"), f"{where}.totbelopp")
    periods = element.findall("{*}Utbetaldatider/{*}Utbetaldtid")
    if not paid or not periods:
        return CsnPayment(form=form, date=date, paid=paid, total=total, grant=None, loan=None)
    grant = loan = 0
    for period in periods:
        parts = 0
        for row in period.iterfind("{*}Beloppen/{*}Belopp"):
            kind = (row.findtext("{*}beloppstyp") or "").strip()
            amount = _integer(row.findtext("{*}totbelopp"), f"{where} Belopp.totbelopp")
            if kind in codes.CSN_GRANT_TYPES:
                grant += amount
            elif kind in codes.CSN_LOAN_TYPES:
                loan += amount
            else:
                raise PayloadError(
                    f"{where}: beloppstyp {code_text(kind)} is neither a grant nor a loan", AMOUNTS_DISAGREE
                )
            parts += amount
        if parts != _integer(period.findtext("{*}totbelopp"), f"{where} Utbetaldtid.totbelopp"):
            raise PayloadError(
                f"{where}: the Belopp rows do not add up to their Utbetaldtid.totbelopp", AMOUNTS_DISAGREE
            )
    if grant + loan != total:
        raise PayloadError(f"{where}: grant and loan do not add up to totbelopp", AMOUNTS_DISAGREE)
    return CsnPayment(form=form, date=date, paid=paid, total=total, grant=grant, loan=loan)


def _integer(text: str | None, where: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise PayloadError(f"{where}: not a whole number") from None


# The simulator's side -------------------------------------------------------------------------

_GRANT_SHARE = 0.3
"""Share of a studiemedel payment the simulator pays as grant (GRUNDB); the rest is loan (GRUNDL)."""

_FORMS_V4 = ("studiemedel", "studiehjalp", "hemutrustningslan", "studiestartsstod", "omstallningsstudiestod")


def encode_answer(incomes: list[RegisterIncome], personnummer: str, known: bool = True) -> str:
    """A CSNSvar 4.0 about `personnummer` with one paid studiemedel payment per income, base64 encoded.

    `known` False: the person is not known to CSN ("Ej träff").
    """
    return answer_from_payments([payment_xml(income) for income in incomes], personnummer, known)


def answer_from_payments(payments: list[str], personnummer: str, known: bool = True) -> str:
    """`encode_answer` for payments already written by `payment_xml`."""
    parts = [_HEAD]
    parts.append(
        f'<Person personnummer="{escape(personnummer[2:])}" sekel="{escape(personnummer[:2])}" '
        f'Status="{_KNOWN if known else _NOT_FOUND}">'
    )
    parts.append(_FORMS_WITH_PAYMENTS if payments else _FORMS_WITHOUT_PAYMENTS)
    if payments:
        parts.append(_CASE_OPEN)
        parts.extend(payments)
        parts.append(_CASE_CLOSE)
    parts.append(_TAIL)
    return base64.b64encode("".join(parts).encode()).decode("ascii")


def _forms(has_payments: str) -> str:
    forms = "".join(f"<t:{f}>{has_payments if f == 'studiemedel' else '0'}</t:{f}>" for f in _FORMS_V4)
    return f"<p:Studiestodstypforteckning>{forms}</p:Studiestodstypforteckning><p:Studiemedel>"


_V4 = "http://schema.csn.se/v4.0"
_HEAD = (
    f'<CSNSvar xmlns="{_V4}/kommunfraga" xmlns:p="{_V4}/person" xmlns:t="{_V4}/csntyper" '
    f'xmlns:sm="{_V4}/studiemedel" schemaVersion="4.0">'
    "<GemensamtSvarEkbistand><Resultat><ResultatKod>0</ResultatKod>"
    "<ResultatText>Allt OK, inget att rapportera</ResultatText></Resultat></GemensamtSvarEkbistand>"
    "<GemensamtFragaEkbistand/><Personer>"
)
_KNOWN, _NOT_FOUND = escape(" " * 10), escape(codes.CSN_NOT_FOUND)
_FORMS_WITH_PAYMENTS, _FORMS_WITHOUT_PAYMENTS = _forms("1"), _forms("0")
_CASE_OPEN = (
    '<p:Arenden><p:Arende lopnummer="1"><sm:stodform>GRUND</sm:stodform>'
    "<sm:klartext>Studiemedel för studier i Sverige</sm:klartext><sm:status>BESLUTAD</sm:status>"
    "<sm:soktaTider/><sm:BeviljadeTider/><sm:UtbetalningsPlan>"
)
_CASE_CLOSE = "</sm:UtbetalningsPlan></p:Arende></p:Arenden>"
_TAIL = (
    "</p:Studiemedel><p:Studiehjalp/><p:HemutrustningsLan/><p:Studiestartsstod/><p:Omstallningsstudiestod/>"
    "</Person></Personer></CSNSvar>"
)


def payment_xml(income: RegisterIncome) -> str:
    """One paid payment for the month, as CSN writes it: per type the weekly rate (`belopp`) and the
    payment's amount of that type (`totbelopp`); they differ, as they do in CSN's answers."""
    start, end = first_day(income.month), last_day(income.month)
    weeks = (end - start).days // 7 + 1
    grant = int(income.amount * _GRANT_SHARE)
    rows = "".join(
        f"<t:Belopp><t:beloppstyp>{kind}</t:beloppstyp><t:klartext>{text}</t:klartext>"
        f"<t:belopp>{amount // weeks}</t:belopp><t:totbelopp>{amount}</t:totbelopp></t:Belopp>"
        for kind, text, amount in (("GRUNDB", "Bidrag", grant), ("GRUNDL", "Lån", income.amount - grant))
    )
    return (
        f"<sm:Utbetalning><t:utbetdatum>{start.replace(day=25):%Y%m%d}</t:utbetdatum>"
        "<t:utbetstatus>Utbetald</t:utbetstatus><t:Utbetaldatider><t:Utbetaldtid>"
        f"<t:startvecka>{_week(start)}</t:startvecka><t:slutvecka>{_week(end)}</t:slutvecka>"
        f"<t:Beloppen>{rows}</t:Beloppen><t:totbelopp>{income.amount}</t:totbelopp></t:Utbetaldtid>"
        f"</t:Utbetaldatider><t:totbelopp>{income.amount}</t:totbelopp></sm:Utbetalning>"
    )


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}{week:02d}"
