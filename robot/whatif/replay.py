"""Re-running a stored verdict from its recorded inputs and ruleset, and checking it is identical."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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


def recorded_inputs(
    inputs: dict[str, Any], key: bytes | None = None, draw_missing: bool = False
) -> tuple[Register, StickprovInput]:
    """The register snapshot and stickprov input a verdict recorded (see outcomes.recorded_inputs).

    A replay uses the recorded draws only; a what-if run may compute draws the recording lacks.
    """
    register = Register.model_validate_json(json.dumps(inputs["register"]), strict=True)
    stickprov = StickprovInput(
        **({"key": key} if key is not None else {}),
        rate_override=inputs.get("stickprov_rate_override"),
        recorded=inputs.get("stickprov_draws") or {},
        draw_missing=draw_missing,
    )
    return register, stickprov


def replay(raw: bytes, stored: StoredVerdict) -> Replay:
    ruleset = ruleset_from_files(stored.ruleset_files)
    register, stickprov = recorded_inputs(stored.inputs)
    replayed = evaluate(parse_application(raw), register, ruleset, stickprov).verdict.to_json(indent=None)
    return Replay(replayed == stored.verdict_json, stored.verdict_json, replayed)
