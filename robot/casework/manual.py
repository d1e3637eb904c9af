"""The manual-handling queue: list, look up, take (claim) and resolve items.

An item is resolved with the handläggare's decision: bifall or delavslag with an amount, avslag,
or överlämnad (decided in the case system); delavslag and avslag need a motivering; a stickprov
item also records whether the application was correct. An item someone else has taken is taken
over or resolved only by a teamledare, explicitly (`force`), and the event log records both
names. The robot never decides: these are the decisions.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Engine

from robot.accounts import Actor, Permission
from robot.casework.amounts import check_amount
from robot.casework.errors import Conflict, Invalid, NotFound, choice, find_by_reference, may_work, require_limit
from robot.casework.records import grounds, new_record
from robot.clock import SYSTEM, Clock
from robot.config import Settings, load_settings
from robot.logs import PERSONNUMMER_SHAPE
from robot.queue import cases
from robot.queue.cases import ManualItem, Page
from robot.queue.states import ManualStatus, Resolution
from robot.swedish.casework import MANUAL_STATUS as STATUS_WORDS

MAX_NOTE = 4000
DECISION_WORDS = {
    Resolution.BIFALL: "bifall",
    Resolution.DELAVSLAG: "delavslag",
    Resolution.AVSLAG: "avslag",
    Resolution.OVERLAMNAD: "överlämnat till verksamhetssystemet",
}


def list_manual(
    engine: Engine, status: str | None = None, assignee: str | None = None, limit: int = 100
) -> Page[ManualItem]:
    """Items with `status` (open, claimed or resolved; default: open and claimed), earliest deadline first."""
    return cases.manual_items(engine, choice(ManualStatus, status), assignee, require_limit(limit))


def find_manual(engine: Engine, ref: str | int) -> ManualItem:
    """An item by its number (M12, or 12 as an int) or by the application id."""
    item = find_by_reference(ref, "M", partial(cases.manual_item, engine))
    if item is None:
        raise NotFound(f"inget ärende i manuella kön för {ref}")
    return item


def claim_manual(
    engine: Engine, ref: str | int, actor: Actor, *, force: bool = False, clock: Clock = SYSTEM
) -> ManualItem:
    """Take an open item: it is assigned to `actor`. With `force` (teamledare) take over someone else's."""
    may_work(actor, force)
    item = find_manual(engine, ref)
    taken_from = item.assignee if force and item.status == ManualStatus.CLAIMED else None
    if taken_from == actor.user_id:
        return item
    if not cases.claim_item(engine, item.id, actor.user_id, clock.now(), taken_from, via=actor.channel):
        current = find_manual(engine, item.id)
        if current.status == ManualStatus.CLAIMED and current.assignee == actor.user_id:
            raise Conflict(f"du har redan tagit ärende {item.ref} och kan avsluta det")
        who = f" {current.assignee}" if current.status == ManualStatus.CLAIMED else ""
        status = STATUS_WORDS[ManualStatus(current.status)]
        raise Conflict(f"ärende {item.ref} är inte öppet: det är redan {status}{who}", _takeover_field(actor, current))
    return find_manual(engine, item.id)


def resolve_manual(
    engine: Engine,
    ref: str | int,
    actor: Actor,
    *,
    decision: str,
    amount: int | None = None,
    note: str | None = None,
    stickprov_correct: bool | None = None,
    force: bool = False,
    confirm_amount: bool = False,
    settings: Settings | None = None,
    clock: Clock = SYSTEM,
) -> ManualItem:
    """Resolve an item with the handläggare's decision.

    An amount far from the robot's proposal is refused unless `confirm_amount` (see `amounts.py`).
    `settings`: the process's settings (None: loaded from the environment and the config file).
    """
    may_work(actor, force)
    settings = settings or load_settings()
    item = find_manual(engine, ref)
    decided = parse_decision(decision, amount, note)
    if item.stickprov and stickprov_correct is None and decided is not Resolution.OVERLAMNAD:
        raise Invalid("ärendet är ett stickprov: ange om ansökan var korrekt", "stickprov_correct")
    if item.status == ManualStatus.RESOLVED:
        raise Conflict(f"ärende {item.ref} är redan avslutat ({item.resolution} av {item.resolved_by})")
    if item.status == ManualStatus.CLAIMED and item.assignee != actor.user_id and not force:
        raise Conflict(_taken_text(item, actor), _takeover_field(actor, item))
    amount = amount if decided in (Resolution.BIFALL, Resolution.DELAVSLAG) else None
    if amount is not None:
        check_amount(engine, item.application_id, amount, confirm_amount, settings.casework)
    note, now = clean_note(note), clock.now()
    new = new_record(
        grounds(engine, item.application_id), decision=decided.value, amount=amount, actor=actor, at=now,
        basis="manuell_handlaggning", motivering=note, lagrum=settings.output.lagrum,
    )  # fmt: skip
    resolved = cases.resolve_item(
        engine,
        item,
        actor.user_id,
        decided.value,
        amount,
        note,
        stickprov_correct if item.stickprov else None,
        new,
        now,
        via=actor.channel,
    )
    if not resolved:
        raise Conflict(f"ärende {item.ref} ändrades samtidigt av någon annan; visa det igen och försök på nytt")
    return find_manual(engine, item.id)


HANDED_OVER = {"överlämnad": "overlamnad", "överlämnat": "overlamnad", "overlamnat": "overlamnad"}
"""The words for a case handed to the case system as people write them (lists show "överlämnat")."""


def parse_decision(decision: str, amount: int | None, note: str | None) -> Resolution:
    """The decision with what it needs: bifall and delavslag an amount, delavslag and avslag a motivering."""
    try:
        decided = Resolution(HANDED_OVER.get(decision, decision))
    except ValueError:
        raise Invalid("beslutet ska vara bifall, delavslag, avslag eller överlämnad", "decision") from None
    if decided in (Resolution.BIFALL, Resolution.DELAVSLAG) and (amount is None or amount <= 0):
        raise Invalid(f"{decided.value} kräver ett belopp större än 0 kr", "amount")
    if decided in (Resolution.AVSLAG, Resolution.OVERLAMNAD) and amount not in (None, 0):
        raise Invalid(f"{DECISION_WORDS[decided]} har inget belopp", "amount")
    if decided in (Resolution.DELAVSLAG, Resolution.AVSLAG) and clean_note(note) is None:
        raise Invalid(f"{decided.value} kräver en motivering", "note")
    return decided


def clean_note(note: str | None) -> str | None:
    """The motivering as written; it goes to the case system, so it may not carry a personnummer."""
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid(f"motiveringen får vara högst {MAX_NOTE} tecken", "note")
    if note and PERSONNUMMER_SHAPE.search(note):
        raise Invalid(
            "motiveringen får inte innehålla personnummer (den skickas till verksamhetssystemet); "
            "ansökan anges redan med sitt id",
            "note",
        )
    return note


def _taken_text(item: ManualItem, actor: Actor) -> str:
    if actor.can(Permission.OVERRIDE):
        return f"ärende {item.ref} är tilldelat {item.assignee}; ta över ärendet för att avsluta det"
    return f"ärende {item.ref} är tilldelat {item.assignee}; be {item.assignee} eller en teamledare"


def _takeover_field(actor: Actor, item: ManualItem) -> str | None:
    """Point at `force` only for someone who may use it."""
    return "force" if item.status == ManualStatus.CLAIMED and actor.can(Permission.OVERRIDE) else None
