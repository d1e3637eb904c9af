"""The inbox folder the daemon watches: new files are queued, then removed from the inbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from robot import logs
from robot.adapters.intake.files import inbox_files, move_to_rejected, read_documents
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.queue.intake import IntakeReport, enqueue

log = logs.get("robot.inbox")
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
            result = enqueue(engine, [doc for _, doc in accepted], settings, clock, actor="inbox")
            report.intake.merge(result)
            for path, _ in accepted:
                path.unlink(missing_ok=True)
            for app_id in result.duplicates:
                log.info("duplicate_ignored", application_id=app_id)
            for app_id in result.conflicts:
                log.warning("conflicting_duplicate_ignored", application_id=app_id)
    if report.intake.accepted:
        log.info("inbox_enqueued", count=len(report.intake.accepted))
    return report
