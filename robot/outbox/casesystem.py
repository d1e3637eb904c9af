"""The case system as the outbox's target (ROBOT_CASESYSTEM=caremanagement): each record becomes a
decision on its errand (`robot.adapters.casesystem.decisions`), the errand being the application.

Exactly once in effect over an API without an idempotency key: a send first reads the errand's
decisions and posts only when none carries the record's event id. A deliverer killed between the
post and marking the record delivered thus finds it on the errand at the next try and posts nothing.
(Two deliverers never send at once: the outbox lease.)
"""

from __future__ import annotations

import httpx

from robot.adapters.casesystem.caremanagement import Caremanagement
from robot.adapters.casesystem.decisions import already_posted, decision_for
from robot.adapters.casesystem.gateway import Gateway, GatewayError
from robot.config import Settings
from robot.outbox.targets import Undelivered
from robot.queue.outbox import StoredDecision


class CaremanagementTarget:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        cm = settings.caremanagement
        self.name = f"caremanagement:{cm.url}"
        self.service = Caremanagement(Gateway(settings, transport), settings)

    async def send(self, record: StoredDecision) -> str:
        try:
            decision = decision_for(record.body)
        except (ValueError, KeyError) as exc:
            raise Undelivered(f"the record cannot be a decision ({type(exc).__name__})") from None
        try:
            if already_posted(await self.service.decisions(record.application_id), record.event_id):
                return "already on the errand"
            return "posted " + await self.service.create_decision(record.application_id, decision)
        except GatewayError as exc:
            raise Undelivered(str(exc)) from None

    def tidy(self, older_than_seconds: float) -> int:
        return 0

    async def aclose(self) -> None:
        await self.service.aclose()
