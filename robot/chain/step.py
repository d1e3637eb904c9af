"""A step kind of the chain, and what a step gives back.

A step kind declares its parameters (name → schema of one value), the reason codes it may give and
the SSBTEK authorities it needs; it checks its own parameters when the rules are loaded and
evaluates one application's context. Every step's parameter file also names its `lagrum`, per part
of the rule, with valid-from dates (the law changed from SoL 2001:453 to 2025:400 on 2025-07-01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import TypeAdapter, ValidationError

from robot.chain.errors import RulesError
from robot.chain.parameters import ParameterGroup, ParamValue
from robot.formats.application import swedish_message
from robot.formats.register import Authority
from robot.formats.verdict import Reason

if TYPE_CHECKING:
    from robot.chain.context import Context

LAGRUM = "lagrum"
LAGRUM_SCHEMA = TypeAdapter(dict[str, list[str]])
"""The `lagrum` parameter: part of the rule → the provisions it applies."""


_UNKNOWN: Any = object()
_REMEMBERED = 4096
"""Values remembered per step before the memory starts afresh (a long-running worker meets a new
day every month; this bound only guards against a caller asking for every day of the calendar)."""


class _Memory(dict[Any, Any]):
    """A step's remembered values, at most `_REMEMBERED`: past that it starts afresh."""

    def keep(self, key: Any, value: Any) -> Any:
        if len(self) >= _REMEMBERED:
            self.clear()
        self[key] = value
        return value


class MissingParameter(LookupError):
    """A parameter has no value in force for the day (or year) the application needs.

    Not a fault: the rules do not cover the period. The application goes to a handläggare with a
    reason naming the parameter, never a technical error.
    """

    def __init__(self, name: str, when: str):
        super().__init__(f"{name} has no value in force for {when}")
        self.name = name
        self.when = when


@dataclass
class StepResult:
    result: Literal["pass", "manual"]
    motivering: str
    reasons: list[Reason] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    evaluated: bool = True

    @classmethod
    def decide(
        cls,
        reasons: list[Reason],
        motivering: str,
        parameters: list[dict[str, Any]],
        facts: dict[str, Any] | None = None,
        evaluated: bool = True,
    ) -> StepResult:
        return cls(
            "manual" if reasons or not evaluated else "pass",
            motivering,
            reasons,
            parameters,
            facts or {},
            evaluated,
        )


class Step:
    """A step kind. Subclasses declare PARAMETERS, REASONS and (where they need SSBTEK) `authorities`."""

    kind: ClassVar[str]
    PARAMETERS: ClassVar[dict[str, TypeAdapter[Any]]] = {}
    REASONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, params: ParameterGroup):
        self.name = name
        self.params = params
        self._in_force = _Memory()
        """(name, day) → the parameter value in force, or None."""
        self._lagrum = _Memory()
        """day → the provisions in force."""

    # Loading ---------------------------------------------------------------------------------

    @classmethod
    def check_parameters(cls, group: ParameterGroup, where: str) -> None:
        """Every declared parameter present and valid, nothing unknown. Kinds with more add to this."""
        declared = {**cls.PARAMETERS, LAGRUM: LAGRUM_SCHEMA}
        top_level = {name.split(".")[0] for name in declared}  # "jobbstimulans.andel" lives in a group
        unknown = sorted(set(group.children) - top_level - cls.extra_groups())
        if unknown:
            raise RulesError(where, f"okänd parameter {unknown[0]!r}; {cls.kind} har {', '.join(sorted(declared))}")
        for name, adapter in declared.items():
            try:
                param = group.parameter(name)
            except KeyError:
                raise RulesError(where, f"parametern {name!r} saknas") from None
            for v in param.values:
                validate(adapter, v.value, where, f"{param.name} {v.valid_from}")

    @classmethod
    def extra_groups(cls) -> set[str]:
        """Parameter groups a kind reads besides PARAMETERS (checked by its own check_parameters)."""
        return set()

    # Evaluating ------------------------------------------------------------------------------

    def in_force(self, name: str, day: dt.date) -> ParamValue | None:
        """The parameter's value in force on `day`, or None.

        Remembered per (name, day): a step's parameters never change once loaded, and the days
        asked for are few (the first of a period's month and the month before it)."""
        key = (name, day)
        found = self._in_force.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._in_force.keep(key, self.params.parameter(name).at(day))
        return found  # type: ignore[return-value]

    def value(self, name: str, day: dt.date) -> ParamValue:
        """The parameter's value in force on `day`; none in force raises MissingParameter."""
        found = self.in_force(name, day)
        if found is None:
            raise MissingParameter(f"{self.params.name}.{name}", f"{day.isoformat()}")
        return found

    def value_for_year(self, name: str, year: int) -> ParamValue:
        """A yearly parameter (like the prisbasbelopp): the value set for exactly that year."""
        found = self.in_force(name, dt.date(year, 12, 31))
        if found is None or found.valid_from.year != year:
            raise MissingParameter(f"{self.params.name}.{name}", f"år {year}")
        return found

    def lagrum(self, day: dt.date) -> list[str]:
        """The provisions the step applies for a period starting on `day`, every part in order."""
        found = self._lagrum.get(day)
        if found is None:
            parts = self.value(LAGRUM, day).value
            found = self._lagrum.keep(day, tuple(dict.fromkeys(text for texts in parts.values() for text in texts)))
        return list(found)

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        """The SSBTEK authorities whose answers this step needs for a period starting on `day`."""
        return frozenset()

    def evaluate(self, ctx: Context) -> StepResult:  # pragma: no cover - abstract
        raise NotImplementedError


def validate(adapter: TypeAdapter[Any], value: Any, where: str, what: str) -> None:
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'värdet'}: {swedish_message(e, '.'.join(map(str, e['loc'])))}"
            for e in exc.errors(include_url=False)
        )
        raise RulesError(where, f"{what}: {problems}") from None
