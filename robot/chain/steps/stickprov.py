"""Stickprov: a share of applications goes to manual control at random, before processing.

A selected application is still evaluated in full, so the handläggare gets the robot's proposal.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import TypeAdapter, confloat

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.chain.stickprov import BASE, cost_purpose
from robot.formats.application import CostType
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.swedish.numbers import decimal, percent
from robot.swedish.words import COST_NAMES, join

Share = confloat(ge=0.0, le=1.0)


class Stickprov(Step):
    kind = "stickprov"
    PARAMETERS: ClassVar = {
        "andel": TypeAdapter(Share),
        "andel_per_kostnadstyp": TypeAdapter(dict[CostType, Share]),
    }
    REASONS = (Code.STICKPROV,)

    def evaluate(self, ctx: Context) -> StepResult:
        app = ctx.application
        base_param = self.value("andel", ctx.period_start)
        per_type_param = self.value("andel_per_kostnadstyp", ctx.period_start)
        override = ctx.stickprov_input.rate_override
        params = [base_param.cite(), per_type_param.cite()]
        if override is not None:
            params.append(
                {"name": "ROBOT_STICKPROV_RATE", "value": override, "source": "miljövariabeln ROBOT_STICKPROV_RATE"}
            )
        if override == 0:
            return StepResult("pass", "Slumpmässigt urval är avstängt (ROBOT_STICKPROV_RATE = 0).", parameters=params)

        base_rate = base_param.value if override is None else override
        draws: dict[str, float] = {BASE: ctx.stickprov_input.draw(app.application_id, app.period, BASE)}
        selected_by: list[str] = []
        if draws[BASE] < base_rate:
            selected_by.append(f"den allmänna andelen {percent(base_rate)} (dragning {decimal(draws[BASE])})")
        applied_types = sorted({c.type.value for c in app.costs})
        per_type = {str(k): v for k, v in per_type_param.value.items()}
        type_rules = []
        for cost_type in applied_types:
            rate = per_type.get(cost_type, 0.0)
            if rate <= 0:
                continue
            purpose = cost_purpose(cost_type)
            draws[purpose] = ctx.stickprov_input.draw(app.application_id, app.period, purpose)
            type_rules.append(f"{COST_NAMES[cost_type]} {percent(rate)}")
            if draws[purpose] < rate:
                selected_by.append(
                    f"andelen för {COST_NAMES[cost_type]} {percent(rate)} (dragning {decimal(draws[purpose])})"
                )
        ctx.stickprov_draws = draws
        facts = {"draws": draws}
        rates = f"allmän andel {percent(base_rate)}" + (f", för {join(type_rules)}" if type_rules else "")
        if selected_by:
            ctx.stickprov_selected = True
            text = (
                f"Ansökan har valts ut till stickprov (slumpmässig kontroll) enligt {join(selected_by)}. "
                "Den prövas av en handläggare; robotens förslag finns med som underlag."
            )
            return StepResult("manual", text, [Reason(code=Code.STICKPROV, text=text)], params, facts)
        return StepResult("pass", f"Ansökan valdes inte ut till stickprov ({rates}).", [], params, facts)
