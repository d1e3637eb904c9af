"""Typer in Swedish: help pages, usage errors and the failures a person can cause, one Swedish line each.

Typer vendors its own copy of click without click's gettext calls, so a gettext catalogue cannot reach
click's English ("No such command", "Show this message and exit."). Instead the `robot` command's groups
are `SwedishGroup`: every usage error becomes one Swedish line on stderr (exit 2), every help option says
its help in Swedish, and a database or file-system refusal that a command did not catch itself becomes
one Swedish line (exit 3) instead of a traceback. Typer's help-page words (its panel titles) are set here,
just before Typer shows them (`typer_words`).
"""

from __future__ import annotations

import re
import sys
from difflib import get_close_matches
from typing import Any

from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from robot.cli.common import database_problem, fail, os_problem

HELP_OPTION_TEXT = "Visa den här hjälpen och avsluta."
USAGE = "Användning: "


def typer_words() -> None:
    """Typer's help-page and error words in Swedish. Set just before Typer shows a help page, an error or an
    abort, not at import: Typer loads rich (its rich_utils) only for those, and `robot run` need not load it."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Argument"
    rich_utils.OPTIONS_PANEL_TITLE = "Tillval"
    rich_utils.COMMANDS_PANEL_TITLE = "Kommandon"
    rich_utils.ERRORS_PANEL_TITLE = "Fel"
    rich_utils.ABORTED_TEXT = "Avbrutet."
    rich_utils.DEFAULT_STRING = "[standard: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[krävs]"
    rich_utils.ENVVAR_STRING = "[miljövariabel: {}]"
    rich_utils.DEPRECATED_STRING = "(utgår) "
    rich_utils.RICH_HELP = "Se [blue]'{command_path} {help_option}'[/] för hjälp."


ARGUMENTS = {
    "ref": "ange ärendet (M12), rekommendationen (R12) eller ansökans id",
    "refs": "ange en eller flera rekommendationer (R12) eller ansöknings-id",
    "application_id": "ange ansökans id",
}
"""What a missing argument asks for, by the argument's name."""


class SwedishFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


class SwedishContext(Context):
    formatter_class = SwedishFormatter

    def get_help(self) -> str:  # --help, and a group's page when it is given no command
        typer_words()
        return super().get_help()


class SwedishGroup(TyperGroup):
    """A command group that speaks Swedish to the person at the terminal (see the module's docstring)."""

    context_class = SwedishContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[TILLVAL]"
        self.subcommand_metavar = "KOMMANDO [ARGUMENT]..."

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except Exception as exc:
            if not _is_usage_error(exc):
                _before_typer_shows(exc)
                raise
            fail(usage_text(exc), code=2)

    def invoke(self, ctx: Any) -> Any:
        # The subcommand's path, for the hint of an error raised before its context exists.
        first = (getattr(ctx, "_protected_args", None) or ctx.args or [""])[0]
        path = f"{ctx.command_path} {first}" if first in self.commands else ctx.command_path
        try:
            return super().invoke(ctx)
        except Exception as exc:
            explain_failure(exc)
            if not _is_usage_error(exc):
                _before_typer_shows(exc)
                raise
            fail(usage_text(exc, path), code=2)

    def get_help_option(self, ctx: Any) -> Any:
        return _in_swedish(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, SwedishGroup):
            command.context_class = SwedishContext
            if command.options_metavar == "[OPTIONS]":
                command.options_metavar = "[TILLVAL]"
            _in_swedish(command.get_help_option(ctx))
        return command


def explain_failure(exc: Exception) -> None:
    """`fail` with one Swedish line for what a command's failure the robot explains itself is (a file an OSError
    names, the database: its driver's first line, never the SQL or its parameters); returns for any other."""
    if isinstance(exc, OSError) and exc.filename is not None:
        fail(f"{exc.filename} {os_problem(exc)}", code=3)
    if _is_database_error(exc):
        fail(f"kan inte använda databasen: {database_problem(exc)}", code=3)


def _in_swedish(option: Any) -> Any:
    if option is not None:
        option.help = HELP_OPTION_TEXT
    return option


def _kinds(exc: BaseException) -> set[str]:
    # By name: Typer vendors its own copy of click's exceptions (typer._click).
    return {cls.__name__ for cls in type(exc).__mro__}


def _before_typer_shows(exc: BaseException) -> None:
    """Typer shows these itself, with its words (an EOFError as an abort)."""
    if _kinds(exc) & {"ClickException", "Abort", "EOFError"}:
        typer_words()


def _is_database_error(exc: BaseException) -> bool:
    """A SQLAlchemy error. Only a loaded SQLAlchemy raises one: a help page or a usage error need not load it."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _is_usage_error(exc: BaseException) -> bool:
    kinds = _kinds(exc)
    return "UsageError" in kinds and "NoArgsIsHelpError" not in kinds


def usage_text(exc: Any, path: str = "robot") -> str:
    """One Swedish line for a usage error; `path` is the command to point at when the error knows none."""
    kinds = _kinds(exc)
    ctx = getattr(exc, "ctx", None)
    hint = f"; se `{ctx.command_path if ctx else path} --help`"
    param = getattr(exc, "param", None)
    if "MissingParameter" in kinds and param is not None:
        if getattr(param, "param_type_name", "") == "argument":
            return ARGUMENTS.get(param.name or "", f"ange {(param.name or '').upper()}") + hint
        return f"{_option(param)} saknas" + (f": {param.help}" if getattr(param, "help", None) else "")
    if "NoSuchOption" in kinds:
        possible = get_close_matches(exc.option_name, getattr(exc, "possibilities", None) or [], n=1)
        close = f"; menade du {possible[0]}?" if possible else hint
        return f"okänt tillval {exc.option_name}{close}"
    if "BadOptionUsage" in kinds:
        return f"{exc.option_name} behöver ett värde{hint}"
    if "BadParameter" in kinds and param is not None:
        kind = getattr(getattr(param, "type_descriptor", None), "annotation", None) or getattr(param, "type", None)
        wanted = " (ett heltal)" if kind is int or "int" in str(kind).lower() else ""
        return f"ogiltigt värde för {_option(param)}{wanted}{hint}"
    message = str(getattr(exc, "message", ""))
    extra = re.match(r"Got unexpected extra arguments? \((.*)\)", message)
    if extra:
        return f"för många argument: {extra[1]}{hint}"
    unknown = re.match(r"No such command '([^']*)'", message)
    if unknown and ctx is not None:
        commands = ", ".join(sorted(ctx.command.list_commands(ctx)))
        return f"okänt kommando {unknown[1]}: välj {commands}"
    if message.startswith("Missing command"):
        return f"ange ett kommando{hint}"
    return f"kommandot kunde inte tolkas{hint}"


def _option(param: Any) -> str:
    opts = getattr(param, "opts", None) or []
    return max(opts, key=len) if opts else str(getattr(param, "name", ""))
