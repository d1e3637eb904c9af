"""SSBTEK's answers read into register/1: `hamtaBastjanstInformationResponse` and the ping's answer.

Each authority answers with `data` or its own `error` (kalla, felkod, felmeddelande). An authority
that answered with an error, that was asked but did not answer, or whose data cannot be read, is
put in the person's `unavailable`; the others' data is used. A SOAP fault raises `SoapFault`, and an
answer that is not the promised SOAP envelope raises `MalformedAnswer` (both RegisterUnavailable,
with messages free of personal data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from robot.adapters.decoding import UNREADABLE, PayloadError
from robot.adapters.ssbtek import codes, csn, lefi, skv
from robot.adapters.ssbtek.af import asked_control_month, parse_af
from robot.adapters.ssbtek.request import CONTRACT_ORDER, Question
from robot.adapters.ssbtek.so import parse_so
from robot.adapters.ssbtek.soap import (
    FETCH_RESPONSE,
    SSBT,
    TEST_RESPONSE,
    TNS,
    MalformedAnswer,
    body_element,
    local_name,
    raise_if_fault,
)
from robot.formats.register import (
    AF_UNKNOWN,
    INCOME_SOURCES,
    NOT_REGISTERED,
    AfInfo,
    Authority,
    RegisterIncome,
    RegisterPerson,
)

_G = f"{{{SSBT}}}"
_DATA = f"{_G}data"
_ERROR = f"{_G}error"
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
) -> FetchAnswer:
    """One person's register data from a hamtaBastjanstInformation answer to a question that included `include`.

    `question`: the question asked, which says what AF's control month is and which Lefi providers must
    answer; None for a saved answer (each agency judged by its own answer: AF by its echo of the
    question or `af_control_month` if given, Lefi by its own provider list).
    """
    control_month = asked_control_month(question) if question is not None else af_control_month
    lefi_providers = lefi.providers_asked(question.fk_query) if question is not None else None
    payload = body_element(body)
    raise_if_fault(payload)
    if payload.tag != FETCH_RESPONSE:
        raise MalformedAnswer(f"SSBTEK answered with {local_name(payload)}, not hamtaBastjanstInformationResponse")
    echoed = payload.findtext(f"{_G}korrelationsid")
    if korrelationsid is not None and echoed is not None and echoed != korrelationsid:
        raise MalformedAnswer("SSBTEK's answer carries another question's korrelationsid")
    svarsdata = payload.find(f"{_G}svarsdata")
    if svarsdata is None:
        raise MalformedAnswer("SSBTEK's answer has no svarsdata")

    af: AfInfo = NOT_REGISTERED
    incomes: list[RegisterIncome] = []
    errors: dict[Authority, AuthorityError] = {}
    answered: set[Authority] = set()
    for element in svarsdata:
        authority = _AUTHORITY_BY_NAME.get(local_name(element))
        if authority is None or authority not in include:
            continue
        answered.add(authority)
        data = next((child for child in element if isinstance(child.tag, str)), None)
        if data is not None and data.tag == _ERROR:
            errors[authority] = _error(data)
            continue
        if data is None or data.tag != _DATA:
            errors[authority] = AuthorityError("adapter", "NO_DATA", ("Neither data nor error",))
            continue
        try:
            if authority is Authority.AF:
                af = parse_af(data, personnummer, control_month)
            else:
                incomes.extend(_incomes(authority, data, personnummer, so_answered, lefi_providers))
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
    person = RegisterPerson(af=af, incomes=kept, unavailable=unavailable)
    return FetchAnswer(person=person, errors=errors)


def parse_saved_answer(
    body: bytes, personnummer: str, so_answered: Iterable[str] = codes.SO_ANSWERED, control_month: str | None = None
) -> FetchAnswer:
    """A saved hamtaBastjanstInformation answer about `personnummer`, read as if its authorities were asked.

    `control_month`: the month AF's report date is judged against when AF's answer does not echo the question.
    """
    payload = body_element(body)
    raise_if_fault(payload)
    svarsdata = payload.find(f"{_G}svarsdata")
    present = frozenset(
        _AUTHORITY_BY_NAME[local_name(e)]
        for e in (svarsdata if svarsdata is not None else ())
        if isinstance(e.tag, str) and local_name(e) in _AUTHORITY_BY_NAME
    )
    return parse_fetch_answer(
        body, present, personnummer=personnummer, so_answered=so_answered, af_control_month=control_month
    )


def income_order(income: RegisterIncome) -> tuple[int, str, str, int, int]:
    """The adapter's order of a person's incomes: by source (AF, CSN, FK, SKV, SO), month, type, amount, tax."""
    return (
        _SOURCE_ORDER[income.source],
        income.month,
        income.type.value,
        income.amount,
        -1 if income.tax_withheld is None else income.tax_withheld,
    )


def _incomes(
    authority: Authority,
    data: etree._Element,
    personnummer: str,
    so_answered: Iterable[str],
    lefi_providers: frozenset[str] | None = None,
) -> list[RegisterIncome]:
    if authority is Authority.FK:
        return lefi.decode_answer(_required(data, f"{_G}lefiJsonSvar", "FK lefiJsonSvar"), lefi_providers)
    if authority is Authority.CSN:
        return csn.decode_answer(_required(data, f"{_G}svar", "CSN svar"), personnummer)
    if authority is Authority.SKV:
        skv.decode_answer(_required(data, "svar", "SKV svar"), personnummer)
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


def _error(element: etree._Element) -> AuthorityError:
    return AuthorityError(
        kalla=(element.findtext(f"{_G}kalla") or "").strip(),
        felkod=(element.findtext(f"{_G}felkod") or "").strip(),
        felmeddelande=tuple(e.text or "" for e in element.iterfind(f"{_G}felmeddelande")),
    )


def parse_test_answer(body: bytes) -> dict[Authority, AuthorityTest]:
    """Per authority in a testaBastjanstInformation answer: called or not, and its error."""
    payload = body_element(body)
    raise_if_fault(payload)
    if payload.tag != TEST_RESPONSE:
        raise MalformedAnswer(f"SSBTEK answered with {local_name(payload)}, not testaBastjanstInformationResponse")
    states: dict[Authority, AuthorityTest] = {}
    for element in payload:
        authority = _AUTHORITY_BY_NAME.get(local_name(element))
        if authority is None:
            continue
        error = element.find(f"{_G}error")
        called = (element.findtext(f"{_G}anropad") or "").strip() in ("true", "1")
        states[authority] = AuthorityTest(anropad=called, error=_error(error) if error is not None else None)
    return states
