"""The SSBTEK decoding and question building as they were before issue 23 made them cheaper: the oracle that
tests/test_ssbtek_decode_equal.py compares the robot's code with. Copied from the commit before (functions
that changed, renamed with their module's name where two share a name); what did not change is imported.

Frozen on purpose: when decoding is changed on purpose (a new field, another reading of an agency), delete
this file and tests/test_ssbtek_decode_equal.py rather than changing both; the agencies' own tests hold the
behaviour."""

# ruff: noqa: F401, I001
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable

from lxml import etree

from robot.adapters import xml_limits
from robot.adapters.decoding import (
    UNREADABLE,
    PayloadError,
    checked_amount,
    kronor,
    code_text,
    iso_date,
    month_of_date,
    twelve_digit,
    whole_kronor,
)
from robot.adapters.ssbtek import codes, lefi, skv
from robot.adapters.ssbtek.skv import BESKO, FOLKO, NS, ROOT, CapitalIncome, SkvAssessment
from robot.adapters.ssbtek.af import _A, NO_CONTROL_MONTH, report_code
from robot.adapters.ssbtek.csn import CsnAnswer, CsnPayment, BENEFIT_NEEDS_JUDGEMENT, _normalised, _payment
from robot.adapters.ssbtek.individuppgifter import declared_pay
from robot.adapters.ssbtek.lefi import LefiQuestion, _groups_json
from robot.adapters.ssbtek.request import (
    SIMULATOR_AKTORSID,
    CONTRACT_ORDER,
    Question,
    _fk_open,
    _ingivare,
    _purpose,
    _skv_question,
)
from robot.adapters.ssbtek.response import (
    _AUTHORITY_BY_NAME,
    NO_ANSWER,
    AuthorityError,
    FetchAnswer,
    expect,
    income_order,
)
from robot.adapters.ssbtek.af import asked_control_month
from robot.adapters.ssbtek.skv_parts import (
    PARTS,
    USED_PARTS,
    ASKED_PARTS,
    Assessment,
    PartError,
    SkvParts,
    _assessments,
    _json,
    _optional_number,
    _part_names,
    decode_business,
)
from robot.adapters.ssbtek import individuppgifter, skv_parts
from robot.adapters.ssbtek.so import _S
from robot.adapters.ssbtek.soap import (
    _BODY,
    _ENVELOPE,
    _NOT_XML_CHAR,
    _SPECIAL,
    _ENTITIES,
    DEFAULT,
    TNS,
    Contract,
    MalformedAnswer,
    envelope,
    local_name,
    parse_xml,
    raise_if_fault,
)
from robot.formats.application import IncomeType
from robot.formats.period import of
from robot.formats.register import (
    AF_UNKNOWN,
    NOT_REGISTERED,
    AfInfo,
    Authority,
    BusinessRegistration,
    RegisterIncome,
    RegisterPerson,
)


def parse_fetch_answer(
    body: bytes,
    include: frozenset[Authority],
    korrelationsid: str | None = None,
    *,
    personnummer: str,
    so_answered: Iterable[str] = codes.SO_ANSWERED,
    question: Question | None = None,
    af_control_month: str | None = None,
    contract: Contract = DEFAULT,
    skv_asked: frozenset[str] = skv_parts.ASKED_PARTS,
) -> FetchAnswer:
    """One person's register data from a hamtaBastjanstInformation answer to a question that included `include`.

    `question`: the question asked, which says what AF's control month is and which Lefi providers must
    answer; None for a saved answer (each agency judged by its own answer: AF by its echo of the
    question or `af_control_month` if given, Lefi by its own provider list). `skv_asked`: the parts
    Skatteverket was asked for (v11).
    """
    control_month = asked_control_month(question) if question is not None else af_control_month
    lefi_providers = lefi.providers_asked(question.fk_query) if question is not None else None
    payload = body_element(body)
    raise_if_fault(payload)
    expect(payload, contract, "hamtaBastjanstInformationResponse")
    g = f"{{{contract.namespace}}}"
    echoed = payload.findtext(f"{g}korrelationsid")
    if korrelationsid is not None and echoed is not None and echoed != korrelationsid:
        raise MalformedAnswer("SSBTEK's answer carries another question's korrelationsid")
    svarsdata = payload.find(f"{g}svarsdata")
    if svarsdata is None:
        raise MalformedAnswer("SSBTEK's answer has no svarsdata")

    af: AfInfo = NOT_REGISTERED
    incomes: list[RegisterIncome] = []
    errors: dict[Authority, AuthorityError] = {}
    answered: set[Authority] = set()
    skv_answer: skv_parts.SkvParts | None = None
    business: BusinessRegistration | None = None
    for element in svarsdata:
        authority = _AUTHORITY_BY_NAME.get(local_name(element))
        if authority is None or authority not in include:
            continue
        answered.add(authority)
        if authority is Authority.SKV and contract.skv_in_parts:
            skv_answer = skv_decode(element, g, personnummer, skv_asked)
            if skv_answer.unusable is not None:
                errors[authority] = AuthorityError(**vars(skv_answer.unusable))
            else:
                incomes.extend(skv_answer.pay)
                business = skv_answer.business
            continue
        data = next((child for child in element if isinstance(child.tag, str)), None)
        if data is not None and data.tag == f"{g}error":
            errors[authority] = _error(data, g)
            continue
        if data is None or data.tag != f"{g}data":
            errors[authority] = AuthorityError("adapter", "NO_DATA", ("Neither data nor error",))
            continue
        try:
            if authority is Authority.AF:
                af = af_parse_af(data, personnummer, control_month)
            else:
                incomes.extend(_incomes(authority, data, personnummer, so_answered, g, lefi_providers))
        except PayloadError as exc:
            errors[authority] = AuthorityError("adapter", exc.felkod, (str(exc),))
        except ValueError:  # register/1 refusing a value
            errors[authority] = AuthorityError("adapter", UNREADABLE, ("a value outside register/1",))
    for authority in include - answered:
        errors[authority] = NO_ANSWER

    unavailable = sorted(errors, key=lambda a: a.value)
    if Authority.AF in errors:
        af = AF_UNKNOWN
    kept = sorted((i for i in incomes if i.source not in errors), key=income_order)
    person = RegisterPerson(af=af, incomes=kept, unavailable=unavailable, business=business)
    return FetchAnswer(person=person, errors=errors, skv=skv_answer)


def _incomes(
    authority: Authority,
    data: etree._Element,
    personnummer: str,
    so_answered: Iterable[str],
    g: str,
    lefi_providers: frozenset[str] | None = None,
) -> list[RegisterIncome]:
    if authority is Authority.FK:
        return lefi.decode_answer(_required(data, f"{g}lefiJsonSvar", "FK lefiJsonSvar"), lefi_providers)
    if authority is Authority.CSN:
        return csn_decode_answer(_required(data, f"{g}svar", "CSN svar"), personnummer)
    if authority is Authority.SKV:
        skv_decode_answer(_required(data, "svar", "SKV svar"), personnummer)
        return []  # the yearly assessment carries no register/1 income (monthly pay comes from AGI)
    if authority is Authority.SO:
        return parse_so(data, personnummer, so_answered)
    if authority is Authority.TNS and (data.findtext(f"{{{TNS}}}resultat") or "").strip() == "FEL":
        raise PayloadError("TNS: resultat FEL", "TNS_FEL")
    return []


def _required(data: etree._Element, tag: str, what: str) -> str:
    text = data.findtext(tag)
    if text is None:
        raise PayloadError(f"{what}: missing")
    return text


def _error(element: etree._Element, g: str) -> AuthorityError:
    return AuthorityError(
        kalla=(element.findtext(f"{g}kalla") or "").strip(),
        felkod=(element.findtext(f"{g}felkod") or "").strip(),
        felmeddelande=tuple(e.text or "" for e in element.iterfind(f"{g}felmeddelande")),
    )


def skv_decode(element: etree._Element, g: str, personnummer: str, asked: frozenset[str]) -> SkvParts:
    """Skatteverket's answer (`SKV` in svarsdata, namespace `g` = "{ns}") to a question that asked for `asked`."""
    children: dict[str, etree._Element] = {}  # the first child of each name, as `find` would give it
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, child)
    whole = children.get(f"{g}error")
    if whole is not None:
        error = skv__error(whole, g)
        return SkvParts(errors={"SKV": error}, unusable=error)
    names = _part_names(g)
    if any(tag not in names for tag in children):  # e.g. v10's single `data` in a v11 answer: not the parts read here
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
        error_element = part_element.find(f"{g}error")
        if error_element is not None:
            error = skv__error(error_element, g)
            if part in USED_PARTS and individuppgifter.is_not_found(error.kalla, error.felkod):
                answered.add(part)
                not_found.add(part)
            else:
                errors[part] = error
            continue
        data = part_element.findtext(f"{g}data")
        try:
            if data is None:
                raise PayloadError(f"SKV {part}: neither data nor error")
            if part == "individuppgifter":
                pay = tuple(individuppgifter_decode(data, personnummer))
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
    unusable = next((errors[p] for p in PARTS if p in USED_PARTS and p in asked and p in errors), None)
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


def skv__error(element: etree._Element, g: str) -> PartError:
    return PartError(
        kalla=(element.findtext(f"{g}kalla") or "").strip(),
        felkod=(element.findtext(f"{g}felkod") or "").strip(),
        felmeddelande=tuple(e.text or "" for e in element.iterfind(f"{g}felmeddelande")),
    )


def af_parse_af(data: etree._Element, personnummer: str, control_month: str | None = None) -> AfInfo:
    """AF's `ssbt:data` element about `personnummer` as register/1's `af`. Raises PayloadError.

    `control_month`: the question's (None for a saved answer: AF's echo `Fraga/Tom`, if any, is used).
    """
    svar = data.find(f"{_A}Svar")
    if svar is None:
        raise PayloadError("AF: no Svar")
    parts = {child.tag: child for child in svar}
    who = af__text(parts.get(f"{_A}IdentitetsbeteckningFysiskPerson"))
    if who != personnummer:
        raise PayloadError("AF: the answer is about another person", "ANNAN_PERSON")
    code_text_value = af__text(parts.get(f"{_A}StatusSokandeinformationKod"))
    try:
        lookup = int(code_text_value)
    except ValueError:
        raise PayloadError(f"AF: StatusSokandeinformationKod {code_text(code_text_value)} is not a number") from None
    info = parts.get(f"{_A}ArbetssokandeInfo")
    registered: bool | None = None if lookup != codes.AF_LOOKUP_OK else False
    since = latest = None
    if info is not None:
        fields = {child.tag: child for child in info}
        jobseeker = af__text(fields.get(f"{_A}Arbetssokande"))
        if jobseeker not in ("true", "1", "false", "0"):
            raise PayloadError("AF: ArbetssokandeInfo without a readable Arbetssokande")
        registered = jobseeker in ("true", "1")
        if since_text := af__text(fields.get(f"{_A}ArbetssokandeRegistrerad")):
            since = iso_date(since_text, "AF ArbetssokandeRegistrerad")
        report = info.findtext(f"{_A}AktivetetsRapportDatum/{_A}SenasteAktivitetsRapportDatum")
        if report and report.strip():
            latest = iso_date(report, "AF SenasteAktivitetsRapportDatum")
    if registered is None:
        return AF_UNKNOWN
    month = control_month or af__echoed_month(data)
    if month is None and lookup == codes.AF_LOOKUP_OK and registered and latest is not None:
        raise PayloadError(
            "AF: a report date, but no control month (no Fraga/Tom in the answer and the question not known)",
            NO_CONTROL_MONTH,
        )
    return AfInfo(
        status="inskriven" if registered else "ej_inskriven",
        aktivitetsrapport=report_code(lookup, registered, latest, month or ""),
        registered_since=since,
    )


def af__echoed_month(data: etree._Element) -> str | None:
    tom = data.findtext(f"{_A}Fraga/{_A}Tom")
    return of(iso_date(tom, "AF Fraga/Tom")) if tom is not None else None


def af__text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_so(
    data: etree._Element, personnummer: str, answered: Iterable[str] = codes.SO_ANSWERED
) -> list[RegisterIncome]:
    """The a-kassor's `ssbt:data` element about `personnummer` as incomes of type a_kassa. Raises PayloadError."""
    if (data.findtext(f"{_S}IdentificationNumber") or "").strip() != personnummer:
        raise PayloadError("SO: the answer is about another person", "ANNAN_PERSON")
    ok = {status.strip().casefold() for status in answered}
    incomes = []
    for kassa in data.iterfind(f"{_S}ArbetsloshetsersattningLista/{_S}Arbetsloshetsersattning"):
        status = (kassa.findtext(f"{_S}StatusSvarandeOrganisation") or "").strip()
        if status.casefold() not in ok:
            raise PayloadError(
                f"SO: an a-kassa's status {code_text(status)!r} is not one of the answered statuses", "SO_STATUS"
            )
        for payment in kassa.iterfind(f"{_S}Utbetalningar"):
            month = month_of_date(payment.findtext(f"{_S}Utbetalningsdatum"), "SO Utbetalningsdatum")
            amount = whole_kronor((payment.findtext(f"{_S}NettoEfterSkatt") or "").strip(), "SO NettoEfterSkatt")
            incomes.append(RegisterIncome(source="SO", type=IncomeType.a_kassa, month=month, amount=amount))
    return incomes


def csn_read_answer(text: str, personnummer: str) -> CsnAnswer:
    """The CSNSvar carried in `CSN/data/svar`, about `personnummer`. Raises PayloadError."""
    try:
        root = parse_xml(base64_bytes(text, "CSN svar"))
    except etree.XMLSyntaxError:
        raise PayloadError("CSN svar: not well-formed XML") from None
    version = (root.get("schemaVersion") or "").strip()
    version = version if version in codes.CSN_VERSIONS else _normalised(version)
    if root.tag != f"{{{codes.CSN_VERSIONS.get(version, '?')}}}CSNSvar":
        raise PayloadError(f"CSN svar: not a CSNSvar of a known schema version ({code_text(version)})")
    result = (root.findtext("{*}GemensamtSvarEkbistand/{*}Resultat/{*}ResultatKod") or "").strip()
    if result != codes.CSN_RESULT_OK:
        raise PayloadError(f"CSN: ResultatKod {code_text(result)}", f"CSN_RESULTAT_{code_text(result) or 'SAKNAS'}")
    person = csn__person(root, personnummer)
    known = (person.get("Status") or "").strip() != codes.CSN_NOT_FOUND
    payments: list[CsnPayment] = []
    sections: dict[str, etree._Element] = {}  # by local name, the first of each (as `find("{*}…")` gives it)
    for child in person:
        if isinstance(child.tag, str):
            sections.setdefault(child.tag.rsplit("}", 1)[-1], child)
    for form in codes.CSN_SECTIONS:
        section = sections.get(form)
        if section is None or len(section) == 0:  # absent or empty (the common case): no payment to look for
            continue
        for payment in section.iterfind("{*}Arenden/{*}Arende/{*}UtbetalningsPlan/{*}Utbetalning"):
            payments.append(_payment(form, payment))
    return CsnAnswer(version=version, result=result, known=known, payments=tuple(payments))


def csn_decode_answer(text: str, personnummer: str) -> list[RegisterIncome]:
    """The payments CSN made to the person, as register/1 incomes (one per payment)."""
    incomes = []
    for payment in csn_read_answer(text, personnummer).payments:
        if not payment.paid:
            continue
        income_type = codes.CSN_SECTIONS[payment.form]
        if income_type is None:
            raise PayloadError(f"CSN: a {payment.form} payment is for a handläggare to assess", BENEFIT_NEEDS_JUDGEMENT)
        amount = checked_amount(payment.total, f"CSN {payment.form} totbelopp")
        incomes.append(RegisterIncome(source="CSN", type=income_type, month=of(payment.date), amount=amount))
    return incomes


def csn__person(root: etree._Element, personnummer: str) -> etree._Element:
    for person in root.iterfind("{*}Personer/{*}Person"):
        number = twelve_digit(person.get("personnummer") or "", person.get("sekel"))
        if number == personnummer or (len(number) == 10 and number == personnummer[2:]):
            return person
    raise PayloadError("CSN: the person asked about is not in the answer")


def individuppgifter_decode(data: str, personnummer: str) -> list[RegisterIncome]:
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


def base64_bytes(text: str, where: str) -> bytes:
    """The bytes of an xs:base64Binary element's text (line breaks allowed)."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{where}: not base64") from None


def body_element(data: bytes) -> etree._Element:
    """The first element inside the SOAP Body. Raises MalformedAnswer when there is none."""
    try:
        root = parse_xml(data)
    except xml_limits.XmlTooLarge as exc:
        raise MalformedAnswer(f"SSBTEK's answer {exc}") from None
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedAnswer(f"SSBTEK's answer is not well-formed XML ({type(exc).__name__})") from None
    if root.tag != _ENVELOPE:
        raise MalformedAnswer(f"SSBTEK's answer is not a SOAP 1.1 envelope (root element {local_name(root)})")
    body = root.find(_BODY)
    if body is None or len(body) == 0:
        raise MalformedAnswer("SSBTEK's answer has an empty SOAP body")
    for child in body:
        if isinstance(child.tag, str):
            return child
    raise MalformedAnswer("SSBTEK's answer has an empty SOAP body")


def escape(text: str) -> str:
    """Text for element content or a double-quoted attribute; characters XML 1.0 cannot carry are dropped."""
    if _NOT_XML_CHAR.search(text):
        text = _NOT_XML_CHAR.sub("", text)
    if _SPECIAL.search(text):
        text = _SPECIAL.sub(lambda m: _ENTITIES[m.group()], text)
    return text


def fetch_envelope(question: Question, contract: Contract = DEFAULT) -> bytes:
    """The SOAP envelope of a hamtaBastjanstInformation request in the contract's version."""
    q = question
    parts = ["<ssbt:hamtaBastjanstInformation><ssbt:generellaFrageparametrar>"]
    if q.frage_tidpunkt is not None:
        parts.append(f"<ssbt:frageTidpunkt>{q.frage_tidpunkt.isoformat()}</ssbt:frageTidpunkt>")
    if q.korrelationsid is not None:
        parts.append(f"<ssbt:korrelationsid>{escape(q.korrelationsid)}</ssbt:korrelationsid>")
    parts.append(
        f"<ssbt:fraganSkallInkluderasISvaret>{'true' if q.include_question_in_answer else 'false'}"
        "</ssbt:fraganSkallInkluderasISvaret>"
    )
    parts.append(_ingivare(q.organisationsnummer, q.namn, q.handlaggare))
    parts.append(
        f"<ssbt:personidentitet>{escape(q.personidentitet)}</ssbt:personidentitet>"
        f"<ssbt:arendeidentitet>{escape(q.arendeidentitet)}</ssbt:arendeidentitet>"
        f"<ssbt:tidsperiod><ssbt:fromDatum>{q.from_date.isoformat()}</ssbt:fromDatum>"
        f"<ssbt:tomDatum>{q.to_date.isoformat()}</ssbt:tomDatum></ssbt:tidsperiod>"
    )
    parts.append(_purpose(q.personuppgiftsbitraden, q.syfte, q.lagtext))
    for authority in CONTRACT_ORDER:
        name = authority.value
        if authority not in q.include:
            parts.append(f'<ssbt:{name} inkludera="false"/>')
        elif authority is Authority.FK:
            query = q.fk_query or lefi_encode_question(
                lefi.LefiQuestion(q.personidentitet, *q.period_for(Authority.FK))
            )
            parts.append(_fk_open(q.fk_version, q.fk_aktorsid or SIMULATOR_AKTORSID))
            parts.append(f"<ssbt:lefiJsonFraga>{query}</ssbt:lefiJsonFraga></ssbt:fraga></ssbt:FK>")
        elif authority is Authority.SKV and contract.skv_in_parts:
            parts.append(_skv_question(q.years_for_skv(), q.skv_parts))
        else:
            parts.append(f'<ssbt:{name} inkludera="true"/>')
    parts.append("</ssbt:specifikaFrageparametrar></ssbt:hamtaBastjanstInformation>")
    return envelope("".join(parts), contract)


def lefi_encode_question(question: LefiQuestion) -> str:
    """The question as `lefiJsonFraga`: base64 of `{"personnummer", "period": {"from", "tom"}, "utbetalningar"}`,
    compact, as `_to_base64` writes it (the groups, the same in every question, are written once)."""
    raw = (
        f'{{"personnummer":{lefi__json_text(question.personnummer)},'
        f'"period":{{"from":"{question.from_date.isoformat()}","tom":"{question.to_date.isoformat()}"}},'
        f'"utbetalningar":{_groups_json(question.groups)}}}'
    )
    return base64.b64encode(raw.encode()).decode("ascii")


def lefi__json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def skv_decode_answer(text: str, personnummer: str) -> SkvAssessment:
    """The yearly assessment about `personnummer`. Raises PayloadError when it is not that document."""
    try:
        root = parse_xml(text.strip().encode())
    except (etree.XMLSyntaxError, ValueError):
        raise PayloadError("SKV svar: not well-formed XML") from None
    if root.tag != ROOT:
        raise PayloadError("SKV svar: not SvarBeskattningsuppgifterEnligtSFS2008-975")
    for entry in root.iterfind(f"{{{NS}}}PersonuppgiftLista/{{{NS}}}Personuppgift"):
        if (entry.findtext(f"{{{FOLKO}}}IdentitetsbeteckningFysiskPerson") or "").strip() != personnummer:
            continue
        capital = tuple(
            CapitalIncome(
                taxation_year=int(skv__number(item, "Taxeringsar") or 0),
                income=skv__number(item, "SummaIntakterPaKapital"),
                surplus=skv__number(item, "OverskottPaKapital"),
            )
            for item in entry.iterfind(f"{{{NS}}}Kapitaluppgift")
        )
        status = entry.findtext(f"{{{NS}}}StatusPersonuppgiftKod")
        return SkvAssessment(found=True, status=status.strip() if status else None, capital=capital)
    return SkvAssessment(found=False, status=None, capital=())


def skv__number(item: etree._Element, name: str) -> int | None:
    text = item.findtext(f"{{{BESKO}}}{name}")
    if text is None or not text.strip():
        return None
    return int(kronor(text, f"SKV {name}"))


def xml_limits_check(data: bytes, max_elements: int = xml_limits.MAX_ELEMENTS) -> None:
    """Raise XmlTooLarge when `data` may hold more than `max_elements` elements."""
    if data.count(b"<") <= max_elements:  # an upper bound of `start_tags`: one pass instead of four
        return
    n = xml_limits.start_tags(data)
    if n > max_elements:
        raise xml_limits.XmlTooLarge(f"has more than {max_elements} XML elements ({n} start tags)")
