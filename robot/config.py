"""Deployment settings: `config/robot.toml` (or the file named by ROBOT_CONFIG) plus ROBOT_* variables.

Environment variables win over the file; nested settings use one underscore after the section,
e.g. ROBOT_SSBTEK_URL sets `[ssbtek] url` and ROBOT_QUEUE_LEASE_SECONDS sets `[queue] lease_seconds`.
Rules (norms, ranges, stickprov rates) are not settings: they live in rules/.

Where things are, whatever the current directory: the config file is the one ROBOT_CONFIG names
(it must exist), else `config/robot.toml` in the current directory if there is one, else none
(built-in defaults, which the shipped file only documents). The rules are ROBOT_RULES_DIR (or
`rules_dir` in the file), else the rules shipped with the robot (`robot/rules`, the project's
`rules/`). Relative paths are relative to the current directory.
"""

from __future__ import annotations

import errno
import math
import os
import re
import socket
import zlib
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from robot.formats.register import Authority

DEFAULT_CONFIG_FILE = Path("config/robot.toml")
SHIPPED_RULES = (Path(__file__).parent / "rules").resolve()
"""The default rules: inside the package (in a checkout, a link to the project's rules/)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MunicipalitySettings(_Section):
    """Who asks SSBTEK: the socialnämnd's organisation (ingivare)."""

    organisationsnummer: Annotated[str, Field(pattern=r"^[0-9]{4}[2-9][0-9]{7}$")] = "162120001355"
    namn: str = "Göteborgs Stad"
    handlaggare: str = "bistandsrobot"
    kontakt: str = "Göteborgs Stads kontaktcenter, telefon 031-365 00 00"
    """Whom the applicant notice tells applicants to contact."""
    namnd: str = "socialnämnden"
    """The board the notice tells applicants to send an appeal to (it forwards it to förvaltningsrätten)."""


class _HttpService(_Section):
    """A register service over HTTPS: its address, mutual TLS, timeouts, concurrency and retries."""

    url: str | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None
    connect_timeout_seconds: float = 5.0
    timeout_seconds: float = 20.0
    concurrency: Annotated[int, Field(ge=1, le=1024)] = 64
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff_initial_seconds: float = 0.2
    backoff_max_seconds: float = 5.0


class SsbtekSettings(_HttpService):
    register_file: Path | None = Field(None, validation_alias=AliasChoices("register", "register_file"))
    include: list[Authority] = [Authority.AF, Authority.CSN, Authority.FK, Authority.SKV, Authority.SO]
    syfte: str = "Kontroll av uppgifter i ärende om ekonomiskt bistånd (återansökan om försörjningsstöd)"
    lagtext: str = "11 kap. 11 § socialtjänstlagen (2001:453), motsvarande bestämmelse i socialtjänstlagen (2025:400)"
    fk_aktorsid: str | None = None
    """Försäkringskassan's aktörsid for this socialnämnd (FK/fraga/aktorsid), assigned by FK. Required
    for a real SSBTEK address; only a simulator on this machine may be called without it."""
    so_answered_statuses: list[str] | None = None
    """StatusSvarandeOrganisation values of an a-kassa that answered; None: the adapter's list
    (robot/adapters/ssbtek/codes.py). Any other status makes SO unavailable for the person."""


class AgiSettings(_HttpService):
    """The employer declarations (arbetsgivardeklaration på individnivå): monthly pay and tax withheld.

    Unset url: no such source, and Skatteverket's monthly pay is unavailable for everyone asked.
    Certificate settings left unset are those of [ssbtek] (the same organisation certificate).
    """


class ActivitySettings(_Section):
    """Attendance reported by the activity providers (the municipality's own activity system)."""

    file: Path | None = None
    """A register/1 document whose `activity` is read (the file adapter); unset: no provider reports."""


class StickprovSettings(_Section):
    key: SecretStr | None = None
    rate: Annotated[float | None, Field(ge=0.0, le=1.0)] = None


class RetentionSettings(_Section):
    """Gallring: the municipality's gallringsbeslut for the robot's records (docs/security.md)."""

    years: Annotated[int, Field(ge=0, le=100)] = 5
    """The personal data of a closed case is removed (`robot db purge`) this many years after it closed."""


class QueueSettings(_Section):
    hold_until_batch: bool = True
    """An application for period P waits for P's first batch (day 1 at the batch time): incomes for
    the control month M−1 are complete in SSBTEK only after that month has ended."""
    lease_seconds: Annotated[float, Field(gt=0)] = 30.0
    poll_interval_seconds: Annotated[float, Field(gt=0)] = 1.0
    claim_batch: Annotated[int, Field(ge=1, le=10_000)] = 128
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    retry_initial_seconds: Annotated[float, Field(ge=0)] = 30.0
    retry_max_seconds: Annotated[float, Field(ge=0)] = 3600.0


class WorkerSettings(_Section):
    id: str | None = None
    concurrency: Annotated[int, Field(ge=1, le=4096)] = 128
    commit_batch: Annotated[int, Field(ge=1, le=10_000)] = 128


class PaymentSettings(_Section):
    """Payment day of each period's month, and the deadlines derived from it."""

    day: Annotated[int, Field(ge=1, le=28)] = 25
    manual_lead_days: Annotated[int, Field(ge=0, le=27)] = 5
    ssbtek_cutoff_days: Annotated[int, Field(ge=0, le=27)] = 8


class ScheduleSettings(_Section):
    """When batches run: a cron-like day-of-month range and time, in the given time zone."""

    days: str = "1-5"
    hour: Annotated[int, Field(ge=0, le=23)] = 6
    minute: Annotated[int, Field(ge=0, le=59)] = 0
    timezone: str = "Europe/Stockholm"
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 6 * 3600


class IntakeSettings(_Section):
    max_file_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    scan_interval_seconds: Annotated[float, Field(gt=0)] = 2.0


class LogSettings(_Section):
    format: Literal["auto", "json", "console"] = "auto"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ROBOT_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
    )

    data_dir: Path = Path("data")
    database_url: SecretStr | None = None
    migration_database_url: SecretStr | None = None
    """The owner role's URL (PostgreSQL): `robot db upgrade` and `robot db purge` use it; the daemon never does."""
    demo: bool = False
    """ROBOT_DEMO=1: the demo and the benches, which use public keys. Never in production: the daemon warns."""
    rules_dir: Path = SHIPPED_RULES
    municipality: MunicipalitySettings = MunicipalitySettings()
    ssbtek: SsbtekSettings = SsbtekSettings()
    agi: AgiSettings = AgiSettings()
    activity: ActivitySettings = ActivitySettings()
    stickprov: StickprovSettings = StickprovSettings()
    queue: QueueSettings = QueueSettings()
    worker: WorkerSettings = WorkerSettings()
    payment: PaymentSettings = PaymentSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    intake: IntakeSettings = IntakeSettings()
    retention: RetentionSettings = RetentionSettings()
    log: LogSettings = LogSettings()

    @field_validator("database_url", "migration_database_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))

    # Derived values -------------------------------------------------------------------------

    def database(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'robot.db').as_posix()}"

    def migration_database(self) -> str:
        """The owner role's database URL: ROBOT_MIGRATION_DATABASE_URL, else the runtime one."""
        if self.migration_database_url is not None:
            return self.migration_database_url.get_secret_value()
        return self.database()

    def worker_id(self) -> str:
        return self.worker.id or f"{socket.gethostname()}-{os.getpid()}"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def rejected_dir(self) -> Path:
        return self.data_dir / "rejected"

    def stickprov_key(self) -> bytes | None:
        return self.stickprov.key.get_secret_value().encode() if self.stickprov.key else None

    def checked_stickprov_key(self) -> bytes | None:
        """The stickprov key, refused (WeakSecret) when it is public or too weak outside the demo."""
        key = self.stickprov_key()
        if key is not None:
            check_secret("ROBOT_STICKPROV_KEY", key, demo=self.demo)
        return key

    def rules_origin(self) -> str:
        """Where `rules_dir` came from, for messages that say which folder could not be used."""
        if os.environ.get("ROBOT_RULES_DIR"):
            return "ROBOT_RULES_DIR"
        if "rules_dir" in self.model_fields_set:
            return f"rules_dir in {config_file()}"
        return "the rules shipped with the robot"


class ConfigFileMissing(FileNotFoundError):
    """ROBOT_CONFIG names a file that is not there."""


def config_file() -> Path | None:
    """The config file in use, or None for the built-in defaults (see the module's docstring)."""
    named = os.environ.get("ROBOT_CONFIG")
    if named:
        path = Path(named)
        if not path.exists() or path.is_dir():
            raise ConfigFileMissing(f"ROBOT_CONFIG names {path}, which is not a file")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


# Secrets -------------------------------------------------------------------------------------------

PUBLIC_KEYS = frozenset(
    {
        "demo-key-not-secret",  # scripts/demo
        "demo-key",  # docs/report.md
        "bistandsrobot-development-key-not-secret",  # robot/chain/stickprov.py
        "bench-key",  # bench/
        "test-key",  # tests/
        "rules-test-key",  # robot/chain/casetests.py
        "daemon-test-key",
        "privacy-scan-secret-key-8c1f",
    }
)
"""Keys printed in this repository: anyone can compute every stickprov draw with them."""

MIN_SECRET_BITS = 256
_HEX = re.compile(r"[0-9a-fA-F]+")


class WeakSecret(ValueError):
    """A secret key that is public or too weak; the message names the variable and what to do."""


def secret_problem(value: str | bytes) -> str | None:
    """Why `value` is not a key with at least 32 bytes of entropy, or None. An estimate, not a proof:
    hex counts 4 bits a character, other text by the kinds of characters it uses; a key must also
    not repeat itself (few distinct characters, a repeated pattern, or text that compresses well)."""
    raw = value if isinstance(value, bytes) else value.encode()
    text = raw.decode("utf-8", "replace").strip().rstrip("=")
    if text.lower() in PUBLIC_KEYS:
        return "it is a public key from this repository's demo, tests or documentation"
    bits = len(text) * (4 if _HEX.fullmatch(text) else _bits_per_character(text))
    if bits < MIN_SECRET_BITS:
        return f"it has about {int(bits)} bits of entropy; at least {MIN_SECRET_BITS} (32 random bytes) are needed"
    if len(set(text)) < 10 or _period(text) < len(text) // 2 or len(zlib.compress(raw, 9)) < 32:
        return "it repeats itself (a pattern, or too few different characters)"
    return None


def check_secret(name: str, value: str | bytes, *, demo: bool) -> None:
    """Refuse a public or weak secret, except in the demo (ROBOT_DEMO=1). For ROBOT_STICKPROV_KEY and
    any other key a setting holds (the decision outbox's ROBOT_OUTPUT_SECRET)."""
    if demo:
        return
    problem = secret_problem(value)
    if problem:
        raise WeakSecret(
            f"{name} is refused: {problem}. Generate one with `openssl rand -hex 32` "
            "(public demo keys work only with ROBOT_DEMO=1, never in production)"
        )


def _bits_per_character(text: str) -> float:
    classes = (str.islower, str.isupper, str.isdigit)
    alphabet = sum(size for size, test in zip((26, 26, 10), classes, strict=True) if any(test(c) for c in text))
    alphabet += 33 if any(not (c.isascii() and c.isalnum()) for c in text) else 0
    return math.log2(max(alphabet, 2))


def _period(text: str) -> int:
    """The length of the shortest unit `text` is a repetition of (its own length if none)."""
    fail = [0] * len(text)
    for i in range(1, len(text)):
        k = fail[i - 1]
        while k and text[i] != text[k]:
            k = fail[k - 1]
        fail[i] = k + (text[i] == text[k])
    period = len(text) - (fail[-1] if text else 0)
    return period if text and len(text) % period == 0 else len(text)


# Files ---------------------------------------------------------------------------------------------

PRIVATE_UMASK = 0o077
"""What the robot writes (database, data folder, reports, rejected files) is for its own user only."""


def private_folder(path: Path) -> Path:
    """`path` and its missing parents, each created 0700 whatever the umask; existing folders are left alone."""
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(folder))
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)
    return path


def open_private(path: Path) -> BinaryIO:
    """A file to write, 0600 whatever the umask (an existing one is emptied and narrowed too); never through a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes) -> None:
    with open_private(path) as out:
        out.write(data)
