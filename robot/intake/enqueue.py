"""Putting applications into the queue: from documents, or from files and folders.

`enqueue_paths` is the one way files become applications, for `robot enqueue` and for the inbox
alike. Files are read and stored in chunks, so memory stays flat however many there are. A file
that cannot be an application (not a JSON object, too large, unreadable) is rejected with its
reason; a chunk the database refuses (not an outage) is stored file by file, so one bad file never
blocks the others. A database outage (OperationalError) is not handled here: it propagates, and
the files not yet stored stay where they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.intake.documents import Document, prepare
from robot.intake.files import Rejected, chunked, read_documents
from robot.queue import intake as store
from robot.queue.intake import Added

CHUNK = 500


def enqueue(
    engine: Engine, documents: list[Document], settings: Settings, clock: Clock = SYSTEM, actor: str = "intake"
) -> Added:
    """Store documents that are JSON objects (callers reject anything else first)."""
    now = clock.now()
    report = Added()
    for start in range(0, len(documents), CHUNK):
        chunk = [prepare(doc, now, settings) for doc in documents[start : start + CHUNK]]
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
        for refused in rejected:
            report.rejected += 1
            on_rejected(refused)
        if not accepted:
            continue
        try:
            added = enqueue(engine, [doc for _, doc in accepted], settings, clock, actor)
            stored = [path for path, _ in accepted]
        except DBAPIError as exc:
            if isinstance(exc, OperationalError):
                raise
            added, stored = _one_by_one(engine, accepted, settings, clock, actor, report, on_rejected)
        report.queued += len(added.accepted)
        report.duplicates += added.duplicates
        report.conflicts += added.conflicts
        for path in stored:
            on_stored(path)
    return report


def _one_by_one(
    engine: Engine,
    accepted: list[tuple[Path, Document]],
    settings: Settings,
    clock: Clock,
    actor: str,
    report: IntakeReport,
    on_rejected: Callable[[Rejected], None],
) -> tuple[Added, list[Path]]:
    added = Added()
    stored = []
    for path, doc in accepted:
        try:
            added.merge(enqueue(engine, [doc], settings, clock, actor))
        except DBAPIError as exc:
            if isinstance(exc, OperationalError):
                raise
            report.rejected += 1
            on_rejected(Rejected(path, f"could not be stored: {type(exc.orig or exc).__name__}"))
        else:
            stored.append(path)
    return added, stored
