"""Decision records (`beslut/1`): built from a handläggare's action and the robot's stored verdict.

Every action that decides (approve, reject → överlämnad, resolve, correct) writes its record in
its own transaction (`robot.queue.cases`, `robot.queue.outbox`); the outbox delivers it. The
record names the application by id and the person by user id; it carries no personnummer (a
motivering that contains one is refused before anything is written, `manual.clean_note`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from robot.accounts import Actor
from robot.casework.errors import NotFound
from robot.formats.beslut import Basis, Beslut, Decision, DecisionNorm, RobotPart
from robot.formats.verdict import Verdict
from robot.queue.outbox import NewDecision
from robot.queue.records import application_row, stored_verdict
from robot.swedish.dates import month_name
from robot.swedish.numbers import kr

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Grounds:
    """What every record of one application draws on: the application and the robot's latest verdict."""

    application_pk: int
    application_id: str
    period: str | None
    district: str | None
    verdict_id: int | None
    verdict: Verdict | None


def grounds(engine: Engine, application_id: str) -> Grounds:
    row = application_row(engine, application_id)
    if row is None:
        raise NotFound(f"ingen ansökan med id {application_id}")
    stored = stored_verdict(engine, row.id)
    return Grounds(
        row.id, row.application_id, row.period, row.district,
        stored.id if stored else None, stored.verdict if stored else None,
    )  # fmt: skip


def new_record(
    g: Grounds,
    *,
    decision: Decision,
    amount: int | None,
    actor: Actor,
    at: dt.datetime,
    basis: Basis,
    motivering: str | None,
    lagrum: list[str],
    supersedes: str | None = None,
    reviewed_at: dt.datetime | None = None,
) -> NewDecision:
    """The `beslut/1` record of one action, ready to be written with it."""
    v = g.verdict
    norm = None
    if v is not None and v.norm is not None and amount == v.norm.total:
        norm = DecisionNorm(**v.norm.model_dump(include={"personal", "shared", "costs", "incomes", "total"}))
    beslut = Beslut(
        event_id=str(uuid.uuid4()),
        application_id=g.application_id,
        period=g.period,
        district=g.district,
        decision=decision,
        amount=amount,
        norm=norm,
        decided_by=actor.user_id,
        decided_at=at.astimezone(STOCKHOLM).isoformat(timespec="seconds"),
        basis=basis,
        robot=robot_part(g),
        motivering=motivering,
        lagrum=verdict_lagrum(v) or list(lagrum),
        supersedes=supersedes,
        reviewed_at=reviewed_at.astimezone(STOCKHOLM).isoformat(timespec="seconds") if reviewed_at else None,
    )
    return NewDecision(
        beslut.event_id, decision, basis, amount, actor.user_id, at, supersedes, beslut.to_json()
    )  # fmt: skip


def robot_part(g: Grounds) -> RobotPart | None:
    v = g.verdict
    if v is None:
        return None
    return RobotPart(
        verdict_id=str(g.verdict_id), outcome=v.outcome, amount=v.amount, ruleset=v.ruleset, stickprov=v.stickprov
    )


def verdict_lagrum(verdict: Verdict | None) -> list[str]:
    """The decision's legal basis as the verdict's rules cite it for its period: the right to
    försörjningsstöd (the socialtjänstlag paragraph the intake step cites) and what the amount is
    calculated by (the norm step's lagrum). Not every step's: the robot's checks (förvaltningslagen's
    utredningsansvar, a proposition) are not what the decision rests on. Empty without a verdict."""
    if verdict is None:
        return []
    cited = {step.rule: step.lagrum for step in verdict.steps}
    basis = [law for law in cited.get("intag", []) if "socialtjänstlagen" in law]
    return list(dict.fromkeys([*basis, *cited.get("norm", [])]))


def approval_motivering(verdict: Verdict | None, period: str | None, note: str | None) -> str:
    """A short Swedish summary of an approved recommendation, from the robot's calculation."""
    text = "Bifall enligt robotens rekommendation, fastställd av handläggare."
    n = verdict.norm if verdict else None
    if n is not None:
        month = f" för {month_name(period)}" if period else ""
        text = (
            f"Bifall med {kr(n.total)}{month} enligt robotens rekommendation, fastställd av handläggare: "
            f"riksnorm {kr(n.personal + n.shared)} (personliga kostnader {kr(n.personal)}, gemensamma "
            f"hushållskostnader {kr(n.shared)}) + godtagna kostnader {kr(n.costs)} − inkomster {kr(n.incomes)}. "
            "Robotens kontroller mot regler och register gav inget skäl till manuell prövning."
        )
    return f"{text} Handläggarens anteckning: {note}" if note else text
