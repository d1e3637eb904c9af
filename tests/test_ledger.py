"""The hash chains over verdicts and events: `robot db verify` names the first row that does not hold."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from robot.clock import FixedClock
from robot.queue import ledger
from robot.queue.db import make_engine
from robot.queue.events import event_row, record
from robot.queue.schema import events, ledger_heads, verdicts
from tests.queue_helpers import DictSource, many, put, run_until_idle

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def processed(engine, settings, ruleset):
    """Five applications processed: five verdicts and their events."""
    clock = FixedClock(T0)
    put(engine, settings, clock, *many(5))
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    return engine


def broken(engine) -> dict[str, ledger.Break]:
    return {s.chain: s.broken for s in ledger.verify(engine) if s.broken}


def tamper(engine, *statements: str) -> None:
    """What someone with the SQLite file can do: drop the triggers, then change what they like."""
    with engine.begin() as conn:
        for name in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all():
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            conn.execute(text(statement))


def test_an_untouched_database_verifies_and_every_row_is_chained(processed):
    states = {s.chain: s for s in ledger.verify(processed)}
    assert states["verdicts"].broken is None and states["verdicts"].rows == 5
    assert states["events"].broken is None and states["events"].rows >= 15
    with processed.connect() as conn:
        heads = {r.chain: r.last_id for r in conn.execute(select(ledger_heads))}
        assert heads["verdicts"] == conn.execute(select(func.max(verdicts.c.id))).scalar_one() == 5
        assert conn.execute(select(func.count()).where(verdicts.c.row_hash.is_(None))).scalar_one() == 0


def test_an_edited_verdict_is_caught_after_drop_trigger(processed):
    tamper(processed, "UPDATE verdicts SET amount = 99999 WHERE id = 3")
    found = broken(processed)
    assert list(found) == ["verdicts"]
    assert found["verdicts"].row_id == 3 and "content was changed" in found["verdicts"].problem


def test_an_edit_with_recomputed_hashes_breaks_the_chain_at_the_next_row(processed):
    chain = ledger.BY_NAME["verdicts"]
    with processed.connect() as conn:
        row = dict(conn.execute(select(verdicts).where(verdicts.c.id == 2)).one()._mapping)
    row["amount"] = 1
    content = chain.content_hash(row)
    tamper(processed, f"UPDATE verdicts SET amount = 1, content_hash = '{content}' WHERE id = 2")
    assert broken(processed)["verdicts"].row_id == 2
    with processed.connect() as conn:
        previous = conn.execute(select(verdicts.c.row_hash).where(verdicts.c.id == 1)).scalar_one()
    tamper(processed, f"UPDATE verdicts SET row_hash = '{ledger.row_hash(previous, content)}' WHERE id = 2")
    assert broken(processed)["verdicts"].row_id == 3, "row 3 no longer follows row 2"


def test_a_deleted_row_is_caught(processed):
    tamper(processed, "DELETE FROM events WHERE id = 4")
    found = broken(processed)["events"]
    assert found.row_id == 5 and "removed, inserted or reordered" in found.problem


def test_rows_cut_off_the_end_are_caught(processed):
    last = ledger.verify(processed)[-1].head_id
    tamper(processed, f"DELETE FROM events WHERE id >= {last - 1}")
    found = broken(processed)["events"]
    assert found.row_id == last - 1 and "missing" in found.problem


def test_reordered_rows_are_caught(processed):
    # Swap two events' places in the chain (their ids), hashes and all.
    tamper(
        processed,
        "UPDATE events SET id = -2 WHERE id = 2",
        "UPDATE events SET id = 2 WHERE id = 3",
        "UPDATE events SET id = 3 WHERE id = -2",
    )
    assert broken(processed)["events"].row_id == 2


def test_an_anchor_catches_a_rewrite_of_the_whole_chain(processed):
    anchor = next(s.anchor for s in ledger.verify(processed) if s.chain == "verdicts")
    chain = ledger.BY_NAME["verdicts"]
    # The attacker rewrites every verdict and recomputes every hash and the head.
    tamper(processed, "UPDATE verdicts SET amount = 1")
    with processed.begin() as conn:
        previous = chain.genesis()
        for row in conn.execute(select(verdicts).order_by(verdicts.c.id)).all():
            content = chain.content_hash(row._mapping)
            previous = ledger.row_hash(previous, content)
            conn.execute(verdicts.update().where(verdicts.c.id == row.id).values(content_hash=content, row_hash=previous))
        conn.execute(ledger_heads.update().where(ledger_heads.c.chain == "verdicts").values(last_hash=previous))
    assert broken(processed) == {}, "a full rewrite is invisible without an anchor"
    found = {s.chain: s.broken for s in ledger.verify(processed, [anchor])}["verdicts"]
    assert found is not None and found.row_id == 5 and "anchor" in found.problem


_TEXT = st.one_of(st.none(), st.text(max_size=30))
_EVENT = st.fixed_dictionaries(
    {
        "at": st.datetimes(timezones=st.just(dt.UTC)),
        "application_pk": st.one_of(st.none(), st.integers(min_value=1, max_value=2**40)),
        "kind": st.text(min_size=1, max_size=20),
        "actor": st.text(min_size=1, max_size=20),
        "from_state": _TEXT,
        "to_state": _TEXT,
        "details": _TEXT,
    }
)


@given(st.lists(_EVENT, min_size=1, max_size=5), st.integers(min_value=1, max_value=2**50))
def test_a_prepared_row_hashes_as_the_chain_does_once_it_has_its_id(rows, first_id):
    """`prepare` hashes before the head is locked; what `link` completes is the content hash `verify` checks."""
    prepared = ledger.prepare(events, rows)
    chain = ledger.BY_NAME["events"]
    for i, (row, pending) in enumerate(zip(rows, prepared.rows, strict=True)):
        assert pending.content_hash(first_id + i) == chain.content_hash(row | {"id": first_id + i})


def test_chains_must_be_appended_in_order(engine):
    with pytest.raises(ledger.LedgerError, match="order"), engine.begin() as conn:
        record(conn, [event_row(T0, "test", "x")])
        ledger.append(conn, verdicts, [{"application_pk": 1}])


def test_writers_on_postgres_keep_one_chain(postgres_url):
    """Eight threads appending events at once: one unbroken chain, no id twice."""
    eng = make_engine(postgres_url)

    def write(n: int) -> None:
        for i in range(20):
            with eng.begin() as conn:
                record(conn, [event_row(T0, "test", f"writer-{n}", count=i), event_row(T0, "test", f"writer-{n}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    states = {s.chain: s for s in ledger.verify(eng)}
    assert states["events"].broken is None and states["events"].rows == 8 * 20 * 2
    with eng.connect() as conn:
        assert conn.execute(select(func.max(events.c.id))).scalar_one() == 320
    eng.dispose()


def test_on_postgres_not_even_the_owner_may_update_delete_or_truncate(postgres_url, settings, ruleset):
    eng = make_engine(postgres_url)
    clock = FixedClock(T0)
    put(eng, settings, clock, *many(2))
    run_until_idle(eng, settings, ruleset, DictSource(), clock)
    for table in ("verdicts", "events"):
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
            with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
                conn.execute(text(sql))
        # A purge-shaped update that also changes a kept column is refused too.
        with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET purged_at = now(), personal_hash = 'x', actor = 'y' WHERE id = 1"
                              if table == "events" else
                              f"UPDATE {table} SET purged_at = now(), personal_hash = 'x', outcome = 'y' WHERE id = 1"))  # fmt: skip
    assert all(s.broken is None for s in ledger.verify(eng))
    eng.dispose()
