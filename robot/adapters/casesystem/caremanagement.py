"""caremanagement's API as the robot uses it: find errands, read one, list and create its decisions;
and the party service's partyId → personnummer.

Paths and shapes are those of the published contract (contract/caremanagement.openapi.yaml):
`GET /{municipalityId}/{namespace}/errands` (findErrands, spring-filter, paged),
`GET …/errands/financial-assistance/{errandId}` (readErrand_1: FinancialAssistanceView),
`GET|POST …/errands/{errandId}/decisions` (readDecisions, createDecision: Decision).
Party: `POST {party}/{municipalityId}/PRIVATE/legalIds` (a list of partyIds → {partyId: legalId}).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

from robot.adapters.casesystem.gateway import Gateway, GatewayError
from robot.config import Settings

MAX_PAGES = 1000
"""A bound on one poll's pages, whatever `totalPages` says."""


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class Caremanagement:
    def __init__(self, gateway: Gateway, settings: Settings):
        cm = settings.caremanagement
        assert cm.url is not None and settings.party.url is not None
        self.gateway = gateway
        self.filter = cm.filter
        self.page_size = cm.page_size
        self._base = f"{cm.url.rstrip('/')}/{_segment(cm.municipality_id)}/{_segment(cm.namespace)}"
        self._party = f"{settings.party.url.rstrip('/')}/{_segment(cm.municipality_id)}/PRIVATE/legalIds"

    async def errand_ids(self) -> AsyncIterator[str]:
        """The ids of every errand the filter selects, page by page (oldest first)."""
        for page in range(MAX_PAGES):
            params = {"filter": self.filter, "page": page, "size": self.page_size, "sort": "created,ASC"}
            status, answer, _ = await self.gateway.call("GET", f"{self._base}/errands", params=params)
            if status != 200 or not isinstance(answer, dict):
                raise GatewayError(f"findErrands: HTTP {status}", transient=status != 400, status=status)
            for errand in answer.get("errands") or []:
                if isinstance(errand, dict) and isinstance(errand.get("id"), str):
                    yield errand["id"]
            meta = answer.get("_meta") or {}
            total = meta.get("totalPages")
            if not isinstance(total, int) or page + 1 >= total or not answer.get("errands"):
                return

    async def financial_assistance(self, errand_id: str) -> dict[str, Any] | None:
        """The errand with its FinancialAssistanceData; None when caremanagement has no such errand."""
        status, answer, _ = await self.gateway.call(
            "GET", f"{self._base}/errands/financial-assistance/{_segment(errand_id)}"
        )
        if status == 404:
            return None
        if status != 200 or not isinstance(answer, dict):
            raise GatewayError(f"readErrand: HTTP {status}", status=status)
        return answer

    async def decisions(self, errand_id: str) -> list[dict[str, Any]]:
        status, answer, _ = await self.gateway.call("GET", self._decisions(errand_id))
        if status != 200 or not isinstance(answer, list):
            raise GatewayError(f"readDecisions: HTTP {status}", transient=status != 404, status=status)
        return [d for d in answer if isinstance(d, dict)]

    async def create_decision(self, errand_id: str, decision: dict[str, Any]) -> str:
        """Post one decision; returns its Location (or the status when there is none)."""
        status, _, headers = await self.gateway.call("POST", self._decisions(errand_id), body=decision)
        if status != 201:
            raise GatewayError(f"createDecision: HTTP {status}", transient=status not in (400, 404), status=status)
        return headers.get("location") or "HTTP 201"

    async def legal_ids(self, party_ids: list[str]) -> dict[str, str]:
        """partyId → personnummer (12 digits) for those the party service knows."""
        if not party_ids:
            return {}
        status, answer, _ = await self.gateway.call("POST", self._party, body=party_ids)
        if status == 404:
            return {}
        if status != 200 or not isinstance(answer, dict):
            raise GatewayError(f"party legalIds: HTTP {status}", status=status)
        return {k: v for k, v in answer.items() if isinstance(k, str) and isinstance(v, str)}

    async def lifecare_decisions(self, party_id: str) -> list[dict[str, Any]]:
        """The applicant's Lifecare decisions of the last 24 months (listDecisions), for the support history."""
        url = f"{self._base}/errands/financial-assistance/decisions"
        status, answer, _ = await self.gateway.call("GET", url, params={"partyId": party_id})
        if status != 200 or not isinstance(answer, list):
            raise GatewayError(f"listDecisions: HTTP {status}", status=status)
        return [d for d in answer if isinstance(d, dict)]

    def _decisions(self, errand_id: str) -> str:
        return f"{self._base}/errands/{_segment(errand_id)}/decisions"

    async def aclose(self) -> None:
        await self.gateway.aclose()
