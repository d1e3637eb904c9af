"""A verdict as Swedish prose for a person: the outcome, the reasons, each step and the calculation."""

from __future__ import annotations

from robot.chain.swedish import kr
from robot.formats.verdict import Verdict

RESULT_NAMES = {"pass": "godkänt", "manual": "till handläggare"}
GROUP_NAMES = {
    "personal": "Personliga kostnader (riksnorm)",
    "shared": "Gemensamma hushållskostnader (riksnorm)",
    "costs": "Kostnader",
    "incomes": "Inkomster (dras av)",
}


def explain(verdict: Verdict) -> str:
    out: list[str] = []
    head = f"Ansökan {verdict.application_id}"
    if verdict.period:
        head += f", period {verdict.period}"
    out.append(head)
    out.append("=" * len(head))
    if verdict.outcome == "recommendation":
        out.append(
            f"Robotens rekommendation: bifall med {kr(verdict.amount or 0)}. En handläggare fastställer beslutet."
        )
    else:
        out.append("Ansökan går till manuell handläggning. Roboten fattar inget beslut och avslår aldrig.")
        if verdict.stickprov:
            out.append("Ansökan är utvald till stickprov (slumpmässig kontroll).")
        if verdict.amount is not None:
            out.append(f"Robotens förslag till handläggaren: {kr(verdict.amount)}.")
        out.append("")
        out.append("Skäl:")
        out.extend(f"  - {r.text} [{r.code}]" for r in verdict.reasons)
    out.append("")
    out.append("Regelkedjan steg för steg:")
    for i, step in enumerate(verdict.steps, 1):
        status = RESULT_NAMES[step.result] + ("" if step.evaluated else ", kunde inte utvärderas")
        out.append(f"  {i}. {step.rule} ({status})")
        out.append(f"     {step.motivering}")
    if verdict.norm is not None:
        n = verdict.norm
        out.append("")
        out.append("Beräkning:")
        for group in ("personal", "shared", "costs", "incomes"):
            lines = [line for line in n.lines if line.group == group]
            if not lines:
                continue
            out.append(f"  {GROUP_NAMES[group]}:")
            out.extend(f"    {line.text}: {kr(line.amount)}" for line in lines)
        out.append(f"  Summa: {kr(n.personal)} + {kr(n.shared)} + {kr(n.costs)} − {kr(n.incomes)} = {kr(n.total)}")
    out.append("")
    out.append(f"Regeluppsättning: {verdict.ruleset}")
    return "\n".join(out) + "\n"
