"""Reason codes: one definition each in code, one Swedish title each in the rules."""

from __future__ import annotations

from robot.formats.reasons import Code


def test_every_reason_code_has_a_title_and_every_title_a_code(ruleset):
    assert set(ruleset.reasons) == {c.value for c in Code}


def test_every_code_a_step_declares_is_defined(ruleset):
    declared = {code for step in ruleset.steps for code in step.REASONS}
    assert declared <= {c.value for c in Code}
