"""The commit's faster row building writes exactly what the plain way wrote: same hashes, same stored values."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from robot.queue import bulk, ledger
from robot.queue.db import make_engine
from robot.queue.events import event_row
from robot.queue.schema import UtcDateTime

# The former `ledger.prepare`, kept as the reference the faster one must equal ------------------------


def _reference_canonical(values: Mapping[str, Any]) -> bytes:
    return ledger._CANONICAL.encode({k: ledger._value(v) for k, v in values.items() if v is not None}).encode("ascii")


def reference_prepare(chain: ledger.Chain, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bytes, bytes]]:
    out = []
    for row in rows:
        values = {c: row.get(c) for c in chain.content if c != "id"}
        kept = {c: values[c] for c in chain.kept if c != "id"}
        kept["personal"] = ledger._h(
            b"personal:" + _reference_canonical({c: values.get(c) for c in chain.personal})
        )
        below = _reference_canonical({k: v for k, v in kept.items() if k < "id"})[1:-1]
        above = _reference_canonical({k: v for k, v in kept.items() if k > "id"})[1:-1]
        before = b"content:{" + below + (b"," if below else b"") + b'"id":'
        after = (b"," + above if above else b"") + b"}"
        out.append((values | {"personal_hash": None, "purged_at": None}, before, after))
    return out


_ZONES = st.sampled_from([dt.UTC, zoneinfo.ZoneInfo("Europe/Stockholm"), dt.timezone(dt.timedelta(hours=-3))])
# The times the robot stores are clock readings (this century); year 1 in Stockholm has no UTC (year 0).
_TIME = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=_ZONES)
_TEXT = st.text(max_size=40)
# Text a hostile field could hold: quotes, backslashes, control characters, `"id":0`, beyond the BMP.
_TRICKY = st.one_of(_TEXT, st.sampled_from(['"id":0', '\\"id\\":0', ',"id":0,', "\x00\x7f\u2028\U0001f600", "åäö§–−"]))


def _value_for(column: Column) -> st.SearchStrategy[Any]:
    if isinstance(column.type, UtcDateTime):
        return _TIME
    if isinstance(column.type, Boolean):
        return st.booleans()
    if isinstance(column.type, Integer):  # BigInteger too
        return st.integers(min_value=-(2**62), max_value=2**62)
    return _TRICKY


def _rows_for(chain: ledger.Chain) -> st.SearchStrategy[list[dict[str, Any]]]:
    columns = [c for c in chain.table.columns if c.name in chain.content and c.name != "id"]
    row = st.fixed_dictionaries({}, optional={c.name: st.one_of(st.none(), _value_for(c)) for c in columns})
    return st.lists(row, max_size=4)


@pytest.mark.parametrize("chain", ledger.CHAINS, ids=lambda c: c.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_prepare_encodes_every_row_as_before(chain, data):
    rows = data.draw(_rows_for(chain))
    prepared = ledger.prepare(chain.table, rows)
    assert [(p.row, p.before, p.after) for p in prepared.rows] == reference_prepare(chain, rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"attempt": st.integers(0, 9), "outcome": _TRICKY, "reasons": st.lists(_TEXT)})))
def test_event_details_are_the_text_json_dumps_made(details):
    rows = [event_row(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "processed", "w", 1, **d) for d in details]
    assert [r["details"] for r in rows] == [json.dumps(d, ensure_ascii=False, sort_keys=True) for d in details]


# bulk.executemany: the statement and the values `conn.execute` would have sent ------------------------

_META = MetaData()
_ROWS = Table(
    "bulk_probe",
    _META,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(40), nullable=False),
    Column("body", Text),
    Column("flag", Boolean, nullable=False),
    Column("count", Integer, nullable=False),
    Column("at", UtcDateTime),
    Column("kind", String(16), nullable=False),
)
_INSERT = insert(_ROWS)
_UPDATE = (
    update(_ROWS)
    .where(_ROWS.c.id == bindparam("pk"), _ROWS.c.kind == "probe")
    .values(count=_ROWS.c.count + bindparam("add"), at=bindparam("when"), body=None, name=bindparam("new_name"))
)
_ON_CONFLICT = {
    "sqlite": sqlite.insert(_ROWS).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_ROWS).on_conflict_do_nothing(),
}

T0 = dt.datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))


def _probe_rows(first: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": first + i,
            "name": f"rad {i} – åäö \"{i}\" \\",
            "body": None if i % 3 == 0 else "x" * i + "\U0001f600",
            "flag": i % 2 == 0,
            "count": i,
            "at": None if i % 4 == 1 else T0 + dt.timedelta(days=i, microseconds=i),
            "kind": "probe" if i % 5 else "other",
        }
        for i in range(n)
    ]


def _write(engine, via_bulk: bool) -> list[tuple[Any, ...]]:
    _META.drop_all(engine)
    _META.create_all(engine)
    execute = bulk.executemany if via_bulk else (lambda conn, statement, rows: conn.execute(statement, rows))
    with engine.begin() as conn:
        execute(conn, _INSERT, _probe_rows(1, 12))
        execute(conn, _INSERT, _probe_rows(100, 1))
        execute(conn, _ON_CONFLICT[conn.dialect.name], _probe_rows(10, 6))  # 10..12 exist already
        execute(conn, _UPDATE, [{"pk": pk, "add": 10, "when": T0, "new_name": f"ny {pk} ö"} for pk in (1, 2, 5, 11)])
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # the stored types too: text, integer, null
            columns = ", ".join(f"{c.name}, typeof({c.name})" for c in _ROWS.columns)
        else:
            columns = ", ".join(c.name for c in _ROWS.columns)
        rows = conn.exec_driver_sql(f"SELECT {columns} FROM bulk_probe ORDER BY id").fetchall()
    _META.drop_all(engine)
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_bulk_executemany_stores_what_execute_stores(database, tmp_path, request):
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else f"sqlite:///{tmp_path / 'b.db'}"
    engine = make_engine(url)
    try:
        plain = _write(engine, via_bulk=False)
        fast = _write(engine, via_bulk=True)
    finally:
        engine.dispose()
    assert len(plain) == 16
    assert fast == plain


def test_bulk_on_postgresql_stores_what_execute_stores_whatever_the_values(postgres_url):
    """On PostgreSQL an INSERT's rows go as arrays in binary (`INSERT … SELECT * FROM unnest(…)`)."""
    engine = make_engine(postgres_url)
    # PostgreSQL's text holds no NUL, and UTF-8 no lone surrogate (`characters` draws them once a character is excluded)
    text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
    row = st.fixed_dictionaries({
        "name": text.map(lambda t: t[:40]), "body": st.none() | text | _TRICKY.filter(lambda t: "\x00" not in t),
        "flag": st.booleans(), "count": st.integers(-(2**31), 2**31 - 1), "at": st.none() | _TIME,
        "kind": st.sampled_from(["probe", "other", ""]),
    })  # fmt: skip

    @settings(max_examples=40, deadline=None)
    @given(st.lists(row, min_size=2, max_size=6), st.booleans())
    def stores_the_same(rows: list[dict[str, Any]], long: bool) -> None:
        """Long rows (a verdict's) go one statement each (`bulk.LONG_ROW`)."""
        rows = [r | {"id": i} | ({"body": f"{r['body']}{'å' * bulk.LONG_ROW}"} if long else {}) for i, r in enumerate(rows)]
        stored = []
        for execute in ((lambda conn, statement, rows: conn.execute(statement, rows)), bulk.executemany):
            _META.drop_all(engine)
            _META.create_all(engine)
            with engine.begin() as conn:
                execute(conn, _INSERT, rows)
                execute(conn, _ON_CONFLICT["postgresql"], rows)
                stored.append(conn.exec_driver_sql("SELECT * FROM bulk_probe ORDER BY id").fetchall())
        assert stored[0] == stored[1]

    try:
        stores_the_same()
        _META.drop_all(engine)
        _META.create_all(engine)
        too_long = [r | {"name": "x" * 41} for r in _probe_rows(1, 2)]
        with pytest.raises(DBAPIError, match="too long"), engine.begin() as conn:  # not cut short to fit
            bulk.executemany(conn, _INSERT, too_long)
    finally:
        _META.drop_all(engine)
        engine.dispose()


def test_the_state_changes_in_one_statement_are_those_made_one_by_one(postgres_url, settings):
    """`outcomes._change_all` (PostgreSQL) against `_change_each` (SQLite) on the same database: the same rows, the
    same answer, for every kind of outcome, a lease lost, an application from the case system."""
    from robot.clock import FixedClock
    from robot.intake.documents import Document
    from robot.intake.enqueue import enqueue
    from robot.queue import outcomes
    from robot.queue.schema import applications
    from tests.builders import raw
    from tests.queue_helpers import a_lost_lease_and_held_ones, many

    clock = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
    engine = make_engine(postgres_url)
    docs = many(5)
    enqueue(engine, [Document(raw(d), "caremanagement:E1" if i == 2 else "test") for i, d in enumerate(docs)],
            settings, clock)  # fmt: skip
    lost, held = a_lost_lease_and_held_ones(engine, clock, 4)
    later = clock.now() + dt.timedelta(minutes=5)
    batch = [outcomes.RetryOutcome(lost, later, "x", False, 1), outcomes.RetryOutcome(held[0], later, "HTTP 503", True, 1),
             outcomes.RetryOutcome(held[1], later, "väntar", False, 1), outcomes.FailureOutcome(held[2], "krasch", 3, 1),
             outcomes.FailureOutcome(held[3], "krasch igen", 3, 1)]  # fmt: skip
    rows = [outcomes._state_row(o) for o in batch]
    answers, stored = [], []
    with engine.connect() as conn:
        for change in (outcomes._change_each, outcomes._change_all):
            with conn.begin() as transaction:
                answers.append(change(conn, rows, clock.now()))
                stored.append(conn.execute(select(applications).order_by(applications.c.id)).all())
                transaction.rollback()
    engine.dispose()
    assert answers[0] == answers[1] == {held[0].pk: False, held[1].pk: True, held[2].pk: False, held[3].pk: False}
    assert stored[0] == stored[1]
    assert [r.state for r in stored[0]] == ["IN_PROGRESS", "RETRY_WAIT", "RETRY_WAIT", "MANUAL", "MANUAL"]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(_TEXT, st.floats(allow_nan=False)),
    st.lists(st.dictionaries(st.sampled_from(["code", "text"]), _TRICKY)),
)
def test_the_shared_encoders_write_what_json_dumps_wrote(draws, reasons):
    """The stickprov draws in `inputs_json` and a manual item's `reasons_json`."""
    from robot.chain import inputs
    from robot.queue import outcomes

    assert inputs._SORTED.encode(draws) == json.dumps(draws, sort_keys=True)
    assert outcomes._REASONS.encode(reasons) == json.dumps(reasons, ensure_ascii=False)


def test_times_in_the_hour_that_repeats_keep_their_own_instant():
    """02:30 on 25 October 2026 happens twice in Stockholm (fold 0 and 1): equal as datetimes, not as instants."""
    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=stockholm)
    rows = [{"at": first, "kind": "a", "actor": "x"}, {"at": first.replace(fold=1), "kind": "a", "actor": "x"}]
    rows += [{"at": t.astimezone(dt.UTC), "kind": "a", "actor": "x"} for t in (first, first.replace(fold=1))]
    prepared = ledger.prepare(ledger.BY_NAME["events"].table, rows)
    assert [(p.row, p.before, p.after) for p in prepared.rows] == reference_prepare(ledger.BY_NAME["events"], rows)
    assert prepared.rows[0].before != prepared.rows[1].before


def test_bulk_refuses_a_statement_whose_defaults_python_would_compute(engine):
    """`applications.attempts` has a Python-side default that `conn.execute` computes per row; bulk does not."""
    from robot.queue.schema import applications

    with pytest.raises(ValueError, match="defaults"), engine.begin() as conn:
        bulk.executemany(conn, applications.insert(), [{"application_id": "a"}, {"application_id": "b"}])


# bulk.insert_returning: what `conn.execute(statement, rows).all()` returned and stored ------------------


def _returned_and_stored(engine, via_bulk: bool) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    _META.drop_all(engine)
    _META.create_all(engine)
    statement = _ON_CONFLICT[engine.dialect.name].returning(_ROWS.c.id, _ROWS.c.name)
    returning = bulk.insert_returning if via_bulk else (lambda conn, statement, rows: conn.execute(statement, rows).all())
    with engine.begin() as conn:
        conn.execute(_INSERT, _probe_rows(1, 12))
        returned = returning(conn, statement, _probe_rows(10, 9))  # 10..12 exist already: not returned
        returned += returning(conn, statement, _probe_rows(50, 1))
        assert bulk.insert_returning(conn, statement, []) == []
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT * FROM bulk_probe ORDER BY id").fetchall()
    _META.drop_all(engine)
    return sorted(tuple(r) for r in returned), [tuple(r) for r in stored]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("page", [1000, 4])
def test_bulk_insert_returning_returns_and_stores_what_execute_does(database, page, tmp_path, request):
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else f"sqlite:///{tmp_path / 'b.db'}"
    engine = make_engine(url)
    engine.dialect.insertmanyvalues_page_size = page  # a page of 4: the rows go in three statements
    try:
        plain = _returned_and_stored(engine, via_bulk=False)
        fast = _returned_and_stored(engine, via_bulk=True)
    finally:
        engine.dispose()
    assert [r[0] for r in plain[0]] == [*range(13, 19), 50]
    assert fast == plain


def test_bulk_insert_returning_refuses_a_statement_without_returning(engine):
    with pytest.raises(ValueError, match="RETURNING"), engine.begin() as conn:
        bulk.insert_returning(conn, _INSERT, _probe_rows(1, 2))


# UtcDateTime remembers its last conversion: the one the plain conversion makes ----------------------


def test_a_remembered_time_is_converted_as_the_plain_way_converts_it():
    from sqlalchemy.dialects.postgresql import psycopg

    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    fold0 = dt.datetime(2026, 10, 25, 2, 30, tzinfo=stockholm)
    utc = [T0.astimezone(dt.UTC) + dt.timedelta(seconds=i) for i in range(10)]
    values = [None, *utc, utc[-1], utc[-1], None, utc[-1], *utc[:5], fold0, fold0.replace(fold=1), fold0.astimezone(dt.UTC),
              fold0.replace(fold=1).astimezone(dt.UTC), T0, T0.astimezone(dt.timezone(dt.timedelta(hours=5)))]  # fmt: skip
    for dialect in (sqlite.dialect(), psycopg.dialect()):
        typ = UtcDateTime()
        remembering, plain = typ.bind_processor(dialect), super(UtcDateTime, typ).bind_processor(dialect)
        assert [remembering(v) for v in values] == [plain(v) for v in values]
        with pytest.raises(ValueError, match="naive"):
            remembering(dt.datetime(2026, 12, 1))
