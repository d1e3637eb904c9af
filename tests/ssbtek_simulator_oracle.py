"""The SSBTEK simulator's answers as they were built before issue 23 made the simulator cheaper: the oracle
that tests/test_ssbtek_simulator_equal.py compares `SimulatorApp.answer` with. Copied from the commit before
(the functions that changed: the simulator's answer building, the agencies' encoders and `parse_question`,
renamed with their module's name where two share a name); what did not change is imported.

Frozen on purpose: when the simulator's answers are changed on purpose (another agency's field, another
reading of the contract), delete this file and tests/test_ssbtek_simulator_equal.py rather than changing
both; tests/test_ssbtek_simulator.py and the agencies' own tests hold the behaviour."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from robot.adapters.decoding import PayloadError, iso_date
from robot.adapters.ssbtek import codes, individuppgifter, skv, skv_parts
from robot.adapters.ssbtek.af import LOOKUP_FAILED, MESSAGES, SCHEMA_VERSION
from robot.adapters.ssbtek.csn import _FORMS_V4, _week
from robot.adapters.ssbtek.csn import _GRANT_SHARE as CSN_GRANT_SHARE
from robot.adapters.ssbtek.lefi import (
    _PROVIDER_NAMES,
    _TILLSTAND_TEXT,
    LefiQuestion,
    _fk_json,
    _from_base64,
    _pm_json,
)
from robot.adapters.ssbtek.request import CONTRACT_ORDER, Question
from robot.adapters.ssbtek.simulator import _OWN_ERROR_CHANNEL, FaultInjection, SimulatorStats, ping_answer
from robot.adapters.ssbtek.skv_parts import PARTS
from robot.adapters.ssbtek.so import ERROR_STATUS, RESPONDER, _weekdays
from robot.adapters.ssbtek.soap import (
    AF,
    DEFAULT,
    SO,
    SOAP_ENV,
    TNS,
    Contract,
    contract_of,
    envelope,
    escape,
    fault_envelope,
    load_contract_schema,
    local_name,
    parse_xml,
)
from robot.formats.application import IncomeType
from robot.formats.period import first_day, last_day, of, shift
from robot.formats.register import AfInfo, AktivitetsrapportKod, Authority, Register, RegisterIncome, RegisterPerson


class OldSimulator:
    """`SimulatorApp`'s answers (no HTTP, no fault injection but the per-authority errors), as they were."""

    def __init__(self, register: Register, faults: FaultInjection, contract: Contract = DEFAULT):
        self.register = register
        self.faults = faults
        self.contract = contract
        self.stats = SimulatorStats()
        self.random = random.Random(faults.seed)
        self.schema = load_contract_schema(contract)

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """HTTP status and SOAP envelope for one request body (no fault injection here)."""
        c = self.contract
        fetch, test = c.tag("hamtaBastjanstInformation"), c.tag("testaBastjanstInformation")
        fetch_fault = c.tag("hamtaBastjanstInformationFault")
        try:
            root = parse_xml(body)
        except (etree.XMLSyntaxError, ValueError):
            return self._fault(fetch_fault, "SSBT-XML", "Frågan är inte välformad XML")
        envelope_body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
        payload = (
            next((e for e in envelope_body if isinstance(e.tag, str)), None) if envelope_body is not None else None
        )
        if payload is None:
            return self._fault(fetch_fault, "SSBT-SOAP", "Frågan är inte ett SOAP 1.1-kuvert med en operation")
        other = contract_of(payload)
        if other is not None and other != c:
            return self._fault(
                fetch_fault,
                "SSBT-VERSION",
                f"Frågan är i namnrymden {other.namespace}; tjänsten talar {c.namespace} ({c.version})",
            )
        if payload.tag not in (fetch, test):
            return self._fault(fetch_fault, "SSBT-OPERATION", f"Okänd operation {local_name(payload)}")
        fault_element = fetch_fault if payload.tag == fetch else c.tag("testaBastjanstInformationFault")
        if not self.schema.validate(payload):
            first = self.schema.error_log[0].message if self.schema.error_log else "okänt fel"
            return self._fault(fault_element, "SSBT-VALIDERING", f"Frågan följer inte kontraktet: {first}")
        if payload.tag == test:
            self.stats.answered += 1
            return 200, self.test_answer()
        try:
            question = parse_question(payload)
        except ValueError:
            return self._fault(
                fault_element, "SSBT-VALIDERING", "Frågan har ett datum eller en tidpunkt som inte finns"
            )
        self.stats.answered += 1
        return 200, self.fetch_answer(
            question, _original_question(payload) if question.include_question_in_answer else ""
        )

    def test_answer(self) -> bytes:
        return ping_answer(self.contract, self.faults.authority_error_rate, self.random, self.stats)

    def _fault(self, fault_element: str, felkod: str, felmeddelande: str) -> tuple[int, bytes]:
        self.stats.faults += 1
        return 500, fault_envelope("Client", felmeddelande, fault_element, felkod, felmeddelande, self.contract)

    def fetch_answer(self, question: Question, original: str = "") -> bytes:
        """The hamtaBastjanstInformationResponse for a (valid) question."""
        q = question
        person = self.register.persons.get(q.personidentitet) or RegisterPerson()
        parts = ["<ssbt:hamtaBastjanstInformationResponse>"]
        if original:
            parts.append(original)
        if q.frage_tidpunkt is not None:
            parts.append(f"<ssbt:frageTidpunkt>{q.frage_tidpunkt.isoformat()}</ssbt:frageTidpunkt>")
        if q.korrelationsid is not None:
            parts.append(f"<ssbt:korrelationsid>{escape(q.korrelationsid)}</ssbt:korrelationsid>")
        parts.append("<ssbt:svarsdata>")
        for authority in CONTRACT_ORDER:
            if authority not in q.include:
                continue
            name = authority.value
            error = self._authority_error(authority, person)
            if error is None and authority is Authority.SKV and self.contract.skv_in_parts:
                parts.append(f"<ssbt:SKV>{_skv_parts_xml(q, person)}</ssbt:SKV>")
                continue
            if error is None:
                incomes = _in_period(person.incomes, name, *q.period_for(authority))
                error, data = _data(authority, q, person, incomes, q.personidentitet in self.register.persons)
            if error is not None:
                self.stats.authority_errors += 1
                parts.append(f"<ssbt:{name}>{_error_xml(*error)}</ssbt:{name}>")
            else:
                parts.append(f"<ssbt:{name}><ssbt:data>{data}</ssbt:data></ssbt:{name}>")
        parts.append("</ssbt:svarsdata></ssbt:hamtaBastjanstInformationResponse>")
        return envelope("".join(parts), self.contract)

    def _authority_error(self, authority: Authority, person: RegisterPerson) -> tuple[str, str, str] | None:
        if authority in person.unavailable and authority not in _OWN_ERROR_CHANNEL:
            return ("BT", "BT-503", "Bastjänsten kunde inte besvara frågan (simulerat fel)")
        rate = self.faults.authority_error_rate
        if rate > 0 and self.random.random() < rate:
            return ("SSBT", "SSBT-TIMEOUT", "Timeout vid anrop mot bastjänsten (simulerat fel)")
        return None


def _in_period(incomes: list[RegisterIncome], source: str | None, start: dt.date, end: dt.date) -> list[RegisterIncome]:
    return [
        i
        for i in incomes
        if (source is None or i.source == source) and first_day(i.month) <= end and last_day(i.month) >= start
    ]


def _data(
    authority: Authority, q: Question, person: RegisterPerson, incomes: list[RegisterIncome], present: bool
) -> tuple[tuple[str, str, str] | None, str]:
    """(error, data content) of one authority's answer."""
    pnr = q.personidentitet
    if authority is Authority.AF:
        return None, af_data(q, person.af)
    if authority is Authority.CSN:
        return None, f"<ssbt:svar>{csn_encode_answer(incomes, pnr, known=present)}</ssbt:svar>"
    if authority is Authority.FK:
        try:
            question = lefi_decode_question(q.fk_query or "")
        except ValueError:
            return ("BT", "LEFI-400", "Frågan till Lefi kunde inte läsas"), ""
        if question.personnummer != pnr:
            return ("BT", "LEFI-400", "Frågan till Lefi gäller en annan person än personidentitet"), ""
        answer = lefi_encode_answer(incomes, question, unavailable=Authority.FK in person.unavailable)
        return None, f"<ssbt:lefiJsonSvar>{answer}</ssbt:lefiJsonSvar>"
    if authority is Authority.SKV:
        return None, f"<svar>{escape(skv.encode_answer(pnr, q.to_date.year - 1))}</svar>"
    if authority is Authority.SO:
        return None, so_data(q, incomes, unavailable=Authority.SO in person.unavailable)
    if authority is Authority.TNS:
        return None, f'<tns:resultat xmlns:tns="{TNS}">OK</tns:resultat><tns:fordonsinnehav xmlns:tns="{TNS}"/>'
    return None, ""


def _skv_parts_xml(q: Question, person: RegisterPerson) -> str:
    """Skatteverket's v11 answer: each part asked for, as data or "not found" (nothing registered: not an error)."""
    parts = []
    not_found = _error_xml("BT", "404", "Not found")
    for part in skv_parts.PARTS:
        if part not in q.skv_parts:
            continue
        data = None
        if part == "individuppgifter":
            pay = [
                i for i in _in_period(person.incomes, "SKV", *q.period_for(Authority.SKV)) if i.type is IncomeType.lon
            ]
            data = individuppgifter.encode(pay) if pay else None
        elif part == "foretagsinformation":
            data = skv_parts.encode_business(person.business, q.personidentitet) if person.business else None
        elif part == "skatteuppgifter":
            year = {"beskattningsar": q.to_date.year - 1, "overskottAvTjanst": 0, "sumKapital": 0}
            data = base64.b64encode(json.dumps({"beslutadeSkatteuppgifter": [year]}).encode()).decode()
        elif part == "skattekonto":
            data = base64.b64encode(json.dumps({"saldo": 0}).encode()).decode()
        if data is None:
            parts.append(f"<ssbt:{part}>{not_found}</ssbt:{part}>")
        else:
            parts.append(f"<ssbt:{part}><ssbt:data>{data}</ssbt:data></ssbt:{part}>")
    return "".join(parts)


def _error_xml(kalla: str, felkod: str, felmeddelande: str) -> str:
    return (
        f"<ssbt:error><ssbt:kalla>{kalla}</ssbt:kalla><ssbt:felkod>{escape(felkod)}</ssbt:felkod>"
        f"<ssbt:felmeddelande>{escape(felmeddelande)}</ssbt:felmeddelande></ssbt:error>"
    )


def _original_question(payload: etree._Element) -> str:
    """The question's own parameters, returned in the answer when fraganSkallInkluderasISvaret is true."""
    inner = "".join(etree.tostring(child, encoding="unicode", with_tail=False) for child in payload)
    return f'<ssbt:fraga xmlns:ssbt="{etree.QName(payload).namespace}">{inner}</ssbt:fraga>'


def af_data(question: Question, af: AfInfo) -> str:
    """The content of `ssbt:data` in AF's answer (elements in the af namespace, prefix `af` declared here)."""
    q = question
    from_date, to_date = q.period_for(Authority.AF)
    control_month = of(to_date)
    pnr = escape(q.personidentitet)
    registered = af.status == "inskriven"
    parts = [
        f'<af:Fraga xmlns:af="{AF}"><af:OrganisationsnummerForIngivare>{escape(q.organisationsnummer)}'
        f"</af:OrganisationsnummerForIngivare><af:NamnPaIngivare>{escape(q.namn)}</af:NamnPaIngivare>"
        f"<af:KontonamnForHandlaggare>{escape(q.handlaggare)}</af:KontonamnForHandlaggare>"
        f"<af:Referensnummer>{escape(q.arendeidentitet)}</af:Referensnummer>"
        f"<af:From>{from_date.isoformat()}</af:From><af:Tom>{to_date.isoformat()}</af:Tom>"
        f"<af:SyfteMedFraga>{escape(q.syfte)}</af:SyfteMedFraga><af:LagParagraf>{escape(q.lagtext)}</af:LagParagraf>"
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson></af:Fraga>"
        f'<af:Svar xmlns:af="{AF}"><af:Schemaversion>{SCHEMA_VERSION}</af:Schemaversion>'
        f"<af:Referensnummer>{escape(q.arendeidentitet)}</af:Referensnummer>"
        f"<af:LagParagraf>{escape(q.lagtext)}</af:LagParagraf>"
        f"<af:IdentitetsbeteckningFysiskPerson>{pnr}</af:IdentitetsbeteckningFysiskPerson>"
    ]
    if af.status != "okand":  # a failed lookup about whom AF says nothing carries no ArbetssokandeInfo
        parts.append(f"<af:ArbetssokandeInfo><af:Arbetssokande>{'true' if registered else 'false'}</af:Arbetssokande>")
        if af.registered_since is not None:
            parts.append(
                f"<af:ArbetssokandeRegistrerad>{af.registered_since.isoformat()}</af:ArbetssokandeRegistrerad>"
            )
        parts.append(
            f"<af:AktivetetsRapportDatum><af:AktivitetsRapportMeddelande>{MESSAGES[af.aktivitetsrapport]}"
            "</af:AktivitetsRapportMeddelande>"
        )
        if registered and af.aktivitetsrapport != AktivitetsrapportKod.TECHNICAL_ERROR:
            filed = af.aktivitetsrapport == AktivitetsrapportKod.FILED
            month = control_month if filed else shift(control_month, -2)
            day = first_day(month).replace(day=12).isoformat()
            parts.append(f"<af:SenasteAktivitetsRapportDatum>{day}</af:SenasteAktivitetsRapportDatum>")
        parts.append("</af:AktivetetsRapportDatum></af:ArbetssokandeInfo>")
    lookup = LOOKUP_FAILED if af.aktivitetsrapport == AktivitetsrapportKod.TECHNICAL_ERROR else codes.AF_LOOKUP_OK
    lookup_text = "Tekniskt fel" if lookup != codes.AF_LOOKUP_OK else "Frågan har behandlats normalt"
    parts.append(
        f"<af:StatusSokandeinformationKod>{lookup}</af:StatusSokandeinformationKod>"
        f"<af:StatusSokandeinformationKodText>{lookup_text}</af:StatusSokandeinformationKodText></af:Svar>"
    )
    return "".join(parts)


def so_data(question: Question, incomes: list[RegisterIncome], unavailable: bool = False) -> str:
    """The content of `ssbt:data` in the a-kassor's answer (prefix `so` declared on each element).

    Each income is a payment on the 5th of its month for the previous month's days. `unavailable`:
    the a-kassa answers with an error status and no payments.
    """
    q = question
    from_date, to_date = q.period_for(Authority.SO)
    ns = f' xmlns:so="{SO}"'
    head = (
        ("OrganisationsnummerIngivare", q.organisationsnummer),
        ("NamnIngivare", q.namn),
        ("KontonamnHandlaggare", q.handlaggare),
        ("Referensnummer", q.arendeidentitet),
        ("From", from_date.isoformat()),
        ("Tom", to_date.isoformat()),
        ("Syfte", q.syfte),
        ("Paragraf", q.lagtext),
        ("IdentificationNumber", q.personidentitet),
    )
    parts = [f"<so:{name}{ns}>{escape(value)}</so:{name}>" for name, value in head]
    parts.append(f"<so:ArbetsloshetsersattningLista{ns}>")
    if incomes or unavailable:
        status = ERROR_STATUS if unavailable else codes.SO_ANSWERED[0]
        parts.append(
            f"<so:Arbetsloshetsersattning><so:SvarandeOrganisation>{RESPONDER}</so:SvarandeOrganisation>"
            f"<so:StatusSvarandeOrganisation>{status}</so:StatusSvarandeOrganisation>"
        )
        for income in () if unavailable else incomes:
            worked = shift(income.month, -1)
            start, end = first_day(worked), last_day(worked)
            parts.append(
                f"<so:Utbetalningar><so:Utbetalningsdatum>{first_day(income.month).replace(day=5).isoformat()}"
                f"</so:Utbetalningsdatum><so:NettoEfterSkatt>{income.amount}</so:NettoEfterSkatt>"
                f"<so:NettoEfterAvdrag>{income.amount}</so:NettoEfterAvdrag>"
                f"<so:Ersattningsdagar>{_weekdays(start, end)}</so:Ersattningsdagar>"
                f"<so:AvserFrom>{start.isoformat()}</so:AvserFrom><so:AvserTom>{end.isoformat()}</so:AvserTom>"
                "</so:Utbetalningar>"
            )
        parts.append("</so:Arbetsloshetsersattning>")
    parts.append("</so:ArbetsloshetsersattningLista>")
    return "".join(parts)


def csn_encode_answer(incomes: list[RegisterIncome], personnummer: str, known: bool = True) -> str:
    """A CSNSvar 4.0 about `personnummer` with one paid studiemedel payment per income, base64 encoded.

    `known` False: the person is not known to CSN ("Ej träff").
    """
    version = "4.0"
    v = f"http://schema.csn.se/v{version}"
    has_payments = "1" if incomes else "0"
    forms = "".join(f"<t:{f}>{has_payments if f == 'studiemedel' else '0'}</t:{f}>" for f in _FORMS_V4)
    parts = [
        f'<CSNSvar xmlns="{v}/kommunfraga" xmlns:p="{v}/person" xmlns:t="{v}/csntyper" '
        f'xmlns:sm="{v}/studiemedel" schemaVersion="{version}">'
        "<GemensamtSvarEkbistand><Resultat><ResultatKod>0</ResultatKod>"
        "<ResultatText>Allt OK, inget att rapportera</ResultatText></Resultat></GemensamtSvarEkbistand>"
        "<GemensamtFragaEkbistand/><Personer>"
        f'<Person personnummer="{escape(personnummer[2:])}" sekel="{escape(personnummer[:2])}" '
        f'Status="{escape(" " * 10 if known else codes.CSN_NOT_FOUND)}">'
        f"<p:Studiestodstypforteckning>{forms}</p:Studiestodstypforteckning><p:Studiemedel>"
    ]
    if incomes:
        parts.append(
            '<p:Arenden><p:Arende lopnummer="1"><sm:stodform>GRUND</sm:stodform>'
            "<sm:klartext>Studiemedel för studier i Sverige</sm:klartext><sm:status>BESLUTAD</sm:status>"
            "<sm:soktaTider/><sm:BeviljadeTider/><sm:UtbetalningsPlan>"
        )
        parts.extend(_payment_xml(income) for income in incomes)
        parts.append("</sm:UtbetalningsPlan></p:Arende></p:Arenden>")
    parts.append(
        "</p:Studiemedel><p:Studiehjalp/><p:HemutrustningsLan/><p:Studiestartsstod/><p:Omstallningsstudiestod/>"
        "</Person></Personer></CSNSvar>"
    )
    return base64.b64encode("".join(parts).encode()).decode("ascii")


def _payment_xml(income: RegisterIncome) -> str:
    """One paid payment for the month, as CSN writes it: per type the weekly rate (`belopp`) and the
    payment's amount of that type (`totbelopp`); they differ, as they do in CSN's answers."""
    start, end = first_day(income.month), last_day(income.month)
    weeks = (end - start).days // 7 + 1
    grant = int(income.amount * CSN_GRANT_SHARE)
    rows = "".join(
        f"<t:Belopp><t:beloppstyp>{kind}</t:beloppstyp><t:klartext>{text}</t:klartext>"
        f"<t:belopp>{amount // weeks}</t:belopp><t:totbelopp>{amount}</t:totbelopp></t:Belopp>"
        for kind, text, amount in (("GRUNDB", "Bidrag", grant), ("GRUNDL", "Lån", income.amount - grant))
    )
    return (
        f"<sm:Utbetalning><t:utbetdatum>{start.replace(day=25):%Y%m%d}</t:utbetdatum>"
        "<t:utbetstatus>Utbetald</t:utbetstatus><t:Utbetaldatider><t:Utbetaldtid>"
        f"<t:startvecka>{_week(start)}</t:startvecka><t:slutvecka>{_week(end)}</t:slutvecka>"
        f"<t:Beloppen>{rows}</t:Beloppen><t:totbelopp>{income.amount}</t:totbelopp></t:Utbetaldtid>"
        f"</t:Utbetaldatider><t:totbelopp>{income.amount}</t:totbelopp></sm:Utbetalning>"
    )


def lefi_decode_question(text: str) -> LefiQuestion:
    """The simulator's side. Raises PayloadError for a question Lefi would refuse (HTTP 400)."""
    document = _from_base64(text, "lefiJsonFraga")
    if not isinstance(document, dict):
        raise PayloadError("lefiJsonFraga: not an object")
    personnummer = document.get("personnummer")
    period = document.get("period")
    groups = document.get("utbetalningar")
    if not isinstance(personnummer, str) or not isinstance(period, dict):
        raise PayloadError("lefiJsonFraga: personnummer and period are required")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        raise PayloadError("lefiJsonFraga: no benefit group asked for")
    return LefiQuestion(
        personnummer=personnummer,
        from_date=iso_date(period.get("from"), "lefiJsonFraga period.from"),
        to_date=iso_date(period.get("tom"), "lefiJsonFraga period.tom"),
        groups=tuple(groups),
    )


def lefi_encode_answer(incomes: Iterable[RegisterIncome], question: LefiQuestion, unavailable: bool = False) -> str:
    """The Lefi answer to `question` for these FK incomes (each a payment in its month).

    Payments of groups the question did not ask for are left out, as Lefi does. `unavailable`:
    Försäkringskassan answers with tillstånd OTILLGANGLIG and no data.
    """
    asked = set(question.groups)
    providers = sorted(frozenset(group.split(":", 1)[0] for group in question.groups))
    state = {p: "OTILLGANGLIG" if unavailable and p == "FK" else "OK" for p in providers}
    document: dict[str, Any] = {
        "utlamnare": [
            {
                "utlamnare": {"kod": p, "namn": _PROVIDER_NAMES[p]},
                "tillstand": {"kod": state[p], "beskrivning": _TILLSTAND_TEXT[state[p]]},
            }
            for p in providers
            if p in _PROVIDER_NAMES
        ],
        "avvikelser": {},
    }
    fk_payments: list[dict[str, Any]] = []
    pm_payments: list[dict[str, Any]] = []
    if not unavailable:
        for income in incomes:
            code = codes.FK_PAYMENT_FAMILY[income.type]
            if code not in asked:
                continue
            if code.startswith("PM:"):
                pm_payments.append(_pm_json(codes.PM_BENEFITS[code], income))
            else:
                fk_payments.append(_fk_json(codes.FK_BENEFITS[code], income))
    if fk_payments:
        document["formansinformation"] = {"utbetalningsuppgift": fk_payments}
    if pm_payments:
        document["utbetalningar"] = pm_payments
    return _to_base64(document)


def _to_base64(document: Mapping[str, Any]) -> str:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode("ascii")


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
        authority = Authority(child.tag.rsplit("}", 1)[-1])
        include.add(authority)
        own = _children(child, g)
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


def _children(element: etree._Element, g: str) -> dict[str, etree._Element]:
    """Child elements in the ssbt namespace `g` ("{ns}") by local name (one pass, cheaper than a search per name)."""
    return {child.tag[len(g) :]: child for child in element if isinstance(child.tag, str) and child.tag.startswith(g)}


def _text(element: etree._Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _dates(period: etree._Element, g: str) -> tuple[dt.date, dt.date]:
    fields = _children(period, g)
    return (
        dt.date.fromisoformat(_text(fields["fromDatum"]).strip()[:10]),
        dt.date.fromisoformat(_text(fields["tomDatum"]).strip()[:10]),
    )
