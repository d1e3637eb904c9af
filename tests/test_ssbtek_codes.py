"""The code tables cover the contract and are the ones the documentation shows."""

from __future__ import annotations

import re

import yaml

from robot.adapters.ssbtek import codes
from robot.formats.application import IncomeType
from tests.conftest import ROOT
from tests.contract_schemas import LEFI

DOCS = (ROOT / "docs" / "ssbtek.md").read_text(encoding="utf-8")


def enum(name: str) -> list[str]:
    return yaml.safe_load(LEFI.read_text(encoding="utf-8"))["components"]["schemas"][name]["enum"]


def test_every_benefit_group_of_lefi_v9_has_a_row_and_nothing_else_does():
    assert sorted(codes.FK_BENEFITS) == sorted(enum("LefiFkFormanGruppKod"))
    assert sorted(codes.PM_BENEFITS) == sorted(enum("LefiPmFormanGruppKod"))
    assert sorted(codes.LEFI_GROUPS) == sorted(enum("LefiExternFormanGruppKod"))


def test_unknown_codes_never_map_to_an_income_type():
    unknown = [b for b in (*codes.FK_BENEFITS.values(), *codes.PM_BENEFITS.values()) if b.evidence == "unknown"]
    assert unknown and all(b.income is None for b in unknown)


def test_the_simulator_pays_every_fk_income_type_under_a_group_that_reads_back_as_it():
    for income, code in codes.FK_PAYMENT_FAMILY.items():
        table = codes.PM_BENEFITS if code.startswith("PM:") else codes.FK_BENEFITS
        assert table[code].income is income
    assert set(codes.FK_PAYMENT_FAMILY) == {b.income for b in codes.FK_BENEFITS.values() if b.income} | {
        IncomeType.pension
    }


def test_tax_codes_are_pensionsmyndighetens_deductions():
    assert set(enum("LefiPmFormanUtbetalningAvdragTypKod")) >= codes.PM_TAX_CODES
    assert set(enum("LefiTillstandKod")) >= {codes.LEFI_OK} and set(enum("LefiUtlamnareKod")) == set(
        codes.LEFI_PROVIDERS
    )


def test_the_documentation_shows_the_benefit_table_as_it_is():
    rows = re.findall(r"^\| `((?:FK|PM):[A-Z]+)` \| (.+?) \| (.+?) \| (.+?) \| (\w+) \|$", DOCS, re.MULTILINE)
    documented = {code: (name, kind, amount, evidence) for code, name, kind, amount, evidence in rows}
    table = {**codes.FK_BENEFITS, **codes.PM_BENEFITS}
    assert list(documented) == list(table)
    for code, benefit in table.items():
        kind = benefit.income.value if benefit.income else "— (manual)"
        amount = ("gross − tax (taxed)" if benefit.taxed else "gross (tax-free)") if benefit.income else "—"
        assert documented[code] == (benefit.name, kind, amount, benefit.evidence.value), code


def test_the_documentation_names_the_other_codes():
    for text in (*codes.SO_ANSWERED, codes.CSN_NOT_FOUND, *sorted(codes.PM_TAX_CODES), "ResultatKod` 0"):
        assert text in DOCS, text
