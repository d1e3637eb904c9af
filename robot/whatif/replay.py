"""Re-running a stored verdict from its recorded inputs and ruleset, and checking it is identical."""

from __future__ import annotations

from dataclasses import dataclass

from robot import __version__
from robot.chain.engine import evaluate
from robot.chain.inputs import read_recorded
from robot.chain.ruleset import ruleset_from_files
from robot.formats.application import parse_application
from robot.queue.records import StoredVerdict


@dataclass(frozen=True)
class Replay:
    identical: bool
    stored_json: str
    replayed_json: str
    stored_program: str | None
    """The program version that made the stored verdict (None: stored before it was recorded)."""
    program: str = __version__

    @property
    def other_program(self) -> bool:
        return self.stored_program != self.program


def replay(raw: bytes, stored: StoredVerdict) -> Replay:
    ruleset = ruleset_from_files(stored.ruleset_files)
    recorded = read_recorded(stored.inputs)
    replayed = evaluate(
        parse_application(raw), recorded.register, ruleset, recorded.stickprov, circumstances=recorded.circumstances
    ).verdict.to_json(indent=None)
    return Replay(replayed == stored.verdict_json, stored.verdict_json, replayed, recorded.program)
