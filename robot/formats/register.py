"""The register document `register/1`: what SSBTEK answers, per person.

It is also the robot's internal form of register data: the SOAP adapter, a register file and
the simulator all produce a `Register`, and the snapshot stored with each verdict is one.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from robot.formats.application import MAX_AMOUNT, ActivityKind, Hours, IncomeType, Month


class Authority(StrEnum):
    """The authorities behind SSBTEK, by the codes its contract uses."""

    AF = "AF"
    CSN = "CSN"
    FK = "FK"
    SKV = "SKV"
    SO = "SO"
    TNS = "TNS"
    MIV = "MIV"


AUTHORITY_NAMES = {
    Authority.AF: "Arbetsförmedlingen",
    Authority.CSN: "CSN",
    Authority.FK: "Försäkringskassan",
    Authority.SKV: "Skatteverket",
    Authority.SO: "a-kassorna (SO)",
    Authority.TNS: "Transportstyrelsen",
    Authority.MIV: "Migrationsverket",
}

INCOME_SOURCES = (Authority.AF, Authority.CSN, Authority.FK, Authority.SKV, Authority.SO)


class AktivitetsrapportKod:
    """SSBTEK's AF codes for the activity report."""

    FILED = 200
    NOT_REGISTERED = 500
    NOT_FILED = 501
    TECHNICAL_ERROR = 502


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AfInfo(_Strict):
    status: Literal["inskriven", "ej_inskriven", "okand"]
    """`okand`: Arbetsförmedlingen's answer could not be had or read; always with aktivitetsrapport 502."""
    aktivitetsrapport: Literal[200, 500, 501, 502]
    registered_since: dt.date | None = None

    @model_validator(mode="after")
    def _unknown_is_an_error(self) -> AfInfo:
        if self.status == "okand" and self.aktivitetsrapport != AktivitetsrapportKod.TECHNICAL_ERROR:
            raise ValueError("af.status okand goes with aktivitetsrapport 502 only")
        return self


NOT_REGISTERED = AfInfo(status="ej_inskriven", aktivitetsrapport=AktivitetsrapportKod.NOT_REGISTERED)
AF_UNKNOWN = AfInfo(status="okand", aktivitetsrapport=AktivitetsrapportKod.TECHNICAL_ERROR)
"""What register/1 says of a person whose Arbetsförmedlingen answer is unavailable: unknown, never `ej_inskriven`."""


RegisterAmount = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT)]


class RegisterIncome(_Strict):
    source: Literal["AF", "CSN", "FK", "SKV", "SO"]
    type: IncomeType
    month: Month
    amount: RegisterAmount
    """Skatteverket's `lon` (arbetsgivardeklaration): the gross cash pay; other sources: as paid."""
    tax_withheld: RegisterAmount | None = None
    """Preliminary tax withheld (SKV `lon`): net pay = amount − tax_withheld. None: not reported."""


class ProviderAttendance(_Strict):
    """Attendance reported by the activity provider (the municipality's own activity system)."""

    month: Month
    kind: ActivityKind
    planned_hours: Hours
    attended_hours: Hours


class BusinessRegistration(_Strict):
    """Skatteverket's `foretagsinformation` about the person (SSBTEK v11): registrations for running a business."""

    f_skatt: bool
    """Approved for F-skatt (`godkandFskatt`)."""
    employer: bool
    """Registered as an employer (`arbetsgivarregistrerad`)."""
    vat: bool
    """Registered for VAT (`momsregistrerad`)."""

    @property
    def registered(self) -> bool:
        return self.f_skatt or self.employer or self.vat


class RegisterPerson(_Strict):
    af: AfInfo = NOT_REGISTERED
    incomes: list[RegisterIncome] = []
    unavailable: list[Authority] = []
    activity: list[ProviderAttendance] | None = None
    """None: no report from the activity provider for this person."""
    business: BusinessRegistration | None = None
    """None: no registration for business is known (Skatteverket has none, or the source does not carry it:
    SSBTEK v10, Skatteverket not asked); see docs/formats.md."""


class Register(_Strict):
    format: Literal["register/1"]
    persons: dict[Annotated[str, Field(pattern=r"^[0-9]{12}$")], RegisterPerson]

    def person(self, pnr: str) -> RegisterPerson:
        """A person absent from the register has no incomes and is not registered at AF."""
        return self.persons.get(pnr) or RegisterPerson()

    def restricted_to(self, pnrs: list[str]) -> Register:
        """The part of the register about these persons: what a verdict records as its input."""
        return Register(format="register/1", persons={p: self.persons[p] for p in pnrs if p in self.persons})


EMPTY_REGISTER = Register(format="register/1", persons={})
