"""The inbox folder the daemon watches: new files are queued, then removed from the inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.intake.files import inbox_files, move_to_rejected, read_documents
from robot.queue.intake import Document, IntakeReport, enqueue

log = logs.get("robot.intake.inbox")
CHUNK = 500


@dataclass
class InboxReport:
    intake: IntakeReport = field(default_factory=IntakeReport)
    rejected: int = 0


def scan_inbox(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> InboxReport:
    """Queue what is in the inbox. A file is removed only after its application is committed."""
    report = InboxReport()
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    files = inbox_files(settings.inbox_dir)
    for start in range(0, len(files), CHUNK):
        accepted, rejected = read_documents(files[start : start + CHUNK], settings.intake.max_file_bytes, "inbox")
        for r in rejected:
            moved = move_to_rejected(r.path, r.reason, settings.rejected_dir, clock.now())
            report.rejected += 1
            log.warning("file_rejected", file=moved.name, reason=r.reason)
        if accepted:
            result = _enqueue(engine, accepted, settings, clock, report)
            report.intake.merge(result)
            for app_id in result.duplicates:
                log.info("duplicate_ignored", application_id=app_id)
            for app_id in result.conflicts:
                log.warning("conflicting_duplicate_ignored", application_id=app_id)
    if report.intake.accepted:
        log.info("inbox_enqueued", count=len(report.intake.accepted))
    return report


def _enqueue(
    engine: Engine, accepted: list[tuple[Path, Document]], settings: Settings, clock: Clock, report: InboxReport
) -> IntakeReport:
    """Queue a chunk; if the chunk cannot be stored, file by file, so one bad file never blocks the inbox."""
    try:
        result = enqueue(engine, [doc for _, doc in accepted], settings, clock, actor="inbox")
    except DBAPIError as exc:
        if isinstance(exc, OperationalError):
            raise  # the database is down: leave the files in the inbox for the next scan
        result = IntakeReport()
        for path, doc in accepted:
            try:
                result.merge(enqueue(engine, [doc], settings, clock, actor="inbox"))
            except DBAPIError as single:
                if isinstance(single, OperationalError):
                    raise
                reason = f"could not be stored: {type(single.orig or single).__name__}"
                move_to_rejected(path, reason, settings.rejected_dir, clock.now())
                report.rejected += 1
                log.warning("file_rejected", file=path.name, reason=reason)
            else:
                path.unlink(missing_ok=True)
        return result
    for path, _ in accepted:
        path.unlink(missing_ok=True)
    return result
