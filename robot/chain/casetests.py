"""`robot rules test`: YAML test cases for the rules, OpenFisca-style, runnable without Python.

A test file has `defaults` (a complete application and register) and `cases`. Each case changes
the defaults (mappings merge, everything else is replaced; `remove` deletes fields by dotted path)
and says what it expects::

    defaults:
      application: {...}
      register: {...}
    cases:
      - name: Hög elkostnad går till handläggare
        application: {costs: [{type: hushallsel, amount: 1250}]}
        expect: {outcome: manual, reasons: [KOSTNAD_OVER_SCHABLON]}

`expect` may give outcome, amount, reasons (the exact set of codes), stickprov, steps (rule →
pass/manual), norm (any of its figures) and lagrum (texts each found in some step's lagrum).
Stickprov is off unless a case sets `stickprov: {rate: R}`.

`provisional: [norm.lunch_rader_till_alder]` marks a parameter's values provisional for one case.
`defaults_from: _grund.yaml` takes the defaults from another file (files starting with `_` hold
shared data and are not run). `parameters: {schablon.intervall.hyra: [...]}` replaces a parameter's
values for one case, to test what a rule does under other parameters.

The evaluation's circumstances: `as_of: 2026-12-05` (the day of the evaluation; default the last day
of the application's period, after employers' declaration day) and `household_history:
{year: 2026, through: "2026-10", children_work_income: {"2010-05-05": 12000}}` (what the robot's
earlier verdicts say about the household's year; default: not known).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from robot.chain.engine import evaluate_raw
from robot.chain.errors import RulesError
from robot.chain.inputs import Circumstances, HouseholdHistory
from robot.chain.ruleset import ROOT_FILE, Ruleset, ruleset_from_files
from robot.chain.stickprov import StickprovInput
from robot.formats.period import is_month, last_day
from robot.formats.register import Register
from robot.formats.verdict import Verdict

TEST_KEY = b"rules-test-key"
EXPECT_KEYS = {"outcome", "amount", "reasons", "stickprov", "steps", "norm", "lagrum"}


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    problems: tuple[str, ...]
    verdict: Verdict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def run_files(paths: list[Path], ruleset: Ruleset) -> list[CaseResult]:
    results: list[CaseResult] = []
    for path in paths:
        results.extend(run_file(path, ruleset))
    return results


def case_files(directory: Path) -> list[Path]:
    if directory.is_dir():
        return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))
    return [directory]


def run_file(path: Path, ruleset: Ruleset) -> list[CaseResult]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [CaseResult(str(path), "(filen)", (f"kan inte läsas: {exc}",))]
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        return [CaseResult(str(path), "(filen)", ("en testfil behöver `cases` (och oftast `defaults`)",))]
    defaults = doc.get("defaults") or {}
    if doc.get("defaults_from"):
        try:
            shared = yaml.safe_load((path.parent / str(doc["defaults_from"])).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            return [CaseResult(str(path), "(filen)", (f"defaults_from kan inte läsas: {exc}",))]
        defaults = merge((shared or {}).get("defaults") or {}, defaults)
    return [run_case(str(path), i, case, defaults, ruleset) for i, case in enumerate(doc["cases"])]


def run_case(file: str, index: int, case: Any, defaults: dict[str, Any], ruleset: Ruleset) -> CaseResult:
    name = str(case.get("name", f"fall {index + 1}")) if isinstance(case, dict) else f"fall {index + 1}"
    if not isinstance(case, dict) or not isinstance(case.get("expect"), dict):
        return CaseResult(file, name, ("fallet behöver `expect`",))
    unknown = set(case["expect"]) - EXPECT_KEYS
    if unknown:
        return CaseResult(file, name, (f"okända nycklar i expect: {sorted(unknown)}",))
    application = merge(defaults.get("application") or {}, case.get("application") or {})
    for dotted in case.get("remove") or []:
        _remove(application, str(dotted))
    register_doc = merge(
        defaults.get("register") or {"format": "register/1", "persons": {}}, case.get("register") or {}
    )
    try:
        register = Register.model_validate_json(json.dumps(register_doc), strict=True)
    except ValidationError as exc:
        return CaseResult(file, name, (f"registret i fallet är ogiltigt: {exc.errors()[0]['msg']}",))
    if case.get("parameters") or case.get("provisional"):
        try:
            ruleset = with_parameters(ruleset, case.get("parameters") or {}, case.get("provisional") or [])
        except (RulesError, KeyError, ValueError) as exc:
            return CaseResult(file, name, (f"parameters kan inte användas: {exc}",))
    settings = case.get("stickprov") or {}
    stickprov = StickprovInput(key=TEST_KEY, rate_override=float(settings.get("rate", 0.0)))
    try:
        circumstances = case_circumstances(case, application)
    except (ValidationError, TypeError, ValueError) as exc:
        return CaseResult(file, name, (f"as_of eller household_history kan inte användas: {exc}",))
    raw = json.dumps(application, ensure_ascii=False, default=str).encode()
    verdict = evaluate_raw(raw, register, ruleset, stickprov, circumstances=circumstances).verdict
    return CaseResult(file, name, tuple(compare(case["expect"], verdict)), verdict)


def case_circumstances(case: dict[str, Any], application: dict[str, Any]) -> Circumstances:
    as_of = case.get("as_of")
    if as_of is None:
        period = application.get("period")
        as_of = last_day(period) if isinstance(period, str) and is_month(period) else None
    elif not isinstance(as_of, dt.date):
        as_of = dt.date.fromisoformat(str(as_of))
    history = case.get("household_history")
    return Circumstances(
        as_of=as_of,
        household=HouseholdHistory.model_validate_json(json.dumps(history, default=str)) if history else None,
    )


def compare(expect: dict[str, Any], verdict: Verdict) -> list[str]:
    problems = []
    if "outcome" in expect and expect["outcome"] != verdict.outcome:
        problems.append(f"utfall: väntade {expect['outcome']}, fick {verdict.outcome}")
    if "amount" in expect and expect["amount"] != verdict.amount:
        problems.append(f"belopp: väntade {expect['amount']}, fick {verdict.amount}")
    if "reasons" in expect:
        want, got = sorted(set(expect["reasons"] or [])), sorted(set(verdict.reason_codes()))
        if want != got:
            problems.append(f"orsaker: väntade {want}, fick {got}")
    if "stickprov" in expect and bool(expect["stickprov"]) != verdict.stickprov:
        problems.append(f"stickprov: väntade {expect['stickprov']}, fick {verdict.stickprov}")
    for rule, result in (expect.get("steps") or {}).items():
        step = next((s for s in verdict.steps if s.rule == rule), None)
        if step is None or step.result != result:
            problems.append(f"steg {rule}: väntade {result}, fick {step.result if step else 'steget kördes inte'}")
    for figure, value in (expect.get("norm") or {}).items():
        got = getattr(verdict.norm, figure, None) if verdict.norm else None
        if got != value:
            problems.append(f"norm.{figure}: väntade {value}, fick {got}")
    cited = [text for step in verdict.steps for text in step.lagrum]
    for wanted in expect.get("lagrum") or []:
        if not any(str(wanted) in text for text in cited):
            problems.append(f"lagrum: {wanted!r} anges inte av något steg")
    if problems:
        problems.append("skäl i utfallet: " + ("; ".join(f"{r.code}: {r.text}" for r in verdict.reasons) or "inga"))
    return problems


def with_parameters(ruleset: Ruleset, overrides: dict[str, Any], provisional: list[str] = ()) -> Ruleset:
    """The ruleset with some parameters' values replaced (valid from 1900-01-01), and some marked
    provisional (every value), for one test case."""
    head = yaml.safe_load(ruleset.files[ROOT_FILE])
    files_by_step = {entry["step"]: entry["parameters"] for entry in head["chain"]}
    files = dict(ruleset.files)

    def edit(dotted: str, change: Any) -> None:
        step, *path = str(dotted).split(".")
        if step not in files_by_step or not path:
            raise KeyError(f"okänd parameter {dotted}")
        doc = yaml.safe_load(files[files_by_step[step]])
        node = doc
        for part in path:
            node = node[part]
        change(node)
        files[files_by_step[step]] = yaml.safe_dump(doc, allow_unicode=True)

    for dotted, value in overrides.items():
        edit(dotted, lambda node, v=value: node.update(values={"1900-01-01": {"value": v, "source": "testfall i rules/tests"}}))
    for dotted in provisional:
        edit(dotted, lambda node: [v.update(provisional=True) for v in node["values"].values()])
    return ruleset_from_files(files)


def merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        out = copy.deepcopy(base)
        for key, value in change.items():
            out[key] = merge(out.get(key), value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(change)


def _remove(doc: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.get(part, {})
    if isinstance(node, dict):
        node.pop(last, None)
