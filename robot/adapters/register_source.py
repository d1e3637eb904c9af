"""Register sources behind one interface: the rules never know which one they got.

- `FileRegisterSource`: a `register/1` file (ROBOT_SSBTEK_REGISTER), for demos and offline checks.
- `robot.adapters.composed.ComposedRegisterSource`: what the worker uses with ROBOT_SSBTEK_URL:
  SSBTEK's SOAP contract (`ssbtek.client.SoapRegisterSource`), the employer declarations
  (`agi.client.AgiSource`) and the activity providers (`activity.ActivitySource`); in tests and the
  demo they talk to the simulators.

A source answers one `RegisterRequest` (the adults of one application) with a `Register` that has
an entry for every person asked about. An authority that answered with an error for a person is in
that person's `unavailable` list; the rules then treat anything that needs it as not evaluable.
When the source cannot answer at all (SSBTEK unreachable after its retries), it raises
`RegisterUnavailable`; the queue retries later and, after the cut-off, sends the application to
manual handling with reason SSBTEK_EJ_TILLGANGLIG.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from robot.formats.register import Authority, Register, RegisterPerson


@dataclass(frozen=True)
class RegisterRequest:
    application_id: str
    """Used as SSBTEK's ärendeidentitet."""
    period: str
    """The application's period (YYYY-MM); sources ask for the control months M−2 and M−1."""
    persons: tuple[str, ...]
    """Personnummer of the adults whose register data the rules need."""
    authorities: frozenset[Authority]
    """Authorities whose answers the rules need; a source asks for at least these."""


class RegisterUnavailable(Exception):
    """The source could not answer (transport failure, timeouts, SOAP fault after retries).

    The message is for ops and logs: it never contains personnummer or other personal data.
    """


class RegisterSource(Protocol):
    name: str

    async def fetch(self, request: RegisterRequest) -> Register: ...

    async def aclose(self) -> None: ...


class FileRegisterSource:
    """Answers from a `register/1` file loaded once. A person absent from it has no register data."""

    name = "file"

    def __init__(self, path: Path):
        self.path = path
        self.register = Register.model_validate_json(path.read_bytes(), strict=True)

    async def fetch(self, request: RegisterRequest) -> Register:
        await asyncio.sleep(0)
        return Register(
            format="register/1",
            persons={p: self.register.persons.get(p) or RegisterPerson() for p in request.persons},
        )

    async def aclose(self) -> None:
        return None


def all_unavailable(request: RegisterRequest) -> Register:
    """The register as the rules see it when nothing could be fetched: every needed authority failed."""
    missing = sorted(request.authorities, key=lambda a: a.value)
    return Register(format="register/1", persons={p: RegisterPerson(unavailable=missing) for p in request.persons})
