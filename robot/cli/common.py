"""What the commands share: settings, the ruleset, the stickprov input, clean failure messages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from robot.config import Settings, load_settings


def say(text: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print text that may hold what a person supplied (an application's fields, a handläggare's note or
    name, a file name): every control character is shown escaped, never obeyed by the terminal."""
    from robot.formats.text import terminal_safe

    typer.echo(terminal_safe(text, lines=True), err=err, nl=nl)


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit; never a traceback for a user's mistake."""
    from robot.formats.text import terminal_safe

    typer.echo(f"robot: {terminal_safe(message)}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    from pydantic import ValidationError

    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"ogiltig inställning: {where}: {first['msg']}")
    except (OSError, ValueError) as exc:
        fail(f"kan inte läsa inställningarna: {exc}")


def rules_folder(directory: Path | None, config: Settings | None = None) -> Path:
    """The rules folder: --rules, else the settings' (ROBOT_RULES_DIR, the config file, the shipped rules)."""
    config = config or settings()
    path, origin = (directory, "--rules") if directory else (config.rules_dir, config.rules_origin())
    if not path.is_dir():
        fail(f"ingen regelmapp i {path} (från {origin})")
    return path


def ruleset(directory: Path | None, config: Settings | None = None):
    from robot.chain.errors import RulesError
    from robot.chain.ruleset import load_ruleset

    path = rules_folder(directory, config)
    try:
        return load_ruleset(path)
    except RulesError as exc:
        fail(f"reglerna i {path} är inte giltiga: {exc}")


def stickprov_input(config: Settings, *, require_key: bool):
    """The stickprov key and rate override from the environment.

    Without ROBOT_STICKPROV_KEY the daemon refuses to start; offline checks use a public
    development key and say so.
    """
    from robot.chain.stickprov import DEVELOPMENT_KEY, StickprovInput
    from robot.config import WeakSecret

    try:
        key = config.checked_stickprov_key()
    except WeakSecret as exc:
        fail(str(exc))
    if key is None:
        if require_key:
            fail("ROBOT_STICKPROV_KEY är inte satt; stickprovet behöver en hemlig nyckel (se README)")
        typer.echo(
            "robot: obs: ROBOT_STICKPROV_KEY är inte satt; stickprovet använder den offentliga utvecklingsnyckeln",
            err=True,
        )
        key = DEVELOPMENT_KEY
    return StickprovInput(key=key, rate_override=config.stickprov.rate)


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        if limit is not None and path.stat().st_size > limit:
            fail(f"{path}: större än gränsen {limit} byte")
        return path.read_bytes()
    except IsADirectoryError:
        fail(f"{path}: är en mapp, inte en fil")
    except FileNotFoundError:
        fail(f"{path}: filen finns inte")
    except OSError as exc:
        fail(f"{path}: kan inte läsas: {os_problem(exc)}")


def is_terminal() -> bool:
    return sys.stdout.isatty()


def engine(config: Settings, *, require_migrated: bool = True, url: str | None = None):
    """The database engine, or one line on stderr and exit 3: a URL that is not one, a database the robot does
    not support, a server that does not answer, a data folder that cannot hold the database, a database that
    is missing or not migrated.

    Only `robot db upgrade` (require_migrated=False) creates the data folder and the database.
    `url` is another URL for the same database (the owner role's).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from robot.queue.db import make_engine, sqlite_file, supported
    from robot.queue.migrate import NotMigrated, require_current

    url = url or config.database()
    try:
        if not supported(url):
            fail(
                f"databasen {_shown(url)} stöds inte: roboten använder PostgreSQL eller SQLite (ROBOT_DATABASE_URL)",
                code=3,
            )
        database = sqlite_file(url)
        if database is not None and require_migrated and not database.is_file():
            fail(
                f"ingen databas i {database.absolute()}; kör `robot db upgrade` för att skapa den, "
                "eller sätt ROBOT_DATA_DIR (eller ROBOT_DATABASE_URL) till den du menar",
                code=3,
            )
        eng = make_engine(url)
        if require_migrated:
            require_current(eng)
        else:
            with eng.connect():  # `db upgrade` and `db status` say here, in one line, that the server does not answer
                pass
    except NotMigrated as exc:
        fail(f"{exc} ({_shown(url)})", code=3)
    except SQLAlchemyError as exc:
        fail(f"kan inte använda databasen {_shown(url)}: {database_problem(exc)}", code=3)
    except OSError as exc:
        folder = config.data_dir.absolute()
        where = Path(exc.filename).absolute() if exc.filename else folder
        fail(
            f"kan inte använda datamappen {folder}: {'den' if where == folder else where} {os_problem(exc)} (ROBOT_DATA_DIR)",
            code=3,
        )
    return eng


def os_problem(exc: OSError) -> str:
    """What went wrong with a file or folder, in Swedish, after its name."""
    import errno

    return {
        errno.EACCES: "är inte skrivbar för den här användaren (behörighet saknas)",
        errno.EPERM: "är inte skrivbar för den här användaren (behörighet saknas)",
        errno.EROFS: "ligger på ett skrivskyddat filsystem",
        errno.ENOTDIR: "är en fil, inte en mapp",
        errno.EEXIST: "är en fil, inte en mapp",
        errno.ENOENT: "finns inte",
        errno.ENOSPC: "får inte plats: disken är full",
        errno.EISDIR: "är en mapp, inte en fil",
    }.get(exc.errno or 0, f"går inte att använda ({exc.strerror or exc})")


def database_problem(exc: BaseException) -> str:
    """The database's refusal in one Swedish line: the driver's first line at most, never the SQL or its
    parameters (SQLAlchemy's own message carries both)."""
    from sqlalchemy.exc import ArgumentError

    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).splitlines() or [""])[0].strip()[:200]
    if isinstance(exc, ArgumentError):
        return f"adressen går inte att tolka (ROBOT_DATABASE_URL) [{first}]"
    lowered = first.lower()
    known = [
        ("connection refused", "servern svarar inte (anslutningen nekades)"),
        ("timeout", "servern svarade inte i tid"),
        ("timed out", "servern svarade inte i tid"),
        ("could not translate host name", "värdnamnet finns inte"),
        ("name or service not known", "värdnamnet finns inte"),
        ("password authentication failed", "inloggningen nekades (användare eller lösenord)"),
        ("permission denied", "rollen saknar behörighet"),
        ("readonly database", "databasfilen eller dess mapp är inte skrivbar"),
        ("unable to open database file", "databasfilen eller dess mapp är inte skrivbar"),
    ]
    for needle, words in known:
        if needle in lowered:
            return f"{words} [{first}]"
    return f"databasen svarade med ett fel [{type(cause).__name__}: {first}]"


def masked(config: Settings) -> dict[str, Any]:
    """The effective settings for display: secrets masked, passwords in URLs hidden."""
    from robot.chain.stickprov import StickprovInput
    from robot.config import DEFAULT_CONFIG_FILE, config_file

    data = config.model_dump(mode="json")
    key = config.stickprov_key()
    data["stickprov"]["key"] = (
        "(inte satt)" if key is None else f"****** (fingeravtryck {StickprovInput(key=key).key_fingerprint()})"
    )
    data["database_url"] = _shown(config.database())
    if config.migration_database_url is not None:
        data["migration_database_url"] = _shown(config.migration_database())
    used = config_file()
    data["config_file"] = str(used) if used else f"(ingen: {DEFAULT_CONFIG_FILE} finns inte här; standardvärden)"
    return data


def _shown(url: str) -> str:
    """A database URL fit for a message: no password, and nothing at all if it cannot be parsed."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "******"


def register_source(config):
    """The register source from the settings: SSBTEK (ROBOT_SSBTEK_URL) or a register file (ROBOT_SSBTEK_REGISTER)."""
    from robot.adapters.sources import RegisterSourceNotConfigured, make_register_source
    from robot.observability.metrics import RegisterMetrics

    try:
        return make_register_source(config, RegisterMetrics())
    except RegisterSourceNotConfigured as exc:
        fail(str(exc), code=3)
    except OSError as exc:
        fail(f"cannot read the register file {config.ssbtek.register_file}: {exc.strerror}", code=3)
    except ValueError as exc:
        if config.ssbtek.url:
            fail(f"SSBTEK settings: {str(exc).splitlines()[0]}", code=3)
        fail(f"{config.ssbtek.register_file} is not a register/1 document: {str(exc).splitlines()[0]}", code=3)


def configure_logs(config, *, quiet_on_terminal: bool = False) -> None:
    """JSON logs when not on a terminal; on a terminal readable lines, only warnings if a progress bar shows."""
    from robot import logs

    level = config.log.level
    if quiet_on_terminal and is_terminal() and config.log.format == "auto" and level in ("DEBUG", "INFO"):
        level = "WARNING"
    logs.configure(config.log.format, level)
