"""Running the chain: one application + register data + circumstances + ruleset → exactly one verdict.

Pure and deterministic: no clock, no I/O, no randomness beyond the keyed stickprov draw; the day
of the evaluation and the household's history come in as recorded `Circumstances`. Every step
runs (a selected stickprov still gets the robot's full proposal). A step that fails or cannot be
evaluated makes the verdict manual with its reason, never a silent pass; a parameter that does not
cover the period, or is only provisional, makes it manual with the parameter named.
"""

from __future__ import annotations

from dataclasses import dataclass

from robot import __version__, logs
from robot.chain.context import Context
from robot.chain.inputs import Circumstances, recorded_json
from robot.chain.ruleset import Ruleset
from robot.chain.step import MissingParameter, Step, StepResult
from robot.chain.steps.intag import Intag
from robot.chain.stickprov import StickprovInput
from robot.formats.application import ParsedApplication, parse_application
from robot.formats.reasons import Code
from robot.formats.register import Register
from robot.formats.verdict import Reason, StepEntry, Verdict

log = logs.get("robot.chain")


@dataclass(frozen=True)
class Evaluation:
    """A verdict with the inputs it was computed from, as stored for replay."""

    verdict: Verdict
    register: Register
    stickprov_draws: dict[str, float]
    circumstances: Circumstances
    program: str = __version__

    def recorded_json(self, rate_override: float | None) -> str:
        """The inputs as stored beside the verdict (`inputs.read_recorded` reads them back)."""
        return recorded_json(self.register, self.stickprov_draws, rate_override, self.circumstances, self.program)


def evaluate_raw(
    raw: bytes, register: Register, ruleset: Ruleset, stickprov: StickprovInput, *, circumstances: Circumstances
) -> Evaluation:
    return evaluate(parse_application(raw), register, ruleset, stickprov, circumstances=circumstances)


def evaluate(
    parsed: ParsedApplication,
    register: Register,
    ruleset: Ruleset,
    stickprov: StickprovInput,
    *,
    circumstances: Circumstances,
) -> Evaluation:
    app = parsed.application
    if app is None:
        result = Intag.invalid(parsed.errors)
        entry = _entry(ruleset.steps[0].name, result, [])
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
        return Evaluation(verdict, Register(format="register/1", persons={}), {}, circumstances)

    snapshot = register.restricted_to([adult.personnummer for _, adult in app.adults()])
    ctx = Context(
        application=app,
        register=snapshot,
        riksnorm=ruleset.riksnorm,
        stickprov_input=stickprov,
        circumstances=circumstances,
    )
    entries: list[StepEntry] = []
    reasons: list[Reason] = []
    missing: list[MissingParameter] = []
    for step in ruleset.steps:
        try:
            result = _run(step, ctx)
        except MissingParameter as exc:
            missing.append(exc)
            result = StepResult("manual", _not_covered(step.name, [exc]), evaluated=False)
        entries.append(_entry(step.name, result, _lagrum(step, ctx)))
        for reason in result.reasons:
            if reason not in reasons:
                reasons.append(reason)
    if missing:  # one reason naming every parameter the period lacks
        reasons.append(Reason(code=Code.PARAMETER_SAKNAS, text=_not_covered(None, missing)))

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
    return Evaluation(verdict, snapshot, dict(ctx.stickprov_draws), circumstances)


def _run(step: Step, ctx: Context) -> StepResult:
    """The step's result; a parameter the period lacks raises MissingParameter to the caller."""
    try:
        result = step.evaluate(ctx)
    except MissingParameter:
        raise
    except Exception as exc:  # a fault in one step must never become a silent pass
        log.error("step_failed", application_id=ctx.application.application_id, step=step.name, error=type(exc).__name__)
        text = f"Regelsteget {step.name} kunde inte utvärderas på grund av ett internt fel ({type(exc).__name__})."
        return StepResult("manual", text, [Reason(code=Code.TEKNISKT_FEL, text=text)], evaluated=False)
    provisional = sorted({p["name"] for p in result.parameters if p.get("provisional")})
    if provisional:
        text = (
            f"Preliminära parametervärden har använts ({', '.join(provisional)}); de är inte fastställda i sin "
            "källa och ger aldrig en rekommendation. En handläggare prövar beräkningen."
        )
        result.reasons.append(Reason(code=Code.PARAMETER_PRELIMINAR, text=text))
        result.result = "manual"
        result.motivering += " " + text
    return result


def _not_covered(step: str | None, missing: list[MissingParameter]) -> str:
    named = "; ".join(f"{m.name} (för {m.when})" for m in missing)
    where = f"Regelsteget {step} kan inte tillämpas" if step else "Regelverket täcker inte perioden"
    return f"{where}: parametrar utan gällande värde: {named}. En handläggare prövar ansökan."


def _lagrum(step: Step, ctx: Context) -> list[str]:
    try:
        return step.lagrum(ctx.period_start)
    except LookupError:
        return []


def ruleset_label(ruleset: Ruleset, stickprov: StickprovInput) -> str:
    """The ruleset's identity; an environment override of the stickprov rate is part of it."""
    if stickprov.rate_override is None:
        return ruleset.identifier
    return f"{ruleset.identifier}~stickprov={stickprov.rate_override:g}"


def _entry(name: str, result: StepResult, lagrum: list[str]) -> StepEntry:
    return StepEntry.checked(
        rule=name,
        result=result.result,
        evaluated=result.evaluated,
        motivering=result.motivering,
        reasons=list(dict.fromkeys(r.code for r in result.reasons)),
        lagrum=lagrum,
        parameters=result.parameters,
        facts=result.facts,
    )
