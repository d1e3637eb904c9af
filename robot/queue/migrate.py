"""Schema migrations with Alembic, run from the `robot db` commands and checked by the daemon."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
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
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return SchemaStatus(current, head)


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
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return status(engine)


def autogenerate(engine: Engine, message: str) -> None:
    """For developers: write a new migration from the difference between schema.py and the database."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)
