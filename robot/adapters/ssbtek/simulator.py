"""An SSBTEK simulator: the real SOAP contract served from a register/1 file, with fault injection.

It answers `hamtaBastjanstInformation` and `testaBastjanstInformation` over HTTP (a raw ASGI app run
by uvicorn), in one version of the contract: v11 by default, v10 when asked (`contract`, `robot
ssbtek-sim --protocol`). Every request's body element is validated against that version's XSD; an
invalid request, or one in the other version's namespace, gets a SOAP fault with HTTP 500. Each
included authority answers in the shape the agencies really send (docs/ssbtek.md): AF's
SvarMeddelande, CSN's base64 CSNSvar XML, Försäkringskassan's base64 Lefi v9 JSON, Skatteverket's
parts (v11) or yearly assessment (v10), the a-kassor's payment list. An authority in a person's
`unavailable` answers as that agency says it cannot: Lefi with tillstånd OTILLGANGLIG, an a-kassa
with an error status, the others with an `error` (kalla BT). A person absent from the file has no
incomes, is not registered at AF and is "Ej träff" at CSN. Incomes are served for the months that
overlap the question's period (per authority, when the question gives one).

In v11 Skatteverket answers the parts asked for: `individuppgifter` carries the person's SKV `lon`
incomes in the period (`BT 404 Not found` when there are none), `foretagsinformation` the file's
`business` (`BT 404 Not found` when it has none). SSBTEK v10 has no monthly pay: for it, the
employer-declaration simulator (`robot.adapters.agi.simulator`) serves it from the same file under
`/agi/` (served in both versions). A register file whose data the agencies' answers cannot carry
(an income with source AF, an af code that contradicts the registration, …) is refused when loaded
(`check_register`).

Fault injection (`FaultInjection`), drawn from one seeded `random.Random` so a test is reproducible:
latency per call (with optional spikes), transient HTTP 503/500 answers without a SOAP fault, calls
held far longer than any client timeout (until the client hangs up), and random per-authority
errors (kalla SSBT). `fail_first` makes the first N calls answer 503: a deterministic outage.

`ssbtek_simulator()` runs it on a free port in a background thread (or a subprocess, to keep it
off the caller's interpreter in benchmarks) and yields a `RunningSimulator` with its `url`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import functools
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from lxml import etree

from robot.adapters.agi.simulator import AgiSimulatorApp
from robot.adapters.serving import (
    SimulatorTls,
    base_url,
    in_thread,
    lifespan,
    listening_socket,
    read_body,
    send_answer,
    uvicorn_config,
    wait_for_disconnect,
)
from robot.adapters.ssbtek import codes, csn, individuppgifter, lefi, skv, skv_parts, so
from robot.adapters.ssbtek.af import af_data, representable
from robot.adapters.ssbtek.request import CONTRACT_ORDER, Question, parse_question
from robot.adapters.ssbtek.response import income_order
from robot.adapters.ssbtek.so import so_data_from_payments
from robot.adapters.ssbtek.soap import (
    CONTENT_TYPE,
    DEFAULT,
    SOAP_ENV,
    TNS,
    Contract,
    contract_for,
    contract_of,
    envelope,
    envelope_ends,
    escape,
    fault_envelope,
    load_contract_schema,
    local_name,
    parse_xml,
)
from robot.formats.application import IncomeType
from robot.formats.period import first_day, last_day
from robot.formats.register import AF_UNKNOWN, NOT_REGISTERED, Authority, Register, RegisterIncome, RegisterPerson

__all__ = ["FaultInjection", "SimulatorApp", "SimulatorTls", "listening_socket", "ssbtek_simulator"]

AGI_PATH = "/agi/"
"""Where the employer-declaration simulator is served beside SSBTEK."""

SERVED: Mapping[str, frozenset[IncomeType]] = {
    "CSN": frozenset({IncomeType.studiemedel}),
    "FK": frozenset(codes.FK_PAYMENT_FAMILY),
    "SO": frozenset({IncomeType.a_kassa}),
    "SKV": frozenset({IncomeType.lon}),
}
"""The income types each source's answer can carry (SKV's through the employer declarations)."""

SSBTEK_SOURCES = frozenset({"CSN", "FK", "SO"})
"""Sources whose incomes SSBTEK v10 carries."""
SSBTEK_V11_SOURCES = SSBTEK_SOURCES | {"SKV"}
"""v11 carries Skatteverket's monthly pay too (`individuppgifter`)."""

CSN_MAX_AMOUNT = 9_999_999
"""CSN's `belopp` has at most seven digits."""

_ENVELOPE, _BODY = f"{{{SOAP_ENV}}}Envelope", f"{{{SOAP_ENV}}}Body"
_CONTRACT_NAMES = tuple((a, a.value) for a in CONTRACT_ORDER)

_OWN_ERROR_CHANNEL = frozenset({Authority.FK, Authority.SO})
"""Authorities whose answer itself says they could not answer (Lefi tillstånd, an a-kassa's status)."""


@dataclass(frozen=True)
class FaultInjection:
    """What can go wrong, per call. Rates are probabilities in [0, 1]."""

    latency_ms: float = 0.0
    latency_spike_rate: float = 0.0
    """Share of calls whose latency is `latency_spike_ms` instead."""
    latency_spike_ms: float = 0.0
    error_rate: float = 0.0
    """HTTP 503 or 500 with a plain-text body (no SOAP fault): a transient failure a client should retry."""
    timeout_rate: float = 0.0
    """The call is held, unanswered, until the client hangs up or `hold_seconds` pass."""
    hold_seconds: float = 600.0
    authority_error_rate: float = 0.0
    """Per included authority: answer with an `error` (kalla SSBT, a timeout towards the bastjänst)."""
    fail_first: int = 0
    """The first N calls answer HTTP 503, whatever the rates."""
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("latency_spike_rate", "error_rate", "timeout_rate", "authority_error_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("latency_ms", "latency_spike_ms", "hold_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.fail_first < 0:
            raise ValueError("fail_first must not be negative")

    def outcome(self, rng: random.Random, call: int) -> str:
        """What happens to call number `call`: "ok", "timeout", "503" or "500"."""
        if call <= self.fail_first:
            return "503"
        if self.timeout_rate > 0 and rng.random() < self.timeout_rate:
            return "timeout"
        if self.error_rate > 0 and rng.random() < self.error_rate:
            return "503" if rng.random() < 0.5 else "500"
        return "ok"

    def latency(self, rng: random.Random) -> float:
        """Seconds to wait before answering."""
        if self.latency_spike_rate > 0 and rng.random() < self.latency_spike_rate:
            return self.latency_spike_ms / 1000.0
        return self.latency_ms / 1000.0


@dataclass
class SimulatorStats:
    """Counters since start; read them from tests and benchmarks."""

    calls: int = 0
    answered: int = 0
    faults: int = 0
    """SOAP faults (invalid requests)."""
    injected_errors: int = 0
    injected_timeouts: int = 0
    authority_errors: int = 0
    """Per-authority error elements, from the file's `unavailable` and from injection."""


class SimulatorApp:
    """The ASGI application. One instance per server; not shared between event loops."""

    def __init__(self, register: Register, faults: FaultInjection | None = None, contract: Contract = DEFAULT):
        check_register(register)
        self.register = register
        self.faults = faults or FaultInjection()
        self.contract = contract
        self.stats = SimulatorStats()
        self.random = random.Random(self.faults.seed)
        self.schema = load_contract_schema(contract)
        self._wsdl = contract.wsdl.read_bytes()
        self.agi = AgiSimulatorApp(register)
        self._served = {pnr: _ServedPerson.of(pnr, person) for pnr, person in register.persons.items()}
        self._fetch, self._test = contract.tag("hamtaBastjanstInformation"), contract.tag("testaBastjanstInformation")
        self._fetch_fault = contract.tag("hamtaBastjanstInformationFault")
        self._test_fault = contract.tag("testaBastjanstInformationFault")
        self._envelope_ends = envelope_ends(contract)

    # ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"].startswith(AGI_PATH):
            await self.agi(scope, receive, send)
            return
        if scope["method"] == "GET":
            if scope.get("query_string", b"").lower() == b"wsdl":
                await send_answer(send, 200, self._wsdl, "text/xml; charset=utf-8")
            else:
                await send_answer(send, 200, b"SSBTEK simulator\n", "text/plain; charset=utf-8")
            return
        if scope["method"] != "POST":
            await send_answer(send, 405, b"Method Not Allowed\n", "text/plain; charset=utf-8")
            return
        body = await read_body(receive)
        if body is None:
            await send_answer(send, 413, b"Request Entity Too Large\n", "text/plain; charset=utf-8")
            return

        self.stats.calls += 1
        outcome = self.faults.outcome(self.random, self.stats.calls)
        if outcome == "timeout":
            self.stats.injected_timeouts += 1
            if not await wait_for_disconnect(receive, self.faults.hold_seconds):
                await send_answer(send, 504, b"Gateway Timeout\n", "text/plain; charset=utf-8")
            return
        latency = self.faults.latency(self.random)
        if latency > 0:
            await asyncio.sleep(latency)
        if outcome in ("503", "500"):
            self.stats.injected_errors += 1
            text = b"Service Unavailable\n" if outcome == "503" else b"Internal Server Error\n"
            await send_answer(send, int(outcome), text, "text/plain; charset=utf-8")
            return
        status, answer = self.answer(body)
        await send_answer(send, status, answer, CONTENT_TYPE)

    # SOAP ------------------------------------------------------------------------------------

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """HTTP status and SOAP envelope for one request body (no fault injection here)."""
        c = self.contract
        fetch, test, fetch_fault = self._fetch, self._test, self._fetch_fault
        try:
            root = parse_xml(body)
        except (etree.XMLSyntaxError, ValueError):
            return self._fault(fetch_fault, "SSBT-XML", "Frågan är inte välformad XML")
        envelope_body = next(root.iterchildren(_BODY), None) if root.tag == _ENVELOPE else None
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
        fault_element = fetch_fault if payload.tag == fetch else self._test_fault
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

    def _fault(self, fault_element: str, felkod: str, felmeddelande: str) -> tuple[int, bytes]:
        self.stats.faults += 1
        return 500, fault_envelope("Client", felmeddelande, fault_element, felkod, felmeddelande, self.contract)

    def fetch_answer(self, question: Question, original: str = "") -> bytes:
        """The hamtaBastjanstInformationResponse for a (valid) question."""
        q = question
        served = self._served.get(q.personidentitet) or _ABSENT
        person = served.person
        parts = ["<ssbt:hamtaBastjanstInformationResponse>"]
        if original:
            parts.append(original)
        if q.frage_tidpunkt is not None:
            parts.append(f"<ssbt:frageTidpunkt>{q.frage_tidpunkt.isoformat()}</ssbt:frageTidpunkt>")
        if q.korrelationsid is not None:
            parts.append(f"<ssbt:korrelationsid>{escape(q.korrelationsid)}</ssbt:korrelationsid>")
        parts.append("<ssbt:svarsdata>")
        include = q.include
        for authority, name in _CONTRACT_NAMES:
            if authority not in include:
                continue
            error = self._authority_error(authority, person)
            if error is None and authority is Authority.SKV and self.contract.skv_in_parts:
                parts.append(f"<ssbt:SKV>{_skv_parts_xml(q, served)}</ssbt:SKV>")
                continue
            if error is None:
                error, data = _data(authority, q, served, served.in_period(name, *q.period_for(authority)))
            if error is not None:
                self.stats.authority_errors += 1
                parts.append(f"<ssbt:{name}>{_error_xml(*error)}</ssbt:{name}>")
            else:
                parts.append(f"<ssbt:{name}><ssbt:data>{data}</ssbt:data></ssbt:{name}>")
        parts.append("</ssbt:svarsdata></ssbt:hamtaBastjanstInformationResponse>")
        head, tail = self._envelope_ends
        return head + "".join(parts).encode() + tail

    def _authority_error(self, authority: Authority, person: RegisterPerson) -> tuple[str, str, str] | None:
        if authority in person.unavailable and authority not in _OWN_ERROR_CHANNEL:
            return ("BT", "BT-503", "Bastjänsten kunde inte besvara frågan (simulerat fel)")
        rate = self.faults.authority_error_rate
        if rate > 0 and self.random.random() < rate:
            return ("SSBT", "SSBT-TIMEOUT", "Timeout vid anrop mot bastjänsten (simulerat fel)")
        return None

    def test_answer(self) -> bytes:
        """The testaBastjanstInformationResponse: every authority's test service called."""
        return ping_answer(self.contract, self.faults.authority_error_rate, self.random, self.stats)


def ping_answer(contract: Contract, error_rate: float, rng: random.Random, stats: SimulatorStats) -> bytes:
    """The testaBastjanstInformationResponse, each authority's test service failing at `error_rate`."""
    parts = ["<ssbt:testaBastjanstInformationResponse>"]
    for authority in CONTRACT_ORDER:
        name = authority.value
        if error_rate > 0 and rng.random() < error_rate:
            stats.authority_errors += 1
            error = _error_xml("SSBT", "SSBT-TIMEOUT", "Timeout vid anrop mot bastjänstens testtjänst (simulerat fel)")
            parts.append(f"<ssbt:{name}><ssbt:anropad>true</ssbt:anropad>{error}</ssbt:{name}>")
        else:
            parts.append(f"<ssbt:{name}><ssbt:anropad>true</ssbt:anropad></ssbt:{name}>")
    parts.append("</ssbt:testaBastjanstInformationResponse>")
    return envelope("".join(parts), contract)


def check_register(register: Register) -> None:
    """Refuse register data the agencies' answers cannot carry (so that what is served reads back the same)."""
    for index, person in enumerate(register.persons.values()):
        where = f"person {index + 1} in the file"
        if not representable(person.af):
            raise ValueError(
                f"{where}: af {person.af.status} with aktivitetsrapport {person.af.aktivitetsrapport} cannot be said "
                "by Arbetsförmedlingen's answer (inskriven: 200 or 501; ej_inskriven: 500; either, or okand: 502)"
            )
        for income in person.incomes:
            if income.source == "AF":
                raise ValueError(
                    f"{where}: an income with source AF; Arbetsförmedlingen's answer carries no amounts "
                    "(aktivitetsstöd and etableringsersättning are paid by Försäkringskassan: use source FK)"
                )
            if income.type not in SERVED[income.source]:
                allowed = ", ".join(sorted(t.value for t in SERVED[income.source]))
                raise ValueError(
                    f"{where}: an income with source {income.source} has type {income.type.value}; "
                    f"that source's answer carries only {allowed}"
                )
            if income.tax_withheld is not None and income.source != "SKV":
                raise ValueError(
                    f"{where}: tax_withheld on an income with source {income.source} (only SKV lon has it)"
                )
            if income.source == "CSN" and income.amount > CSN_MAX_AMOUNT:
                raise ValueError(f"{where}: a CSN amount above {CSN_MAX_AMOUNT} (CSN's amounts have seven digits)")


def load_register(path: Path | str) -> Register:
    register = Register.model_validate_json(Path(path).read_bytes(), strict=True)
    check_register(register)
    return register


def expected_person(
    register: Register,
    personnummer: str,
    include: frozenset[Authority],
    from_date: dt.date,
    to_date: dt.date,
    contract: Contract = DEFAULT,
) -> RegisterPerson:
    """What the SSBTEK adapter should read from this simulator's answer to a question, when no faults are injected.

    The person's data restricted to the included authorities, to the sources the contract carries
    (v11: CSN, FK, SKV's monthly pay, SO and the business registration; v10: CSN, FK, SO; never the
    providers' attendance) and to incomes in the period; each included authority in the file's
    `unavailable` reported unavailable (its data withheld), in the adapter's order
    (`response.income_order`). A person absent from the file: no incomes, not registered at AF.
    """
    person = register.persons.get(personnummer) or RegisterPerson()
    unavailable = sorted((a for a in person.unavailable if a in include), key=lambda a: a.value)
    answered = {a.value for a in include} - {a.value for a in unavailable}
    carried = SSBTEK_V11_SOURCES if contract.skv_in_parts else SSBTEK_SOURCES
    incomes = [
        i for i in _in_period(person.incomes, None, from_date, to_date) if i.source in answered and i.source in carried
    ]
    incomes.sort(key=income_order)
    af = person.af if "AF" in answered else AF_UNKNOWN if Authority.AF in unavailable else NOT_REGISTERED
    business = None
    if contract.skv_in_parts and "SKV" in answered and person.business is not None and person.business.registered:
        business = person.business
    return RegisterPerson(af=af, incomes=incomes, unavailable=unavailable, business=business)


def _in_period(incomes: list[RegisterIncome], source: str | None, start: dt.date, end: dt.date) -> list[RegisterIncome]:
    return [
        i
        for i in incomes
        if (source is None or i.source == source) and first_day(i.month) <= end and last_day(i.month) >= start
    ]


@dataclass(frozen=True)
class _Served:
    """A register income as the simulator serves it: the first and last day of its month, and its piece of its
    source's answer, written once (CSN's and an a-kassa's payment XML, Lefi's benefit group and payment JSON)."""

    income: RegisterIncome
    start: dt.date
    end: dt.date
    piece: Any


_PIECE: Mapping[str, Any] = {
    "CSN": csn.payment_xml,
    "FK": lefi.payment_json,
    "SO": so.payment_xml,
}
"""How each source's answer writes one income (SKV's pay is numbered within the answer: written per answer)."""


@dataclass(frozen=True)
class _ServedPerson:
    """A person of the register with what their answers need written once: the register is fixed for the
    server's life, so only what depends on the question is written per call."""

    person: RegisterPerson
    present: bool
    """Whether the person is in the file (CSN says "Ej träff" otherwise)."""
    incomes: Mapping[str, tuple[_Served, ...]]
    """By source, in the file's order."""
    business: str | None
    """Skatteverket's `foretagsinformation` data, when the file gives a business."""

    @staticmethod
    def of(personnummer: str, person: RegisterPerson) -> _ServedPerson:
        """A person in the file."""
        incomes: dict[str, list[_Served]] = {}
        for i in person.incomes:
            piece = _PIECE[i.source](i) if i.source in _PIECE else None
            incomes.setdefault(i.source, []).append(_Served(i, first_day(i.month), last_day(i.month), piece))
        business = skv_parts.encode_business(person.business, personnummer) if person.business else None
        return _ServedPerson(person, True, {k: tuple(v) for k, v in incomes.items()}, business)

    def in_period(self, source: str, start: dt.date, end: dt.date) -> list[_Served]:
        """The source's incomes whose month overlaps start–end (as `_in_period`)."""
        return [s for s in self.incomes.get(source, ()) if s.start <= end and s.end >= start]


_ABSENT = _ServedPerson(RegisterPerson(), False, {}, None)
"""Whom the file does not know: no incomes, not registered at AF, "Ej träff" at CSN."""


def _data(
    authority: Authority, q: Question, served: _ServedPerson, incomes: list[_Served]
) -> tuple[tuple[str, str, str] | None, str]:
    """(error, data content) of one authority's answer."""
    pnr = q.personidentitet
    person = served.person
    if authority is Authority.AF:
        return None, af_data(q, person.af)
    if authority is Authority.CSN:
        answer = csn.answer_from_payments([i.piece for i in incomes], pnr, known=served.present)
        return None, f"<ssbt:svar>{answer}</ssbt:svar>"
    if authority is Authority.FK:
        try:
            question = lefi.decode_question(q.fk_query or "")
        except ValueError:
            return ("BT", "LEFI-400", "Frågan till Lefi kunde inte läsas"), ""
        if question.personnummer != pnr:
            return ("BT", "LEFI-400", "Frågan till Lefi gäller en annan person än personidentitet"), ""
        answer = lefi.answer_from_payments(
            [i.piece for i in incomes], question, unavailable=Authority.FK in person.unavailable
        )
        return None, f"<ssbt:lefiJsonSvar>{answer}</ssbt:lefiJsonSvar>"
    if authority is Authority.SKV:
        return None, f"<svar>{escape(skv.encode_answer(pnr, q.to_date.year - 1))}</svar>"
    if authority is Authority.SO:
        return None, so_data_from_payments(
            q, [i.piece for i in incomes], unavailable=Authority.SO in person.unavailable
        )
    if authority is Authority.TNS:
        return None, _TNS_DATA
    return None, ""


_TNS_DATA = f'<tns:resultat xmlns:tns="{TNS}">OK</tns:resultat><tns:fordonsinnehav xmlns:tns="{TNS}"/>'


def _skv_parts_xml(q: Question, served: _ServedPerson) -> str:
    """Skatteverket's v11 answer: each part asked for, as data or "not found" (nothing registered: not an error)."""
    parts = []
    for part in skv_parts.PARTS:
        if part not in q.skv_parts:
            continue
        data = None
        if part == "individuppgifter":
            pay = [
                s.income
                for s in served.in_period("SKV", *q.period_for(Authority.SKV))
                if s.income.type is IncomeType.lon
            ]
            data = individuppgifter.encode(pay) if pay else None
        elif part == "foretagsinformation":
            data = served.business
        elif part == "skatteuppgifter":
            data = _skatteuppgifter(q.to_date.year - 1)
        elif part == "skattekonto":
            data = _SKATTEKONTO
        if data is None:
            parts.append(f"<ssbt:{part}>{_NOT_FOUND_XML}</ssbt:{part}>")
        else:
            parts.append(f"<ssbt:{part}><ssbt:data>{data}</ssbt:data></ssbt:{part}>")
    return "".join(parts)


@functools.lru_cache(maxsize=16)
def _skatteuppgifter(year: int) -> str:
    document = {"beslutadeSkatteuppgifter": [{"beskattningsar": year, "overskottAvTjanst": 0, "sumKapital": 0}]}
    return base64.b64encode(json.dumps(document).encode()).decode()


_SKATTEKONTO = base64.b64encode(json.dumps({"saldo": 0}).encode()).decode()


def _error_xml(kalla: str, felkod: str, felmeddelande: str) -> str:
    return (
        f"<ssbt:error><ssbt:kalla>{kalla}</ssbt:kalla><ssbt:felkod>{escape(felkod)}</ssbt:felkod>"
        f"<ssbt:felmeddelande>{escape(felmeddelande)}</ssbt:felmeddelande></ssbt:error>"
    )


_NOT_FOUND_XML = _error_xml("BT", "404", "Not found")


def _original_question(payload: etree._Element) -> str:
    """The question's own parameters, returned in the answer when fraganSkallInkluderasISvaret is true."""
    inner = "".join(etree.tostring(child, encoding="unicode", with_tail=False) for child in payload)
    return f'<ssbt:fraga xmlns:ssbt="{etree.QName(payload).namespace}">{inner}</ssbt:fraga>'


# Running it ---------------------------------------------------------------------------------


def serve(
    register_file: Path | Register,
    host: str = "127.0.0.1",
    port: int = 8088,
    latency_ms: float = 0.0,
    error_rate: float = 0.0,
    timeout_rate: float = 0.0,
    authority_error_rate: float = 0.0,
    seed: int | None = None,
    *,
    faults: FaultInjection | None = None,
    tls: SimulatorTls | None = None,
    sock: socket.socket | None = None,
    contract: Contract = DEFAULT,
) -> None:
    """Serve the simulator until interrupted (a register/1 file, or a Register already loaded).

    `faults`, when given, replaces the separate rate arguments; `sock`, when given, is listened on
    instead of host and port.
    """
    faults = faults or FaultInjection(
        latency_ms=latency_ms,
        error_rate=error_rate,
        timeout_rate=timeout_rate,
        authority_error_rate=authority_error_rate,
        seed=seed,
    )
    register = register_file if isinstance(register_file, Register) else load_register(register_file)
    app = SimulatorApp(register, faults, contract)
    server = uvicorn.Server(uvicorn_config(app, host, port, tls))
    server.run(sockets=[sock] if sock is not None else None)


@dataclass
class RunningSimulator:
    url: str
    app: SimulatorApp | None = None
    """The app when it runs in this process (thread mode): its `stats` can be read."""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    contract: Contract = DEFAULT

    @property
    def agi_url(self) -> str:
        """The employer-declaration simulator served beside SSBTEK."""
        return self.url + AGI_PATH.lstrip("/")

    @property
    def env(self) -> dict[str, str]:
        """The robot's settings for this simulator: SSBTEK alone in v11; with the employer declarations in v10."""
        env = {"ROBOT_SSBTEK_URL": self.url, "ROBOT_SSBTEK_PROTOCOL": self.contract.version}
        if not self.contract.skv_in_parts:
            env["ROBOT_AGI_URL"] = self.agi_url
        return env

    @property
    def stats(self) -> SimulatorStats:
        if self.app is None:
            raise RuntimeError("the simulator runs in a subprocess; its counters are not visible here")
        return self.app.stats


@contextlib.contextmanager
def ssbtek_simulator(
    register: Register | Path | str,
    faults: FaultInjection | None = None,
    *,
    host: str = "127.0.0.1",
    in_subprocess: bool = False,
    tls: SimulatorTls | None = None,
    startup_timeout: float = 15.0,
    contract: Contract = DEFAULT,
) -> Iterator[RunningSimulator]:
    """Run the simulator on a free port for the duration of the block; yields its URL (and, in a thread, its app).

    The listening socket is opened before the server starts, so calls made right away wait in its
    backlog instead of failing. `in_subprocess=True` keeps the simulator off this interpreter (for
    benchmarks: it then uses its own core).
    """
    faults = faults or FaultInjection()
    sock = listening_socket(host, 0)
    url = base_url(sock, tls)
    try:
        if in_subprocess:
            with _subprocess(register, faults, sock, tls, startup_timeout, contract) as process:
                yield RunningSimulator(url=url, process=process, contract=contract)
        else:
            register_data = register if isinstance(register, Register) else load_register(register)
            app = SimulatorApp(register_data, faults, contract)
            with in_thread(app, sock, tls, startup_timeout):
                yield RunningSimulator(url=url, app=app, contract=contract)
    finally:
        sock.close()


@contextlib.contextmanager
def _subprocess(
    register: Register | Path | str,
    faults: FaultInjection,
    sock: socket.socket,
    tls: SimulatorTls | None,
    startup_timeout: float,
    contract: Contract = DEFAULT,
) -> Iterator[subprocess.Popen[bytes]]:
    with tempfile.TemporaryDirectory(prefix="ssbtek-sim-") as tmp:
        if isinstance(register, Register):
            path = Path(tmp) / "register.json"
            path.write_text(register.model_dump_json())
        else:
            path = Path(register)
        config = {
            "faults": asdict(faults),
            "tls": {k: str(v) if v else None for k, v in asdict(tls).items()} if tls else None,
            "protocol": contract.version,
        }
        fd = sock.fileno()
        process = subprocess.Popen(
            [sys.executable, "-m", "robot.adapters.ssbtek.simulator", str(path), str(fd), json.dumps(config)],
            pass_fds=[fd],
        )
        try:
            _wait_until_serving(sock.getsockname()[:2], process, startup_timeout, tls is not None)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(address: tuple[str, int], process: subprocess.Popen[bytes], timeout: float, tls: bool) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the SSBTEK simulator exited with code {process.returncode}")
        if tls:
            # The server cannot be asked without a client certificate; the process being alive must do.
            time.sleep(0.5)
            return
        try:
            connection = http.client.HTTPConnection(*address, timeout=1)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the SSBTEK simulator did not start")
        time.sleep(0.05)


def _main(argv: list[str]) -> None:
    """Entry point of the subprocess started by `ssbtek_simulator(in_subprocess=True)`."""
    parser = argparse.ArgumentParser(prog="python -m robot.adapters.ssbtek.simulator")
    parser.add_argument("register", type=Path)
    parser.add_argument("fd", type=int)
    parser.add_argument("config")
    args = parser.parse_args(argv)
    config: Mapping[str, Any] = json.loads(args.config)
    faults = FaultInjection(**config["faults"])
    tls_config = config.get("tls")
    tls = (
        SimulatorTls(
            certfile=Path(tls_config["certfile"]),
            keyfile=Path(tls_config["keyfile"]),
            client_ca=Path(tls_config["client_ca"]) if tls_config.get("client_ca") else None,
        )
        if tls_config
        else None
    )
    sock = socket.socket(fileno=args.fd)
    serve(args.register, faults=faults, tls=tls, sock=sock, contract=contract_for(config.get("protocol", "v11")))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    _main(sys.argv[1:])
