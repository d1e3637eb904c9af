"""Putting applications into the queue: from documents, or from files and folders.

`enqueue_paths` is the one way files become applications, for `robot enqueue` and for the inbox
alike. Files are read and stored in chunks, so memory stays flat however many there are. A file
that cannot be an application (not a JSON object, too large, unreadable) is rejected with its
reason; a chunk the database refuses (not an outage) is stored file by file, so one bad file never
blocks the others. A database outage (OperationalError) is not handled here: it propagates, and
the files not yet stored stay where they are.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.intake.deadlines import Deadlines, deadlines_for
from robot.intake.documents import Document, prepare
from robot.intake.files import Rejected, chunked, read_documents
from robot.queue import intake as store
from robot.queue.intake import Added, NewApplication

CHUNK = 500


def enqueue(
    engine: Engine, documents: list[Document], settings: Settings, clock: Clock = SYSTEM, actor: str = "intake"
) -> Added:
    """Store documents that are JSON objects (callers reject anything else first)."""
    now = clock.now()
    report = Added()
    times_for = _deadlines_at(now, settings)
    for start in range(0, len(documents), CHUNK):
        chunk = [prepare(doc, now, settings, times_for) for doc in documents[start : start + CHUNK]]
        report.merge(store.add(engine, chunk, actor, now))
    return report


@dataclass
class IntakeReport:
    files: int = 0
    queued: int = 0
    duplicates: list[str] = field(default_factory=list)
    """Already in the queue with the same content: reported and ignored."""
    conflicts: list[str] = field(default_factory=list)
    """Already in the queue with different content: reported and ignored; the first one stands."""
    rejected: int = 0


def enqueue_paths(
    engine: Engine,
    paths: Iterable[Path],
    settings: Settings,
    clock: Clock = SYSTEM,
    *,
    actor: str,
    on_rejected: Callable[[Rejected], None] = lambda _: None,
    on_stored: Callable[[Path], None] = lambda _: None,
) -> IntakeReport:
    """Queue the files in `paths` (each a JSON file; see `files.collect` for folders).

    `on_rejected` gets each file that cannot be an application, with the reason; `on_stored` each
    file once its application is committed (as new, duplicate or conflict).
    """
    report = IntakeReport()
    for chunk in chunked(iter(paths), CHUNK):
        report.files += len(chunk)
        accepted, rejected = read_documents(chunk, settings.intake.max_file_bytes, actor)
        now = clock.now()
        prepared, unprepared = _prepared(accepted, now, settings)
        for refused in rejected + unprepared:
            report.rejected += 1
            on_rejected(refused)
        if not prepared:
            continue
        try:
            added = store.add(engine, [app for _, app in prepared], actor, now)
            stored = [path for path, _ in prepared]
        except DBAPIError as exc:
            if isinstance(exc, OperationalError):
                raise
            added, stored = _one_by_one(engine, prepared, actor, now, report, on_rejected)
        report.queued += len(added.accepted)
        report.duplicates += added.duplicates
        report.conflicts += added.conflicts
        for path in stored:
            on_stored(path)
    return report


def _prepared(
    accepted: list[tuple[Path, Document]], now: dt.datetime, settings: Settings
) -> tuple[list[tuple[Path, NewApplication]], list[Rejected]]:
    """What the queue stores for each document; a document intake cannot prepare is rejected with why.

    `prepare` reads only the fields the queue needs and tolerates anything in them
    (tests/test_intake_fuzz.py); this guard makes a defect found later cost one file, never the rest.
    """
    prepared: list[tuple[Path, NewApplication]] = []
    refused: list[Rejected] = []
    times_for = _deadlines_at(now, settings)
    for path, doc in accepted:
        try:
            prepared.append((path, prepare(doc, now, settings, times_for)))
        except Exception as exc:  # one document must never stop intake
            refused.append(Rejected(path, f"could not be prepared for the queue: {type(exc).__name__}"))
    return prepared, refused


def _deadlines_at(now: dt.datetime, settings: Settings) -> Callable[[str | None], Deadlines]:
    """`deadlines_for` at `now`, each period's once: a chunk's applications share a few periods."""
    return functools.lru_cache(maxsize=64)(lambda period: deadlines_for(period, now, settings))


def _one_by_one(
    engine: Engine,
    prepared: list[tuple[Path, NewApplication]],
    actor: str,
    now: dt.datetime,
    report: IntakeReport,
    on_rejected: Callable[[Rejected], None],
) -> tuple[Added, list[Path]]:
    added = Added()
    stored = []
    for path, app in prepared:
        try:
            added.merge(store.add(engine, [app], actor, now))
        except DBAPIError as exc:
            if isinstance(exc, OperationalError):
                raise
            report.rejected += 1
            on_rejected(Rejected(path, f"could not be stored: {type(exc.orig or exc).__name__}"))
        else:
            stored.append(path)
    return added, stored
