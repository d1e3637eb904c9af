"""The logs' scrubbing of personnummer shapes: the short-cut for short strings changes nothing."""

from __future__ import annotations

import enum

from hypothesis import given
from hypothesis import strategies as st

from robot import logs


def _scrub_every_string(event: dict) -> dict:
    """The scrubbing as it was: every string through the pattern, every list or tuple a list."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = logs.redact(value)
        elif isinstance(value, list | tuple):
            event[key] = [logs.redact(v) if isinstance(v, str) else v for v in value]
    return event


class _Code(enum.StrEnum):
    SHORT = "AB"
    SHAPED = "19800101-1234"


_text = st.text(alphabet="0123456789-+ aZ", max_size=24) | st.sampled_from(["198001011234", "800101-1234", "1234"])
_value = st.one_of(
    _text,
    st.sampled_from(list(_Code)),
    st.integers(),
    st.none(),
    st.lists(_text | st.integers() | st.sampled_from(list(_Code)), max_size=3),
    st.tuples(_text, st.integers()),
)


@given(st.dictionaries(st.sampled_from(["event", "a", "b", "c", "reasons"]), _value))
def test_scrubbing_gives_what_scrubbing_every_string_gave(event):
    expected = _scrub_every_string(dict(event))
    got = logs._scrub(None, "info", dict(event))
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def test_a_personnummer_shape_is_masked_and_a_short_string_kept():
    event = {"a": "x 198001011234 y", "b": "800101-1234", "c": "GBG", "d": _Code.SHORT, "e": ("800101+1234", 3)}
    assert logs._scrub(None, "info", event) == {
        "a": "x [personnummer] y", "b": "[personnummer]", "c": "GBG", "d": "AB", "e": ["[personnummer]", 3],
    }  # fmt: skip
    assert type(event["d"]) is str
