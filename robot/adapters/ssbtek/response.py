"""SSBTEK's answers read into register/1: `hamtaBastjanstInformationResponse` and the ping's answer.

Each authority answers with `data` or its own `error` (kalla, felkod, felmeddelande). An authority
that answered with an error, that was asked but did not answer, or whose data cannot be read, is
put in the person's `unavailable`; the others' data is used. A SOAP fault raises `SoapFault`, and an
answer that is not the promised SOAP envelope raises `MalformedAnswer` (both RegisterUnavailable,
with messages free of personal data); an answer in another version's namespace is one such error,
naming both namespaces. In v11 Skatteverket answers in parts (`skv_parts`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from robot.adapters.decoding import UNREADABLE, PayloadError
from robot.adapters.ssbtek import codes, csn, lefi, skv, skv_parts
from robot.adapters.ssbtek.af import asked_control_month, parse_af
from robot.adapters.ssbtek.request import CONTRACT_ORDER, Question
from robot.adapters.ssbtek.so import parse_so
from robot.adapters.ssbtek.soap import (
    DEFAULT,
    TNS,
    Contract,
    MalformedAnswer,
    body_element,
    contract_of,
    error_fields,
    local_name,
    path_text,
    raise_if_fault,
)
from robot.formats.register import (
    AF_UNKNOWN,
    INCOME_SOURCES,
    NOT_REGISTERED,
    AfInfo,
    Authority,
    BusinessRegistration,
    RegisterIncome,
    RegisterPerson,
)

_AUTHORITY_BY_NAME = {a.value: a for a in CONTRACT_ORDER}
_SOURCE_ORDER = {a.value: i for i, a in enumerate(INCOME_SOURCES)}


@dataclass(frozen=True)
class AuthorityError:
    """Why one authority gave no data. `kalla` is SSBTEK's (SSBT or BT) or `adapter` for answers not understood."""

    kalla: str
    felkod: str
    felmeddelande: tuple[str, ...] = ()


NO_ANSWER = AuthorityError("adapter", "NO_ANSWER", ("The authority was asked but is missing from svarsdata",))


@dataclass(frozen=True)
class FetchAnswer:
    person: RegisterPerson
    errors: Mapping[Authority, AuthorityError]
    """Why each authority in `person.unavailable` is there (for logs: kalla and felkod carry no personal data)."""
    skv: skv_parts.SkvParts | None = None
    """v11: Skatteverket's parts as decoded (each part's own error included), when SKV answered in parts."""


@dataclass(frozen=True)
class AuthorityTest:
    """One authority's part of the ping: whether its own test service was called, and its error if any."""

    anropad: bool
    error: AuthorityError | None = None

    @property
    def state(self) -> str:
        if self.error is not None:
            return "error"
        return "ok" if self.anropad else "not called"


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
    t = _tags(contract.namespace)
    echoed = svarsdata = None
    for child in payload:  # one pass for the first of each, as `findtext` and `find` would give them
        tag = child.tag
        if tag == t.korrelationsid:
            if echoed is None:
                echoed = child.text or ""
        elif tag == t.svarsdata and svarsdata is None:
            svarsdata = child
    if korrelationsid is not None and echoed is not None and echoed != korrelationsid:
        raise MalformedAnswer("SSBTEK's answer carries another question's korrelationsid")
    if svarsdata is None:
        raise MalformedAnswer("SSBTEK's answer has no svarsdata")

    g = t.g
    af: AfInfo = NOT_REGISTERED
    incomes: list[RegisterIncome] = []
    errors: dict[Authority, AuthorityError] = {}
    answered: set[Authority] = set()
    skv_answer: skv_parts.SkvParts | None = None
    business: BusinessRegistration | None = None
    for element in svarsdata:
        tag = element.tag
        authority = t.authorities.get(tag) if tag.__class__ is str else None
        if authority is None:
            authority = _AUTHORITY_BY_NAME.get(local_name(element))  # an authority in another namespace
        if authority is None or authority not in include:
            continue
        answered.add(authority)
        if authority is Authority.SKV and contract.skv_in_parts:
            skv_answer = skv_parts.decode(element, g, personnummer, skv_asked)
            if skv_answer.unusable is not None:
                errors[authority] = AuthorityError(**vars(skv_answer.unusable))
            else:
                incomes.extend(skv_answer.pay)
                business = skv_answer.business
            continue
        data = next(element.iterchildren(etree.Element), None)  # the first element (no comment, no PI)
        data_tag = None if data is None else data.tag
        if data_tag == t.error:
            errors[authority] = _error(data, g)
            continue
        if data_tag != t.data:
            errors[authority] = AuthorityError("adapter", "NO_DATA", ("Neither data nor error",))
            continue
        try:
            if authority is Authority.AF:
                af = parse_af(data, personnummer, control_month)
            else:
                incomes.extend(_incomes(authority, data, personnummer, so_answered, t, lefi_providers))
        except PayloadError as exc:
            errors[authority] = AuthorityError("adapter", exc.felkod, (str(exc),))
        except ValueError:  # register/1 refusing a value
            errors[authority] = AuthorityError("adapter", UNREADABLE, ("a value outside register/1",))
    for authority in include - answered:
        errors[authority] = NO_ANSWER

    unavailable = sorted(errors) if errors else []  # Authority is a StrEnum: by value
    if Authority.AF in errors:
        af = AF_UNKNOWN
    if errors:
        incomes = [i for i in incomes if i.source not in errors]
    kept = sorted(incomes, key=income_order) if len(incomes) > 1 else incomes
    person = RegisterPerson(af=af, incomes=kept, unavailable=unavailable, business=business)
    return FetchAnswer(person=person, errors=errors, skv=skv_answer)


def parse_saved_answer(
    body: bytes, personnummer: str, so_answered: Iterable[str] = codes.SO_ANSWERED, control_month: str | None = None
) -> FetchAnswer:
    """A saved hamtaBastjanstInformation answer about `personnummer`, in either version (by its namespace),
    read as if its authorities, and Skatteverket's parts it carries, were asked.

    `control_month`: the month AF's report date is judged against when AF's answer does not echo the question.
    """
    payload = body_element(body)
    raise_if_fault(payload)
    contract = contract_of(payload) or DEFAULT
    g = f"{{{contract.namespace}}}"
    svarsdata = payload.find(f"{g}svarsdata")
    elements = [e for e in (svarsdata if svarsdata is not None else ()) if isinstance(e.tag, str)]
    present = frozenset(_AUTHORITY_BY_NAME[local_name(e)] for e in elements if local_name(e) in _AUTHORITY_BY_NAME)
    skv_element = next((e for e in elements if local_name(e) == "SKV"), None)
    skv_present = frozenset(
        local_name(e) for e in (skv_element if skv_element is not None else ()) if isinstance(e.tag, str)
    ) & frozenset(skv_parts.PARTS)
    return parse_fetch_answer(
        body,
        present,
        personnummer=personnummer,
        so_answered=so_answered,
        af_control_month=control_month,
        contract=contract,
        skv_asked=skv_present,
    )


def expect(payload: etree._Element, contract: Contract, name: str) -> None:
    """Raise MalformedAnswer unless `payload` is the contract's element `name`: one message that names
    both namespaces when only the version differs."""
    if payload.tag == contract.tag(name):
        return
    if local_name(payload) == name:
        namespace = etree.QName(payload).namespace or "no namespace"
        raise MalformedAnswer(
            f"SSBTEK answered {name} in namespace {_NAMESPACE.sub('?', namespace)[:100]}, but the robot speaks "
            f"{contract.version} ({contract.namespace}); ROBOT_SSBTEK_PROTOCOL selects the version"
        )
    raise MalformedAnswer(f"SSBTEK answered with {local_name(payload)}, not {name}")


_NAMESPACE = re.compile(r"[^A-Za-z0-9:/._-]")


def income_order(income: RegisterIncome) -> tuple[int, str, str, int, int]:
    """The adapter's order of a person's incomes: by source (AF, CSN, FK, SKV, SO), month, type, amount, tax."""
    return (
        _SOURCE_ORDER[income.source],
        income.month,
        income.type,  # a StrEnum orders as its value (`.value` is a descriptor call on Python 3.11)
        income.amount,
        -1 if income.tax_withheld is None else income.tax_withheld,
    )


@dataclass(frozen=True)
class _Tags:
    """A contract's element names that every answer is read by, built once per namespace."""

    g: str
    korrelationsid: str
    svarsdata: str
    error: str
    data: str
    lefi_svar: str
    csn_svar: str
    authorities: Mapping[str, Authority]


@functools.cache
def _tags(namespace: str) -> _Tags:
    g = f"{{{namespace}}}"
    return _Tags(
        g=g,
        korrelationsid=f"{g}korrelationsid",
        svarsdata=f"{g}svarsdata",
        error=f"{g}error",
        data=f"{g}data",
        lefi_svar=f"{g}lefiJsonSvar",
        csn_svar=f"{g}svar",
        authorities={f"{g}{name}": authority for name, authority in _AUTHORITY_BY_NAME.items()},
    )


_TNS_RESULTAT = f"{{{TNS}}}resultat"


def _incomes(
    authority: Authority,
    data: etree._Element,
    personnummer: str,
    so_answered: Iterable[str],
    t: _Tags,
    lefi_providers: frozenset[str] | None = None,
) -> list[RegisterIncome]:
    if authority is Authority.FK:
        return lefi.decode_answer(_required(data, t.lefi_svar, "FK lefiJsonSvar"), lefi_providers)
    if authority is Authority.CSN:
        return csn.decode_answer(_required(data, t.csn_svar, "CSN svar"), personnummer)
    if authority is Authority.SKV:
        skv.decode_answer(_required(data, "svar", "SKV svar"), personnummer)
        return []  # the yearly assessment carries no register/1 income (monthly pay comes from AGI)
    if authority is Authority.SO:
        return parse_so(data, personnummer, so_answered)
    if authority is Authority.TNS and (path_text(data, _TNS_RESULTAT) or "").strip() == "FEL":
        raise PayloadError("TNS: resultat FEL", "TNS_FEL")
    return []


def _required(data: etree._Element, tag: str, what: str) -> str:
    text = path_text(data, tag)
    if text is None:
        raise PayloadError(f"{what}: missing")
    return text


def _error(element: etree._Element, g: str) -> AuthorityError:
    return AuthorityError(*error_fields(element, g))


def parse_test_answer(body: bytes, contract: Contract = DEFAULT) -> dict[Authority, AuthorityTest]:
    """Per authority in a testaBastjanstInformation answer: called or not, and its error."""
    payload = body_element(body)
    raise_if_fault(payload)
    expect(payload, contract, "testaBastjanstInformationResponse")
    g = f"{{{contract.namespace}}}"
    states: dict[Authority, AuthorityTest] = {}
    for element in payload:
        authority = _AUTHORITY_BY_NAME.get(local_name(element))
        if authority is None:
            continue
        error = element.find(f"{g}error")
        called = (element.findtext(f"{g}anropad") or "").strip() in ("true", "1")
        states[authority] = AuthorityTest(anropad=called, error=_error(error, g) if error is not None else None)
    return states
