"""What an evaluation depends on besides the application and the rules, and how it is recorded.

The chain is pure: no clock, no database. Whatever it needs from the world is given to it here and
stored with the verdict (`recorded_json`), so that a replay reads back (`read_recorded`) exactly
what the first evaluation saw:

- the register data about the household's adults (`register/1`),
- the stickprov draws,
- the as-of date (every employer has declared month M−1 by the 26th of M, 27 December for November:
  before then a missing salary is "not yet known"),
- the household's history from the robot's own earlier verdicts (its children's work income so
  far this calendar year), or null where it is not known,
- the program version that made the verdict.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from robot.chain.stickprov import StickprovInput
from robot.formats.application import Month
from robot.formats.register import Register


class HouseholdHistory(BaseModel):
    """The household's year so far, from the robot's own earlier verdicts (see `history_from_verdicts`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    year: StrictInt
    through: Month
    """The last month (a control month of an earlier verdict) the figures cover, from January on."""
    children_work_income: dict[str, Annotated[StrictInt, Field(ge=0)]] = {}
    """Each child's own work income earned this year through `through`, by the child's birth date."""


@dataclass(frozen=True)
class Circumstances:
    as_of: dt.date | None
    """The day of the evaluation (the worker's date in Sweden; `robot check --as-of`). None only for
    verdicts stored before it was recorded: employers' declarations are then taken as complete."""
    household: HouseholdHistory | None = None
    """None: the robot does not know the household's year so far."""


_SORTED = json.JSONEncoder(sort_keys=True)
"""`json.dumps(…, sort_keys=True)` without building an encoder for each verdict."""


def recorded_json(
    register: Register, draws: dict[str, float], rate_override: float | None, c: Circumstances, program: str
) -> str:
    """The inputs a replay needs, as stored beside the verdict (canonical: same inputs, same text)."""
    return (
        '{"register":'
        + register.model_dump_json()
        + ',"stickprov_draws":'
        + _SORTED.encode(draws)
        + ',"stickprov_rate_override":'
        + json.dumps(rate_override)
        + ',"as_of":'
        + json.dumps(c.as_of.isoformat() if c.as_of else None)
        + ',"household_history":'
        + (c.household.model_dump_json() if c.household else "null")
        + ',"program":'
        + json.dumps(program)
        + "}"
    )


@dataclass(frozen=True)
class Recorded:
    register: Register
    stickprov: StickprovInput
    circumstances: Circumstances
    program: str | None
    """The program version that made the verdict (None: stored before it was recorded)."""


def read_recorded(inputs: dict[str, Any], key: bytes | None = None, draw_missing: bool = False) -> Recorded:
    """The recorded inputs of a stored verdict. A replay uses the recorded draws only; a what-if run
    may compute draws the recording lacks (`draw_missing`)."""
    register = Register.model_validate_json(json.dumps(inputs["register"]), strict=True)
    stickprov = StickprovInput(
        **({"key": key} if key is not None else {}),
        rate_override=inputs.get("stickprov_rate_override"),
        recorded=inputs.get("stickprov_draws") or {},
        draw_missing=draw_missing,
    )
    as_of = inputs.get("as_of")
    history = inputs.get("household_history")
    circumstances = Circumstances(
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        household=HouseholdHistory.model_validate_json(json.dumps(history)) if history else None,
    )
    return Recorded(register, stickprov, circumstances, inputs.get("program"))
