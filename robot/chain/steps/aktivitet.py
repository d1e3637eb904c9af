"""Motprestation and aktivitetskrav, per adult: attendance confirmed by someone other than the applicant.

Attendance counts only where the activity provider reported it (`activity` in the register) or
Arbetsförmedlingen confirms it (inskriven and aktivitetsrapport 200). Hours in the application are
the applicant's own statement: they can show a problem, never settle one. "Not able to work" needs a
handläggare's assessment. Anything short of a confirmed requirement goes to a handläggare; the robot
never reduces support.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import StrictBool, TypeAdapter, confloat, conint, constr

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats.application import Adult
from robot.formats.period import MONTH_PATTERN
from robot.formats.reasons import Code
from robot.formats.register import AktivitetsrapportKod, Authority
from robot.formats.verdict import Reason
from robot.swedish.dates import month_name
from robot.swedish.numbers import percent
from robot.swedish.words import ACTIVITY_PHRASES, EXEMPTION_NAMES, capitalized, genitive, join, months, role


@dataclass(frozen=True)
class Requirement:
    month: str
    threshold: float
    af_required: bool
    krav_hours: int | None
    """Planned hours the aktivitetskrav requires this period, or None where it does not apply."""


class Aktivitet(Step):
    kind = "aktivitet"
    PARAMETERS: ClassVar = {
        "narvarograns": TypeAdapter(confloat(ge=0.0, le=1.0)),
        "krav_inskriven_af": TypeAdapter(StrictBool),
        "aktivitetskrav_fran_period": TypeAdapter(constr(pattern=MONTH_PATTERN)),
        "aktivitetskrav_manader_i_rad": TypeAdapter(conint(ge=1, le=24)),
        "aktivitetskrav_timmar_per_manad": TypeAdapter(conint(ge=0, le=744)),
    }
    REASONS = (
        Code.ARBETSFORMAGA_BEDOMS,
        Code.AKTIVITET_SAKNAS,
        Code.AKTIVITET_NARVARO,
        Code.AKTIVITET_UNDANTAG,
        Code.AKTIVITET_EJ_STYRKT,
        Code.AKTIVITETSKRAV_TIMMAR,
        Code.AF_EJ_INSKRIVEN,
        Code.AKTIVITETSRAPPORT_SAKNAS,
        Code.SSBTEK_EJ_TILLGANGLIG,
    )

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        return frozenset({Authority.AF})  # registration, and attendance where no provider reports it

    def evaluate(self, ctx: Context) -> StepResult:
        day = ctx.period_start
        threshold = self.value("narvarograns", day)
        af_required = self.value("krav_inskriven_af", day)
        params = [threshold.cite(), af_required.cite()]
        krav_hours, krav_text = self._aktivitetskrav(ctx, params)

        reasons: list[Reason] = []
        lines = [krav_text] if krav_text else []
        evaluated, subject = True, 0
        for person, adult in ctx.application.adults():
            if not adult.able_to_work:
                text = (
                    f"{capitalized(role(person))} uppger att hen inte kan arbeta. Det är en uppgift som kräver en "
                    "bedömning av en handläggare (till exempel läkarintyg); roboten tar den inte för given."
                )
                reasons.append(Reason(code=Code.ARBETSFORMAGA_BEDOMS, text=text))
                lines.append(text)
                continue
            subject += 1
            rules = Requirement(ctx.control_month, threshold.value, af_required.value, krav_hours.get(person))
            own_reasons, line, ok = adult_check(ctx, person, adult, rules)
            reasons += own_reasons
            lines.append(line)
            evaluated = evaluated and ok

        others = [a for a in ctx.application.activities if a.month != ctx.control_month]
        if others:
            lines.append(
                f"{len(others)} aktivitetsrad{'er' if len(others) > 1 else ''} i ansökan avser andra månader än "
                f"kontrollmånaden och ingår inte i kontrollen."
            )
        if not reasons and evaluated:
            lines.append(
                "Kraven på motprestation är uppfyllda." if subject else "Ingen vuxen i hushållet omfattas av kravet."
            )
        motivering = " ".join([f"Kontrollmånad {month_name(ctx.control_month)}.", *lines])
        reported = [
            person
            for person, adult in ctx.application.adults()
            if any(a.month == ctx.control_month for a in ctx.person(adult.personnummer).activity or [])
        ]
        facts = {"af_asked": True, "provider_reported": reported}
        return StepResult.decide(reasons, motivering, params, facts, evaluated)

    def _aktivitetskrav(self, ctx: Context, params: list[dict[str, Any]]) -> tuple[dict[str, int], str]:
        """Per adult, the planned hours the aktivitetskrav requires: counted from each person's own
        months in a row with support (prop. 2025/26:207), the household's where the application gives none."""
        day = ctx.period_start
        start = self.in_force("aktivitetskrav_fran_period", day)
        in_row = self.in_force("aktivitetskrav_manader_i_rad", day)
        hours = self.in_force("aktivitetskrav_timmar_per_manad", day)
        if start is None or in_row is None or hours is None or ctx.period < start.value:
            return {}, ""
        params += [start.cite(), in_row.cite(), hours.cite()]
        history = ctx.application.history
        krav: dict[str, int] = {}
        lines = []
        for person, _ in ctx.application.adults():
            n = history.consecutive_months_by_person.get(person, history.consecutive_months_with_support)
            who = role(person)
            if n < in_row.value:
                lines.append(
                    f"Aktivitetskravet gäller inte {who} ännu: {months(n)} i följd med försörjningsstöd "
                    f"(kravet gäller från {months(in_row.value)})."
                )
                continue
            krav[person] = hours.value
            level = "ett exempelvärde som kommunen ska fastställa" if hours.example else "kommunens nivå"
            lines.append(
                f"Aktivitetskravet gäller {who}: {months(n)} i följd med försörjningsstöd; minst {hours.value} "
                f"planerade timmar i månaden ({level}; prop. 2025/26:207 anger normalt heltid, anpassad efter "
                "förmågan)."
            )
        return krav, " ".join(lines)


def adult_check(ctx: Context, person: str, adult: Adult, rules: Requirement) -> tuple[list[Reason], str, bool]:
    """One adult able to work: exemptions, AF, and attendance from the provider or confirmed by AF."""
    who = capitalized(role(person))
    declared = [a for a in ctx.application.activities if a.person == person and a.month == rules.month]
    provider = [a for a in ctx.person(adult.personnummer).activity or [] if a.month == rules.month]
    reasons: list[Reason] = []
    parts: list[str] = []
    evaluated = True
    exempted = [a for a in declared if a.exemption is not None]
    if exempted:
        kinds = join(sorted({f"{ACTIVITY_PHRASES[a.kind]} ({EXEMPTION_NAMES[a.exemption]})" for a in exempted}))
        text = f"{who} har ett dokumenterat undantag i {month_name(rules.month)}: {kinds}; handläggaren prövar undantaget."
        reasons.append(Reason(code=Code.AKTIVITET_UNDANTAG, text=text))
        parts.append(text)
    af_reasons, af_line, af_confirms, af_ok = af_check(ctx, who, adult.personnummer)
    if rules.af_required:
        reasons += af_reasons
        parts.append(af_line)
        evaluated = af_ok
    if exempted:
        pass
    elif provider:
        found, line = attendance(who, provider, "aktivitetsanordnaren", rules, check_krav=True)
        reasons += found
        parts.append(line)
    elif af_confirms:
        parts.append("Närvaron styrks av Arbetsförmedlingen (inskriven, aktivitetsrapporten lämnad).")
        if sum(a.planned_hours for a in declared):  # the applicant's own figures can still show a problem
            found, line = attendance(who, declared, "ansökan", rules, check_krav=False)
            reasons += [r for r in found if r.code == Code.AKTIVITET_NARVARO]
            parts.append(line)
    elif not (rules.af_required and af_reasons):
        stated = f"{sum(a.attended_hours for a in declared)} timmar enligt ansökan" if declared else "ingen aktivitet"
        text = (
            f"{genitive(who)} närvaro ({stated}) är inte styrkt: aktivitetsanordnaren har inte rapporterat närvaro och "
            "Arbetsförmedlingen bekräftar inte inskrivning med lämnad aktivitetsrapport."
        )
        reasons.append(Reason(code=Code.AKTIVITET_EJ_STYRKT, text=text))
        parts.append(text)
    return reasons, " ".join(parts), evaluated


def attendance(
    who: str, rows: list[Any], source: str, rules: Requirement, check_krav: bool
) -> tuple[list[Reason], str]:
    planned = sum(a.planned_hours for a in rows)
    attended = sum(a.attended_hours for a in rows)
    month = month_name(rules.month)
    if planned == 0:
        text = f"{who} kan arbeta men har ingen planerad aktivitet i {month} enligt {source}."
        return [Reason(code=Code.AKTIVITET_SAKNAS, text=text)], text
    share = attended / planned
    where = join(sorted({ACTIVITY_PHRASES[a.kind] for a in rows}))
    line = (
        f"{who} har enligt {source} närvarat {attended} av {planned} planerade timmar ({percent(share)}) {where}; "
        f"gränsen är {percent(rules.threshold)}."
    )
    reasons = [Reason(code=Code.AKTIVITET_NARVARO, text=line)] if share < rules.threshold else []
    if check_krav and rules.krav_hours is not None and planned < rules.krav_hours:
        text = (
            f"{who} har {planned} planerade timmar i {month}, färre än de {rules.krav_hours} timmar som kommunens "
            "nivå för aktivitetskravet anger; "
            "handläggaren prövar om planen är anpassad efter förmågan."
        )
        reasons.append(Reason(code=Code.AKTIVITETSKRAV_TIMMAR, text=text))
        line += " " + text
    return reasons, line


def af_check(ctx: Context, who: str, pnr: str) -> tuple[list[Reason], str, bool, bool]:
    """AF's answer: (reasons, line, confirms attendance, could be evaluated)."""
    person = ctx.person(pnr)
    code = person.af.aktivitetsrapport
    if Authority.AF in person.unavailable or code == AktivitetsrapportKod.TECHNICAL_ERROR:
        text = (
            f"Uppgifter från Arbetsförmedlingen om {who.lower()} kunde inte hämtas via SSBTEK; "
            "inskrivning och aktivitetsrapport kan inte kontrolleras."
        )
        return [Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text)], text, False, False
    if person.af.status != "inskriven" or code == AktivitetsrapportKod.NOT_REGISTERED:
        text = f"{who} är inte inskriven på Arbetsförmedlingen enligt SSBTEK (kod {code})."
        return [Reason(code=Code.AF_EJ_INSKRIVEN, text=text)], text, False, True
    if code == AktivitetsrapportKod.NOT_FILED:
        text = f"{who} har inte lämnat aktivitetsrapport till Arbetsförmedlingen enligt SSBTEK (kod 501)."
        return [Reason(code=Code.AKTIVITETSRAPPORT_SAKNAS, text=text)], text, False, True
    return [], "Inskriven på Arbetsförmedlingen och aktivitetsrapporten är lämnad (SSBTEK, kod 200).", True, True
