"""Motprestation and aktivitetskrav: each adult able to work follows their planned activities.

Anything short of a fulfilled requirement goes to a handläggare; the robot never reduces support.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import StrictBool, TypeAdapter, confloat, conint, constr

from robot.chain.context import Context, Step, StepResult
from robot.chain.swedish import ACTIVITY_NAMES, EXEMPTION_NAMES, join, percent, role
from robot.formats.application import Activity
from robot.formats.period import MONTH_PATTERN
from robot.formats.reasons import Code
from robot.formats.register import AktivitetsrapportKod, Authority
from robot.formats.verdict import Reason


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
        "AKTIVITET_SAKNAS",
        "AKTIVITET_NARVARO",
        "AKTIVITET_UNDANTAG",
        "AKTIVITETSKRAV_TIMMAR",
        "AF_EJ_INSKRIVEN",
        "AKTIVITETSRAPPORT_SAKNAS",
        Code.SSBTEK_EJ_TILLGANGLIG,
    )

    def evaluate(self, ctx: Context) -> StepResult:
        day = ctx.period_start
        threshold = self.value("narvarograns", day)
        af_required = self.value("krav_inskriven_af", day)
        params = [threshold.cite(), af_required.cite()]
        krav_hours, krav_text = self._aktivitetskrav(ctx, params)

        reasons: list[Reason] = []
        lines: list[str] = []
        evaluated = True
        for person, adult in ctx.application.adults():
            who = role(person)
            if not adult.able_to_work:
                lines.append(f"{who.capitalize()} är bedömd att inte kunna arbeta; krav på aktivitet gäller inte.")
                continue
            own = [a for a in ctx.application.activities if a.person == person and a.month == ctx.control_month]
            person_reasons, line = self._attendance(who, own, ctx.control_month, threshold.value, krav_hours)
            reasons += person_reasons
            if af_required.value:
                af_reasons, af_line, af_ok = self._af(who, ctx, adult.personnummer)
                reasons += af_reasons
                line += " " + af_line
                evaluated = evaluated and af_ok
            lines.append(line)

        other_months = [a for a in ctx.application.activities if a.month != ctx.control_month]
        if other_months:
            lines.append(
                f"{len(other_months)} aktivitetsrad(er) avser andra månader än kontrollmånaden "
                f"{ctx.control_month} och ingår inte i kontrollen."
            )
        if krav_text:
            lines.insert(0, krav_text)
        verdict_line = "Kraven på motprestation är uppfyllda." if not reasons and evaluated else ""
        motivering = " ".join([f"Kontrollmånad {ctx.control_month}.", *lines, verdict_line]).strip()
        return StepResult.decide(reasons, motivering, params, evaluated=evaluated)

    def _aktivitetskrav(self, ctx: Context, params: list[dict[str, Any]]) -> tuple[int | None, str]:
        """Hours required by the aktivitetskrav this period, or None where it does not apply."""
        day = ctx.period_start
        start = self.params.parameter("aktivitetskrav_fran_period").at(day)
        in_row = self.params.parameter("aktivitetskrav_manader_i_rad").at(day)
        hours = self.params.parameter("aktivitetskrav_timmar_per_manad").at(day)
        if start is None or in_row is None or hours is None or ctx.period < start.value:
            return None, ""
        params += [start.cite(), in_row.cite(), hours.cite()]
        months_in_row = ctx.application.history.consecutive_months_with_support
        if months_in_row < in_row.value:
            return None, (
                f"Aktivitetskravet gäller inte ännu: hushållet har haft försörjningsstöd {months_in_row} "
                f"månader i följd (kravet gäller från {in_row.value})."
            )
        return hours.value, (
            f"Aktivitetskravet gäller: hushållet har haft försörjningsstöd {months_in_row} månader i följd; "
            f"varje vuxen som kan arbeta ska ha minst {hours.value} planerade timmar i månaden."
        )

    @staticmethod
    def _attendance(
        who: str, own: list[Activity], month: str, threshold: float, krav_hours: int | None
    ) -> tuple[list[Reason], str]:
        exempted = [a for a in own if a.exemption is not None]
        if exempted:
            kinds = join(sorted({f"{ACTIVITY_NAMES[a.kind]} ({EXEMPTION_NAMES[a.exemption]})" for a in exempted}))
            text = (
                f"{who.capitalize()} har ett dokumenterat undantag i {month}: {kinds}; handläggaren prövar undantaget."
            )
            return [Reason(code="AKTIVITET_UNDANTAG", text=text)], text
        planned = sum(a.planned_hours for a in own)
        attended = sum(a.attended_hours for a in own)
        if planned == 0:
            text = f"{who.capitalize()} kan arbeta men har ingen planerad aktivitet i {month}."
            return [Reason(code="AKTIVITET_SAKNAS", text=text)], text
        share = attended / planned
        kinds = join(sorted({ACTIVITY_NAMES[a.kind] for a in own}))
        line = (
            f"{who.capitalize()} har närvarat {attended} av {planned} planerade timmar ({percent(share)}) i {kinds}; "
            f"gränsen är {percent(threshold)}."
        )
        reasons = []
        if share < threshold:
            reasons.append(Reason(code="AKTIVITET_NARVARO", text=line))
        if krav_hours is not None and planned < krav_hours:
            text = (
                f"{who.capitalize()} har {planned} planerade timmar i {month}, färre än aktivitetskravets "
                f"{krav_hours} timmar; handläggaren prövar om planen är anpassad efter förmågan."
            )
            reasons.append(Reason(code="AKTIVITETSKRAV_TIMMAR", text=text))
            line += " " + text
        return reasons, line

    @staticmethod
    def _af(who: str, ctx: Context, pnr: str) -> tuple[list[Reason], str, bool]:
        person = ctx.register.person(pnr)
        if Authority.AF in person.unavailable or person.af.aktivitetsrapport == AktivitetsrapportKod.TECHNICAL_ERROR:
            text = (
                f"Uppgifter från Arbetsförmedlingen om {who} kunde inte hämtas via SSBTEK; "
                "inskrivning och aktivitetsrapport kan inte kontrolleras."
            )
            return [Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text)], text, False
        code = person.af.aktivitetsrapport
        if person.af.status != "inskriven" or code == AktivitetsrapportKod.NOT_REGISTERED:
            text = f"{who.capitalize()} är inte inskriven på Arbetsförmedlingen enligt SSBTEK (kod {code})."
            return [Reason(code="AF_EJ_INSKRIVEN", text=text)], text, True
        if code == AktivitetsrapportKod.NOT_FILED:
            text = (
                f"{who.capitalize()} har inte lämnat aktivitetsrapport till Arbetsförmedlingen enligt SSBTEK (kod 501)."
            )
            return [Reason(code="AKTIVITETSRAPPORT_SAKNAS", text=text)], text, True
        return [], "Inskriven på Arbetsförmedlingen och aktivitetsrapporten är lämnad (SSBTEK, kod 200).", True
