"""Skatteverket's part of SSBTEK v11: asked for by named parts, answered part by part.

Each part answers on its own, `data` (base64 JSON) or its own `error` (kalla, felkod, felmeddelande),
and SKV may carry an `error` for the whole of it. The parts:

- `foretagsinformation`: the person's registrations for business (`foretag`: `godkandFskatt`,
  `arbetsgivarregistrerad`, `momsregistrerad`) → register/1 `business` when there is one (absent
  when none is registered). The rules send a registered business to manual (income from
  self-employment is a handläggare's assessment).
- `individuppgifter`: the employers' monthly declarations → SKV `lon` incomes, decoded by
  `individuppgifter` (its shape is assumed).
- `skattekonto`, `skatteuppgifter`, `beskattningsbilagor`: not used by the rules, not asked by the
  robot (`ASKED_PARTS`); when an answer carries them, `robot ssbtek decode` shows them.

Skatteverket is unavailable for the person when SKV as a whole answered with an error, or when a part
the robot uses (`USED_PARTS`) was asked and is missing, unreadable or an error — except `BT 404 Not
found`, read as "nothing registered" (no declarations in the period; no business registration).
An error in another part is recorded (logs, decode) and changes nothing.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from robot.adapters.decoding import UNREADABLE, PayloadError, base64_bytes, kronor
from robot.adapters.ssbtek import individuppgifter
from robot.adapters.ssbtek.soap import error_fields
from robot.formats.register import BusinessRegistration, RegisterIncome

PARTS = ("foretagsinformation", "individuppgifter", "skattekonto", "skatteuppgifter", "beskattningsbilagor")
"""The parts in the contract's order (SkatteverketFraga and SkatteverketSvar)."""
USED_PARTS = frozenset({"foretagsinformation", "individuppgifter"})
ASKED_PARTS = USED_PARTS
"""What the robot asks for: only what the rules use."""


@dataclass(frozen=True)
class PartError:
    kalla: str
    felkod: str
    felmeddelande: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """One taxation year of `skatteuppgifter` (shown by decode, not used by the rules)."""

    year: int
    income_of_service: int | None
    capital: int | None


@dataclass(frozen=True)
class SkvParts:
    business: BusinessRegistration | None = None
    """A registration for business; None: none registered, or `foretagsinformation` not asked or unusable."""
    pay: tuple[RegisterIncome, ...] = ()
    answered: frozenset[str] = frozenset()
    """Parts that answered with data, or with "not found"."""
    not_found: frozenset[str] = frozenset()
    """Parts that answered `BT 404 Not found`: nothing registered."""
    errors: Mapping[str, PartError] = field(default_factory=dict)
    """Every part that was asked and gave nothing usable, with why (errors of other parts included)."""
    assessments: tuple[Assessment, ...] = ()
    tax_account_balance: int | None = None
    unusable: PartError | None = None
    """Why Skatteverket is unavailable for the person, or None."""


def decode(element: etree._Element, g: str, personnummer: str, asked: frozenset[str]) -> SkvParts:
    """Skatteverket's answer (`SKV` in svarsdata, namespace `g` = "{ns}") to a question that asked for `asked`."""
    children: dict[str, etree._Element] = {}  # the first child of each name, as `find` would give it
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, child)
    whole = children.get(f"{g}error")
    if whole is not None:
        error = _error(whole, g)
        return SkvParts(errors={"SKV": error}, unusable=error)
    names = _part_names(g)
    error_tag, data_tag = f"{g}error", f"{g}data"
    if not _part_set(g).issuperset(children):  # e.g. v10's single `data` in a v11 answer: not the parts read here
        error = PartError("adapter", UNREADABLE, ("SKV: an element that is not one of the v11 parts",))
        return SkvParts(errors={"SKV": error}, unusable=error)
    business: BusinessRegistration | None = None
    pay: tuple[RegisterIncome, ...] = ()
    answered: set[str] = set()
    not_found: set[str] = set()
    errors: dict[str, PartError] = {}
    assessments: tuple[Assessment, ...] = ()
    balance: int | None = None
    for part, name in zip(PARTS, names, strict=True):
        part_element = children.get(name)
        if part_element is None:
            if part in asked:
                errors[part] = PartError("adapter", "NO_ANSWER", (f"SKV {part}: asked but missing",))
            continue
        error_element = data_element = None
        for child in part_element:  # the first error and the first data, as `find` would give them
            tag = child.tag
            if tag == error_tag:
                error_element = child
                break
            if tag == data_tag and data_element is None:
                data_element = child
        if error_element is not None:
            error = _error(error_element, g)
            if part in USED_PARTS and individuppgifter.is_not_found(error.kalla, error.felkod):
                answered.add(part)
                not_found.add(part)
            else:
                errors[part] = error
            continue
        data = None if data_element is None else data_element.text or ""
        try:
            if data is None:
                raise PayloadError(f"SKV {part}: neither data nor error")
            if part == "individuppgifter":
                pay = tuple(individuppgifter.decode(data, personnummer))
            elif part == "foretagsinformation":
                found = decode_business(data)
                business = found if found.registered else None
            elif part == "skatteuppgifter":
                assessments = _assessments(_json(data, part))
            elif part == "skattekonto":
                balance = _optional_number(_json(data, part).get("saldo"), "SKV skattekonto.saldo")
            else:
                _json(data, part)
        except PayloadError as exc:
            errors[part] = PartError("adapter", exc.felkod, (str(exc),))
            continue
        except ValueError:  # register/1 refusing a value
            errors[part] = PartError("adapter", UNREADABLE, (f"SKV {part}: a value outside register/1",))
            continue
        answered.add(part)
    unusable = (
        next((errors[p] for p in PARTS if p in USED_PARTS and p in asked and p in errors), None) if errors else None
    )
    return SkvParts(
        business=business if "foretagsinformation" in answered else None,
        pay=pay,
        answered=frozenset(answered),
        not_found=frozenset(not_found),
        errors=errors,
        assessments=assessments,
        tax_account_balance=balance,
        unusable=unusable,
    )


@functools.cache
def _part_names(g: str) -> tuple[str, ...]:
    """The parts' element names in namespace `g`, in the order of `PARTS`."""
    return tuple(f"{g}{part}" for part in PARTS)


@functools.cache
def _part_set(g: str) -> frozenset[str]:
    return frozenset(_part_names(g))


def decode_business(data: str) -> BusinessRegistration:
    """`foretagsinformation`: registered when any `foretag` has F-skatt, an employer or a VAT registration."""
    document = _json(data, "foretagsinformation")
    companies = document.get("foretag", document)
    if isinstance(companies, dict):
        companies = [companies]
    if not isinstance(companies, list):
        raise PayloadError("SKV foretagsinformation: foretag is neither an object nor a list")
    flags = {"godkandFskatt": False, "arbetsgivarregistrerad": False, "momsregistrerad": False}
    for index, company in enumerate(companies):
        if not isinstance(company, dict):
            raise PayloadError(f"SKV foretagsinformation.foretag[{index}]: not an object")
        for name in flags:
            value = company.get(name)
            if not isinstance(value, bool):
                raise PayloadError(f"SKV foretagsinformation.foretag[{index}].{name}: not true or false")
            flags[name] = flags[name] or value
    return BusinessRegistration(
        f_skatt=flags["godkandFskatt"], employer=flags["arbetsgivarregistrerad"], vat=flags["momsregistrerad"]
    )


def encode_business(business: BusinessRegistration, personnummer: str) -> str:
    """The simulator's `foretagsinformation` (base64 JSON)."""
    company = {
        "foretagId": personnummer,
        "godkandFskatt": business.f_skatt,
        "arbetsgivarregistrerad": business.employer,
        "momsregistrerad": business.vat,
    }
    return base64.b64encode(json.dumps({"foretag": company}, separators=(",", ":")).encode()).decode()


def _json(data: str, part: str) -> dict[str, Any]:
    try:
        document = json.loads(base64_bytes(data, f"SKV {part}"))
    except ValueError as exc:
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError(f"SKV {part}: not JSON") from None
    if not isinstance(document, dict):
        raise PayloadError(f"SKV {part}: not an object")
    return document


def _assessments(document: dict[str, Any]) -> tuple[Assessment, ...]:
    years = document.get("beslutadeSkatteuppgifter", [])
    if not isinstance(years, list):
        raise PayloadError("SKV skatteuppgifter.beslutadeSkatteuppgifter: not a list")
    found = []
    for index, year in enumerate(years):
        where = f"SKV skatteuppgifter.beslutadeSkatteuppgifter[{index}]"
        if not isinstance(year, dict):
            raise PayloadError(f"{where}: not an object")
        number = _optional_number(year.get("beskattningsar"), f"{where}.beskattningsar")
        found.append(
            Assessment(
                year=number or 0,
                income_of_service=_optional_number(year.get("overskottAvTjanst"), f"{where}.overskottAvTjanst"),
                capital=_optional_number(year.get("sumKapital"), f"{where}.sumKapital"),
            )
        )
    return tuple(found)


def _optional_number(value: Any, where: str) -> int | None:
    if value is None:
        return None
    number = kronor(value, where)
    if abs(number) > 10**12:
        raise PayloadError(f"{where}: out of range")
    return int(number)


def _error(element: etree._Element, g: str) -> PartError:
    return PartError(*error_fields(element, g))
