"""Tamper evidence for the append-only tables: every row is a link in a hash chain, one chain per table.

    personal_hash = H(the row's personal columns)                 what a purge removes
    content_hash  = H(the other columns, id included, + personal_hash)
    row_hash      = H(the previous row's row_hash ‖ content_hash)  the first row follows H(chain name)

The ledger is the only writer of a chained table (`append`): it numbers the rows itself (id = the
chain head's last id + 1, …), computes the hashes and moves the head (`ledger_heads`), in the
caller's transaction. Writers to one chain are serialised by the head: PostgreSQL locks its row
(SELECT … FOR UPDATE), SQLite's write lock does the rest. A transaction that appends to several
chains must do so in the order of `CHAINS` (checked), so two writers never wait for each other
in a circle.

The head is held from its lock to the commit, so as little as possible happens under it: `prepare`
does everything that does not depend on the head (the personal hash, the canonical encoding of the
content around its id) before the transaction takes the lock; `link` then takes the head, and only
numbers the rows, hashes a few hundred bytes per row, inserts them and moves the head. Callers take
their heads last in their transaction (`outcomes.commit`).

`verify` walks every chain: a changed row no longer matches its content hash, a removed, inserted
or reordered row breaks the chain at the next row, rows cut off the end no longer reach the head.
A purge (`retention.py`) blanks a row's personal columns and keeps their hash in `personal_hash`,
so the purged row still verifies, as purged. What the chain cannot show is a rewrite of a whole
chain from some row on, head included: compare the heads `robot db verify` prints with ones kept
elsewhere (`--anchor`).

Columns that are null are left out of the hashed content, so a nullable column added to a chained
table later leaves every earlier hash valid.

Attaching the chain to a new append-only table: give the table `*ledger_columns()` (schema.py)
and an integer `id` primary key, add one `Chain(...)` line to `CHAINS` (before `events`), attach it
in a migration (`appendonly.attach`), write its rows with `ledger.append`, and list it in
`grants.py`. docs/security.md has the details.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, bindparam, insert, select, update

from robot.queue import bulk
from robot.queue.db import read
from robot.queue.schema import access_log, decisions, events, ledger_heads, verdicts

LEDGER_COLUMNS = ("content_hash", "row_hash", "personal_hash", "purged_at")


@dataclass(frozen=True)
class Chain:
    """One hash-chained table and which of its columns hold personal data (removed by a purge)."""

    table: Table
    personal: tuple[str, ...]
    case: str | None = "application_pk"
    """The column naming the application a row belongs to: a purge removes the personal data of the
    rows of closed cases. None: rows belong to no case, and a purge leaves them alone."""

    @property
    def name(self) -> str:
        return self.table.name

    @functools.cached_property
    def content(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.columns if c.name not in LEDGER_COLUMNS)

    @functools.cached_property
    def kept(self) -> tuple[str, ...]:
        return tuple(c for c in self.content if c not in self.personal)

    @functools.cached_property
    def insert(self) -> Insert:
        return insert(self.table)

    @functools.cached_property
    def content_without_id(self) -> tuple[str, ...]:
        return tuple(c for c in self.content if c != "id")

    @functools.cached_property
    def kept_without_id(self) -> tuple[str, ...]:
        return tuple(c for c in self.kept if c != "id")

    def genesis(self) -> str:
        return _h(b"bistandsrobot ledger 1:" + self.name.encode())

    def personal_hash(self, row: Mapping[str, Any]) -> str:
        return _personal_hash(self.personal, {c: _value(v) for c in self.personal if (v := row.get(c)) is not None})

    def content_hash(self, row: Mapping[str, Any], personal_hash: str | None = None) -> str:
        values = {c: row.get(c) for c in self.kept}
        values["personal"] = personal_hash or self.personal_hash(row)
        return _h(b"content:" + _canonical(values))


CHAINS: tuple[Chain, ...] = (
    Chain(verdicts, personal=("amount", "verdict_json", "inputs_json")),
    Chain(decisions, personal=("amount", "body")),
    Chain(access_log, personal=("address",), case=None),
    Chain(events, personal=("details",)),
)
"""The chained tables, in the order a transaction must append to them."""

BY_NAME = {c.name: c for c in CHAINS}


def row_hash(previous: str, content_hash: str) -> str:
    return _h((previous + content_hash).encode("ascii"))


def _h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""One encoder for every row: `json.dumps` with these options would build a new one each call."""


def one_shot(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """`encoder.encode`, its C encoder made once: `encode` makes it again for every value, a fifth to a half of
    encoding a row. The same output; without the check for circular references (state shared between calls),
    which values built from rows and JSON documents never have."""
    if c_make_encoder is None or encoder.indent is not None:
        return encoder.encode
    made = c_make_encoder(
        None, encoder.default, encode_basestring_ascii if encoder.ensure_ascii else encode_basestring, None,
        encoder.key_separator, encoder.item_separator, encoder.sort_keys, encoder.skipkeys, encoder.allow_nan,
    )  # fmt: skip
    return lambda value: "".join(made(value, 0))


_ENCODE_CANONICAL = one_shot(_CANONICAL)


def _personal_hash(personal: tuple[str, ...], encoded: Mapping[str, Any]) -> str:
    """The hash of a row's personal values, from its values already converted (`_value`) and without nulls."""
    h = hashlib.sha256(b"personal:")  # fed in two parts: a verdict's values are tens of KB, not copied again
    h.update(_encode({c: encoded[c] for c in personal if c in encoded}))
    return h.hexdigest()


def _canonical(values: Mapping[str, Any]) -> bytes:
    return _encode({k: _value(v) for k, v in values.items() if v is not None})


def _encode(values: Mapping[str, Any]) -> bytes:
    """The canonical encoding of values already converted (`_value`) and without nulls."""
    return _ENCODE_CANONICAL(values).encode("ascii")


_AS_THEY_ARE = frozenset({str, int, bool, float})
"""Types `_value` leaves alone (checked first: most values are of these)."""


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


# Writing ------------------------------------------------------------------------------------------


class LedgerError(RuntimeError):
    """A defect in how the ledger is used (an unknown chain, chains appended out of order, no head)."""


@dataclass(frozen=True)
class Pending:
    """A row ready to be linked: everything but its id, and its content hash but for the id."""

    row: dict[str, Any]
    before: bytes
    after: bytes

    def content_hash(self, id_: int) -> str:
        return _h(self.before + str(id_).encode("ascii") + self.after)


@dataclass(frozen=True)
class Prepared:
    chain: Chain
    rows: list[Pending]


def prepare(table: Table, rows: list[dict[str, Any]]) -> Prepared:
    """The hashing that does not depend on the chain's head, done before its lock is taken."""
    chain = BY_NAME.get(table.name)
    if chain is None:
        raise LedgerError(f"{table.name} is not a chained table (robot/queue/ledger.py CHAINS)")
    content, personal, kept = chain.content_without_id, chain.personal, chain.kept_without_id
    converted: dict[dt.datetime, str] = {}  # each distinct UTC time of the batch (most rows share a few) once
    pending = []
    for row in rows:
        values = {c: row.get(c) for c in content}
        encoded = {}
        for c, v in values.items():
            if v is None:
                continue
            if type(v) not in _AS_THEY_ARE:
                if isinstance(v, dt.datetime) and v.tzinfo is dt.UTC:  # no folds: equal means the same instant
                    v = converted.get(v) or converted.setdefault(v, _value(v))
                else:
                    v = _value(v)
            encoded[c] = v
        hashed = {c: encoded[c] for c in kept if c in encoded}
        hashed["personal"] = _personal_hash(personal, encoded)
        before, after = _around_id(hashed)
        pending.append(Pending(values | {"personal_hash": None, "purged_at": None}, before, after))
    return Prepared(chain, pending)


def _around_id(hashed: dict[str, Any]) -> tuple[bytes, bytes]:
    """The content's canonical encoding before and after the id's value (the id is not known yet).

    Encoded once with a stand-in id and cut there: `"id":` cannot occur inside an encoded string value
    (its quotes would be escaped), and the values are scalars, so the only `"id":0` is the id's own."""
    text = _encode(hashed | {"id": 0})
    if text.count(b'"id":0') != 1:
        return _around_id_slowly(hashed)
    head, _, tail = text.partition(b'"id":0')
    return b"content:" + head + b'"id":', tail


def _around_id_slowly(hashed: dict[str, Any]) -> tuple[bytes, bytes]:
    below = _canonical({k: v for k, v in hashed.items() if k < "id"})[1:-1]
    above = _canonical({k: v for k, v in hashed.items() if k > "id"})[1:-1]
    return b"content:{" + below + (b"," if below else b"") + b'"id":', (b"," + above if above else b"") + b"}"


def link(conn: Connection, prepared: Prepared) -> list[int]:
    """Append prepared rows at the end of their chain, in the caller's transaction; returns their ids."""
    if not prepared.rows:
        return []
    chain = prepared.chain
    last_id, last_hash = _lock_head(conn, chain)
    out = []
    for p in prepared.rows:
        last_id += 1
        content = p.content_hash(last_id)
        last_hash = row_hash(last_hash, content)
        out.append(p.row | {"id": last_id, "content_hash": content, "row_hash": last_hash})
    bulk.executemany(conn, chain.insert, out)
    conn.execute(_MOVE_HEAD, {"head": chain.name, "last_id": last_id, "last_hash": last_hash})
    return [r["id"] for r in out]


# Built once: building a statement for each commit cost more than the head's own work.
_MOVE_HEAD = (
    update(ledger_heads)
    .where(ledger_heads.c.chain == bindparam("head"))
    .values(last_id=bindparam("last_id"), last_hash=bindparam("last_hash"))
)
_HEAD = (
    select(ledger_heads.c.last_id, ledger_heads.c.last_hash)
    .where(ledger_heads.c.chain == bindparam("head"))
    .with_for_update()
)


def append(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (without id) at the end of the table's chain; returns their ids, in order."""
    if not rows:
        return []
    return link(conn, prepare(table, rows))


def _lock_head(conn: Connection, chain: Chain) -> tuple[int, str]:
    transaction = conn.get_transaction()
    held = conn.info.get("robot_ledger_locks")
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        conn.info["robot_ledger_locks"] = held
    rank = CHAINS.index(chain)
    later = sorted(CHAINS[r].name for r in held[1] if r > rank)
    if later and rank not in held[1]:
        raise LedgerError(f"{chain.name} appended after {', '.join(later)}: append to chains in the order of CHAINS")
    held[1].add(rank)
    head = conn.execute(_HEAD, {"head": chain.name}).first()
    if head is None:
        raise LedgerError(f"no ledger head for {chain.name}: run `robot db upgrade`")
    return head.last_id, head.last_hash


# Verifying ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first row at which a chain does not hold, and what is wrong there."""

    chain: str
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.chain} row {self.row_id}" if self.row_id is not None else self.chain
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainState:
    chain: str
    rows: int
    purged: int
    head_id: int
    head_hash: str
    broken: Break | None

    @property
    def anchor(self) -> str:
        """`chain:id:hash`, to keep elsewhere and give back to `verify` later."""
        return f"{self.chain}:{self.head_id}:{self.head_hash}"


def verify(engine: Engine, anchors: list[str] = ()) -> list[ChainState]:  # type: ignore[assignment]
    """Walk every chain from its first row to its head; `anchors` are earlier heads (`chain:id:hash`)."""
    wanted: dict[str, dict[int, str]] = {}
    for anchor in anchors:
        name, row_id, hash_ = anchor.split(":")
        wanted.setdefault(name, {})[int(row_id)] = hash_
    return [_verify_chain(engine, chain, wanted.get(chain.name, {})) for chain in CHAINS]


def _verify_chain(engine: Engine, chain: Chain, anchors: dict[int, str]) -> ChainState:
    with read(engine) as conn:
        head = conn.execute(select(ledger_heads).where(ledger_heads.c.chain == chain.name)).first()
        if head is None:
            return ChainState(chain.name, 0, 0, 0, "", Break(chain.name, None, "no ledger head (not migrated?)"))
        rows = purged = 0
        previous, last_id = chain.genesis(), 0
        broken = None
        for row in _rows(conn, chain):
            rows += 1
            purged += row.purged_at is not None
            problem = _check(chain, row, previous)
            if problem is None and anchors.get(row.id, row.row_hash) != row.row_hash:
                problem = "does not match the anchor kept for it: the chain was rewritten from here or earlier"
            if problem is not None:
                broken = Break(chain.name, row.id, problem)
                break
            previous, last_id = row.row_hash, row.id
        if broken is None:
            broken = _check_head(chain, head, last_id, previous, anchors)
        return ChainState(chain.name, rows, purged, head.last_id, head.last_hash, broken)


def _rows(conn: Connection, chain: Chain) -> Iterator[Any]:
    query = select(chain.table).order_by(chain.table.c.id).execution_options(yield_per=1000)
    yield from conn.execute(query)


def _check(chain: Chain, row: Any, previous: str) -> str | None:
    values = row._mapping
    if row.content_hash is None or row.row_hash is None:
        return "has no hashes: it was written outside the ledger"
    if row.purged_at is not None:
        if row.personal_hash is None:
            return "is marked purged but lacks the hash of its purged content"
        personal = row.personal_hash
    else:
        personal = chain.personal_hash(values)
    if chain.content_hash(values, personal) != row.content_hash:
        return "its content was changed after it was written (the content hash does not match)"
    if row_hash(previous, row.content_hash) != row.row_hash:
        return "does not follow the row before it: a row before it was removed, inserted or reordered, or this row's hashes were rewritten"
    return None


def _check_head(chain: Chain, head: Any, last_id: int, last_hash: str, anchors: dict[int, str]) -> Break | None:
    missing_anchor = sorted(i for i in anchors if i > last_id)
    if missing_anchor:
        return Break(chain.name, missing_anchor[0], "an anchor was kept for this row, but the chain ends before it")
    if head.last_id > last_id:
        return Break(chain.name, last_id + 1, f"rows after {last_id} are missing: the head says the chain ends at {head.last_id}")
    if head.last_id < last_id:
        return Break(chain.name, head.last_id + 1, f"rows past the head (row {head.last_id}) were added outside the ledger")
    if head.last_hash != last_hash:
        return Break(chain.name, last_id, "the head's hash is not this row's: the row or the head was rewritten")
    return None
