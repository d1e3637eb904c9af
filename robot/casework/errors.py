"""Why a handläggare action cannot be done, in Swedish, as exceptions the CLI and the web app map;
and the checks every action shares.

Each names the input at fault in `field` (`actor`, `decision`, `amount`, `note`, `stickprov_correct`,
`force`, `status`, `limit`), so a form can mark it and the CLI can name its option. The messages
name no CLI options: they are shown on the web too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


class CaseworkError(Exception):
    """A handläggare action that cannot be done; the message says why, in Swedish."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(CaseworkError):
    """No such manual item or recommendation (web: 404)."""


class Conflict(CaseworkError):
    """Its status does not allow the action: taken by someone else, already decided (web: 409)."""


class Invalid(CaseworkError):
    """The action's input is refused: no actor, a decision without its amount or note (web: 422)."""


MAX_ACTOR = 120


def require_actor(actor: str | None) -> str:
    """Every action has an actor, the handläggare's user id, which the event log records."""
    actor = (actor or "").strip()
    if not actor:
        raise Invalid("åtgärden kräver handläggarens användar-id", "actor")
    if len(actor) > MAX_ACTOR:
        raise Invalid(f"användar-id får vara högst {MAX_ACTOR} tecken", "actor")
    return actor


def require_limit(limit: int) -> int:
    if limit < 1:
        raise Invalid(f"antalet att visa måste vara minst 1, inte {limit}", "limit")
    return limit


def reference(ref: str | int) -> dict[str, Any]:
    """A manual item or recommendation is named by its number or by its application's id."""
    return {"id": int(ref)} if str(ref).isdigit() else {"application_id": str(ref)}


def choice(kind: type[E], value: str | None) -> E | None:
    """`value` as one of `kind`'s values (None when not given); an unknown value is refused."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = [k.value for k in kind]
        raise Invalid(f"okänd status {value!r}: välj {', '.join(known[:-1])} eller {known[-1]}", "status") from None
