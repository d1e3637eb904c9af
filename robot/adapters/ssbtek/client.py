"""`SoapRegisterSource`: the register source that asks SSBTEK over its SOAP 1.1 contract.

One question per adult (SSBTEK asks per personidentitet), the adults of an application asked
concurrently, over the bounded HTTP of `adapters.http` (aiohttp; mutual TLS with the client
certificate, at most `ssbtek.concurrency` calls in flight, a deadline per call). Transport errors,
timeouts and HTTP 5xx answers that are not SOAP faults are retried with exponential backoff and
jitter (`ssbtek.retries`, `backoff_initial_seconds`, `backoff_max_seconds`); a SOAP fault is not
retried (the request was refused, and the queue will try the application again later), nor is a
certificate failure (`CertificateRefused`). When the retries are spent, `RegisterUnavailable` is raised.

Use one source per event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TypeVar

from robot import logs
from robot.adapters.budget import AnswerBudget
from robot.adapters.calls import TRANSIENT_STATUS, Transient, retrying
from robot.adapters.http import CallObserver, Exchange, NoObserver, service_http
from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.request import fetch_envelope, ping_envelope, question_for
from robot.adapters.ssbtek.response import AuthorityTest, FetchAnswer, parse_fetch_answer, parse_test_answer
from robot.adapters.ssbtek.soap import (
    CONTENT_TYPE,
    SOAP_ACTION,
    MalformedAnswer,
    body_element,
    contract_for,
    raise_if_fault,
)
from robot.adapters.tls import Certificate, Endpoint, check_endpoint
from robot.config import Settings
from robot.formats.register import Authority, Register, RegisterPerson

log = logs.get("robot.ssbtek")

T = TypeVar("T")

_HEADERS = {"content-type": CONTENT_TYPE, "soapaction": SOAP_ACTION, "accept": "text/xml"}


class SoapRegisterSource:
    """Register data from SSBTEK (ROBOT_SSBTEK_URL), in the contract version ROBOT_SSBTEK_PROTOCOL names (v11)."""

    name = "ssbtek"

    def __init__(
        self,
        settings: Settings,
        *,
        exchange: Exchange | None = None,
        budget: AnswerBudget | None = None,
        observer: CallObserver | None = None,
    ):
        if not settings.ssbtek.url:
            raise ValueError("SoapRegisterSource needs ROBOT_SSBTEK_URL (ssbtek.url)")
        self.settings = settings
        s = settings.ssbtek
        endpoint = ssbtek_endpoint(settings)
        self.certificate: Certificate | None = check_endpoint(endpoint)
        if not endpoint.local and not s.fk_aktorsid:
            raise ValueError(
                "ROBOT_SSBTEK_FK_AKTORSID: Försäkringskassan's aktörsid for the socialnämnd is required "
                "(FK assigns it; SSBTEK forwards it to Lefi)"
            )
        self._so_answered = tuple(s.so_answered_statuses or codes.SO_ANSWERED)
        self.contract = contract_for(s.protocol)
        self.carries_pay = self.contract.skv_in_parts
        """Whether SKV's answer carries the employer declarations (v11 `individuppgifter`): SKV `lon` from here."""
        self.url = s.url
        self._observer = observer or NoObserver()
        self._http = exchange or service_http(endpoint, s, settings, budget, self._observer)

    async def fetch(self, request: RegisterRequest) -> Register:
        """Every adult's register data, asked concurrently; raises RegisterUnavailable if any question fails."""
        persons = list(dict.fromkeys(request.persons))
        if len(persons) == 1:  # the common case: no task to spawn
            return Register(format="register/1", persons={persons[0]: await self._fetch_person(request, persons[0])})
        tasks = [asyncio.ensure_future(self._fetch_person(request, pnr)) for pnr in persons]
        try:
            answers = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return Register(format="register/1", persons=dict(zip(persons, answers, strict=True)))

    async def _fetch_person(self, request: RegisterRequest, personnummer: str) -> RegisterPerson:
        korrelationsid = uuid.uuid4().hex
        question = question_for(self.settings, request, personnummer, korrelationsid=korrelationsid)
        body = fetch_envelope(question, self.contract)

        def parse(content: bytes) -> FetchAnswer:
            return parse_fetch_answer(
                content,
                question.include,
                korrelationsid,
                personnummer=personnummer,
                so_answered=self._so_answered,
                question=question,
                contract=self.contract,
                skv_asked=question.skv_parts,
            )

        try:
            answer = await self._call(body, parse, application_id=request.application_id)
        except RegisterUnavailable as exc:
            log.warning(
                "ssbtek.unavailable",
                application_id=request.application_id,
                korrelationsid=korrelationsid,
                reason=str(exc),
            )
            raise
        for authority, error in answer.errors.items():
            self._observer.authority_error(authority.value)
            log.warning(
                "ssbtek.authority_error",
                application_id=request.application_id,
                korrelationsid=korrelationsid,
                authority=authority.value,
                kalla=error.kalla,
                felkod=error.felkod,
                # The adapter's own reasons name fields and codes only; the agencies' texts may quote the question.
                reason=error.felmeddelande[0] if error.kalla == "adapter" and error.felmeddelande else None,
            )
        if answer.skv is not None:
            for part, error in answer.skv.errors.items():
                if part == "SKV":  # the whole of Skatteverket: logged above as its authority_error
                    continue
                log.info("ssbtek.skv_part_error", application_id=request.application_id, korrelationsid=korrelationsid,
                         part=part, kalla=error.kalla, felkod=error.felkod)  # fmt: skip
        return answer.person

    async def ping(self) -> dict[Authority, AuthorityTest]:
        """testaBastjanstInformation, one attempt: each authority's state. Raises RegisterUnavailable if unreachable."""
        return await self._call(
            ping_envelope(self.contract), lambda body: parse_test_answer(body, self.contract), attempts=1
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # One SOAP call with retries -----------------------------------------------------------------

    async def _call(
        self,
        body: bytes,
        parse: Callable[[bytes], T],
        *,
        application_id: str | None = None,
        attempts: int | None = None,
    ) -> T:
        s = self.settings.ssbtek
        tries = attempts or s.retries + 1

        def on_retry(attempt: int, wait: float, reason: str) -> None:
            log.info("ssbtek.retry", application_id=application_id, attempt=attempt,
                     wait_seconds=round(wait, 3), reason=reason)  # fmt: skip

        try:
            return await retrying(lambda: self._post(body, parse), tries, s.backoff_initial_seconds,
                                  s.backoff_max_seconds, on_retry)  # fmt: skip
        except Transient as exc:
            raise RegisterUnavailable(f"SSBTEK did not answer after {tries} attempt(s): {exc}") from None

    async def _post(self, body: bytes, parse: Callable[[bytes], T]) -> T:
        answer = await self._http.post(self.url, _HEADERS, body)
        status = answer.status
        if status == 200:
            return parse(answer.content)
        if status >= 500:
            _raise_if_soap_fault(answer.content)
            raise Transient(f"HTTP {status}")
        if status in TRANSIENT_STATUS:
            raise Transient(f"HTTP {status}")
        raise RegisterUnavailable(f"SSBTEK answered HTTP {status}")


def _raise_if_soap_fault(content: bytes) -> None:
    """A 5xx carrying a SOAP fault is the service refusing the request: raise SoapFault (not retried)."""
    if b"Fault" not in content:
        return
    try:
        payload = body_element(content)
    except MalformedAnswer:
        return
    raise_if_fault(payload)


def ssbtek_endpoint(settings: Settings) -> Endpoint:
    s = settings.ssbtek
    return Endpoint("SSBTEK", "ROBOT_SSBTEK", s.url or "", s.client_cert, s.client_key, s.ca_bundle)
