"""Intake: the same application twice is one application; nothing that arrives is dropped silently."""

from __future__ import annotations

import datetime as dt
import json

from robot.clock import FixedClock
from robot.intake.documents import Document
from robot.intake.enqueue import enqueue
from robot.intake.inbox import scan_inbox
from robot.queue.schema import applications, events
from tests.builders import application, raw
from tests.queue_helpers import count, states

CLOCK = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))


def test_the_same_application_id_twice_is_one_application(engine, settings):
    doc = raw(application())
    first = enqueue(engine, [Document(doc, "a")], settings, CLOCK)
    second = enqueue(engine, [Document(doc, "b"), Document(doc, "c")], settings, CLOCK)
    assert first.accepted == ["TEST-2026-12-000001"]
    assert second.accepted == [] and second.duplicates == ["TEST-2026-12-000001"] * 2
    assert count(engine, applications) == 1
    assert count(engine, events, events.c.kind == "duplicate_ignored") == 1


def test_a_different_document_with_a_known_id_is_stored_beside_the_first_as_a_manual_item(engine, settings):
    from robot.casework import list_manual

    enqueue(engine, [Document(raw(application()), "a")], settings, CLOCK)
    changed = application(costs=[{"type": "hyra", "amount": 9999}])
    report = enqueue(engine, [Document(raw(changed), "b")], settings, CLOCK)
    again = enqueue(engine, [Document(raw(changed), "c")], settings, CLOCK)
    assert report.conflicts == ["TEST-2026-12-000001"] and not report.accepted
    assert again.conflicts == [] and len(again.duplicates) == 1, "the same conflicting version again is a duplicate"
    with engine.connect() as conn:
        first, second = conn.execute(applications.select().order_by(applications.c.id)).all()
    assert json.loads(first.raw)["costs"][0]["amount"] == 6000, "the first one stands"
    assert json.loads(second.raw)["costs"][0]["amount"] == 9999, "the second one is kept, not dropped"
    assert second.application_id.startswith("TEST-2026-12-000001~") and second.conflict_of == first.id
    assert (first.state, second.state) == ("NEW", "MANUAL")
    [item] = list_manual(engine, None, None, 10)
    assert item.application_id == second.application_id and item.codes == ["ANSOKAN_KONFLIKT"]
    assert "TEST-2026-12-000001" in item.reasons[0].text and item.proposal_amount is None


def test_broken_documents_are_queued_with_a_stable_id(engine, settings):
    broken = application(application_id=None)
    report = enqueue(engine, [Document(raw(broken), "x")] * 2, settings, CLOCK)
    assert len(report.accepted) == 1 and report.accepted[0].startswith("UTAN-ID-")
    assert len(report.duplicates) == 1


def test_inbox_queues_good_files_and_rejects_the_rest_with_an_error_file(engine, settings):
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "a.json").write_bytes(raw(application(application_id="A-1")))
    (inbox / "b.json").write_bytes(raw(application(application_id="B-1", household="not a household")))
    (inbox / "c.json").write_text("this is not json", encoding="utf-8")
    (inbox / "d.json").write_text("[1, 2, 3]", encoding="utf-8")
    (inbox / "e.json").write_bytes(b"{" + b" " * (settings.intake.max_file_bytes + 10) + b"}")
    (inbox / "f.json.tmp").write_text("{}", encoding="utf-8")
    report = scan_inbox(engine, settings, CLOCK)
    assert (report.files, report.queued, report.rejected) == (5, 2, 3)
    rejected = sorted(p.name for p in settings.rejected_dir.iterdir())
    assert rejected == sorted(
        ["c.json", "c.json.error.txt", "d.json", "d.json.error.txt", "e.json", "e.json.error.txt"]
    )
    assert "not valid JSON" in (settings.rejected_dir / "c.json.error.txt").read_text(encoding="utf-8")
    assert "larger than the intake limit" in (settings.rejected_dir / "e.json.error.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in inbox.iterdir()) == ["f.json.tmp"], "queued files leave the inbox; temp files wait"
    assert set(states(engine)) == {"A-1", "B-1"}


def test_the_same_file_dropped_twice_in_the_inbox_is_reported_and_ignored(engine, settings):
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "a.json").write_bytes(raw(application()))
    scan_inbox(engine, settings, CLOCK)
    (inbox / "a.json").write_bytes(raw(application()))
    report = scan_inbox(engine, settings, CLOCK)
    assert report.duplicates == ["TEST-2026-12-000001"] and report.queued == 0
    assert count(engine, applications) == 1
    assert list(inbox.iterdir()) == []


def test_a_rejected_name_that_exists_already_is_kept_beside_it(engine, settings):
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    for _ in range(2):
        (inbox / "x.json").write_text("nope", encoding="utf-8")
        scan_inbox(engine, settings, CLOCK)
    names = sorted(p.name for p in settings.rejected_dir.iterdir())
    assert names == ["x.1.json", "x.1.json.error.txt", "x.json", "x.json.error.txt"]


def test_a_new_applications_row_is_its_fields_and_the_queues_columns(settings):
    """`queue.intake._row` copies the dataclass's __dict__: it must hold exactly the fields."""
    import dataclasses

    from robot.intake.documents import prepare
    from robot.queue.intake import NewApplication, _row
    from robot.queue.states import State

    now = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
    app = prepare(Document(raw(application()), "test:a.json"), now, settings)
    row = _row(app, State.NEW, now, conflict_of=7)
    fields = {f.name: getattr(app, f.name) for f in dataclasses.fields(NewApplication)}
    assert row == fields | {"state": "NEW", "attempts": 0, "waits": 0, "fencing_token": 0, "updated_at": now, "conflict_of": 7}
