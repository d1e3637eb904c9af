"""Synthetic renewal errands for the caremanagement stub: the errands, the party service's answers, the
applicants' Lifecare decisions, and a register/1 document for the same persons (demo and tests).

Errand i (from 1) is a single adult's renewal for `period`: rent and electricity, no income, registered
at Arbetsförmedlingen with the activity report filed, six months of Lifecare bifall before. Three carry
what ansokan/1 cannot (the 3rd: Swish deposits; the 5th: a company; the 6th: an interpreter need), so
the stub shows both outcomes. Personnummer are synthetic (valid check
digit, born on the 1st–28th of a month in 1960–1999).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from robot.formats.period import first_day, last_day, shift
from robot.formats.personnummer import with_check_digit

MUNICIPALITY = "2281"
NAMESPACE = "FINANCIAL_ASSISTANCE"
_NS = uuid.UUID("6f1c7d2e-3b4a-4f5e-9d8c-7b6a5f4e3d2c")


@dataclass
class StubData:
    errands: dict[str, dict[str, Any]] = field(default_factory=dict)
    """errand id → FinancialAssistanceView."""
    legal_ids: dict[str, str] = field(default_factory=dict)
    """partyId → personnummer."""
    lifecare: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """applicant partyId → LifecareDecision list."""
    register: dict[str, Any] = field(default_factory=dict)
    """register/1 for the same persons."""


def _person(i: int) -> tuple[str, str]:
    pnr = with_check_digit(f"{1960 + i % 40:04d}{1 + i % 12:02d}{1 + i % 28:02d}{(100 + i * 7) % 1000:03d}")
    return str(uuid.uuid5(_NS, f"person-{i}")), pnr


def renewal_errands(n: int, period: str, *, created: str = "2026-11-20T09:00:00+01:00") -> StubData:
    data = StubData(register={"format": "register/1", "persons": {}})
    control = shift(period, -1)
    for i in range(1, n + 1):
        errand_id = str(uuid.uuid5(_NS, f"errand-{i}"))
        party_id, pnr = _person(i)
        data.legal_ids[party_id] = pnr
        incomes, assets, interpreter = [], [], False
        if i == 3:
            incomes.append({"incomeType": "SWISH_DEPOSITS", "amount": 1200.0, "incomeDate": f"{control}-15",
                            "recipient": "APPLICANT"})  # fmt: skip
        if i == 5:
            assets.append({"assetCategory": "COMPANY", "companyName": "Exempelbolaget AB", "companyAssetSum": 20000.0})
        if i == 6:
            interpreter = True
        data.errands[errand_id] = {
            "id": errand_id,
            "errandNumber": f"EB-{period.replace('-', '')[2:]}{i:04d}",
            "municipalityId": MUNICIPALITY,
            "namespace": NAMESPACE,
            "typeSlug": "financial-assistance-renewal",
            "title": "Ansökan om ekonomiskt bistånd",
            "status": "NEW",
            "created": created,
            "modified": created,
            "touched": created,
            "data": _data(period, party_id, incomes, assets, interpreter),
        }
        data.lifecare[party_id] = [_lifecare(i, shift(period, -k)) for k in range(6, 0, -1)]
        data.register["persons"][pnr] = {
            "af": {"status": "inskriven", "aktivitetsrapport": 200, "registered_since": "2024-03-01"},
            "incomes": [],
            "unavailable": [],
        }
    return data


def _data(period: str, party_id: str, incomes: list[Any], assets: list[Any], interpreter: bool) -> dict[str, Any]:
    person: dict[str, Any] = {"role": "APPLICANT", "partyId": party_id, "needsInterpreter": interpreter,
                              "hadWorkLast12Months": False, "paymentMethod": "BANK_ACCOUNT",
                              "paymentSameAsPrevious": True, "notifyByEmail": False, "notifyBySms": False}  # fmt: skip
    if interpreter:
        person["interpreterLanguage"] = "Arabiska"
    return {
        "applicationType": "RENEWAL",
        "maritalStatus": "SINGLE",
        "periodYear": int(period[:4]),
        "periodMonth": int(period[5:7]),
        "periodChoice": "CURRENT_MONTH",
        "normType": ["NATIONAL_NORM"],
        "hasChildrenUnder21": False,
        "housingForm": "RENTAL",
        "housingPersonCount": 1,
        "housingRoomsPlusKitchen": 2,
        "housingChanged": False,
        "hasIncomes": bool(incomes),
        "hasPendingBenefits": False,
        "hasAssets": bool(assets),
        "staysInMunicipality": True,
        "attestation": True,
        "attestedAt": f"{shift(period, -1)}-24T10:00:00+01:00",
        "children": [],
        "costs": [
            {"costType": "RENT", "appliedAmount": 6500.0, "recipientOrPeriod": "Bostadsbolaget"},
            {"costType": "ELECTRICITY", "appliedAmount": 350.0},
        ],
        "incomes": incomes,
        "pendingBenefits": [],
        "assets": assets,
        "persons": [person],
        "plannings": [{"person": "APPLICANT", "planningType": "JOBSEEKING"}],
        "plannedActivities": [],
        "jobApplications": [],
    }


def _lifecare(i: int, month: str) -> dict[str, Any]:
    return {"id": i * 100 + int(month[5:7]), "type": "Bifall", "amount": 7400.0, "reason": "Beviljas enligt norm",
            "fromDate": first_day(month).isoformat(), "toDate": last_day(month).isoformat(),
            "date": first_day(month).isoformat(), "organization": "IFO"}  # fmt: skip
