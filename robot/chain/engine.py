"""Running the chain: one application + register data + ruleset → exactly one verdict.

Pure and deterministic: no clock, no I/O, no randomness beyond the keyed stickprov draw. Every
step runs (a selected stickprov still gets the robot's full proposal); a step that fails or cannot
be evaluated makes the verdict manual with its reason, never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from robot.chain.context import Context, StepResult
from robot.chain.ruleset import Ruleset
from robot.chain.steps.intag import Intag
from robot.chain.stickprov import StickprovInput
from robot.formats.application import ParsedApplication, parse_application
from robot.formats.reasons import Code
from robot.formats.register import Register
from robot.formats.verdict import Reason, StepEntry, Verdict

log = structlog.get_logger("robot.chain")

@dataclass(frozen=True)
class Evaluation:
    """A verdict with the inputs it was computed from, as stored for replay."""

    verdict: Verdict
    register: Register
    stickprov_draws: dict[str, float]


def evaluate_raw(raw: bytes, register: Register, ruleset: Ruleset, stickprov: StickprovInput) -> Evaluation:
    return evaluate(parse_application(raw), register, ruleset, stickprov)


def evaluate(parsed: ParsedApplication, register: Register, ruleset: Ruleset, stickprov: StickprovInput) -> Evaluation:
    app = parsed.application
    if app is None:
        result = Intag.invalid(parsed.errors)
        entry = _entry(ruleset.steps[0].name, result)
        verdict = Verdict(
            application_id=parsed.application_id,
            period=None,
            outcome="manual",
            amount=None,
            stickprov=False,
            reasons=result.reasons,
            norm=None,
            steps=[entry],
            ruleset=ruleset_label(ruleset, stickprov),
        )
        return Evaluation(verdict, Register(format="register/1", persons={}), {})

    snapshot = register.restricted_to([adult.personnummer for _, adult in app.adults()])
    ctx = Context(application=app, register=snapshot, ruleset=ruleset, stickprov_input=stickprov)
    entries: list[StepEntry] = []
    reasons: list[Reason] = []
    for step in ruleset.steps:
        try:
            result = step.evaluate(ctx)
        except Exception as exc:  # a fault in one step must never become a silent pass
            log.error("step_failed", application_id=app.application_id, step=step.name, error=type(exc).__name__)
            text = f"Regelsteget {step.name} kunde inte utvärderas på grund av ett internt fel ({type(exc).__name__})."
            result = StepResult("manual", text, [Reason(code=Code.TEKNISKT_FEL, text=text)], evaluated=False)
        entries.append(_entry(step.name, result))
        for reason in result.reasons:
            if reason not in reasons:
                reasons.append(reason)

    all_evaluated = all(e.evaluated for e in entries)
    manual = any(e.result == "manual" for e in entries)
    norm = ctx.norm
    proposal = norm.total if norm is not None and all_evaluated and norm.total > 0 else None
    verdict = Verdict(
        application_id=app.application_id,
        period=app.period,
        outcome="manual" if manual else "recommendation",
        amount=proposal,
        stickprov=ctx.stickprov_selected,
        reasons=reasons,
        norm=norm,
        steps=entries,
        ruleset=ruleset_label(ruleset, stickprov),
    )
    return Evaluation(verdict, snapshot, dict(ctx.stickprov_draws))


def ruleset_label(ruleset: Ruleset, stickprov: StickprovInput) -> str:
    """The ruleset's identity; an environment override of the stickprov rate is part of it."""
    if stickprov.rate_override is None:
        return ruleset.identifier
    return f"{ruleset.identifier}~stickprov={stickprov.rate_override:g}"


def _entry(name: str, result: StepResult) -> StepEntry:
    return StepEntry(
        rule=name,
        result=result.result,
        evaluated=result.evaluated,
        motivering=result.motivering,
        reasons=list(dict.fromkeys(r.code for r in result.reasons)),
        parameters=result.parameters,
        facts=result.facts,
    )
