"""The inbox folder the daemon watches: new files are queued, then removed from the inbox.

The e-service writes each file atomically (a temporary name, then a rename); names ending in
`.tmp`/`.part` are left alone while written. A file that cannot be an application, and anything
that is not a regular file directly in the inbox (a link, a FIFO, a folder, a hidden file), is
moved to the rejected folder with an error file beside it: nothing is ignored without a word. A
file is removed only after its application is committed; while the database is down the files
wait in the inbox for the next scan.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import Settings, private_folder
from robot.intake.enqueue import IntakeReport, enqueue_paths
from robot.intake.files import Rejected, inbox_files, move_to_rejected

log = logs.get("robot.intake.inbox")


def scan_inbox(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> IntakeReport:
    """Queue what is in the inbox now; move everything else there to the rejected folder, with why."""
    private_folder(settings.inbox_dir)

    def reject(refused: Rejected) -> None:
        moved = move_to_rejected(refused.path, refused.reason, settings.rejected_dir, clock.now())
        log.warning("file_rejected", file=moved.name, reason=refused.reason)

    files, refused = inbox_files(settings.inbox_dir, clock.now())
    for entry in refused:
        reject(entry)
    report = enqueue_paths(
        engine,
        files,
        settings,
        clock,
        actor="inbox",
        on_rejected=reject,
        on_stored=lambda path: path.unlink(missing_ok=True),
    )
    report.rejected += len(refused)
    for app_id in report.duplicates:
        log.info("duplicate_ignored", application_id=app_id)
    for app_id in report.conflicts:
        log.warning("conflicting_resubmission_stored", application_id=app_id, reason="ANSOKAN_KONFLIKT")
    if report.queued:
        log.info("inbox_enqueued", count=report.queued)
    return report
