"""The payloads whose inner form SSBTEK's contract does not publish, encoded and decoded side by side.

This module is the ONE place to replace when the real forms are known. The simulator calls the
`encode_*` functions, the adapter the `decode_*` functions; each works on the exact text content
of the XML element that carries the payload.

What the project assumes (invented, small, documented; see docs/ssbtek.md):

- **FK question** (`FK/fraga/lefiJsonFraga`, base64 of UTF-8 JSON), sent to Försäkringskassan's
  Lefi service: ``{"personnummer": "199001011234", "fromDatum": "2026-10-01", "tomDatum": "2026-11-30"}``.
- **FK answer** (`FK/data/lefiJsonSvar`, base64 of UTF-8 JSON): payments per benefit and month,
  ``{"utbetalningar": [{"formanstyp": "bostadsbidrag", "manad": "2026-11", "belopp": 1400}]}``.
  Pensionsmyndigheten's payments come the same way (``"formanstyp": "pension"``).
- **CSN answer** (`CSN/data/svar`, base64 of UTF-8 JSON):
  ``{"utbetalningar": [{"stodform": "studiemedel", "manad": "2026-11", "belopp": 3000}]}``.
- **Skatteverket answer** (`SKV/data/svar`, an ``xs:string`` holding JSON text): incomes reported by
  employers per redovisningsperiod,
  ``{"inkomster": [{"inkomsttyp": "lon", "period": "2026-11", "belopp": 6200}]}``.

Common rules: months are ``YYYY-MM``; amounts are kronor, a JSON integer (a decimal is rounded to whole
kronor, half up) between 0 and `MAX_AMOUNT`; the type field takes a register/1 income type
(`IncomeType`) or one of the authority's aliases below; an unknown type becomes ``ovrigt`` so that
the rules still see the income. Anything else (bad base64, bad JSON, a missing field, a negative
amount) raises `PayloadError`, and the adapter reports that authority as unavailable for the person.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from robot.formats.application import MAX_AMOUNT, IncomeType
from robot.formats.period import is_month
from robot.formats.register import RegisterIncome

Source = Literal["AF", "CSN", "FK", "SKV", "SO"]

FK_ALIASES: Mapping[str, IncomeType] = {
    "tillfallig_foraldrapenning": IncomeType.foraldrapenning,
    "flerbarnstillagg": IncomeType.barnbidrag,
    "forlangt_barnbidrag": IncomeType.barnbidrag,
    "allman_pension": IncomeType.pension,
    "garantipension": IncomeType.pension,
}
"""Försäkringskassan's (and Pensionsmyndigheten's) benefit names that are not register/1 type names."""

CSN_ALIASES: Mapping[str, IncomeType] = {
    "studiebidrag": IncomeType.studiemedel,
    "studielan": IncomeType.studiemedel,
    "studiehjalp": IncomeType.studiemedel,
    "studiestartsstod": IncomeType.studiemedel,
    "omstallningsstudiestod": IncomeType.studiemedel,
}
"""CSN's support forms: all of them count as studiemedel in the norm calculation."""

SKV_ALIASES: Mapping[str, IncomeType] = {
    "kontant_bruttolon": IncomeType.lon,
}


class PayloadError(ValueError):
    """A payload that does not have the assumed form. The message names fields, never values."""


# Försäkringskassan (Lefi) ----------------------------------------------------------------------


@dataclass(frozen=True)
class FkQuery:
    personnummer: str
    from_date: dt.date
    to_date: dt.date


def encode_fk_query(query: FkQuery) -> str:
    document = {
        "personnummer": query.personnummer,
        "fromDatum": query.from_date.isoformat(),
        "tomDatum": query.to_date.isoformat(),
    }
    return _to_base64(document)


def decode_fk_query(text: str) -> FkQuery:
    document = _from_base64(text, "lefiJsonFraga")
    try:
        return FkQuery(
            personnummer=_string(document, "personnummer"),
            from_date=dt.date.fromisoformat(_string(document, "fromDatum")),
            to_date=dt.date.fromisoformat(_string(document, "tomDatum")),
        )
    except ValueError as exc:
        raise PayloadError(f"lefiJsonFraga: {exc}") from None


def encode_fk_answer(incomes: Iterable[RegisterIncome]) -> str:
    return _to_base64(_payments(incomes, "utbetalningar", "formanstyp", "manad"))


def decode_fk_answer(text: str) -> list[RegisterIncome]:
    document = _from_base64(text, "lefiJsonSvar")
    return _incomes(document, "FK", "utbetalningar", "formanstyp", "manad", FK_ALIASES)


# CSN ------------------------------------------------------------------------------------------


def encode_csn_answer(incomes: Iterable[RegisterIncome]) -> str:
    return _to_base64(_payments(incomes, "utbetalningar", "stodform", "manad"))


def decode_csn_answer(text: str) -> list[RegisterIncome]:
    document = _from_base64(text, "CSN svar")
    return _incomes(document, "CSN", "utbetalningar", "stodform", "manad", CSN_ALIASES)


# Skatteverket ---------------------------------------------------------------------------------


def encode_skv_answer(incomes: Iterable[RegisterIncome]) -> str:
    return json.dumps(
        _payments(incomes, "inkomster", "inkomsttyp", "period"), ensure_ascii=False, separators=(",", ":")
    )


def decode_skv_answer(text: str) -> list[RegisterIncome]:
    try:
        document = json.loads(text)
    except ValueError:
        raise PayloadError("SKV svar: not JSON") from None
    return _incomes(document, "SKV", "inkomster", "inkomsttyp", "period", SKV_ALIASES)


# Shared ---------------------------------------------------------------------------------------


def income_type(name: str, aliases: Mapping[str, IncomeType]) -> IncomeType:
    """A payload's type name as a register/1 income type; unknown names are `ovrigt`."""
    found = aliases.get(name)
    if found is not None:
        return found
    try:
        return IncomeType(name)
    except ValueError:
        return IncomeType.ovrigt


def _payments(incomes: Iterable[RegisterIncome], list_key: str, type_key: str, month_key: str) -> dict[str, Any]:
    return {
        list_key: [
            {type_key: income.type.value, month_key: income.month, "belopp": income.amount} for income in incomes
        ]
    }


def _incomes(
    document: Any, source: Source, list_key: str, type_key: str, month_key: str, aliases: Mapping[str, IncomeType]
) -> list[RegisterIncome]:
    if not isinstance(document, dict) or not isinstance(document.get(list_key), list):
        raise PayloadError(f"{source}: expected an object with the list {list_key!r}")
    incomes = []
    for index, item in enumerate(document[list_key]):
        where = f"{source} {list_key}[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(f"{where}: not an object")
        month = item.get(month_key)
        if not isinstance(month, str) or not is_month(month):
            raise PayloadError(f"{where}.{month_key}: not a month YYYY-MM")
        name = item.get(type_key)
        if not isinstance(name, str):
            raise PayloadError(f"{where}.{type_key}: missing")
        incomes.append(
            RegisterIncome(
                source=source,
                type=income_type(name, aliases),
                month=month,
                amount=whole_kronor(item.get("belopp"), f"{where}.belopp"),
            )
        )
    return incomes


def whole_kronor(value: Any, where: str) -> int:
    """An amount as whole kronor (half up), checked against the register's bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PayloadError(f"{where}: not a number")
    if isinstance(value, int):
        amount = value
    else:
        try:
            amount = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except (InvalidOperation, ValueError):
            raise PayloadError(f"{where}: not a number") from None
    if not 0 <= amount <= MAX_AMOUNT:
        raise PayloadError(f"{where}: outside 0–{MAX_AMOUNT}")
    return amount


def _string(document: Any, key: str) -> str:
    value = document.get(key) if isinstance(document, dict) else None
    if not isinstance(value, str):
        raise PayloadError(f"{key}: missing")
    return value


def _to_base64(document: Any) -> str:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode("ascii")


def _from_base64(text: str, what: str) -> Any:
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{what}: not base64") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise PayloadError(f"{what}: not JSON in UTF-8") from None
