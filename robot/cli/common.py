"""What the commands share: settings, the ruleset, the stickprov input, clean failure messages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from robot.config import Settings, load_settings


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit; never a traceback for a user's mistake."""
    typer.echo(f"robot: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    from pydantic import ValidationError

    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"invalid configuration: {where}: {first['msg']}")
    except (OSError, ValueError) as exc:
        fail(f"cannot read the configuration: {exc}")


def ruleset(directory: Path | None, config: Settings | None = None):
    from robot.chain.errors import RulesError
    from robot.chain.ruleset import load_ruleset

    path = directory or (config or settings()).rules_dir
    try:
        return load_ruleset(path)
    except RulesError as exc:
        fail(f"the rules in {path} are not valid: {exc}")


def stickprov_input(config: Settings, *, require_key: bool):
    """The stickprov key and rate override from the environment.

    Without ROBOT_STICKPROV_KEY the daemon refuses to start; offline checks use a public
    development key and say so.
    """
    from robot.chain.stickprov import DEVELOPMENT_KEY, StickprovInput

    key = config.stickprov_key()
    if key is None:
        if require_key:
            fail("ROBOT_STICKPROV_KEY is not set; stickprov selection needs a secret key (see README)")
        typer.echo(
            "robot: note: ROBOT_STICKPROV_KEY is not set; using the public development key for stickprov",
            err=True,
        )
        key = DEVELOPMENT_KEY
    return StickprovInput(key=key, rate_override=config.stickprov.rate)


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        if limit is not None and path.stat().st_size > limit:
            fail(f"{path}: larger than the limit of {limit} bytes")
        return path.read_bytes()
    except IsADirectoryError:
        fail(f"{path}: is a folder, not a file")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror}")


def is_terminal() -> bool:
    return sys.stdout.isatty()
