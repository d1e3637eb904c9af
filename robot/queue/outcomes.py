"""Writing results: the verdict and the state change in one transaction, only under a current lease.

Results are written in batches (one transaction for many applications) without losing each
verdict's atomicity: an application whose fencing token is no longer current is skipped whole
(no verdict, no state change, no item), the others are written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Integer, bindparam, func, select, update

from robot.chain.engine import Evaluation
from robot.chain.ruleset import Ruleset
from robot.clock import SYSTEM, Clock
from robot.formats import forslag
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.queue import bulk, households, ledger
from robot.queue.claims import STILL_HELD, Claimed
from robot.queue.db import insert_on_conflict
from robot.queue.events import event_row
from robot.queue.outbox import NewDecision, add_decision
from robot.queue.schema import applications as A
from robot.queue.schema import events, manual_items, recommendations, rulesets, verdicts
from robot.queue.states import ManualStatus, RecommendationStatus, State, require
from robot.swedish.dates import STOCKHOLM


@dataclass(frozen=True)
class VerdictOutcome:
    """The chain produced a verdict that stands: DONE (recommendation) or MANUAL."""

    claimed: Claimed
    evaluation: Evaluation
    ruleset: Ruleset
    rate_override: float | None
    duration_ms: int
    adults: tuple[str, ...] = ()
    """The application's adults' personnummer, remembered as digests (`households.remember_all`)."""

    @property
    def state(self) -> State:
        return State.DONE if self.evaluation.verdict.outcome == "recommendation" else State.MANUAL

    @property
    def name(self) -> str:
        """`recommendation` or `manual`, as in logs and progress."""
        return self.evaluation.verdict.outcome


@dataclass(frozen=True)
class RetryOutcome:
    """Try again later. SSBTEK waits (`counts_as_attempt=False`) are bounded by the cut-off, not by attempts."""

    claimed: Claimed
    next_attempt_at: dt.datetime
    error: str
    counts_as_attempt: bool
    duration_ms: int
    state = State.RETRY_WAIT
    name = "retry_wait"


@dataclass(frozen=True)
class FailureOutcome:
    """Technical failure after the allowed attempts: a manual item with reason TEKNISKT_FEL, no verdict."""

    claimed: Claimed
    error: str
    max_attempts: int
    duration_ms: int
    state = State.MANUAL
    name = "technical_failure"

    def reason(self) -> Reason:
        return Reason(
            code=Code.TEKNISKT_FEL,
            text=(
                f"Ansökan kunde inte behandlas automatiskt på grund av ett tekniskt fel (försök {self.claimed.attempt} "
                f"av {self.max_attempts}). Roboten har inte gjort någon bedömning; ansökan handläggs manuellt. "
                f"Teknisk uppgift för drift: {self.error}"
            ),
        )


Outcome = VerdictOutcome | RetryOutcome | FailureOutcome


@dataclass
class CommitReport:
    written: list[Outcome] = field(default_factory=list)
    stale: list[Outcome] = field(default_factory=list)
    """Lease lost before the result could be written: nothing was written for these."""


def commit(engine: Engine, outcomes: list[Outcome], worker_id: str, clock: Clock = SYSTEM) -> CommitReport:
    """Write the results still under their lease. Everything that does not depend on the chain heads is
    computed before the transaction; the heads are locked last in it and released by its commit."""
    report = CommitReport()
    if not outcomes:
        return report
    now = clock.now()
    verdict_outcomes = [o for o in outcomes if isinstance(o, VerdictOutcome)]
    verdict_rows = ledger.prepare(verdicts, [_verdict_row(o, worker_id, now) for o in verdict_outcomes])
    pending_verdicts = dict(zip((o.claimed.pk for o in verdict_outcomes), verdict_rows.rows, strict=True))
    per_outcome = [_events(o, worker_id, now) for o in outcomes]
    event_rows = iter(ledger.prepare(events, [e for rows in per_outcome for e in rows]).rows)  # the batch's at once
    pending_events = {o.claimed.pk: [next(event_rows) for _ in e] for o, e in zip(outcomes, per_outcome, strict=True)}
    adults = [(o.claimed.pk, list(o.adults)) for o in verdict_outcomes]
    with engine.begin() as conn:
        held = _change_states(conn, outcomes, now)
        for o in outcomes:
            (report.written if o.claimed.pk in held else report.stale).append(o)
        if not report.written:
            return report
        _store_rulesets(conn, [o for o in report.written if isinstance(o, VerdictOutcome)], now)
        households.remember_all(conn, [(pk, pnrs) for pk, pnrs in adults if pk in held])
        proposals = _proposals(report.written, {pk for pk, from_casesystem in held.items() if from_casesystem}, now)
        # The heads, last, in the order of ledger.CHAINS: verdicts, then the items that name them, then the
        # case system's proposals (decisions), then the events.
        pks = [pk for pk in pending_verdicts if pk in held]
        ids = ledger.link(conn, ledger.Prepared(verdict_rows.chain, [pending_verdicts[pk] for pk in pks]))
        _insert_items(conn, report.written, dict(zip(pks, ids, strict=True)), now)
        for pk, new in proposals:
            add_decision(conn, pk, new)
        chain = ledger.BY_NAME[events.name]
        ledger.link(conn, ledger.Prepared(chain, [p for o in report.written for p in pending_events[o.claimed.pk]]))
    return report


def _change_states(conn: Connection, outcomes: list[Outcome], now: dt.datetime) -> dict[int, bool]:
    """Each application's change of state, if the lease its result was made under is still current; returns the
    applications changed, each with whether it came from the case system (it gets a proposal)."""
    rows = [_state_row(o) for o in outcomes]
    return (_change_all if conn.dialect.name == "postgresql" else _change_each)(conn, rows, now)


def _change_all(conn: Connection, rows: list[dict[str, Any]], now: dt.datetime) -> dict[int, bool]:
    """One statement changes (and locks) the applications whose lease is current, and names them."""
    columns = {key: [row[key] for row in rows] for key in _STATE_TYPES}
    return {pk: from_casesystem for pk, from_casesystem in bulk.execute(conn, _CHANGE, columns | {"now": now})}


def _change_each(conn: Connection, rows: list[dict[str, Any]], now: dt.datetime) -> dict[int, bool]:
    """The applications still in progress under their token, then each one's change (SQLite: its write lock keeps
    them so until the commit)."""
    current = {r.id: r for r in conn.execute(_HELD, {"pks": [row["pk"] for row in rows]})}
    rows = [row for row in rows if (r := current.get(row["pk"])) is not None and r.fencing_token == row["token"]]
    bulk.executemany(conn, _UPDATE, [row | {"now": now} for row in rows])
    return {row["pk"]: bool(current[row["pk"]].from_casesystem) for row in rows}


def _state_row(o: Outcome) -> dict[str, Any]:
    retry = o if isinstance(o, RetryOutcome) else None
    return {
        "pk": o.claimed.pk,
        "token": o.claimed.token,
        "state": require(State.IN_PROGRESS, o.state).value,
        "next_attempt_at": retry.next_attempt_at if retry else None,
        "last_error": getattr(o, "error", None),
        "undo_attempt": int(bool(retry and not retry.counts_as_attempt)),
        "wait": int(bool(retry and not retry.counts_as_attempt)),
    }


_FROM_CASESYSTEM = A.c.source.startswith(forslag.SOURCE_PREFIX)
_HELD = select(A.c.id, A.c.fencing_token, _FROM_CASESYSTEM.label("from_casesystem")).where(
    A.c.id.in_(bindparam("pks", expanding=True)), A.c.state == State.IN_PROGRESS.value
)
"""The applications of a batch still in progress, under which token (`_change_each`)."""


def _state_change(value: Callable[[str], Any]) -> dict[str, Any]:
    """The columns an outcome's change of state sets, each of its values (`_state_row`'s keys) read by `value`."""
    return {
        "state": value("state"),
        "lease_owner": None,
        "lease_expires_at": None,
        "next_attempt_at": value("next_attempt_at"),
        "last_error": value("last_error"),
        "attempts": A.c.attempts - value("undo_attempt"),
        "waits": A.c.waits + value("wait"),
        "updated_at": bindparam("now"),
    }


_UPDATE = update(A).where(*STILL_HELD).values(_state_change(bindparam))
"""One application's change of state (`_change_each`)."""


_STATE_TYPES = {"pk": A.c.id.type, "token": A.c.fencing_token.type, "state": A.c.state.type,
                "next_attempt_at": A.c.next_attempt_at.type, "last_error": A.c.last_error.type,
                "undo_attempt": Integer(), "wait": Integer()}  # fmt: skip
_OUTCOME = (
    func.unnest(*(bulk.array(k, t) for k, t in _STATE_TYPES.items()))
    .table_valued(*_STATE_TYPES)
    .render_derived("outcome")
)
_CHANGE = (
    update(A)
    .where(A.c.id == _OUTCOME.c.pk, A.c.fencing_token == _OUTCOME.c.token, A.c.state == State.IN_PROGRESS.value)
    .values(_state_change(lambda name: _OUTCOME.c[name]))
    .returning(A.c.id, _FROM_CASESYSTEM)
)
"""The batch's changes of state in one statement (`_change_all`, PostgreSQL)."""


def _store_rulesets(conn: Connection, outcomes: list[VerdictOutcome], now: dt.datetime) -> None:
    """Keep every ruleset's files the first time it is used, so any verdict can be re-run later."""
    new = {o.ruleset.identifier: o.ruleset for o in outcomes}
    if not new:
        return
    rows = [
        {
            "identifier": rs.identifier,
            "version": rs.version,
            "digest": rs.digest,
            "files_json": rs.files_json,
            "created_at": now,
        }
        for rs in new.values()
    ]
    conn.execute(_insert_ruleset(conn.dialect.name), rows)


@functools.cache
def _insert_ruleset(dialect_name: str) -> Insert:
    """Built once per database: building it cost more than running it, once per commit."""
    return insert_on_conflict(dialect_name, rulesets).on_conflict_do_nothing(index_elements=["identifier"])


def _verdict_row(o: VerdictOutcome, worker_id: str, now: dt.datetime) -> dict[str, Any]:
    v = o.evaluation.verdict
    return {
        "application_pk": o.claimed.pk,
        "ruleset": v.ruleset,
        "ruleset_identifier": o.ruleset.identifier,
        "outcome": v.outcome,
        "amount": v.amount,
        "stickprov": v.stickprov,
        "reason_codes": ",".join(dict.fromkeys(v.reason_codes())),
        "verdict_json": v.to_json(indent=None),
        "inputs_json": recorded_inputs(o),
        "worker_id": worker_id,
        "attempt": o.claimed.attempt,
        "duration_ms": o.duration_ms,
        "created_at": now,
    }


PROPOSER = "bistandsrobot"
LAGRUM_WITHOUT_VERDICT = ["12 kap. 1 § socialtjänstlagen (2025:400)"]
"""As `output.lagrum`'s default: the law a technical failure's record cites (there is no verdict to take it from)."""


def _proposals(outcomes: list[Outcome], from_casesystem: set[int], now: dt.datetime) -> list[tuple[int, NewDecision]]:
    """A `forslag/1` outbox record for each verdict (or technical failure) on an application from the case
    system, written in the verdict's transaction (`add_decision`, under the heads): the case system gets it
    exactly once in effect. Built before the heads are locked."""
    decided_at = now.astimezone(STOCKHOLM).isoformat(timespec="seconds")
    proposals = []
    for o in outcomes:
        if o.claimed.pk not in from_casesystem or isinstance(o, RetryOutcome):
            continue
        event_id = str(uuid.uuid4())
        if isinstance(o, VerdictOutcome):
            body = forslag.from_verdict(o.evaluation.verdict, event_id, decided_at)
        else:
            body = forslag.without_verdict(o.claimed.application_id, o.claimed.period, o.reason(),
                                           LAGRUM_WITHOUT_VERDICT, event_id, decided_at)  # fmt: skip
        new = NewDecision(event_id=event_id, decision=forslag.DECISION, basis=forslag.BASIS, amount=body.amount,
                          decided_by=PROPOSER, decided_at=now, supersedes=None, body=body.to_json())  # fmt: skip
        proposals.append((o.claimed.pk, new))
    return proposals


def recorded_inputs(o: VerdictOutcome) -> str:
    """What a replay needs besides the application and the ruleset (see robot.chain.inputs)."""
    return o.evaluation.recorded_json(o.rate_override)


def _insert_items(conn: Connection, outcomes: list[Outcome], verdict_ids: dict[int, int], now: dt.datetime) -> None:
    manual: list[dict[str, Any]] = []
    recs: list[dict[str, Any]] = []
    for o in outcomes:
        if isinstance(o, VerdictOutcome):
            v = o.evaluation.verdict
            if v.outcome == "recommendation":
                recs.append(
                    {
                        "application_pk": o.claimed.pk,
                        "verdict_pk": verdict_ids[o.claimed.pk],
                        "amount": v.amount,
                        "status": RecommendationStatus.PENDING.value,
                        "created_at": now,
                    }
                )
            else:
                manual.append(_manual_row(o.claimed, verdict_ids[o.claimed.pk], v.reasons, v.stickprov, v.amount, now))
        elif isinstance(o, FailureOutcome):
            manual.append(_manual_row(o.claimed, None, [o.reason()], False, None, now))
    bulk.executemany(conn, _INSERT_RECOMMENDATION, recs)
    bulk.executemany(conn, _INSERT_MANUAL_ITEM, manual)


_INSERT_RECOMMENDATION = recommendations.insert()
_INSERT_MANUAL_ITEM = manual_items.insert()


_REASONS = json.JSONEncoder(ensure_ascii=False)
"""`json.dumps(…, ensure_ascii=False)` without building an encoder for each item."""


def _manual_row(
    claimed: Claimed,
    verdict_pk: int | None,
    reasons: list[Reason],
    stickprov: bool,
    amount: int | None,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "application_pk": claimed.pk,
        "verdict_pk": verdict_pk,
        "reasons_json": _REASONS.encode([r.model_dump() for r in reasons]),
        "reason_codes": ",".join(dict.fromkeys(r.code for r in reasons)),
        "stickprov": stickprov,
        "proposal_amount": amount,
        "deadline": claimed.deadline,
        "status": ManualStatus.OPEN.value,
        "created_at": now,
    }


def _events(o: Outcome, worker_id: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The claim (recorded with its result: a claim alone decides nothing) and the result."""
    claimed = event_row(o.claimed.claimed_at or now, "claimed", worker_id, o.claimed.pk, State.NEW,
                        State.IN_PROGRESS, attempt=o.claimed.attempt)  # fmt: skip
    return [claimed, _event(o, worker_id, now)]


def _event(o: Outcome, worker_id: str, now: dt.datetime) -> dict[str, Any]:
    details: dict[str, Any] = {"attempt": o.claimed.attempt}
    if isinstance(o, VerdictOutcome):
        details.update(outcome=o.evaluation.verdict.outcome, reasons=o.evaluation.verdict.reason_codes())
        details["ruleset"] = o.evaluation.verdict.ruleset
    else:
        details["error"] = o.error
    return event_row(now, "processed", worker_id, o.claimed.pk, State.IN_PROGRESS, o.state, **details)
