"""The `robot` command line."""

from __future__ import annotations

import typer

from robot.cli import check as check_cmd
from robot.cli import rules as rules_cmd

app = typer.Typer(
    name="robot",
    help="bistandsrobot: decision support for ekonomiskt bistånd. It recommends or sends to manual handling; it never decides.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("check")(check_cmd.check)
app.add_typer(rules_cmd.app, name="rules")
