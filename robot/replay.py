"""Re-running a stored verdict from its recorded inputs and ruleset, and checking it is identical."""

from __future__ import annotations

import json
from dataclasses import dataclass

from robot.chain.engine import evaluate
from robot.chain.ruleset import ruleset_from_files
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register
from robot.queue.records import StoredVerdict


@dataclass(frozen=True)
class Replay:
    identical: bool
    stored_json: str
    replayed_json: str


def replay(raw: bytes, stored: StoredVerdict) -> Replay:
    ruleset = ruleset_from_files(stored.ruleset_files)
    register = Register.model_validate_json(json.dumps(stored.inputs["register"]), strict=True)
    stickprov = StickprovInput(
        rate_override=stored.inputs.get("stickprov_rate_override"),
        recorded=stored.inputs.get("stickprov_draws") or {},
    )
    replayed = evaluate(parse_application(raw), register, ruleset, stickprov).verdict.to_json(indent=None)
    return Replay(replayed == stored.verdict_json, stored.verdict_json, replayed)
