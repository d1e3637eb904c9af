"""Schema migrations with Alembic, run from the `robot db` commands and checked by every command that uses the
database (the daemon too).

The check reads Alembic's version table itself and compares it with `HEAD`: loading Alembic and its
scripts directory cost about a tenth of a worker's start, and only `robot db upgrade` needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, column, inspect, select, table

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

HEAD = "0007"
"""The newest migration's revision: the schema this code needs. A new migration moves it
(tests/test_migration.py fails until it names the head of migrations/versions/)."""

VERSION_TABLE = "alembic_version"
"""Where Alembic writes the revision a database is at (its default)."""


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> SchemaStatus:
    return SchemaStatus(current_revision(engine), HEAD)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, as Alembic reads it: None for a database without the version table or
    with none written; several (a branched history, which this project does not make) joined by commas."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        revisions = conn.execute(select(column("version_num")).select_from(table(VERSION_TABLE))).scalars().all()
    return ",".join(sorted(revisions)) or None


class NotMigrated(Exception):
    """The database schema is not the one this code needs; the message says what to do."""


def require_current(engine: Engine) -> None:
    """Refuse a database whose schema is behind (or ahead of) the code: nothing may run on it."""
    state = status(engine)
    if not state.up_to_date:
        current = state.current or "empty"
        raise NotMigrated(
            f"the database schema is not up to date (database: {current}, code: {state.head}); "
            "run `robot db upgrade` first"
        )


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    from alembic import command

    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return status(engine)


def autogenerate(engine: Engine, message: str) -> None:
    """For developers: write a new migration from the difference between schema.py and the database."""
    from alembic import command

    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)
