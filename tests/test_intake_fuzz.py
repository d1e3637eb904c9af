"""Intake never stops on one document (issue 22, item 1).

Hypothesis builds documents from the whole `ansokan/1` model and beyond it: valid households with
one field replaced by a hostile value (years 0, 1 and 9999, offsets that leave the calendar, huge
numbers, wrong types), fields removed or added, arbitrary JSON and arbitrary bytes. Whatever a
document holds, `robot enqueue` and the inbox either queue it or reject the file with its reason,
`robot check` prints a verdict or one line, and the chain ends in a recommendation or a manual
verdict naming the fields, never in a technical fault.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.stickprov import StickprovInput
from robot.formats.application import NotAnApplication, load_json_object, parse_application
from robot.formats.reasons import Code
from robot.formats.register import Register
from robot.intake.documents import Document, prepare
from tests.builders import application, household_case, raw, register
from tests.conftest import RULES

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
EXTREME_MONTHS = ["0000-01", "0001-01", "0001-02", "9999-12", "1899-12", "2199-12", "2026-13", "2026-00"]
EXTREME_DAYS = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "2099-01-01", "1900-01-01"]
EXTREME_TIMES = [
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00", "9999-12-31T23:59:59.999999+14:00",
    "0001-01-01T00:00:00Z", "2026-11-24T09:12:00", "2026-11-24T09:12:00+25:00",
]  # fmt: skip
EXTREME_TEXT = [
    *EXTREME_MONTHS, *EXTREME_DAYS, *EXTREME_TIMES, "", " ", "\x00", "\u202e", "²", "١٢",
    "199001012385", "209901012386", "202001012380", "child:99", "child:-1", "applicant",
]  # fmt: skip
SHAPES = [
    (r"^\d{4}-\d{2}$", st.sampled_from(EXTREME_MONTHS)),
    (r"^\d{4}-\d{2}-\d{2}$", st.sampled_from(EXTREME_DAYS)),
    (r"^\d{4}-\d{2}-\d{2}T", st.sampled_from(EXTREME_TIMES)),
    (r"^\d{12}$", st.sampled_from(["209901012386", "202001012380", "000000000000", "18890101"])),
]
GENERIC = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.sampled_from(EXTREME_TEXT),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def hostile(current: Any) -> Any:
    """Values a field of this shape might hold at its worst, and anything at all."""
    if isinstance(current, str):
        for pattern, values in SHAPES:
            if re.match(pattern, current):
                return st.one_of(values, values, GENERIC)
    if isinstance(current, int) and not isinstance(current, bool):
        return st.one_of(
            st.integers(min_value=-1, max_value=10**7 + 1), st.sampled_from([0, 744, 745, 10**7, 10**24]), GENERIC
        )
    return GENERIC


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*prefix, i))
    return found


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _apply(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> None:
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "remove" and isinstance(parent, dict):
        parent.pop(last, None)
    elif action == "add" and isinstance(parent, dict):
        parent["okänt_fält"] = value
    else:
        parent[last] = value


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    """A household from the model with one to three fields replaced, removed or added."""
    doc = draw(household_case())[0] if draw(st.booleans()) else application()
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        shaped = [p for p in paths if isinstance(_at(doc, p), str) and any(re.match(r, _at(doc, p)) for r, _ in SHAPES)]
        path = draw(st.sampled_from(shaped if shaped and draw(st.booleans()) else paths))
        current = _at(doc, path)
        _apply(doc, path, draw(st.sampled_from(["replace", "replace", "remove", "add"])), draw(hostile(current)))
    return doc


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
DOCUMENTS = st.one_of(
    mutated().map(raw),
    mutated().map(raw),
    mutated().map(raw),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def checked(ruleset):  # type: ignore[no-untyped-def]
    reg = Register.model_validate_json(raw(register()), strict=True)

    def run(document: bytes) -> Any:
        return evaluate(
            parse_application(document), reg, ruleset, StickprovInput(),
            circumstances=Circumstances(as_of=dt.date(2026, 12, 2)),
        ).verdict  # fmt: skip

    return run


@given(document=DOCUMENTS)
@hyp_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_document_is_queued_or_rejected_and_ends_in_a_verdict(document, checked, tmp_path_factory):
    from robot.config import Settings

    settings = Settings(data_dir=tmp_path_factory.getbasetemp() / "fuzz", rules_dir=RULES)
    try:
        parsed = load_json_object(document)
    except NotAnApplication:
        return  # intake rejects such a file with its reason; see the inbox test below
    stored = prepare(Document(document, "fuzz", parsed), NOW, settings)
    assert stored.deadline is not None and stored.submitted_at.tzinfo is not None
    verdict = checked(document)
    assert verdict.outcome in ("recommendation", "manual")
    assert Code.TEKNISKT_FEL not in verdict.reason_codes(), verdict.reasons
    json.loads(verdict.to_json())


@given(documents=st.lists(DOCUMENTS, min_size=1, max_size=4))
@hyp_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
def test_the_inbox_takes_every_file_and_keeps_the_rejected_with_a_reason(documents, engine, settings):
    from robot.intake.inbox import scan_inbox

    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    rejected_before = len(list(settings.rejected_dir.glob("*.error.txt"))) if settings.rejected_dir.exists() else 0
    for i, document in enumerate(documents):
        (settings.inbox_dir / f"doc-{i}.json").write_bytes(document)
    report = scan_inbox(engine, settings)
    assert list(settings.inbox_dir.iterdir()) == []
    assert report.files == len(documents)
    assert report.queued + len(report.duplicates) + len(report.conflicts) + report.rejected == len(documents)
    errors = list(settings.rejected_dir.glob("*.error.txt")) if settings.rejected_dir.exists() else []
    assert len(errors) - rejected_before == report.rejected
    assert all("reason:" in e.read_text() for e in errors)


@given(document=DOCUMENTS)
@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_robot_check_prints_a_verdict_or_one_line(document, tmp_path_factory, monkeypatch_session):
    from robot.cli.main import app

    folder = tmp_path_factory.mktemp("check")
    application_file, register_file = folder / "ansokan.json", folder / "register.json"
    application_file.write_bytes(document)
    register_file.write_bytes(raw(register()))
    done = CliRunner().invoke(app, ["check", str(application_file), "--register", str(register_file)])
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert "Traceback" not in done.output
    if done.exit_code == 0:
        assert json.loads(done.stdout)["outcome"] in ("recommendation", "manual")
    else:
        assert done.exit_code == 2 and len(done.stderr.strip().splitlines()) == 1, done.output


@pytest.fixture(scope="module")
def monkeypatch_session(tmp_path_factory):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ROBOT_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        mp.delenv("ROBOT_STICKPROV_KEY", raising=False)
        yield mp


def test_a_year_zero_period_beside_a_valid_file_queues_both(engine, settings):
    """The probe's case: `robot enqueue` of a year-0 period once queued none of the files given with it."""
    from robot.intake.enqueue import enqueue_paths

    folder = settings.data_dir / "in"
    folder.mkdir(parents=True)
    (folder / "a.json").write_bytes(raw(application(application_id="NOLL-1", period="0000-01")))
    (folder / "b.json").write_bytes(raw(application(application_id="GILTIG-1")))
    report = enqueue_paths(engine, sorted(folder.iterdir()), settings, actor="test")
    assert report.queued == 2 and report.rejected == 0


def test_a_document_intake_cannot_prepare_costs_that_file_only(engine, settings, monkeypatch):
    """The last guard: should `prepare` ever fail on a document, that file is rejected with why."""
    from robot.intake import enqueue as module
    from robot.intake.enqueue import enqueue_paths

    real = module.prepare

    def failing(doc, *args):  # type: ignore[no-untyped-def]
        if b"TRASIG-1" in doc.raw:
            raise OverflowError("simulated defect")
        return real(doc, *args)

    monkeypatch.setattr(module, "prepare", failing)
    folder = settings.data_dir / "in"
    folder.mkdir(parents=True)
    (folder / "a.json").write_bytes(raw(application(application_id="TRASIG-1")))
    (folder / "b.json").write_bytes(raw(application(application_id="GILTIG-2")))
    refused: list[str] = []
    report = enqueue_paths(
        engine, sorted(folder.iterdir()), settings, actor="test", on_rejected=lambda r: refused.append(r.reason)
    )
    assert report.queued == 1 and report.rejected == 1
    assert refused == ["could not be prepared for the queue: OverflowError"]


TOP_LEVEL_TRICKS = st.sampled_from([
    b'{"application_id": "A-1", "application_id": "A-2"}',
    b'{"application_id": "A-1", "applic\\u0061tion_id": "A-2"}',
    b'{"x": {"application_id": "A-2"}, "application_id": "A-1"}',
    b'{"unmapped": ["application_id"], "application_id": "A-1"}',
    b'{"period": "2026-12", "period": "2027-01", "application_id": "A-1"}',
    json.dumps({"application_id": "A-1", "period": "2026-12"}).encode("utf-16"),
    json.dumps({"application_id": "A-1", "period": "2026-12"}).encode("utf-32"),
    b'\xef\xbb\xbf{"application_id": "A-1"}',
    b'{"a":' * 995 + b"1" + b"}" * 995,
    b'{"a":' * 400 + b"1" + b"}" * 400,
    b'{"a": [' + b"[1]," * 600 + b'1], "application_id": "A-1"}',
    b'{"application_id": "A-1"} x',
    b"[]",
    b'"application_id"',
    b'{"a": 1' + b"0" * 5000 + b"}",
    b'{"application_id": "\xff"}',
])  # fmt: skip


@given(document=st.one_of(DOCUMENTS, TOP_LEVEL_TRICKS))
@hyp_settings(max_examples=300, deadline=None)
def test_intake_reads_the_top_level_as_the_marked_parse_does(document):
    """`load_top_level` skips marking repeated keys where only a repeated `application_id` could matter."""
    from robot.formats.application import application_id_of, load_top_level

    def read(load):  # type: ignore[no-untyped-def]
        try:
            doc = load(document)
        except NotAnApplication as exc:
            return ("rejected", str(exc))
        return ("object", doc, application_id_of(doc, document))

    assert read(load_top_level) == read(load_json_object)
