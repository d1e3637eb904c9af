"""Queue states and the transitions between them.

    NEW → IN_PROGRESS → DONE | MANUAL | RETRY_WAIT → NEW

DONE: a recommendation waits for a handläggare's approval. MANUAL: a manual-handling item exists.
IN_PROGRESS is held under a lease; an expired lease sends the application back to NEW.

`TRANSITIONS` is the one table of allowed changes: every state change the queue writes goes
through `require` (see `queue/transition.py`), so a change the table does not list is refused
before anything is written.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    NEW = "NEW"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    MANUAL = "MANUAL"
    RETRY_WAIT = "RETRY_WAIT"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.NEW: frozenset({State.IN_PROGRESS}),
    State.IN_PROGRESS: frozenset({State.DONE, State.MANUAL, State.RETRY_WAIT, State.NEW}),
    State.RETRY_WAIT: frozenset({State.NEW}),
    # A handläggare rejecting a recommendation sends it to manual handling.
    State.DONE: frozenset({State.MANUAL}),
    State.MANUAL: frozenset(),
}


def allowed(source: State, target: State) -> bool:
    return target in TRANSITIONS[source]


class IllegalTransition(ValueError):
    """A state change the transition table does not allow: a defect, refused before anything is written."""

    def __init__(self, source: State, target: State):
        super().__init__(f"illegal queue transition {source.value} → {target.value}")
        self.source = source
        self.target = target


def require(source: State, target: State) -> State:
    """`target`, if the table allows going there from `source`; otherwise IllegalTransition."""
    if not allowed(source, target):
        raise IllegalTransition(source, target)
    return target


class ManualStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    """A handläggare's decision on a manual item, as `beslut/1` names it."""

    BIFALL = "bifall"
    DELAVSLAG = "delavslag"
    AVSLAG = "avslag"
    OVERLAMNAD = "overlamnad"
    """Decided in the case system, not here (no amount)."""


class RecommendationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
