"""The inbox folder the daemon watches: new files are queued, then removed from the inbox.

The e-service writes each file atomically (a temporary name, then a rename); names ending in
`.tmp`/`.part` are left alone. A file that cannot be an application is moved to the rejected
folder with an error file beside it. A file is removed only after its application is committed;
while the database is down the files wait in the inbox for the next scan.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.intake.enqueue import IntakeReport, enqueue_paths
from robot.intake.files import Rejected, inbox_files, move_to_rejected

log = logs.get("robot.intake.inbox")


def scan_inbox(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> IntakeReport:
    """Queue what is in the inbox now."""
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)

    def reject(refused: Rejected) -> None:
        moved = move_to_rejected(refused.path, refused.reason, settings.rejected_dir, clock.now())
        log.warning("file_rejected", file=moved.name, reason=refused.reason)

    report = enqueue_paths(
        engine,
        inbox_files(settings.inbox_dir),
        settings,
        clock,
        actor="inbox",
        on_rejected=reject,
        on_stored=lambda path: path.unlink(missing_ok=True),
    )
    for app_id in report.duplicates:
        log.info("duplicate_ignored", application_id=app_id)
    for app_id in report.conflicts:
        log.warning("conflicting_duplicate_ignored", application_id=app_id)
    if report.queued:
        log.info("inbox_enqueued", count=report.queued)
    return report
