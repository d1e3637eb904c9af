"""Attendance reported by the activity providers: the municipality's own activity system.

register/1's `activity` is what the providers (kompetenscenter, SFI, praktik …) report per person
and month: planned and attended hours. Unlike the applicant's own hours, the rules may rely on it.
Each municipality keeps it in its own system, so production reads it through its own adapter: any
class with the `ActivitySource` shape. `FileActivitySource` is the one shipped: it reads the
`activity` of a register/1 document (the demo's and the tests'; an export can be written in that
form). A source that cannot answer raises `RegisterUnavailable`, like the registers. A source that never
waits (the file) says so with `answers_at_once = True` and a plain `answer(request)`: the composed source
then asks it in place rather than in a task of its own; any other (a provider's network adapter) is asked
concurrently with SSBTEK.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import ijson
from pydantic import TypeAdapter, ValidationError

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import control_period
from robot.formats.period import of
from robot.formats.register import ProviderAttendance

_REPORTS: TypeAdapter[list[ProviderAttendance]] = TypeAdapter(list[ProviderAttendance])
_PNR = re.compile(r"^[0-9]{12}$")


class ActivitySource(Protocol):
    name: str

    async def fetch(self, request: RegisterRequest) -> Mapping[str, list[ProviderAttendance] | None]:
        """Per adult asked: the providers' reports for the control months (M−2, M−1), or None when
        no provider reports on that person."""
        ...

    async def aclose(self) -> None: ...


class FileActivitySource:
    """The `activity` of a register/1 document, loaded once ([activity] file)."""

    name = "activity-file"
    answers_at_once = True
    """`answer` gives what `fetch` does without waiting on anything: a caller may call it in place of `fetch`."""

    def __init__(self, path: Path):
        self.path = path
        self._reports: dict[str, bytes] = {}
        """Per person with reports: their `activity` as compact JSON, already validated once."""
        try:
            with path.open("rb") as f:
                for pnr, reports in _activities(f):
                    encoded = json.dumps(reports, separators=(",", ":")).encode()
                    _REPORTS.validate_json(encoded, strict=True)
                    self._reports[pnr] = encoded
        except OSError as exc:
            raise ValueError(f"ROBOT_ACTIVITY_FILE {path}: cannot be read ({exc.strerror})") from None
        except (ValueError, ValidationError, ijson.JSONError) as exc:
            raise ValueError(
                f"ROBOT_ACTIVITY_FILE {path}: not a register/1 document ({str(exc).splitlines()[0]})"
            ) from None

    async def fetch(self, request: RegisterRequest) -> Mapping[str, list[ProviderAttendance] | None]:
        await asyncio.sleep(0)
        return self.answer(request)

    def answer(self, request: RegisterRequest) -> dict[str, list[ProviderAttendance] | None]:
        start, end = (of(day) for day in control_period(request.period))
        answer: dict[str, list[ProviderAttendance] | None] = {}
        for pnr in request.persons:
            encoded = self._reports.get(pnr)
            if encoded is None:
                answer[pnr] = None
            else:
                answer[pnr] = [r for r in _REPORTS.validate_json(encoded, strict=True) if start <= r.month <= end]
        return answer

    async def aclose(self) -> None:
        return None


def _activities(f: Any) -> Iterator[tuple[str, list[Any]]]:
    """(personnummer, its `activity` as parsed JSON) for each person whose `activity` is not null, one at a time."""
    events = ijson.parse(f, use_float=True)
    fmt, persons = None, False
    for prefix, event, value in events:
        if prefix == "format" and event == "string":
            fmt = value
        elif prefix == "persons" and event == "start_map":
            persons = True
        elif event == "start_array" and prefix.startswith("persons.") and prefix.endswith(".activity"):
            pnr = prefix.split(".")[1]
            if prefix.count(".") != 2 or not _PNR.match(pnr):
                raise ValueError(f"persons: a key is not a personnummer of 12 digits ({len(pnr)} characters)")
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
            for inner, event, value in events:
                builder.event(event, value)
                if inner == prefix and event == "end_array":
                    break
            yield pnr, builder.value
    if fmt != "register/1" or not persons:
        raise ValueError("format must be register/1, with persons")
