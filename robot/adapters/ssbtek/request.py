"""SSBTEK's questions: `hamtaBastjanstInformation` for one person, and the `testaBastjanstInformation` ping.

SSBTEK asks per personidentitet, so one application with two adults is two questions. A question
names the municipality (ingivare), the person, the case (the application id as arendeidentitet),
the control period (first day of M−2 to last day of M−1 for an application for month M), the
purpose and the legal basis, the personuppgiftsbiträden that handle the question for it, and says
per authority whether to include it. In v11 Skatteverket is asked for named parts and years (the
`SKV/fraga` block; v11 refuses a question that includes SKV without it). Envelopes are built from
string templates with escaping (cheap, and validated against the XSD in the tests); `parse_question`
reads one back for the simulator, in either version.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import lefi
from robot.adapters.ssbtek.skv_parts import ASKED_PARTS, PARTS
from robot.adapters.ssbtek.soap import DEFAULT, Contract, contract_of, envelope, envelope_ends, escape
from robot.config import Settings
from robot.formats.period import first_day, last_day, shift
from robot.formats.register import Authority

CONTRACT_ORDER: tuple[Authority, ...] = (
    Authority.AF,
    Authority.CSN,
    Authority.FK,
    Authority.SKV,
    Authority.SO,
    Authority.TNS,
    Authority.MIV,
)
"""The order of the authorities in `specifikaFrageparametrar` and `svarsdata`."""


@dataclass(frozen=True)
class Question:
    """One hamtaBastjanstInformation question: one person, one case, one period."""

    personidentitet: str
    arendeidentitet: str
    from_date: dt.date
    to_date: dt.date
    include: frozenset[Authority]
    organisationsnummer: str
    namn: str
    handlaggare: str
    syfte: str
    lagtext: str
    korrelationsid: str | None = None
    frage_tidpunkt: dt.datetime | None = None
    fk_aktorsid: str | None = None
    fk_version: str | None = lefi.VERSION
    fk_query: str | None = None
    """FK's lefiJsonFraga as sent (base64 text); built from the person and period when None."""
    include_question_in_answer: bool = False
    periods: Mapping[Authority, tuple[dt.date, dt.date]] = field(default_factory=dict)
    """Per-authority periods that replace the general one (the contract allows them for AF, CSN, SO, TNS)."""
    personuppgiftsbitraden: tuple[tuple[str, str], ...] = ()
    """(organisationsnummer, namn) of each personuppgiftsbiträde that handles the question for the ingivare."""
    skv_parts: frozenset[str] = ASKED_PARTS
    """v11: the parts of Skatteverket's answer asked for (`skv_parts.PARTS`)."""
    skv_years: tuple[int, ...] = ()
    """v11: the years asked of Skatteverket; empty: the years of the period."""

    def period_for(self, authority: Authority) -> tuple[dt.date, dt.date]:
        return self.periods.get(authority, (self.from_date, self.to_date))

    def years_for_skv(self) -> tuple[int, ...]:
        return self.skv_years or tuple(range(self.from_date.year, self.to_date.year + 1))


SIMULATOR_AKTORSID = "simulator"
"""Sent as FK's aktörsid when none is configured: only allowed towards a simulator on this machine
(the production check in `robot.adapters.tls` refuses a real address without ROBOT_SSBTEK_FK_AKTORSID)."""


@functools.lru_cache(maxsize=64)
def control_period(period: str) -> tuple[dt.date, dt.date]:
    """The dates asked about for an application for month `period` (M): first day of M−2 to last day of M−1."""
    return first_day(shift(period, -2)), last_day(shift(period, -1))


def twelve_digit_organisationsnummer(number: str) -> str:
    """SSBTEK's Organisationsnummer has 12 digits: a 10-digit one gets the prefix 16 (as for legal persons)."""
    digits = number.replace("-", "").strip()
    return "16" + digits if len(digits) == 10 and digits.isdigit() else digits


def question_for(
    settings: Settings,
    request: RegisterRequest,
    personnummer: str,
    *,
    korrelationsid: str | None = None,
    now: dt.datetime | None = None,
) -> Question:
    """The question the robot asks about one adult of an application.

    Authorities asked: those configured (`ssbtek.include`) and those the rules need (`request.authorities`).
    """
    from_date, to_date = control_period(request.period)
    municipality = settings.municipality
    return Question(
        personidentitet=personnummer,
        arendeidentitet=request.application_id,
        from_date=from_date,
        to_date=to_date,
        include=frozenset(settings.ssbtek.include) | request.authorities,
        organisationsnummer=twelve_digit_organisationsnummer(municipality.organisationsnummer),
        namn=municipality.namn,
        handlaggare=municipality.handlaggare,
        syfte=settings.ssbtek.syfte,
        lagtext=settings.ssbtek.lagtext,
        korrelationsid=korrelationsid,
        frage_tidpunkt=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        fk_aktorsid=settings.ssbtek.fk_aktorsid or SIMULATOR_AKTORSID,
        personuppgiftsbitraden=tuple(
            (twelve_digit_organisationsnummer(b.organisationsnummer), b.namn)
            for b in settings.ssbtek.personuppgiftsbitraden
        ),
    )


def fetch_envelope(question: Question, contract: Contract = DEFAULT) -> bytes:
    """The SOAP envelope of a hamtaBastjanstInformation request in the contract's version."""
    q = question
    head = ["<ssbt:hamtaBastjanstInformation><ssbt:generellaFrageparametrar>"]
    if q.frage_tidpunkt is not None:
        head.append(f"<ssbt:frageTidpunkt>{q.frage_tidpunkt.isoformat()}</ssbt:frageTidpunkt>")
    if q.korrelationsid is not None:
        head.append(f"<ssbt:korrelationsid>{escape(q.korrelationsid)}</ssbt:korrelationsid>")
    head.append(
        f"<ssbt:fraganSkallInkluderasISvaret>{'true' if q.include_question_in_answer else 'false'}"
        "</ssbt:fraganSkallInkluderasISvaret>"
    )
    person = (
        f"<ssbt:personidentitet>{escape(q.personidentitet)}</ssbt:personidentitet>"
        f"<ssbt:arendeidentitet>{escape(q.arendeidentitet)}</ssbt:arendeidentitet>{_period(q.from_date, q.to_date)}"
    )
    skv = contract.skv_in_parts and Authority.SKV in q.include
    before_fk, after_fk = _authorities(
        q.include,
        q.fk_version,
        q.fk_aktorsid or SIMULATOR_AKTORSID,
        q.years_for_skv() if skv else (),
        q.skv_parts if skv else frozenset(),
        contract.skv_in_parts,
    )
    query = ""
    if Authority.FK in q.include:
        query = q.fk_query or lefi.encode_question(lefi.LefiQuestion(q.personidentitet, *q.period_for(Authority.FK)))
    ingivare = _ingivare(q.organisationsnummer, q.namn, q.handlaggare)
    purpose = _purpose(q.personuppgiftsbitraden, q.syfte, q.lagtext)
    opening, closing = envelope_ends(contract)
    try:  # the pieces that are the same in every question are encoded once (UTF-8 is cheap only for ASCII)
        return b"".join((
            opening, "".join(head).encode(), _utf8(ingivare), person.encode(), _utf8(purpose),
            _utf8(before_fk), query.encode(), _utf8(after_fk), closing,
        ))  # fmt: skip
    except UnicodeEncodeError:  # a text that cannot be encoded (a lone surrogate): the error as one encode raises it
        return envelope("".join(head) + ingivare + person + purpose + before_fk + query + after_fk, contract)


@functools.lru_cache(maxsize=256)
def _utf8(text: str) -> bytes:
    return text.encode()


@functools.lru_cache(maxsize=64)
def _period(from_date: dt.date, to_date: dt.date) -> str:
    return (
        f"<ssbt:tidsperiod><ssbt:fromDatum>{from_date.isoformat()}</ssbt:fromDatum>"
        f"<ssbt:tomDatum>{to_date.isoformat()}</ssbt:tomDatum></ssbt:tidsperiod>"
    )


@functools.lru_cache(maxsize=256)
def _authorities(
    include: frozenset[Authority],
    fk_version: str | None,
    aktorsid: str,
    skv_years: tuple[int, ...],
    skv_parts: frozenset[str],
    skv_in_parts: bool,
) -> tuple[str, str]:
    """`specifikaFrageparametrar` to its end, in two pieces around FK's lefiJsonFraga (the one part that
    differs per person); the second is empty when FK is not included."""
    pieces = [""]
    for authority in CONTRACT_ORDER:
        name = authority.value
        if authority not in include:
            pieces[-1] += f'<ssbt:{name} inkludera="false"/>'
        elif authority is Authority.FK:
            pieces[-1] += _fk_open(fk_version, aktorsid) + "<ssbt:lefiJsonFraga>"
            pieces.append("</ssbt:lefiJsonFraga></ssbt:fraga></ssbt:FK>")
        elif authority is Authority.SKV and skv_in_parts:
            pieces[-1] += _skv_question(skv_years, skv_parts)
        else:
            pieces[-1] += f'<ssbt:{name} inkludera="true"/>'
    pieces[-1] += "</ssbt:specifikaFrageparametrar></ssbt:hamtaBastjanstInformation>"
    return pieces[0], pieces[1] if len(pieces) > 1 else ""


# The parts of a question that come from the settings are the same in every question: escaped once.


@functools.lru_cache(maxsize=64)
def _ingivare(organisationsnummer: str, namn: str, handlaggare: str) -> str:
    return (
        f"<ssbt:ingivare><ssbt:organisationsnummer>{escape(organisationsnummer)}</ssbt:organisationsnummer>"
        f"<ssbt:namn>{escape(namn)}</ssbt:namn><ssbt:handlaggare>{escape(handlaggare)}</ssbt:handlaggare>"
        "</ssbt:ingivare>"
    )


@functools.lru_cache(maxsize=64)
def _purpose(personuppgiftsbitraden: tuple[tuple[str, str], ...], syfte: str, lagtext: str) -> str:
    parts = []
    for number, (organisationsnummer, namn) in enumerate(personuppgiftsbitraden, start=1):
        parts.append(
            f"<ssbt:personuppgiftsbitrade><ssbt:ordningsnummer>{number}</ssbt:ordningsnummer>"
            f"<ssbt:organisationsnummer>{escape(organisationsnummer)}</ssbt:organisationsnummer>"
            f"<ssbt:namn>{escape(namn)}</ssbt:namn></ssbt:personuppgiftsbitrade>"
        )
    parts.append(
        f"<ssbt:syfte>{escape(syfte)}</ssbt:syfte><ssbt:lagtext>{escape(lagtext)}</ssbt:lagtext>"
        "</ssbt:generellaFrageparametrar><ssbt:specifikaFrageparametrar>"
    )
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def _fk_open(fk_version: str | None, aktorsid: str) -> str:
    version = f"<ssbt:version>{escape(fk_version)}</ssbt:version>" if fk_version else ""
    return f'<ssbt:FK inkludera="true"><ssbt:fraga>{version}<ssbt:aktorsid>{escape(aktorsid)}</ssbt:aktorsid>'


@functools.lru_cache(maxsize=64)
def _skv_question(years: tuple[int, ...], skv_parts: frozenset[str]) -> str:
    ar = "".join(f"<ssbt:ar>{year}</ssbt:ar>" for year in years)
    flags = "".join(f"<ssbt:{part}>{'true' if part in skv_parts else 'false'}</ssbt:{part}>" for part in PARTS)
    return f'<ssbt:SKV inkludera="true"><ssbt:fraga>{ar}{flags}</ssbt:fraga></ssbt:SKV>'


def ping_envelope(contract: Contract = DEFAULT) -> bytes:
    """The testaBastjanstInformation request in the contract's version: it has no parameters."""
    return envelope("<ssbt:testaBastjanstInformation/>", contract)


TEST_ENVELOPE: bytes = ping_envelope()
"""The testaBastjanstInformation request of the default contract."""


# Reading a question back (the simulator's side) ----------------------------------------------


def parse_question(element: etree._Element) -> Question:
    """A hamtaBastjanstInformation element (already valid against its XSD, v10 or v11) as a Question.

    Raises ValueError for the few values the XSD admits but Python's dates do not (e.g. 24:00:00).
    """
    g = f"{{{(contract_of(element) or DEFAULT).namespace}}}"
    top = _children(element, g)
    general = _children(top["generellaFrageparametrar"], g)
    ingivare = _children(general["ingivare"], g)
    include: set[Authority] = set()
    periods: dict[Authority, tuple[dt.date, dt.date]] = {}
    fk_aktorsid = fk_query = fk_version = None
    skv_parts: frozenset[str] = frozenset()
    skv_years: tuple[int, ...] = ()
    for child in top["specifikaFrageparametrar"]:
        if not isinstance(child.tag, str) or child.get("inkludera") not in ("true", "1"):
            continue
        local = child.tag.rsplit("}", 1)[-1]
        authority = _AUTHORITIES.get(local) or Authority(local)
        include.add(authority)
        own = _children(child, g) if len(child) else {}  # most authorities are asked with no parameters
        if "tidsperiod" in own:
            periods[authority] = _dates(own["tidsperiod"], g)
        if "fraga" in own and authority is Authority.SKV:
            skv_years = tuple(int(_text(e)) for e in own["fraga"].iterfind(f"{g}ar"))
            flags = _children(own["fraga"], g)
            skv_parts = frozenset(p for p in PARTS if _text(flags.get(p)).strip() in ("true", "1"))
        elif "fraga" in own:
            fraga = _children(own["fraga"], g)
            fk_aktorsid = _text(fraga.get("aktorsid"))
            fk_query = _text(fraga.get("lefiJsonFraga"))
            fk_version = _text(fraga["version"]).strip() if "version" in fraga else None
    bitraden = tuple(
        (_text(b.find(f"{g}organisationsnummer")).strip(), _text(b.find(f"{g}namn")))
        for b in top["generellaFrageparametrar"].iterfind(f"{g}personuppgiftsbitrade")
    )
    from_date, to_date = _dates(general["tidsperiod"], g)
    tidpunkt = _text(general.get("frageTidpunkt")).strip()
    korrelationsid = general.get("korrelationsid")
    return Question(
        personidentitet=_text(general["personidentitet"]).strip(),
        arendeidentitet=_text(general["arendeidentitet"]),
        from_date=from_date,
        to_date=to_date,
        include=frozenset(include),
        organisationsnummer=_text(ingivare["organisationsnummer"]).strip(),
        namn=_text(ingivare["namn"]),
        handlaggare=_text(ingivare["handlaggare"]),
        syfte=_text(general["syfte"]),
        lagtext=_text(general["lagtext"]),
        korrelationsid=_text(korrelationsid) if korrelationsid is not None else None,
        frage_tidpunkt=dt.datetime.fromisoformat(tidpunkt) if tidpunkt else None,
        fk_aktorsid=fk_aktorsid,
        fk_version=fk_version,
        fk_query=fk_query,
        include_question_in_answer=_text(general["fraganSkallInkluderasISvaret"]).strip() in ("true", "1"),
        periods=periods,
        personuppgiftsbitraden=bitraden,
        skv_parts=skv_parts,
        skv_years=skv_years,
    )


_AUTHORITIES = {a.value: a for a in Authority}


def _children(element: etree._Element, g: str) -> dict[str, etree._Element]:
    """Child elements in the ssbt namespace `g` ("{ns}") by local name (one pass, cheaper than a search per name;
    lxml picks the namespace's elements in C)."""
    n = len(g)
    return {child.tag[n:]: child for child in element.iterchildren(f"{g}*")}


def _text(element: etree._Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _dates(period: etree._Element, g: str) -> tuple[dt.date, dt.date]:
    fields = _children(period, g)
    return (
        dt.date.fromisoformat(_text(fields["fromDatum"]).strip()[:10]),
        dt.date.fromisoformat(_text(fields["tomDatum"]).strip()[:10]),
    )
