"""Decisions as records: reading an application's records, and correcting a decision taken in error.

A decision is corrected by the person who took it or by a teamledare: a new record that
`supersedes` the one in force, never an edit. Both names are in the event log.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from robot.accounts import Actor, Permission
from robot.casework.amounts import check_amount
from robot.casework.errors import Conflict, Invalid, NotFound, may_work
from robot.casework.manual import clean_note, find_manual, parse_decision
from robot.casework.recommendations import find_recommendation
from robot.casework.records import grounds, new_record
from robot.clock import SYSTEM, Clock
from robot.config import Settings, load_settings
from robot.queue import cases, outbox
from robot.queue.outbox import StoredDecision
from robot.queue.records import application_row
from robot.swedish.numbers import kr

_EVENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def application_of(engine: Engine, ref: str) -> str:
    """The application `ref` names: M12, R12, a record's event id, or the application id itself."""
    text = ref.strip()
    if _EVENT_ID.fullmatch(text.lower()):
        found = outbox.by_event_id(engine, text.lower())
        if found is not None:
            return found.application_id
        if application_row(engine, text) is None:  # a case system's errand ids are UUIDs too
            raise NotFound(f"inget beslut med id {text}")
    if text.isdigit():
        raise Invalid(f"ange ansökans id, M{text} (ett ärende) eller R{text} (en rekommendation)", "ref")
    if re.fullmatch(r"[Mm][0-9]+", text):
        return find_manual(engine, text).application_id
    if re.fullmatch(r"[Rr][0-9]+", text):
        return find_recommendation(engine, text).application_id
    return text


def decisions_for(engine: Engine, ref: str) -> list[StoredDecision]:
    """Every decision record of the application `ref` names, oldest first."""
    return outbox.for_application(engine, application_of(engine, ref))


def current_decision(records: list[StoredDecision]) -> StoredDecision | None:
    """The record in force: the last one no other record supersedes."""
    superseded = {r.supersedes for r in records if r.supersedes}
    standing = [r for r in records if r.event_id not in superseded]
    return standing[-1] if standing else None


def correct_decision(
    engine: Engine,
    ref: str,
    actor: Actor,
    *,
    decision: str,
    amount: int | None = None,
    note: str | None,
    confirm_amount: bool = False,
    settings: Settings | None = None,
    clock: Clock = SYSTEM,
) -> StoredDecision:
    """Correct the decision in force for an application: a new record that supersedes it.

    By the person who took it, or by a teamledare (both names are logged). `note` says why and is
    the new record's motivering.
    """
    may_work(actor)
    settings = settings or load_settings()
    application_id = application_of(engine, ref)
    current = current_decision(outbox.for_application(engine, application_id))
    if current is None:
        raise NotFound(f"ansökan {application_id} har inget beslut att rätta")
    if current.decided_by != actor.user_id:
        actor.require(Permission.OVERRIDE)
    item = cases.manual_item(engine, application_id=application_id)
    if item is not None and item.status != "resolved":
        raise Conflict(f"ansökan {application_id} har ett ärende i manuella kön ({item.ref}); avsluta det i stället")
    note = clean_note(note)
    if note is None:
        raise Invalid("ange varför beslutet rättas", "note")
    decided = parse_decision(decision, amount, note)
    amount = amount if decided.value in ("bifall", "delavslag") else None
    if (decided.value, amount) == (current.decision, current.amount):
        raise Invalid(f"rättelsen ändrar inget: beslutet är redan {current.decision}"
                      + (f" med {kr(amount)}" if amount else ""), "decision")  # fmt: skip
    if amount is not None:
        check_amount(engine, application_id, amount, confirm_amount, settings.casework)
    g = grounds(engine, application_id)
    new = new_record(
        g, decision=decided.value, amount=amount, actor=actor, at=clock.now(), basis="manuell_handlaggning",
        motivering=note, lagrum=settings.output.lagrum, supersedes=current.event_id,
    )  # fmt: skip
    details = {"record": new.event_id, "supersedes": current.event_id, "via": actor.channel}
    if current.decided_by != actor.user_id:
        details["decided_by_before"] = current.decided_by
    if not outbox.add_correction(engine, g.application_pk, new, **details):
        raise Conflict(f"beslutet för {application_id} rättades samtidigt av någon annan; visa det igen")
    stored = outbox.by_event_id(engine, new.event_id)
    assert stored is not None
    return stored
