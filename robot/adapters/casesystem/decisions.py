"""Outbox records as caremanagement `Decision`s on the errand (docs/caremanagement.md, "Decisions back").

- `forslag/1` (the robot's verdict) → `decisionType` RECOMMENDATION, `value` BIFALL with `amount`, or
  MANUELL with the reasons; the Swedish motivering, rule by rule, with the lagrum as `description`.
- `beslut/1` (a handläggare's decision) → `decisionType` BESLUT, `value` BIFALL / DELAVSLAG / AVSLAG /
  OVERLAMNAD, `amount` (0 for avslag, as the contract asks), `createdBy` the handläggare's user id.

The contract has no idempotency key and no field for our id, so the record's `event_id` ends the
`description` (`MARKER` + id): before posting, the errand's decisions are read and a decision that
already carries it means the record is there (a redelivery posts nothing).
"""

from __future__ import annotations

import calendar
import json
from typing import Any

from robot.swedish.casesystem import (
    BASIS,
    DECISION_VALUES,
    HUMAN_LEAD,
    LAGRUM,
    MANUAL_LEAD,
    MARKER,
    SUPERSEDES,
    recommendation_lead,
)
from robot.swedish.numbers import kr

RECOMMENDATION = "RECOMMENDATION"
HUMAN = "BESLUT"
ROBOT = "bistandsrobot"
MAX_DESCRIPTION = 4096
HUMAN_VALUES = {"bifall": "BIFALL", "delavslag": "DELAVSLAG", "avslag": "AVSLAG", "overlamnad": "OVERLAMNAD"}


def marker(event_id: str) -> str:
    return f"{MARKER}{event_id}"


def already_posted(decisions: list[dict[str, Any]], event_id: str) -> bool:
    tag = marker(event_id)
    return any(tag in str(d.get("description") or "") for d in decisions)


def _description(parts: list[str], event_id: str) -> str:
    """The parts, shortened from the end if need be so that the marker always fits."""
    tail = "\n" + marker(event_id)
    text = "\n".join(p for p in parts if p)
    room = MAX_DESCRIPTION - len(tail)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return text + tail


def _period(period: str | None) -> dict[str, str]:
    if not period:
        return {}
    year, month = int(period[:4]), int(period[5:7])
    return {"periodFrom": f"{period}-01", "periodTo": f"{period}-{calendar.monthrange(year, month)[1]:02d}"}


def decision_for(body: str) -> dict[str, Any]:
    """The Decision to post for one outbox record's body (forslag/1 or beslut/1)."""
    record = json.loads(body)
    kind = record.get("format")
    if kind == "forslag/1":
        return _recommendation(record)
    if kind == "beslut/1":
        return _human(record)
    raise ValueError(f"not a record for the case system: {kind!r}")


def _recommendation(r: dict[str, Any]) -> dict[str, Any]:
    lagrum = (LAGRUM + "; ".join(r["lagrum"]) + ".") if r["lagrum"] else ""
    if r["outcome"] == "recommendation":
        parts = [recommendation_lead(r["amount"], r["period"]), *r["motivering"], lagrum]
    else:
        parts = [MANUAL_LEAD + " ".join(f"[{x['code']}] {x['text']}" for x in r["reasons"]), *r["motivering"], lagrum]
    decision: dict[str, Any] = {
        "decisionType": RECOMMENDATION,
        "value": DECISION_VALUES[r["outcome"]],
        "description": _description(parts, r["event_id"]),
        "decisionDate": r["decided_at"][:10],
        "createdBy": ROBOT,
        **_period(r["period"]),
    }
    if r["outcome"] == "recommendation":
        decision["amount"] = r["amount"]
    return decision


def _human(r: dict[str, Any]) -> dict[str, Any]:
    lead = HUMAN_LEAD[r["decision"]] + (f" med {kr(r['amount'])}" if r.get("amount") else "")
    lead += f", {BASIS[r['basis']]}."
    parts = [lead, r.get("motivering") or "", (LAGRUM + "; ".join(r["lagrum"]) + ".") if r.get("lagrum") else ""]
    if r.get("supersedes"):
        parts.append(SUPERSEDES.format(event_id=r["supersedes"]))
    decision: dict[str, Any] = {
        "decisionType": HUMAN,
        "value": HUMAN_VALUES[r["decision"]],
        "description": _description(parts, r["event_id"]),
        "decisionDate": r["decided_at"][:10],
        "createdBy": str(r["decided_by"])[:64],
        **_period(r.get("period")),
    }
    if r["decision"] in ("bifall", "delavslag"):
        decision["amount"] = r["amount"]
    elif r["decision"] == "avslag":
        decision["amount"] = 0
    return decision
