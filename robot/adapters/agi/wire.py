"""The employer-declaration question and answer as the project assumes them (not published).

Question: `POST <[agi] url>individuppgifter`, JSON
``{"personnummer": "199001011234", "redovisningsperiodFrom": "202610", "redovisningsperiodTom": "202611"}``.

Answer: HTTP 200, JSON
``{"personnummer": "199001011234", "status": "OK", "individuppgifter": [{"redovisningsperiod": "202611",
"arbetsgivare": "165560000001", "specifikationsnummer": 1, "kontantBruttolon": 24000, "avdragenSkatt": 5200}]}``

- one `individuppgifter` entry per employer and month, as the employer last declared it (corrections
  already applied): `kontantBruttolon` is box 011 (kontant bruttolön m.m.), `avdragenSkatt` box 001
  (avdragen preliminär skatt, absent when not declared), `specifikationsnummer` box 570;
- the month is the `redovisningsperiod`: the month the pay was paid out;
- `status` other than OK: the source cannot answer for this person (SKV unavailable, never zero pay);
- a person no employer declared has an empty list.

Each entry is one register/1 income: source SKV, type `lon`, `amount` the gross, `tax_withheld` the
tax. Anything else raises PayloadError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from robot.adapters.decoding import PayloadError, code_text
from robot.adapters.ssbtek.individuppgifter import declared_pay, month_of
from robot.formats.register import RegisterIncome

PATH = "individuppgifter"
OK = "OK"
NOT_AVAILABLE = "EJ_TILLGANGLIG"


@dataclass(frozen=True)
class PayQuestion:
    personnummer: str
    from_month: str
    to_month: str


def encode_question(question: PayQuestion) -> bytes:
    return _json(
        {
            "personnummer": question.personnummer,
            "redovisningsperiodFrom": _period(question.from_month),
            "redovisningsperiodTom": _period(question.to_month),
        }
    )


def decode_question(body: bytes) -> PayQuestion:
    """The simulator's side. Raises PayloadError for a question the source would refuse."""
    document = _object(body, "AGI question")
    pnr = document.get("personnummer")
    months = [month_of(document.get(k), f"AGI question {k}") for k in ("redovisningsperiodFrom", "redovisningsperiodTom")]
    if not isinstance(pnr, str) or len(pnr) != 12 or not pnr.isdigit():
        raise PayloadError("AGI question: personnummer must be 12 digits")
    return PayQuestion(pnr, *months)


def decode_answer(content: bytes, personnummer: str) -> list[RegisterIncome]:
    """The person's monthly pay as register/1 SKV `lon` incomes. Raises PayloadError."""
    document = _object(content, "AGI answer")
    if document.get("personnummer") != personnummer:
        raise PayloadError("AGI answer: about another person", "ANNAN_PERSON")
    status = document.get("status")
    if status != OK:
        raise PayloadError(f"AGI answer: status {code_text(status)}", f"AGI_{code_text(status) or 'STATUS'}")
    return declared_pay(document.get("individuppgifter"), "AGI individuppgifter")


def encode_answer(personnummer: str, incomes: Iterable[RegisterIncome], available: bool = True) -> bytes:
    """The simulator's answer: one entry per SKV `lon` income, numbered per employer and month."""
    entries = []
    for number, income in enumerate(incomes, start=1):
        entry: dict[str, Any] = {
            "redovisningsperiod": _period(income.month),
            "arbetsgivare": f"1655600{number:05d}",
            "specifikationsnummer": number,
            "kontantBruttolon": income.amount,
        }
        if income.tax_withheld is not None:
            entry["avdragenSkatt"] = income.tax_withheld
        entries.append(entry)
    return _json(
        {
            "personnummer": personnummer,
            "status": OK if available else NOT_AVAILABLE,
            "individuppgifter": entries if available else [],
        }
    )


def _period(month: str) -> str:
    return month.replace("-", "")


def _object(content: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError:
        raise PayloadError(f"{what}: not JSON") from None
    if not isinstance(document, dict):
        raise PayloadError(f"{what}: not an object")
    return document


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
