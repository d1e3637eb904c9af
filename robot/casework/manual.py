"""The manual-handling queue: list, look up, take (claim) and resolve items.

An item is resolved with the handläggare's decision: bifall or delavslag with an amount, or
avslag; delavslag and avslag need a motivering; a stickprov item also records whether the
application was correct. An item someone else has taken is resolved only when taken over
explicitly (`force`). The robot never decides: these are the decisions.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot.casework.errors import Conflict, Invalid, NotFound, choice, reference, require_actor, require_limit
from robot.clock import SYSTEM, Clock
from robot.queue import cases
from robot.queue.cases import ManualItem
from robot.queue.states import ManualStatus, Resolution

MAX_NOTE = 4000
STATUS_WORDS = {ManualStatus.OPEN: "öppet", ManualStatus.CLAIMED: "tilldelat", ManualStatus.RESOLVED: "avslutat"}


def list_manual(
    engine: Engine, status: str | None = None, assignee: str | None = None, limit: int = 100
) -> list[ManualItem]:
    """Items with `status` (open, claimed or resolved; default: open and claimed), earliest deadline first."""
    return cases.manual_items(engine, choice(ManualStatus, status), assignee, require_limit(limit))


def find_manual(engine: Engine, ref: str | int) -> ManualItem:
    """An item by its number or by the application id."""
    item = cases.manual_item(engine, **reference(ref))
    if item is None:
        raise NotFound(f"inget ärende i manuella kön för {ref}")
    return item


def claim_manual(engine: Engine, ref: str | int, actor: str | None, clock: Clock = SYSTEM) -> ManualItem:
    """Take an open item: it is assigned to `actor`."""
    actor = require_actor(actor)
    item = find_manual(engine, ref)
    if not cases.claim_item(engine, item.id, actor, clock.now()):
        current = find_manual(engine, item.id)
        who = f" av {current.assignee}" if current.assignee else ""
        raise Conflict(f"ärende {item.id} är inte öppet: det är redan {STATUS_WORDS[ManualStatus(current.status)]}{who}")
    return find_manual(engine, item.id)


def resolve_manual(
    engine: Engine,
    ref: str | int,
    actor: str | None,
    *,
    resolution: str,
    amount: int | None = None,
    note: str | None = None,
    stickprov_correct: bool | None = None,
    force: bool = False,
    clock: Clock = SYSTEM,
) -> ManualItem:
    """Resolve an item with the handläggare's decision."""
    actor = require_actor(actor)
    item = find_manual(engine, ref)
    decided = _decision(resolution, amount, note, item.stickprov, stickprov_correct)
    if item.status == ManualStatus.RESOLVED:
        raise Conflict(f"ärende {item.id} är redan avslutat ({item.resolution} av {item.resolved_by})")
    if item.status == ManualStatus.CLAIMED and item.assignee != actor and not force:
        raise Conflict(f"ärende {item.id} är tilldelat {item.assignee}; ta över ärendet för att avsluta det", "force")
    resolved = cases.resolve_item(
        engine,
        item,
        actor,
        decided.value,
        amount if decided is not Resolution.AVSLAG else None,
        (note or "").strip() or None,
        stickprov_correct if item.stickprov else None,
        clock.now(),
    )
    if not resolved:
        raise Conflict(f"ärende {item.id} avslutades samtidigt av någon annan")
    return find_manual(engine, item.id)


def _decision(
    resolution: str, amount: int | None, note: str | None, stickprov: bool, stickprov_correct: bool | None
) -> Resolution:
    try:
        decided = Resolution(resolution)
    except ValueError:
        raise Invalid("beslutet ska vara bifall, delavslag eller avslag", "decision") from None
    if decided in (Resolution.BIFALL, Resolution.DELAVSLAG) and (amount is None or amount <= 0):
        raise Invalid(f"{decided.value} kräver ett belopp större än 0 kr", "amount")
    if decided is Resolution.AVSLAG and amount not in (None, 0):
        raise Invalid("avslag har inget belopp", "amount")
    if decided is not Resolution.BIFALL and not (note or "").strip():
        raise Invalid(f"{decided.value} kräver en motivering", "note")
    if note and len(note) > MAX_NOTE:
        raise Invalid(f"motiveringen får vara högst {MAX_NOTE} tecken", "note")
    if stickprov and stickprov_correct is None:
        raise Invalid("ärendet är ett stickprov: ange om ansökan var korrekt", "stickprov_correct")
    return decided
