"""SSBTEK's questions: `hamtaBastjanstInformation` for one person, and the `testaBastjanstInformation` ping.

SSBTEK asks per personidentitet, so one application with two adults is two questions. A question
names the municipality (ingivare), the person, the case (the application id as arendeidentitet),
the control period (first day of M−2 to last day of M−1 for an application for month M), the
purpose and the legal basis, and says per authority whether to include it. Envelopes are built from
string templates with escaping (cheap, and validated against the XSD in the tests); `parse_question`
reads one back for the simulator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import lefi
from robot.adapters.ssbtek.soap import SSBT, envelope, escape
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

    def period_for(self, authority: Authority) -> tuple[dt.date, dt.date]:
        return self.periods.get(authority, (self.from_date, self.to_date))


SIMULATOR_AKTORSID = "simulator"
"""Sent as FK's aktörsid when none is configured: only allowed towards a simulator on this machine
(the production check in `robot.adapters.tls` refuses a real address without ROBOT_SSBTEK_FK_AKTORSID)."""


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
    )


def fetch_envelope(question: Question) -> bytes:
    """The SOAP envelope of a hamtaBastjanstInformation request."""
    q = question
    parts = ["<ssbt:hamtaBastjanstInformation><ssbt:generellaFrageparametrar>"]
    if q.frage_tidpunkt is not None:
        parts.append(f"<ssbt:frageTidpunkt>{q.frage_tidpunkt.isoformat()}</ssbt:frageTidpunkt>")
    if q.korrelationsid is not None:
        parts.append(f"<ssbt:korrelationsid>{escape(q.korrelationsid)}</ssbt:korrelationsid>")
    parts.append(
        f"<ssbt:fraganSkallInkluderasISvaret>{'true' if q.include_question_in_answer else 'false'}"
        "</ssbt:fraganSkallInkluderasISvaret>"
        f"<ssbt:ingivare><ssbt:organisationsnummer>{escape(q.organisationsnummer)}</ssbt:organisationsnummer>"
        f"<ssbt:namn>{escape(q.namn)}</ssbt:namn><ssbt:handlaggare>{escape(q.handlaggare)}</ssbt:handlaggare>"
        f"</ssbt:ingivare><ssbt:personidentitet>{escape(q.personidentitet)}</ssbt:personidentitet>"
        f"<ssbt:arendeidentitet>{escape(q.arendeidentitet)}</ssbt:arendeidentitet>"
        f"<ssbt:tidsperiod><ssbt:fromDatum>{q.from_date.isoformat()}</ssbt:fromDatum>"
        f"<ssbt:tomDatum>{q.to_date.isoformat()}</ssbt:tomDatum></ssbt:tidsperiod>"
        f"<ssbt:syfte>{escape(q.syfte)}</ssbt:syfte><ssbt:lagtext>{escape(q.lagtext)}</ssbt:lagtext>"
        "</ssbt:generellaFrageparametrar><ssbt:specifikaFrageparametrar>"
    )
    for authority in CONTRACT_ORDER:
        name = authority.value
        if authority not in q.include:
            parts.append(f'<ssbt:{name} inkludera="false"/>')
        elif authority is Authority.FK:
            query = q.fk_query or lefi.encode_question(
                lefi.LefiQuestion(q.personidentitet, *q.period_for(Authority.FK))
            )
            version = f"<ssbt:version>{escape(q.fk_version)}</ssbt:version>" if q.fk_version else ""
            parts.append(
                f'<ssbt:FK inkludera="true"><ssbt:fraga>{version}'
                f"<ssbt:aktorsid>{escape(q.fk_aktorsid or SIMULATOR_AKTORSID)}</ssbt:aktorsid>"
                f"<ssbt:lefiJsonFraga>{query}</ssbt:lefiJsonFraga></ssbt:fraga></ssbt:FK>"
            )
        else:
            parts.append(f'<ssbt:{name} inkludera="true"/>')
    parts.append("</ssbt:specifikaFrageparametrar></ssbt:hamtaBastjanstInformation>")
    return envelope("".join(parts))


TEST_ENVELOPE: bytes = envelope("<ssbt:testaBastjanstInformation/>")
"""The testaBastjanstInformation request: it has no parameters."""


# Reading a question back (the simulator's side) ----------------------------------------------

_G = f"{{{SSBT}}}"


def parse_question(element: etree._Element) -> Question:
    """A hamtaBastjanstInformation element (already valid against the XSD) as a Question.

    Raises ValueError for the few values the XSD admits but Python's dates do not (e.g. 24:00:00).
    """
    top = _children(element)
    general = _children(top["generellaFrageparametrar"])
    ingivare = _children(general["ingivare"])
    include: set[Authority] = set()
    periods: dict[Authority, tuple[dt.date, dt.date]] = {}
    fk_aktorsid = fk_query = fk_version = None
    for child in top["specifikaFrageparametrar"]:
        if not isinstance(child.tag, str) or child.get("inkludera") not in ("true", "1"):
            continue
        authority = Authority(child.tag.rsplit("}", 1)[-1])
        include.add(authority)
        own = _children(child)
        if "tidsperiod" in own:
            periods[authority] = _dates(own["tidsperiod"])
        if "fraga" in own:
            fraga = _children(own["fraga"])
            fk_aktorsid = _text(fraga.get("aktorsid"))
            fk_query = _text(fraga.get("lefiJsonFraga"))
            fk_version = _text(fraga["version"]).strip() if "version" in fraga else None
    from_date, to_date = _dates(general["tidsperiod"])
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
    )


def _children(element: etree._Element) -> dict[str, etree._Element]:
    """Child elements in the ssbt namespace by local name (one pass, cheaper than a search per name)."""
    return {child.tag[len(_G) :]: child for child in element if isinstance(child.tag, str) and child.tag.startswith(_G)}


def _text(element: etree._Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _dates(period: etree._Element) -> tuple[dt.date, dt.date]:
    fields = _children(period)
    return (
        dt.date.fromisoformat(_text(fields["fromDatum"]).strip()[:10]),
        dt.date.fromisoformat(_text(fields["tomDatum"]).strip()[:10]),
    )
