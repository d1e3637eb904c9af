"""Skatteverket's part of SSBTEK v10: `SKV/data/svar`, a string holding yearly assessment XML.

The answer (`SvarBeskattningsuppgifterEnligtSFS2008-975`, uppgifter enligt förordning 2008:975)
lists, per person, the taxation year and the income of capital (`Kapitaluppgift`: `Taxeringsar`,
`SummaIntakterPaKapital`, `OverskottPaKapital`). It carries no monthly salary: register/1's SKV
`lon` with `tax_withheld` comes from the employer declarations (`robot.adapters.agi`). This answer
is decoded for what it is (`SkvAssessment`, shown by `robot ssbtek decode`) and decides only
whether SSBTEK's Skatteverket part answered; it gives no register/1 income.

The inner schema is not in the contract: its element names and namespaces are `assumed` from
public fixtures (see docs/ssbtek.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from robot.adapters.decoding import PayloadError, kronor
from robot.adapters.ssbtek.soap import children_at, escape, parse_xml, path_text

NS = "http://xmls.skatteverket.se/se/skatteverket/zg/instans/standardiseradInformation/1.0"
BESKO = "http://xmls.skatteverket.se/se/skatteverket/zg/komponent/infoForBeskattning/1.0"
FOLKO = "http://xmls.skatteverket.se/se/skatteverket/zg/komponent/infoForFolkbokforing/1.0"
ROOT = f"{{{NS}}}SvarBeskattningsuppgifterEnligtSFS2008-975"
_LISTA, _PERSONUPPGIFT = f"{{{NS}}}PersonuppgiftLista", f"{{{NS}}}Personuppgift"
_KAPITAL, _STATUS = f"{{{NS}}}Kapitaluppgift", f"{{{NS}}}StatusPersonuppgiftKod"
_PERSON = f"{{{FOLKO}}}IdentitetsbeteckningFysiskPerson"


@dataclass(frozen=True)
class CapitalIncome:
    taxation_year: int
    income: int | None
    surplus: int | None


@dataclass(frozen=True)
class SkvAssessment:
    found: bool
    """Whether the answer lists the person."""
    status: str | None
    """`StatusPersonuppgiftKod` as given (its codes are not published)."""
    capital: tuple[CapitalIncome, ...]


def decode_answer(text: str, personnummer: str) -> SkvAssessment:
    """The yearly assessment about `personnummer`. Raises PayloadError when it is not that document."""
    try:
        root = parse_xml(text.strip().encode())
    except (etree.XMLSyntaxError, ValueError):
        raise PayloadError("SKV svar: not well-formed XML") from None
    if root.tag != ROOT:
        raise PayloadError("SKV svar: not SvarBeskattningsuppgifterEnligtSFS2008-975")
    for entry in children_at(root, _LISTA, _PERSONUPPGIFT):
        if (path_text(entry, _PERSON) or "").strip() != personnummer:
            continue
        capital = tuple(
            CapitalIncome(
                taxation_year=int(_number(item, "Taxeringsar") or 0),
                income=_number(item, "SummaIntakterPaKapital"),
                surplus=_number(item, "OverskottPaKapital"),
            )
            for item in entry.iterchildren(_KAPITAL)
        )
        status = path_text(entry, _STATUS)
        return SkvAssessment(found=True, status=status.strip() if status else None, capital=capital)
    return SkvAssessment(found=False, status=None, capital=())


def _number(item: etree._Element, name: str) -> int | None:
    text = path_text(item, f"{{{BESKO}}}{name}")
    if text is None or not text.strip():
        return None
    return int(kronor(text, f"SKV {name}"))


def encode_answer(personnummer: str, taxation_year: int) -> str:
    """The simulator's yearly assessment: the person, with no income of capital that year."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SvarBeskattningsuppgifterEnligtSFS2008-975 xmlns="{NS}" xmlns:besko="{BESKO}" xmlns:folko="{FOLKO}">'
        "<PersonuppgiftLista><Personuppgift>"
        f"<folko:IdentitetsbeteckningFysiskPerson>{escape(personnummer)}</folko:IdentitetsbeteckningFysiskPerson>"
        f"<Kapitaluppgift><besko:Taxeringsar>{taxation_year}</besko:Taxeringsar>"
        "<besko:SummaIntakterPaKapital>0</besko:SummaIntakterPaKapital>"
        "<besko:OverskottPaKapital>0</besko:OverskottPaKapital></Kapitaluppgift>"
        "</Personuppgift></PersonuppgiftLista></SvarBeskattningsuppgifterEnligtSFS2008-975>"
    )
