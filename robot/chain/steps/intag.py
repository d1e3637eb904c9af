"""Intake and routing: cases the robot never prepares alone go to a handläggare with the reason.

- A period that began before the month the application was submitted (`submitted_at`, Swedish time;
  never the day it is processed, so a replay keeps its outcome) is a past need: bistånd meets a
  current need, so a past month is a handläggare's assessment (PERIOD_FORE_ANSOKAN). A dated
  parameter may allow a margin of months.
- A household larger than a plausible bound (a parameter) is manual (HUSHALL_STORLEK).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats import period as months
from robot.formats import personnummer
from robot.formats.application import Application, FieldError
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.swedish.casesystem import UNMAPPED_LEAD, UNMAPPED_TAIL
from robot.swedish.dates import STOCKHOLM, month_name
from robot.swedish.words import join, other_adults, persons


class Intag(Step):
    kind = "intag"
    PARAMETERS: ClassVar = {
        "barn_max_alder": TypeAdapter(conint(ge=0, le=25)),
        "vuxen_min_alder": TypeAdapter(conint(ge=15, le=21)),
        "tidigare_period_marginal_manader": TypeAdapter(conint(ge=0, le=12)),
        "hushall_max_personer": TypeAdapter(conint(ge=1, le=60)),
    }
    REASONS = (
        Code.INVALID_APPLICATION,
        Code.NYANSOKAN,
        Code.SKYDDAD_IDENTITET,
        Code.ANDRAT_HUSHALL,
        Code.BARN_ALDER,
        Code.SOKANDE_ALDER,
        Code.RIKSNORM_SAKNAS,
        Code.PERIOD_FORE_ANSOKAN,
        Code.HUSHALL_STORLEK,
        Code.UPPGIFT_UTAN_MOTSVARIGHET,
    )

    @staticmethod
    def invalid(errors: tuple[FieldError, ...]) -> StepResult:
        listed = "; ".join(e.text() for e in errors)
        text = f"Ansökan kan inte behandlas automatiskt eftersom den inte följer formatet ansokan/1. Fel: {listed}."
        return StepResult(
            "manual",
            text,
            [Reason(code=Code.INVALID_APPLICATION, text=text)],
            facts={"fields": [e.field for e in errors if e.field]},
            evaluated=False,
        )

    def evaluate(self, ctx: Context) -> StepResult:
        app = ctx.application
        h = app.household
        reasons: list[Reason] = []
        if app.kind == "nyansokan":
            reasons.append(
                Reason(
                    code=Code.NYANSOKAN, text="Ansökan är en nyansökan; nyansökningar utreds alltid av en handläggare."
                )
            )
        if h.protected_identity:
            text = "Någon i hushållet har skyddad identitet; ärendet hanteras av en handläggare."
            reasons.append(Reason(code=Code.SKYDDAD_IDENTITET, text=text))
        if app.unmapped:
            text = UNMAPPED_LEAD + "; ".join(app.unmapped) + UNMAPPED_TAIL
            reasons.append(Reason(code=Code.UPPGIFT_UTAN_MOTSVARIGHET, text=text))
        if h.changed_since_last_application:
            text = "Hushållet har ändrats sedan förra ansökan; en handläggare prövar det nya hushållet."
            reasons.append(Reason(code=Code.ANDRAT_HUSHALL, text=text))
        max_age = self.value("barn_max_alder", ctx.period_start)
        min_adult = self.value("vuxen_min_alder", ctx.period_start)
        for role, adult in app.adults():
            age = months.age_on(personnummer.birth_date(adult.personnummer), ctx.period_start)
            if age < min_adult.value:
                who = "Sökande" if role == "applicant" else "Medsökande"
                text = (
                    f"{who} är {age} år den första dagen i perioden. Den som är under {min_adult.value} år "
                    "försörjs i första hand av sina föräldrar; en handläggare utreder ansökan."
                )
                reasons.append(Reason(code=Code.SOKANDE_ALDER, text=text))
        margin = self.value("tidigare_period_marginal_manader", ctx.period_start)
        submitted = submitted_month(app)
        earliest = months.shift(submitted, -margin.value)
        if app.period < earliest:
            allowed = f" (regelverket tillåter {margin.value} månad{'er' if margin.value > 1 else ''} bakåt)" if margin.value else ""
            text = (
                f"Ansökan avser {month_name(app.period)} men kom in i {month_name(submitted)}; perioden hade redan "
                f"börjat{allowed}. Bistånd avser ett aktuellt behov, så en passerad månad prövas av en handläggare."
            )
            reasons.append(Reason(code=Code.PERIOD_FORE_ANSOKAN, text=text))
        most = self.value("hushall_max_personer", ctx.period_start)
        if app.household_size() > most.value:
            text = (
                f"Hushållet uppges bestå av {persons(app.household_size())}, fler än rimlighetsgränsen "
                f"{persons(most.value)}; en handläggare prövar hushållets sammansättning."
            )
            reasons.append(Reason(code=Code.HUSHALL_STORLEK, text=text))
        ages = [ctx.child_age(c) for c in h.children]
        for i, age in enumerate(ages):
            if age < 0:
                text = f"Barn {i + 1} har ett födelsedatum efter periodens första dag ({ctx.period_start})."
                reasons.append(Reason(code=Code.BARN_ALDER, text=text))
            elif age > max_age.value:
                text = (
                    f"Barn {i + 1} är {age} år den första dagen i perioden; riksnormens barnrader gäller till och "
                    f"med {max_age.value} år."
                )
                reasons.append(Reason(code=Code.BARN_ALDER, text=text))
        year = ctx.period_start.year
        if year not in ctx.riksnorm:
            have = join([str(y) for y in sorted(ctx.riksnorm)])
            text = f"Riksnorm för {year} finns inte i regelverket (tabeller finns för {have})."
            reasons.append(Reason(code=Code.RIKSNORM_SAKNAS, text=text))
        members = ["sökande"] + (["medsökande"] if h.co_applicant else [])
        if h.children:
            members.append(f"{len(h.children)} barn ({', '.join(f'{a} år' for a in ages)})")
        if h.other_adults:
            members.append(f"{other_adults(h.other_adults)} som inte är sambo")
        channel = "e-tjänsten" if app.channel == "e-tjanst" else "pappersansökan"
        kind = "Återansökan" if app.kind == "ateransokan" else "Nyansökan"
        summary = (
            f"{kind} via {channel} för {month_name(app.period)}. Hushållet: {join(members)}; "
            f"{persons(app.household_size())}."
        )
        if reasons:
            motivering = summary + " " + " ".join(r.text for r in reasons)
        else:
            motivering = (
                summary + f" Ingen skyddad identitet och inga ändringar i hushållet; riksnorm för {year} finns."
            )
        facts = {"household_size": app.household_size(), "children_ages": ages}
        facts["submitted_month"] = submitted
        return StepResult.decide(reasons, motivering, [min_adult.cite(), margin.cite(), most.cite(), max_age.cite()], facts)


def submitted_month(app: Application) -> str:
    """The month (Swedish time) the application was submitted, from `submitted_at` alone (which intake's
    validation keeps within 2000–2199, so the conversion stays in the calendar)."""
    return months.of(app.submitted_at.astimezone(STOCKHOLM).date())
