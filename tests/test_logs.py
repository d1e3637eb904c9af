"""The logs' scrubbing of personnummer shapes: the short-cut for short strings changes nothing; structlog without rich."""

from __future__ import annotations

import enum
import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from robot import logs
from tests.conftest import ROOT


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


_LOG_EVERY_WAY = """
import sys
if sys.argv[1] == "rich first":
    import rich.console  # as when something loaded rich before the logs: structlog then loads it too
from robot import logs
print("rich" in sys.modules, sys.modules["structlog.dev"].rich is not None, file=sys.stderr)
for fmt in ("json", "console"):
    logs.configure(fmt, stream=sys.stdout)
    log = logs.get("robot.test")
    log.info("started", worker_id="w1", pnr="199001011234", reasons=["A", "B"])
    try:
        {}["missing"]
    except KeyError:
        log.error("failed", exc_info=True)
        log.exception("failed again")
import rich.pretty  # loads for whoever needs it after the logs
"""


def _logged(how: str) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", _LOG_EVERY_WAY, how], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return re.sub(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", "<time>", done.stdout), done.stderr.strip()


def test_structlog_loads_without_rich_and_logs_exactly_as_with_it():
    """robot.logs keeps structlog from importing rich (a worker's start); what the logs say is the same, every
    exception included, and rich still loads for whoever needs it afterwards."""
    without, loaded = _logged("logs first")
    assert loaded == "False False"
    with_rich, loaded = _logged("rich first")
    assert loaded == "True True"
    assert without == with_rich
    assert "Traceback (most recent call last)" in without and "KeyError: 'missing'" in without
    assert "199001011234" not in without
