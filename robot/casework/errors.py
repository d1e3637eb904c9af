"""Why a handläggare action cannot be done, in Swedish, as exceptions the CLI and the web app map;
and the checks every action shares.

Each names the input at fault in `field` (`ref`, `decision`, `amount`, `confirm_amount`, `note`,
`stickprov_correct`, `force`, `status`, `limit`), so a form can mark it and the CLI can name its
option. The messages name no CLI options: they are shown on the web too.

Permissions are the accounts' (`robot.accounts.NotAllowed`, web: 403): every action checks them
here, on the server side, whoever calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol, TypeVar

from robot.accounts import Actor, Permission

E = TypeVar("E", bound=StrEnum)


class CaseworkError(Exception):
    """A handläggare action that cannot be done; the message says why, in Swedish."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(CaseworkError):
    """No such manual item, recommendation or decision (web: 404)."""


class Conflict(CaseworkError):
    """Its status does not allow the action: taken by someone else, already decided (web: 409)."""


class Invalid(CaseworkError):
    """The action's input is refused: a decision without its amount or note, an unclear reference (web: 422)."""


def may_work(actor: Actor, force: bool = False) -> None:
    """Every action needs a handläggare; `force` (acting on someone else's item or decision) a teamledare."""
    actor.require(Permission.WORK_CASES)
    if force:
        actor.require(Permission.OVERRIDE)


def require_limit(limit: int) -> int:
    if limit < 1:
        raise Invalid(f"antalet att visa måste vara minst 1, inte {limit}", "limit")
    return limit


KINDS = {"M": "ett ärende i manuella kön", "R": "en rekommendation"}
_PREFIXED = re.compile(r"([MR])([0-9]{1,18})", re.IGNORECASE)


class Named(Protocol):
    @property
    def ref(self) -> str: ...
    @property
    def application_id(self) -> str: ...


Found = TypeVar("Found", bound=Named)


def find_by_reference(ref: str | int, prefix: str, lookup: Callable[..., Found | None]) -> Found | None:
    """What `ref` names: `M12` (manual item 12) or `R12` (recommendation 12), or an application id.

    `lookup(id=…)` or `lookup(application_id=…)` finds one. A bare number is refused: item 4 and
    recommendation 4 are different households. A text that is both a number here and another
    application's id is refused too. (An int, as a web route gives it, is the number itself.)
    """
    if isinstance(ref, int):
        return lookup(id=ref)
    text = str(ref).strip()
    if not text:
        raise Invalid("ange ett ärende (M12), en rekommendation (R12) eller ansökans id", "ref")
    if text.isdigit():
        raise Invalid(
            f"ange {prefix}{text} ({KINDS[prefix]}) eller ansökans id: ett nummer utan bokstav kan betyda "
            "både ett ärende (M) och en rekommendation (R)",
            "ref",
        )
    by_id = lookup(application_id=text)
    prefixed = _PREFIXED.fullmatch(text)
    if prefixed is None:
        return by_id
    if prefixed[1].upper() != prefix:
        if by_id is not None:
            return by_id
        raise Invalid(f"{text.upper()} är {KINDS[prefixed[1].upper()]}, inte {KINDS[prefix]}", "ref")
    by_number = lookup(id=int(prefixed[2]))
    if by_id is not None and by_number is not None and by_id != by_number:
        raise Invalid(
            f"{text} är tvetydigt: {by_number.ref} gäller ansökan {by_number.application_id}, "
            f"men det finns också en ansökan med id {text} ({by_id.ref}); ange {by_id.ref} eller "
            f"{by_number.application_id}",
            "ref",
        )
    return by_number or by_id


def choice(kind: type[E], value: str | None) -> E | None:
    """`value` as one of `kind`'s values (None when not given); an unknown value is refused."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = [k.value for k in kind]
        raise Invalid(f"okänd status {value!r}: välj {', '.join(known[:-1])} eller {known[-1]}", "status") from None
