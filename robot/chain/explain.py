"""A verdict as Swedish prose for a person: the outcome, the reasons, each step with its lagrum and
parameters (value, source, valid from), and the calculation."""

from __future__ import annotations

from typing import Any

from robot.formats.verdict import StepEntry, Verdict
from robot.swedish.dates import month_name
from robot.swedish.numbers import decimal, integer, kr
from robot.swedish.parameters import parameter_name, step_name, value_words
from robot.swedish.words import join

RESULT_NAMES = {"pass": "godkänt", "manual": "till handläggare"}
NOT_DRAWN = {"stickprov": "inte utvald"}
"""A step whose pass is not an approval of anything: a stickprov that was not drawn."""
GROUP_NAMES = {
    "personal": "Personliga kostnader (riksnorm)",
    "shared": "Gemensamma hushållskostnader (riksnorm)",
    "costs": "Kostnader",
    "incomes": "Inkomster (dras av)",
}


def explain(verdict: Verdict, program: str | None = None) -> str:
    out: list[str] = []
    head = f"Ansökan {verdict.application_id}"
    if verdict.period:
        head += f", {month_name(verdict.period)}"
    out += [head, "=" * len(head)]
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
        out += ["", "Skäl:"]
        out.extend(f"  - {r.text}" for r in verdict.reasons)
    out += ["", "Regelkedjan steg för steg:"]
    for i, step in enumerate(verdict.steps, 1):
        out += _step(i, step)
    if verdict.norm is not None:
        n = verdict.norm
        out += ["", "Beräkning:"]
        for group in ("personal", "shared", "costs", "incomes"):
            lines = [line for line in n.lines if line.group == group]
            if lines:
                out.append(f"  {GROUP_NAMES[group]}:")
                out.extend(f"    {line.text}: {kr(line.amount)}" for line in lines)
        out.append(f"  Summa: {kr(n.personal)} + {kr(n.shared)} + {kr(n.costs)} − {kr(n.incomes)} = {kr(n.total)}")
    out.append("")
    out.append(f"Regeluppsättning: {verdict.ruleset}" + (f" (programversion {program})" if program else ""))
    return "\n".join(out) + "\n"


def _step(i: int, step: StepEntry) -> list[str]:
    status = NOT_DRAWN.get(step.rule, "godkänt") if step.result == "pass" else RESULT_NAMES[step.result]
    if not step.evaluated:
        status += ", kunde inte utvärderas"
    lines = [f"  {i}. {step_name(step.rule)} ({status})", f"     {step.motivering}"]
    if step.lagrum:
        lines.append(f"     Lagrum: {'; '.join(step.lagrum)}.")
    shown = set()
    for p in step.parameters:
        value = value_text(p.get("value"), value_words(p["name"]))
        if (p["name"], value) in shown:  # two children in one age band use the same norm row
            continue
        shown.add((p["name"], value))
        source = p.get("source", "–")
        example = p.get("example") and "exempelvärde" not in source.lower()
        flags = [f for f, on in (("preliminär", p.get("provisional")), ("exempelvärde", example)) if on]
        valid = f"gäller från {p['valid_from']}" if p.get("valid_from") else "inställning"
        lines.append(
            f"     Parameter {parameter_name(p['name'])} = {value} ({valid}; källa: {source}"
            + (f"; {', '.join(flags)}" if flags else "")
            + ")"
        )
    return lines


def value_text(value: Any, words: dict[str, str] | None = None) -> str:
    """A parameter value as a person reads it: 0,9; ja/nej; lists with "och"; ranges as min–max."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return decimal(value, 2).rstrip("0").rstrip(",")
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, list):
        return join([value_text(v, words) for v in value]) or "inga"
    if isinstance(value, dict):
        if {"min", "max"} <= set(value):
            extra = ", ".join(f"{(words or {}).get(k, k)} {v}" for k, v in value.items() if k not in ("min", "max"))
            return f"{integer(value['min'])}–{integer(value['max'])}" + (f" ({extra})" if extra else "")
        return ", ".join(f"{(words or {}).get(str(k), k)}: {value_text(v, words)}" for k, v in value.items())
    if isinstance(value, str) and words:
        return words.get(value, value)
    return str(value)
