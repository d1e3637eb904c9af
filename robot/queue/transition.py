"""Every state change of an application, written through the transition table.

A change is an UPDATE whose WHERE clause requires the source state and whose values set the
target state, so a row that moved meanwhile is left alone; the pair is checked against
`states.TRANSITIONS` first, so a change the table does not allow is refused before any SQL runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from robot.queue.schema import applications as A
from robot.queue.states import State, require


def change(source: State, target: State) -> tuple[ColumnElement[bool], dict[str, Any]]:
    """The WHERE condition and the values of the change `source` → `target` (IllegalTransition if not allowed)."""
    return A.c.state == source.value, {"state": require(source, target).value}

