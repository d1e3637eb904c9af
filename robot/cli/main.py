"""The `robot` command line."""

from __future__ import annotations

import copy
import os
import sys
from typing import Any

import typer

from robot.cli import audit as audit_cmd
from robot.cli import casesystem as casesystem_cmd
from robot.cli import check as check_cmd
from robot.cli import decisions, handling, ops
from robot.cli import outbox as outbox_cmd
from robot.cli import report as report_cmd
from robot.cli import rules as rules_cmd
from robot.cli import ssbtek as ssbtek_cmd
from robot.cli import users as users_cmd
from robot.cli import web as web_cmd
from robot.cli.swedish_typer import SwedishGroup


class RobotTyper(typer.Typer):
    """Run as a command, it builds Click's objects for the command named first only (`robot run …` need not
    build the other commands': 2 % of a worker's start-up); no command, an option first or an unknown name
    gets the whole tree, so help pages and errors are the same."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        given = kwargs.get("args", args[0] if args else None)
        first = (sys.argv[1:] if given is None else list(given))[:1]
        return typer.Typer.__call__(self._only(first[0]) if first else self, *args, **kwargs)

    def _only(self, name: str) -> typer.Typer:
        commands = [c for c in self.registered_commands if c.name == name]
        groups = [g for g in self.registered_groups if g.name == name]
        if len(commands) + len(groups) != 1 or any(c.name is None for c in self.registered_commands):
            return self
        lean = copy.copy(self)
        lean.registered_commands, lean.registered_groups = commands, groups
        return lean


app = RobotTyper(
    name="robot",
    help="bistandsrobot: beslutsstöd för ekonomiskt bistånd. Roboten rekommenderar eller skickar till manuell "
    "handläggning; den beslutar aldrig.",
    no_args_is_help=True,
    cls=SwedishGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _private_files() -> None:
    """Everything the robot writes is for its own user only (0600 files, 0700 folders), whatever the umask."""
    from robot.config import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)


app.command("check")(check_cmd.check)
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(ops.db_app, name="db")
app.add_typer(ops.config_app, name="config")
app.command("enqueue")(ops.enqueue)
app.command("run")(ops.run)
app.command("batch")(ops.batch)
app.command("status")(ops.status)
app.add_typer(handling.manual_app, name="manual")
app.add_typer(handling.rec_app, name="recommendations")
app.add_typer(decisions.app, name="decisions")
app.add_typer(outbox_cmd.app, name="outbox")
app.add_typer(casesystem_cmd.app, name="casesystem")
app.command("explain")(handling.explain)
app.command("report")(report_cmd.report)
app.command("simulate")(report_cmd.simulate)
app.add_typer(ssbtek_cmd.app, name="ssbtek")
app.command("ssbtek-sim")(ssbtek_cmd.simulator)
app.add_typer(users_cmd.app, name="users")
app.command("web")(web_cmd.web)
app.command("audit")(audit_cmd.audit)
