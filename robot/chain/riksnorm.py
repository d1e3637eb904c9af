"""Riksnorm tables (socialtjänstförordningen 2001:937 2 kap. 1 §; from 2025-07-01 2025:468 12 kap. 2 §), one
per year, each value with its source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from robot.chain.bands import band_text, in_band, parse_band
from robot.chain.errors import RulesError
from robot.chain.parameters import ParamValue

MAX_TABLE_SIZE = 7


@dataclass(frozen=True)
class ChildRow:
    lo: int
    hi: int
    amount: ParamValue
    without_lunch: ParamValue | None

    def label(self) -> str:
        return f"{band_text(self.lo, self.hi)} år"


@dataclass(frozen=True)
class VerifiedTotal:
    description: str
    sum_of: tuple[str, ...]
    amount: int
    source: str


@dataclass(frozen=True)
class RiksnormTable:
    year: int
    children: tuple[ChildRow, ...]
    single: ParamValue
    couple: ParamValue
    shared: dict[int, ParamValue]
    verified_totals: tuple[VerifiedTotal, ...]

    def child_row(self, age: int) -> ChildRow | None:
        for row in self.children:
            if in_band(age, row.lo, row.hi):
                return row
        return None

    def shared_amount(self, size: int) -> tuple[int, list[ParamValue]]:
        """Shared costs for a household of `size`; above 7, the 6→7 difference per extra person."""
        if size <= MAX_TABLE_SIZE:
            return self.shared[size].value, [self.shared[size]]
        step = self.shared[7].value - self.shared[6].value
        return self.shared[7].value + step * (size - MAX_TABLE_SIZE), [self.shared[6], self.shared[7]]

    def values(self) -> list[ParamValue]:
        out = [v for row in self.children for v in (row.amount, row.without_lunch) if v]
        return [*out, self.single, self.couple, *self.shared.values()]

    def lookup(self, dotted: str) -> ParamValue:
        for v in self.values():
            if v.name == f"riksnorm.{self.year}.{dotted}":
                return v
        raise KeyError(dotted)


def parse_table(doc: Any, where: str) -> RiksnormTable:
    if not isinstance(doc, dict):
        raise RulesError(where, "en riksnormsfil ska vara en mappning")
    try:
        year = int(doc["year"])
        valid_from = doc["valid_from"]
        source = str(doc["source"]).strip()
        personal = doc["personliga"]
        shared_doc = doc["gemensamma"]
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(
            where,
            f"saknad eller felaktig nyckel {exc}; filen behöver year, valid_from, source, personliga och gemensamma",
        ) from None
    if not isinstance(valid_from, dt.date):
        raise RulesError(where, "valid_from ska vara ett datum (ÅÅÅÅ-MM-DD)")
    if not source:
        raise RulesError(where, "source saknas")
    default_provisional = bool(doc.get("provisional", False))
    prefix = f"riksnorm.{year}"

    def value(node: Any, name: str) -> ParamValue:
        if isinstance(node, dict):
            if "value" not in node:
                raise RulesError(where, f"{name}: behöver `value`")
            amount = node["value"]
            src = str(node.get("source") or source)
            provisional = bool(node.get("provisional", default_provisional))
        else:
            amount, src, provisional = node, source, default_provisional
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise RulesError(where, f"{name}: beloppet ska vara hela kronor, inte {amount!r}")
        return ParamValue(f"{prefix}.{name}", valid_from, amount, src, provisional)

    children = []
    try:
        for band, row in personal["barn"].items():
            lo, hi = parse_band(band, where, "personliga.barn")
            if hi is None:
                raise RulesError(where, f"personliga.barn.{band}: en barnrad behöver en övre ålder")
            base = f"personliga.barn.{band}"
            without = value(row["utan_lunch"], f"{base}.utan_lunch") if "utan_lunch" in row else None
            children.append(ChildRow(lo, hi, value(row["belopp"], f"{base}.belopp"), without))
        single = value(personal["vuxna"]["ensamstaende"], "personliga.vuxna.ensamstaende")
        couple = value(personal["vuxna"]["sammanboende"], "personliga.vuxna.sammanboende")
        shared = {int(k): value(v, f"gemensamma.{k}") for k, v in shared_doc.items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise RulesError(where, f"tabellen är ofullständig: {exc} saknas") from None
    if sorted(shared) != list(range(1, MAX_TABLE_SIZE + 1)):
        raise RulesError(where, "gemensamma ska ange hushållsstorlek 1 till 7")
    totals = tuple(
        VerifiedTotal(str(t["description"]), tuple(t["sum_of"]), int(t["amount"]), str(t["source"]))
        for t in doc.get("verified_totals") or []
    )
    children.sort(key=lambda r: r.lo)
    return RiksnormTable(year, tuple(children), single, couple, shared, totals)
