"""Readiness: can this robot do its work now? Four checks, each a short sentence for ops.

- database: the database answers;
- migrations: its schema is the one this code needs (`robot db upgrade` otherwise);
- rules: the rules folder loads and validates;
- register: SSBTEK answers `testaBastjanstInformation` (the simulator too, it speaks the contract), or
  the register file can be read when ROBOT_SSBTEK_REGISTER stands in for SSBTEK.

The rules and the register are asked at most once per `max_age` seconds (a load balancer's probe every
few seconds must not become a stream of calls to SSBTEK); the database on every probe.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from robot.adapters.register_source import RegisterUnavailable
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.chain.errors import RulesError
from robot.chain.ruleset import load_ruleset
from robot.config import Settings
from robot.queue import migrate


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "not ready", "checks": [asdict(c) for c in self.checks]}


class ReadinessProbe:
    def __init__(self, engine: Engine, settings: Settings, max_age: float = 30.0):
        self.engine = engine
        self.settings = settings
        self.max_age = max_age
        self._cached: dict[str, tuple[float, Check]] = {}

    async def check(self) -> Readiness:
        database, migrations = await asyncio.to_thread(self._schema)
        rules = await self._at_most_every("rules", lambda: asyncio.to_thread(self._rules))
        register = await self._at_most_every("register", self._register)
        return Readiness((database, migrations, rules, register))

    async def _at_most_every(self, name: str, run) -> Check:  # type: ignore[no-untyped-def]
        cached = self._cached.get(name)
        if cached is not None and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        result = await run()
        self._cached[name] = (time.monotonic(), result)
        return result

    def _schema(self) -> tuple[Check, Check]:
        try:
            state = migrate.status(self.engine)
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            down = Check("database", False, f"the database does not answer ({type(cause).__name__})")
            return down, Check("migrations", False, "unknown: the database does not answer")
        database = Check("database", True, f"{self.engine.dialect.name} answers")
        if state.up_to_date:
            return database, Check("migrations", True, f"schema {state.head}")
        current = state.current or "empty"
        return database, Check("migrations", False, f"schema {current}, code needs {state.head}: robot db upgrade")

    def _rules(self) -> Check:
        try:
            ruleset = load_ruleset(self.settings.rules_dir)
        except (RulesError, OSError) as exc:
            return Check("rules", False, f"the rules in {self.settings.rules_dir} do not load: {exc}"[:300])
        return Check("rules", True, f"ruleset {ruleset.identifier}")

    async def _register(self) -> Check:
        s = self.settings.ssbtek
        if not s.url:
            path = s.register_file
            if path is not None and path.is_file():
                return Check("register", True, f"register file {path} (no SSBTEK)")
            return Check("register", False, "no register source: set ROBOT_SSBTEK_URL or ROBOT_SSBTEK_REGISTER")
        try:
            source = SoapRegisterSource(self.settings)  # one per check (at most every max_age): nothing left open
            try:
                states = await source.ping()
            finally:
                await source.aclose()
        except (RegisterUnavailable, ValueError) as exc:
            return Check("register", False, f"SSBTEK does not answer testaBastjanstInformation: {exc}"[:300])
        down = sorted(a.value for a, t in states.items() if t.error is not None)
        detail = "SSBTEK answers" + (f"; authorities reporting errors: {', '.join(down)}" if down else "")
        return Check("register", True, detail)
