"""What the chain's CPU savings rest on: entries built without validation equal validated ones, and
remembered parameter values are never shared with a verdict that could change them."""

from __future__ import annotations

import pytest

from bench.chain_cpu import workload
from robot.chain.engine import evaluate, evaluate_raw
from robot.chain.stickprov import StickprovInput
from robot.formats.register import Register
from robot.formats.verdict import StepEntry, Verdict
from tests.conftest import SAMPLES
from tests.test_chain import AFTER_DECLARATIONS, OFF


def verdicts(ruleset):
    reg = Register.model_validate_json((SAMPLES / "register.json").read_bytes(), strict=True)
    for path in sorted((SAMPLES / "applications").glob("*.json")):
        yield evaluate_raw(path.read_bytes(), reg, ruleset, OFF, circumstances=AFTER_DECLARATIONS).verdict
    for parsed, register, circumstances in workload(30):  # five periods, either side of 2025-07-01
        for rate in (None, 0.5):
            stickprov = StickprovInput(key=b"k", rate_override=rate)
            yield evaluate(parsed, register, ruleset, stickprov, circumstances=circumstances).verdict


def test_every_entry_equals_its_validated_form(ruleset):
    for verdict in verdicts(ruleset):
        for entry in verdict.steps:
            validated = StepEntry(**entry.model_dump())
            assert entry == validated
            assert entry.model_fields_set == validated.model_fields_set
            assert entry.model_dump_json() == validated.model_dump_json()
        again = Verdict.model_validate_json(verdict.to_json(indent=None))  # (not ==: facts have int keys)
        assert again.to_json() == verdict.to_json()


def ranges_cited(verdict: Verdict) -> list[dict]:
    return [p for e in verdict.steps if e.rule == "schablon" for p in e.parameters if isinstance(p["value"], dict)]


def test_a_verdict_changed_by_its_reader_leaves_the_next_verdict_alone(ruleset):
    def fresh(parsed, register, circumstances) -> Verdict:
        return evaluate(parsed, register, ruleset, OFF, circumstances=circumstances).verdict

    inputs = next(w for w in workload(10) if ranges_cited(fresh(*w)))  # a cost within a schablon range
    first, expected = fresh(*inputs), fresh(*inputs).to_json()
    for cited in ranges_cited(first):  # a range's citation is built once per ruleset
        cited["value"]["max"] = -1
    for entry in first.steps:
        for cited in entry.parameters:  # a parameter's citation is built once per ruleset
            cited["value"] = "changed"
        entry.facts["changed"] = True
        entry.lagrum.append("changed")
    assert fresh(*inputs).to_json() == expected


@pytest.mark.parametrize("field", ["rule", "motivering"])
def test_checked_entries_keep_what_they_were_given(field):
    entry = StepEntry.checked("intag", "pass", True, "Klar.", [], [], [{"name": "x", "value": 1}], {"a": 1})
    assert getattr(entry, field) == {"rule": "intag", "motivering": "Klar."}[field]
    assert entry == StepEntry(rule="intag", result="pass", evaluated=True, motivering="Klar.", reasons=[],
                              lagrum=[], parameters=[{"name": "x", "value": 1}], facts={"a": 1})  # fmt: skip
