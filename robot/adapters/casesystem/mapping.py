"""A caremanagement errand (FinancialAssistanceView) as an ansokan/1 document: the one mapping table.

docs/caremanagement.md shows the table field by field; the code below is it. What the errand says
and ansokan/1 cannot carry is never dropped: it is listed, in Swedish, in the document's `unmapped`,
and the intag rule sends the application to a handläggare naming it (UPPGIFT_UTAN_MOTSVARIGHET).
Contact, payment and free-text fields that no rule reads are left in the case system (the table says
which). Planned activities are not carried: the errand states no hours, and attendance counts only
when the provider or Arbetsförmedlingen confirms it, so they stay unconfirmed statements.

Pure: the errand, the personnummer the party service gave for its partyIds, and the applicant's
Lifecare decisions (for the months in a row with support) in; a dict out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from robot.formats import personnummer
from robot.formats.period import age_on, first_day, is_month, shift
from robot.swedish.casesystem import UNMAPPED

KIND = {"RENEWAL": "ateransokan", "NEW": "nyansokan", "SUPPLEMENTARY": "ateransokan"}
COSTS = {
    "RENT": "hyra", "ELECTRICITY": "hushallsel", "HOME_INSURANCE": "hemforsakring",
    "UNEMPLOYMENT_FUND": "a_kassa", "UNION_FEE": "fackavgift", "TRAVEL_APPROVED": "arbetsresor",
    "MEDICAL_CARE": "lakarvard", "MEDICINE": "medicin",
}  # fmt: skip
OTHER_COSTS = {"ACUTE_DENTAL": "tandvard", "MUNICIPAL_FEES": "ovrigt", "OTHER": "ovrigt"}
COSTS_TO_MANUAL = ("INTERNET", "TRAVEL_MEDICAL_TRANSPORT")
INCOMES = {
    "SALARY": "lon", "OTHER_INCOME": "ovrigt", "OCCUPATIONAL_PENSION_INSURANCE": "pension",
    "CHILD_SUPPORT": "underhallsstod",
}  # fmt: skip
INCOMES_TO_MANUAL = ("SWISH_DEPOSITS", "FINANCIAL_AID_OTHER_MUNICIPALITY", "RENT_SHARE_FROM_CHILD")
LIVES_HERE = {"FULL_TIME": "heltid", "HALF_TIME": "vaxelvis"}
LUNCH_MATTERS_UNTIL = 6
"""riksnorm's rows with and without lunch differ for ages 0–6; older children's lunch is not asked."""
PAID = ("bifall", "delavslag")
"""Lifecare decision types that paid support (assumption: Lifecare's `type` text, case-insensitive)."""


@dataclass(frozen=True)
class Mapped:
    document: dict[str, Any]
    unmapped: list[str]


class PartyUnresolved(Exception):
    """A person's partyId has no personnummer: the errand cannot be mapped now (retried next poll)."""


def _pnr(party_id: Any, legal_ids: dict[str, str], who: str) -> str:
    pnr = legal_ids.get(party_id) if isinstance(party_id, str) else None
    if pnr is None:
        raise PartyUnresolved(f"{who}: the party service has no personnummer for the partyId")
    return pnr


def _kronor(value: Any, what: str, index: int, unmapped: list[str]) -> int:
    try:
        exact = Decimal(str(value))
        whole = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, TypeError):
        return -1  # the format refuses it: INVALID_APPLICATION names the field
    if exact != whole:
        unmapped.append(UNMAPPED["fraction"].format(what=what, index=index + 1, value=value))
    return whole


def support_history(lifecare: list[dict[str, Any]], period: str) -> dict[str, Any]:
    """Months in a row with paid support up to the control month, from the applicant's Lifecare decisions."""
    paid: set[str] = set()
    for decision in lifecare:
        if str(decision.get("type", "")).strip().lower() not in PAID or not (decision.get("amount") or 0) > 0:
            continue
        try:
            start, end = dt.date.fromisoformat(decision["fromDate"]), dt.date.fromisoformat(decision["toDate"])
        except (KeyError, TypeError, ValueError):
            continue
        month = f"{start.year:04d}-{start.month:02d}"
        while first_day(month) <= end and len(paid) < 400:
            paid.add(month)
            month = shift(month, 1)
    n, month = 0, shift(period, -1)
    while month in paid:
        n, month = n + 1, shift(month, -1)
    history: dict[str, Any] = {"consecutive_months_with_support": n}
    earlier = sorted(m for m in paid if m < period)
    if earlier:
        history["last_support_month"] = earlier[-1]
    return history


def to_application(view: dict[str, Any], legal_ids: dict[str, str], lifecare: list[dict[str, Any]],
                   district: str) -> Mapped:  # fmt: skip
    data: dict[str, Any] = view.get("data") or {}
    unmapped: list[str] = []
    year, month = data.get("periodYear"), data.get("periodMonth")
    period = f"{year:04d}-{month:02d}" if isinstance(year, int) and isinstance(month, int) else ""
    kind = data.get("applicationType")
    if kind not in KIND:
        unmapped.append(UNMAPPED["applicationType"])
    elif kind == "SUPPLEMENTARY":
        unmapped.append(UNMAPPED["SUPPLEMENTARY"])
    for flag, value in (("OTHER_BENEFIT", data.get("periodChoice")), ("OTHER_NORM", data.get("normType") or [])):
        if flag == value or (isinstance(value, list) and flag in value):
            unmapped.append(UNMAPPED[flag])
    if data.get("attestation") is False:
        unmapped.append(UNMAPPED["attestation"])
    if data.get("staysInMunicipality") is False:
        unmapped.append(UNMAPPED["staysInMunicipality"])

    persons = {p.get("role"): p for p in data.get("persons") or [] if isinstance(p, dict)}
    adults = _adults(persons, legal_ids, data, unmapped)
    children = _children(data, legal_ids, period, unmapped)
    listed = len(adults) + len(children)
    count = data.get("housingPersonCount")
    if isinstance(count, int) and count > listed:
        unmapped.append(UNMAPPED["housingPersonCount"].format(count=count, listed=listed))
    if data.get("pendingBenefits"):
        unmapped.append(UNMAPPED["pendingBenefits"].format(count=len(data["pendingBenefits"])))

    household: dict[str, Any] = {
        "applicant": adults.get("APPLICANT"),
        "co_applicant": adults.get("CO_APPLICANT"),
        "children": children,
        "other_adults": 0,
        "protected_identity": False,  # assumption: caremanagement serves no errand of a person with protected identity
        "changed_since_last_application": bool(data.get("housingChanged") or data.get("childrenResidenceChanged")),
    }
    assets = _assets(data, unmapped)
    if assets is not None:
        household["assets"] = assets
    document: dict[str, Any] = {
        "format": "ansokan/1",
        "application_id": view.get("id"),
        "kind": KIND.get(kind, "ateransokan"),
        "channel": "e-tjanst",
        "district": district,
        "period": period,
        "submitted_at": data.get("attestedAt") or view.get("created"),
        "household": household,
        "activities": [],
        "costs": _costs(data, unmapped),
        "incomes": _incomes(data, "CO_APPLICANT" in adults, unmapped),
        "history": support_history(lifecare, period)
        if kind != "NEW" and is_month(period)
        else {"consecutive_months_with_support": 0},
    }
    if unmapped:
        document["unmapped"] = unmapped
    return Mapped(document, unmapped)


def _adults(persons: dict[Any, dict[str, Any]], legal_ids: dict[str, str], data: dict[str, Any],
            unmapped: list[str]) -> dict[str, dict[str, Any]]:  # fmt: skip
    sick = {p.get("person") for p in data.get("plannings") or [] if isinstance(p, dict)
            and p.get("planningType") == "SICK_LEAVE"}  # fmt: skip
    adults = {}
    for role in ("APPLICANT", "CO_APPLICANT"):
        person = persons.get(role)
        if person is None:
            continue
        adults[role] = {"personnummer": _pnr(person.get("partyId"), legal_ids, role.lower()),
                        "able_to_work": role not in sick}  # fmt: skip
        if person.get("needsInterpreter"):
            language = str(person.get("interpreterLanguage") or "språk ej angivet")[:64]
            unmapped.append(UNMAPPED["needsInterpreter"].format(language=language))
    if "APPLICANT" not in adults:
        raise PartyUnresolved("the errand names no APPLICANT")
    if data.get("maritalStatus") == "COHABITING" and "CO_APPLICANT" not in adults:
        unmapped.append(UNMAPPED["COHABITING"])
    return adults


def _children(data: dict[str, Any], legal_ids: dict[str, str], period: str,
              unmapped: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    children = []
    for i, child in enumerate(c for c in data.get("children") or [] if isinstance(c, dict)):
        born = personnummer.birth_date(_pnr(child.get("partyId"), legal_ids, f"child {i}"))
        extent = child.get("residenceExtent")
        if extent == "OTHER":
            unmapped.append(UNMAPPED["residenceExtent"].format(index=i + 1))
        if is_month(period) and (age := age_on(born, first_day(period))) <= LUNCH_MATTERS_UNTIL:
            unmapped.append(UNMAPPED["lunch"].format(index=i + 1, age=age))
        children.append({"birth_date": born.isoformat(), "lunch_away_5_days": False,
                         "lives_here": LIVES_HERE.get(extent, "heltid")})  # fmt: skip
    return children


def _assets(data: dict[str, Any], unmapped: list[str]) -> dict[str, Any] | None:
    listed = [a for a in data.get("assets") or [] if isinstance(a, dict)]
    if data.get("hasAssets") is None and not listed:
        return None
    bank, other = 0, False
    for i, asset in enumerate(listed):
        category = asset.get("assetCategory")
        if category == "BANK_SAVINGS":
            bank += max(0, _kronor(asset.get("value") or 0, "tillgång", i, unmapped))
        elif category == "COMPANY":
            unmapped.append(UNMAPPED["COMPANY"])
        else:
            other = True
    return {"bank": bank, "other": other}


def _costs(data: dict[str, Any], unmapped: list[str]) -> list[dict[str, Any]]:
    costs = []
    for i, cost in enumerate(c for c in data.get("costs") or [] if isinstance(c, dict)):
        kind = cost.get("costType")
        ours = OTHER_COSTS.get(cost.get("otherSubType") or "OTHER") if kind == "OTHER" else COSTS.get(kind)
        if kind in COSTS_TO_MANUAL:
            unmapped.append(UNMAPPED[kind])
        elif ours is None:
            unmapped.append(UNMAPPED["unknown_cost"].format(index=i + 1, value=str(kind)[:40]))
        else:
            costs.append({"type": ours, "amount": _kronor(cost.get("appliedAmount"), "kostnad", i, unmapped)})
    return costs


def _incomes(data: dict[str, Any], co_applicant: bool, unmapped: list[str]) -> list[dict[str, Any]]:
    incomes = []
    for i, income in enumerate(x for x in data.get("incomes") or [] if isinstance(x, dict)):
        kind, day, recipient = income.get("incomeType"), income.get("incomeDate"), income.get("recipient")
        if kind in INCOMES_TO_MANUAL:
            unmapped.append(UNMAPPED[kind])
            continue
        if kind not in INCOMES:
            unmapped.append(UNMAPPED["unknown_income"].format(index=i + 1, value=str(kind)[:40]))
            continue
        if not isinstance(day, str) or not is_month(day[:7]):
            unmapped.append(UNMAPPED["incomeDate"].format(index=i + 1))
            continue
        if recipient not in ("APPLICANT", "CO_APPLICANT") or (recipient == "CO_APPLICANT" and not co_applicant):
            unmapped.append(UNMAPPED["recipient"].format(index=i + 1))
            continue
        incomes.append({"person": recipient.lower(), "type": INCOMES[kind], "month": day[:7],
                        "amount": _kronor(income.get("amount"), "inkomst", i, unmapped)})  # fmt: skip
    return incomes
