"""Applications from the case system (ROBOT_CASESYSTEM=caremanagement): poll, map, store.

Each poll lists the errands the filter selects (ROBOT_CAREMANAGEMENT_FILTER), skips those already
stored (the errand id is the application_id, the queue's idempotency key: an errand is fetched and
stored once), and for each new one reads its FinancialAssistanceData, resolves its persons' and
children's partyIds to personnummer through the party service, reads the applicant's Lifecare
decisions for the months in a row with support, and stores the ansokan/1 document the mapping table
makes of it (`robot.adapters.casesystem.mapping`). An errand that cannot be read or resolved now is
logged (by errand id, never a person) and tried again at the next poll; the others go on.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine

from robot import logs
from robot.adapters.casesystem.caremanagement import Caremanagement
from robot.adapters.casesystem.gateway import GatewayError
from robot.adapters.casesystem.mapping import PartyUnresolved, to_application
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.formats.application import APPLICATION_ID_PATTERN
from robot.formats.forslag import SOURCE_PREFIX
from robot.intake.documents import Document
from robot.intake.enqueue import enqueue
from robot.queue import intake as store

log = logs.get("robot.intake.casesystem")
_ID = re.compile(APPLICATION_ID_PATTERN)


@dataclass
class PollReport:
    listed: int = 0
    queued: int = 0
    unmapped: int = 0
    """Queued with fields that have no counterpart: they go to a handläggare naming them."""
    failed: int = 0
    """Not stored now (the case system or the party service did not answer, an unknown partyId): next poll."""


async def poll(engine: Engine, settings: Settings, service: Caremanagement, clock: Clock = SYSTEM) -> PollReport:
    report = PollReport()
    ids = [errand_id async for errand_id in service.errand_ids()]
    report.listed = len(ids)
    stored = await asyncio.to_thread(store.stored_ids, engine, ids)
    for errand_id in dict.fromkeys(ids):
        if errand_id in stored:
            continue
        if not _ID.match(errand_id):
            report.failed += 1
            log.warning("errand_id_unusable", detail="not a usable application_id; the errand is left alone")
            continue
        try:
            document = await _document(service, settings, errand_id)
        except (GatewayError, PartyUnresolved) as exc:
            report.failed += 1
            log.warning("errand_not_fetched", errand_id=errand_id, error=str(exc))
            continue
        if document is None:
            continue
        raw = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
        added = await asyncio.to_thread(enqueue, engine, [Document(raw, SOURCE_PREFIX + errand_id, document)], settings,
                                        clock, "caremanagement")  # fmt: skip
        report.queued += len(added.accepted)
        if document.get("unmapped"):
            report.unmapped += 1
            log.info("errand_fields_without_counterpart", errand_id=errand_id, count=len(document["unmapped"]))
    if report.queued or report.failed:
        log.info("caremanagement_polled", listed=report.listed, queued=report.queued, unmapped=report.unmapped,
                 failed=report.failed)  # fmt: skip
    return report


async def poll_casesystem(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> PollReport:
    """One poll with a service of its own (opened and closed here): the daemon's and `robot batch`'s."""
    from robot.adapters.casesystem.gateway import Gateway

    service = Caremanagement(Gateway(settings), settings)
    try:
        return await poll(engine, settings, service, clock)
    finally:
        await service.aclose()


async def _document(service: Caremanagement, settings: Settings, errand_id: str) -> dict | None:
    view = await service.financial_assistance(errand_id)
    if view is None or view.get("id") != errand_id:
        log.warning("errand_not_found", errand_id=errand_id)
        return None
    data = view.get("data") or {}
    people = [p for p in (data.get("persons") or []) + (data.get("children") or []) if isinstance(p, dict)]
    party_ids = list(dict.fromkeys(p["partyId"] for p in people if isinstance(p.get("partyId"), str)))
    legal_ids = await service.legal_ids(party_ids)
    applicant = next((p.get("partyId") for p in data.get("persons") or []
                      if isinstance(p, dict) and p.get("role") == "APPLICANT"), None)  # fmt: skip
    if not isinstance(applicant, str):
        raise PartyUnresolved("the errand names no APPLICANT")
    lifecare = await service.lifecare_decisions(applicant) if data.get("applicationType") != "NEW" else []
    return to_application(view, legal_ids, lifecare, settings.caremanagement.namespace).document
