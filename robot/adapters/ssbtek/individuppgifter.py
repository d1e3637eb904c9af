"""Skatteverket's `individuppgifter` in SSBTEK v11: the employers' monthly declarations for one person.

This is the ONE module that knows the part's inner shape, and that shape is ASSUMED: Skatteverket has
not published it, and the only v11 answer seen (from Försäkringskassan's test environment) carried
`BT 404 Not found` here. Rewrite this module alone when the shape is confirmed (docs/ssbtek.md,
"Assumptions"). Assumed: the part's `data` is base64 of a JSON object

``{"individuppgifter": [{"redovisningsperiod": "202611", "arbetsgivare": "165560000001",
"kontantBruttolon": 24000, "avdragenSkatt": 5200}]}``

- one entry per employer and month as last declared: `kontantBruttolon` is box 011 (kontant
  bruttolön m.m.), `avdragenSkatt` box 001 (avdragen preliminär skatt; absent when not declared);
  the month is the `redovisningsperiod` (`YYYYMM`, the month the pay was paid out);
- an optional `personnummer` must be the person asked about.

Each entry is one register/1 income: source SKV, type `lon`, gross `amount`, `tax_withheld`.
Anything else raises PayloadError (Skatteverket then is unavailable for the person: manual).

`BT 404 Not found` for this part (`is_not_found`) is read as "no employer declared pay for the person
in the period": an applicant without a job has no declarations, and that must not look like an
unavailable Skatteverket (every such applicant would go to manual). Any other error is unavailable.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from robot.adapters.decoding import PayloadError, base64_bytes, whole_kronor
from robot.formats.application import IncomeType
from robot.formats.period import is_month
from robot.formats.register import RegisterIncome

NOT_FOUND_FELKODER = frozenset({"404", "BT-404", "BT404"})
"""`felkod` values of a part's error that mean "nothing registered" (with kalla BT). Assumed from the one
v11 answer seen: `BT 404 Not found`."""


def is_not_found(kalla: str, felkod: str) -> bool:
    return kalla.strip() == "BT" and felkod.strip().upper() in NOT_FOUND_FELKODER


def decode(data: str, personnummer: str) -> list[RegisterIncome]:
    """The person's declared monthly pay (base64 JSON of the part) as SKV `lon` incomes. Raises PayloadError."""
    try:
        document = json.loads(base64_bytes(data, "SKV individuppgifter"))
    except ValueError:
        raise PayloadError("SKV individuppgifter: not JSON") from None
    if not isinstance(document, dict):
        raise PayloadError("SKV individuppgifter: not an object")
    if "personnummer" in document and document["personnummer"] != personnummer:
        raise PayloadError("SKV individuppgifter: about another person", "ANNAN_PERSON")
    return declared_pay(document.get("individuppgifter"), "SKV individuppgifter")


def declared_pay(entries: Any, what: str) -> list[RegisterIncome]:
    """Employers' declaration entries (`redovisningsperiod`, `kontantBruttolon`, `avdragenSkatt`) as SKV
    `lon` incomes; the same entries reach the robot in SSBTEK v11 and from a separate AGI source."""
    if not isinstance(entries, list):
        raise PayloadError(f"{what}: individuppgifter is not a list")
    incomes = []
    for index, entry in enumerate(entries):
        where = f"{what}[{index}]"
        if not isinstance(entry, dict):
            raise PayloadError(f"{where}: not an object")
        tax = entry.get("avdragenSkatt")
        incomes.append(
            RegisterIncome(
                source="SKV",
                type=IncomeType.lon,
                month=month_of(entry.get("redovisningsperiod"), f"{where}.redovisningsperiod"),
                amount=whole_kronor(entry.get("kontantBruttolon"), f"{where}.kontantBruttolon"),
                tax_withheld=None if tax is None else whole_kronor(tax, f"{where}.avdragenSkatt"),
            )
        )
    return incomes


def encode(incomes: Iterable[RegisterIncome]) -> str:
    """The simulator's part: one entry per SKV `lon` income, base64 JSON."""
    entries = []
    for number, income in enumerate(incomes, start=1):
        entry: dict[str, Any] = {
            "redovisningsperiod": income.month.replace("-", ""),
            "arbetsgivare": f"1655600{number:05d}",
            "kontantBruttolon": income.amount,
        }
        if income.tax_withheld is not None:
            entry["avdragenSkatt"] = income.tax_withheld
        entries.append(entry)
    document = json.dumps({"individuppgifter": entries}, separators=(",", ":")).encode()
    return base64.b64encode(document).decode()


def month_of(value: Any, where: str) -> str:
    """A redovisningsperiod `YYYYMM` as a register/1 month `YYYY-MM`."""
    month = f"{value[:4]}-{value[4:]}" if isinstance(value, str) and len(value) == 6 else ""
    if not is_month(month):
        raise PayloadError(f"{where}: not a period YYYYMM")
    return month
