"""Reading what is stored about one application: its row, its latest verdict with the inputs, its events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from robot.formats.verdict import Verdict
from robot.queue.db import read
from robot.queue.schema import applications as A
from robot.queue.schema import events, rulesets, verdicts


@dataclass(frozen=True)
class StoredVerdict:
    id: int
    verdict: Verdict
    verdict_json: str
    inputs: dict[str, Any]
    ruleset_files: dict[str, str]
    created_at: Any
    worker_id: str


def application_row(engine: Engine, application_id: str) -> Any:
    with read(engine) as conn:
        return conn.execute(select(A).where(A.c.application_id == application_id)).first()


def stored_verdict(engine: Engine, application_pk: int) -> StoredVerdict | None:
    with read(engine) as conn:
        row = conn.execute(
            select(verdicts, rulesets.c.files_json)
            .join(rulesets, rulesets.c.identifier == verdicts.c.ruleset_identifier)
            .where(verdicts.c.application_pk == application_pk)
            .order_by(verdicts.c.id.desc())
            .limit(1)
        ).first()
    if row is None or row.purged_at is not None:  # purged: the verdict's content is gone (retention.py)
        return None
    return StoredVerdict(
        id=row.id,
        verdict=Verdict.model_validate_json(row.verdict_json),
        verdict_json=row.verdict_json,
        inputs=json.loads(row.inputs_json),
        ruleset_files=json.loads(row.files_json),
        created_at=row.created_at,
        worker_id=row.worker_id,
    )


def history(engine: Engine, application_pk: int) -> list[Any]:
    with read(engine) as conn:
        return list(conn.execute(select(events).where(events.c.application_pk == application_pk).order_by(events.c.id)))
