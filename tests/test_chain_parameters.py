"""A step remembers the parameter values in force per (name, day): never a stale value for another
day, another parameter or another ruleset's step."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from robot.chain.parameters import parse_group
from robot.chain.step import MissingParameter, Step


def group(first: int, second: int):
    return parse_group(
        "test",
        {
            "belopp": {"values": {"2025-01-01": {"value": first, "source": "a"}, "2025-07-01": {"value": second, "source": "b"}}},
            "pbb": {"values": {"2025-01-01": {"value": 58_800, "source": "c"}, "2026-01-01": {"value": 59_200, "source": "d"}}},
            "lagrum": {
                "values": {
                    "2025-01-01": {"value": {"a": ["4 kap. 1 § SoL (2001:453)"]}, "source": "e"},
                    "2025-07-01": {"value": {"a": ["11 kap. 3 § SoL (2025:400)"], "b": ["11 kap. 3 § SoL (2025:400)", "x"]}, "source": "f"},
                }
            },
        },
        "test.yaml",
    )


DAYS = st.dates(min_value=dt.date(2024, 6, 1), max_value=dt.date(2026, 6, 1))


@given(st.lists(st.tuples(st.sampled_from(["belopp", "pbb", "lagrum"]), DAYS), max_size=30))
def test_a_remembered_value_is_always_the_one_in_force_that_day(asks):
    step = Step("test", group(100, 200))
    for name, day in asks:
        expected = step.params.parameter(name).at(day)
        if expected is None:
            with pytest.raises(MissingParameter):
                step.value(name, day)
        else:
            assert step.value(name, day) is expected


def test_steps_of_different_rulesets_do_not_share_what_they_remember():
    old, new = Step("test", group(100, 200)), Step("test", group(300, 400))
    day = dt.date(2025, 8, 1)
    assert (old.value("belopp", day).value, new.value("belopp", day).value) == (200, 400)
    assert old.value("belopp", dt.date(2025, 2, 1)).value == 100
    with pytest.raises(MissingParameter):
        old.value("belopp", dt.date(2024, 12, 1))
    with pytest.raises(MissingParameter):  # remembered as missing: still raises
        old.value("belopp", dt.date(2024, 12, 1))


def test_value_for_year_and_lagrum_follow_the_day():
    step = Step("test", group(100, 200))
    assert step.value_for_year("pbb", 2025).value == 58_800
    assert step.value_for_year("pbb", 2026).value == 59_200
    with pytest.raises(MissingParameter):
        step.value_for_year("pbb", 2027)  # 2026's value is in force, but not set for 2027
    assert step.lagrum(dt.date(2025, 6, 1)) == ["4 kap. 1 § SoL (2001:453)"]
    after = step.lagrum(dt.date(2025, 7, 1))
    assert after == ["11 kap. 3 § SoL (2025:400)", "x"]
    after.append("changed by a caller")
    assert step.lagrum(dt.date(2025, 7, 1)) == ["11 kap. 3 § SoL (2025:400)", "x"]
