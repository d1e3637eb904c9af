"""Attendance reported by the activity providers: the municipality's own activity system.

register/1's `activity` is what the providers (kompetenscenter, SFI, praktik …) report per person
and month: planned and attended hours. Unlike the applicant's own hours, the rules may rely on it.
Each municipality keeps it in its own system, so production reads it through its own adapter: any
class with the `ActivitySource` shape. `FileActivitySource` is the one shipped: it reads the
`activity` of a register/1 document (the demo's and the tests'; an export can be written in that
form). A source that cannot answer raises `RegisterUnavailable`, like the registers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import control_period
from robot.formats.period import of
from robot.formats.register import ProviderAttendance, Register


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

    def __init__(self, path: Path):
        self.path = path
        try:
            register = Register.model_validate_json(path.read_bytes(), strict=True)
        except OSError as exc:
            raise ValueError(f"ROBOT_ACTIVITY_FILE {path}: cannot be read ({exc.strerror})") from None
        except ValueError as exc:
            raise ValueError(
                f"ROBOT_ACTIVITY_FILE {path}: not a register/1 document ({str(exc).splitlines()[0]})"
            ) from None
        self._reports = {pnr: person.activity for pnr, person in register.persons.items()}

    async def fetch(self, request: RegisterRequest) -> Mapping[str, list[ProviderAttendance] | None]:
        await asyncio.sleep(0)
        start, end = (of(day) for day in control_period(request.period))
        answer: dict[str, list[ProviderAttendance] | None] = {}
        for pnr in request.persons:
            reports = self._reports.get(pnr)
            answer[pnr] = None if reports is None else [r for r in reports if start <= r.month <= end]
        return answer

    async def aclose(self) -> None:
        return None
