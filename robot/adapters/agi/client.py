"""`AgiSource`: each adult's monthly pay and tax withheld for the control months, from the employer declarations.

One question per adult (`wire`), asked concurrently, over the bounded HTTP of `adapters.http` with
mutual TLS (the `[agi]` certificate settings, else those of `[ssbtek]`). Timeouts, network errors
and HTTP 5xx/408/429 are retried with exponential backoff and jitter; when the retries are spent, or
the service refuses the question, `RegisterUnavailable` is raised (at once for a certificate
failure, `CertificateRefused`) and the queue tries the application again later, as for SSBTEK. An
answer for one person that cannot be used makes Skatteverket unavailable for that person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from robot import logs
from robot.adapters.agi import wire
from robot.adapters.budget import AnswerBudget
from robot.adapters.calls import TRANSIENT_STATUS, Transient, retrying
from robot.adapters.decoding import PayloadError
from robot.adapters.http import CallObserver, Exchange, NoObserver, service_http
from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
from robot.adapters.ssbtek.request import control_period
from robot.adapters.tls import Certificate, Endpoint, check_endpoint
from robot.config import Settings
from robot.formats.period import of
from robot.formats.register import RegisterIncome

log = logs.get("robot.agi")

_HEADERS = {"content-type": "application/json", "accept": "application/json"}


@dataclass(frozen=True)
class PayRecords:
    """One person's declared pay for the months asked, or `available` False when the source could not say."""

    incomes: tuple[RegisterIncome, ...] = ()
    available: bool = True


class AgiSource:
    """Employer declarations over HTTPS ([agi] url)."""

    name = "agi"

    def __init__(
        self,
        settings: Settings,
        *,
        exchange: Exchange | None = None,
        budget: AnswerBudget | None = None,
        observer: CallObserver | None = None,
    ):
        a = settings.agi
        if not a.url:
            raise ValueError("AgiSource needs ROBOT_AGI_URL (agi.url)")
        self.settings = settings
        endpoint = agi_endpoint(settings)
        self.certificate: Certificate | None = check_endpoint(endpoint)
        import httpx  # only with [agi] set: a worker without it never imports httpx

        self._url = str(httpx.URL(a.url).join(wire.PATH))
        self._observer = observer or NoObserver()
        self._http = exchange or service_http(endpoint, a, settings, budget, self._observer)

    async def fetch(self, request: RegisterRequest) -> Mapping[str, PayRecords]:
        """Every adult's pay for the control months; raises RegisterUnavailable if the source cannot answer."""
        start, end = control_period(request.period)
        persons = list(dict.fromkeys(request.persons))
        answers = await asyncio.gather(
            *(self._fetch_person(request.application_id, wire.PayQuestion(p, of(start), of(end))) for p in persons)
        )
        return dict(zip(persons, answers, strict=True))

    async def _fetch_person(self, application_id: str, question: wire.PayQuestion) -> PayRecords:
        a = self.settings.agi
        body = wire.encode_question(question)

        def on_retry(attempt: int, wait: float, reason: str) -> None:
            log.info("agi.retry", application_id=application_id, attempt=attempt, wait_seconds=round(wait, 3),
                     reason=reason)  # fmt: skip

        try:
            content = await retrying(lambda: self._post(body), a.retries + 1, a.backoff_initial_seconds,
                                     a.backoff_max_seconds, on_retry)  # fmt: skip
        except Transient as exc:
            log.warning("agi.unavailable", application_id=application_id, reason=str(exc))
            raise RegisterUnavailable(
                f"the employer declarations did not answer after {a.retries + 1} attempt(s): {exc}"
            ) from None
        try:
            return PayRecords(incomes=tuple(wire.decode_answer(content, question.personnummer)))
        except PayloadError as exc:
            self._observer.authority_error("SKV")
            log.warning("agi.person_unavailable", application_id=application_id, felkod=exc.felkod, reason=str(exc))
            return PayRecords(available=False)

    async def _post(self, body: bytes) -> bytes:
        answer = await self._http.post(self._url, _HEADERS, body)
        status = answer.status
        if status == 200:
            return answer.content
        if status >= 500 or status in TRANSIENT_STATUS:
            raise Transient(f"HTTP {status}")
        raise RegisterUnavailable(f"the employer declarations answered HTTP {status}")

    async def aclose(self) -> None:
        await self._http.aclose()


def agi_endpoint(settings: Settings) -> Endpoint:
    """[agi]'s address, with [ssbtek]'s certificate settings where [agi] leaves them unset."""
    a, s = settings.agi, settings.ssbtek
    return Endpoint(
        "AGI",
        "ROBOT_AGI",
        a.url or "",
        client_cert=a.client_cert or s.client_cert,
        client_key=a.client_key or (s.client_key if a.client_cert is None else None),
        ca_bundle=a.ca_bundle or s.ca_bundle,
    )
