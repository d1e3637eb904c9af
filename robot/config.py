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

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
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
    """The longest wait for the next bytes of an answer."""
    deadline_seconds: Annotated[float, Field(gt=0)] = 30.0
    """The longest one call may take in all (connecting, sending, the whole answer), however slowly it drips."""
    proxy: str | None = None
    """An HTTP(S) proxy for this service; unset: HTTPS_PROXY / NO_PROXY from the environment, else none."""
    concurrency: Annotated[int, Field(ge=1, le=1024)] = 64
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff_initial_seconds: float = 0.2
    backoff_max_seconds: float = 5.0


class PersonuppgiftsbitradeSettings(_Section):
    """An organisation that handles SSBTEK's questions on the socialnämnd's behalf (a personuppgiftsbiträde)."""

    organisationsnummer: Annotated[str, Field(pattern=r"^([0-9]{4}[2-9][0-9]{7}|[0-9]{2}[2-9][0-9]{7})$")]
    namn: Annotated[str, Field(min_length=1)]


class SsbtekSettings(_HttpService):
    protocol: Literal["v10", "v11"] = "v11"
    """The contract version spoken (ROBOT_SSBTEK_PROTOCOL): v11 is in force; v10 for a provider still on it."""
    personuppgiftsbitraden: list[PersonuppgiftsbitradeSettings] = []
    """Sent in every question's `personuppgiftsbitrade` list (the contract's optional field)."""
    register_file: Path | None = Field(None, validation_alias=AliasChoices("register", "register_file"))
    include: list[Authority] = [Authority.AF, Authority.CSN, Authority.FK, Authority.SKV, Authority.SO]
    syfte: str = "Kontroll av uppgifter i ärende om ekonomiskt bistånd (återansökan om försörjningsstöd)"
    lagtext: str = "Socialtjänstlagen (2025:400): myndigheters och arbetslöshetskassors uppgiftsskyldighet till socialnämnden vid prövning av ekonomiskt bistånd"
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
    commit_gather_ms: Annotated[float, Field(ge=0, le=1000)] = 5.0
    """How long a result that finds few others waiting waits for more to write with it (0: not at all)."""
    processes: Annotated[int, Field(ge=1, le=64)] = 1
    """`robot run`'s worker processes, forked after one start-up (robot/worker/processes.py); 1: no fork."""


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


class WebSettings(_Section):
    """`robot web`: where it listens, its session cookie and login throttling."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    secure_cookies: bool = False
    """Mark cookies Secure (sent only over HTTPS): set it when the app is behind TLS."""
    forwarded_allow_ips: str = "127.0.0.1"
    """Proxies whose X-Forwarded-For/-Proto are believed (the client address for throttling and the log)."""
    idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    session_hours: Annotated[int, Field(ge=1, le=24)] = 10
    """A session ends this long after login, however active."""
    login_window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    login_failures_per_user: Annotated[int, Field(ge=1, le=1000)] = 5
    """Failed logins with one name from one address (never per account alone: no lock-out from elsewhere)."""
    login_failures_per_address: Annotated[int, Field(ge=1, le=10_000)] = 20
    page_size: Annotated[int, Field(ge=10, le=500)] = 50
    secret_key: SecretStr | None = None
    """Signs the short-lived OpenID Connect login cookie; random per process when unset (one process)."""
    max_body_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    """A request body beyond this is refused (413) as it streams in, before it is buffered (the largest
    form, a resolution with a 4 000-character note, is under 20 kB)."""
    max_header_bytes: Annotated[int, Field(ge=4096, le=65536)] = 16 * 1024
    """The request line and headers together (h11's incomplete-event limit); beyond it: 400 and closed."""
    header_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10
    """From the connection (or the end of the last answer) to the end of the request's headers."""
    body_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30
    """From the end of the headers to the end of the body."""
    keep_alive_seconds: Annotated[int, Field(ge=1, le=300)] = 5
    """An idle keep-alive connection is closed after this long."""
    max_connections: Annotated[int, Field(ge=2, le=100_000)] = 500
    """Open connections at once; one more is closed as soon as it is accepted (its file freed)."""
    max_requests_in_flight: Annotated[int, Field(ge=1, le=10_000)] = 100
    """Requests being answered at once; one more gets a Swedish 503 page."""


class OidcSettings(_Section):
    """OpenID Connect login through the municipality's identity provider (Entra ID, Keycloak, …)."""

    issuer: str | None = None
    metadata_url: str | None = None
    """The discovery document; default `<issuer>/.well-known/openid-configuration`."""
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: str = "openid profile email"
    user_claim: str = "sub"
    """The claim naming the account: `sub` matches the account's OIDC subject (`robot users add
    --oidc-subject`); any other claim (e.g. `preferred_username`) is the account's user id."""
    provision_role: Literal["handlaggare", "teamledare", "verksamhet"] | None = None
    """Unset (the default): only existing accounts log in. Set: an unknown person gets an account
    with this role at first login."""
    redirect_url: str | None = None
    """The callback URL as the provider knows it; default: this app's /login/oidc/callback."""
    label: str = "Logga in med kommunens inloggning"

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and (self.issuer or self.metadata_url))

    def discovery_url(self) -> str | None:
        if self.metadata_url:
            return self.metadata_url
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration" if self.issuer else None


class HttpSettings(_Section):
    """The robot's HTTP both ways: where the daemon serves /metrics, /healthz and /readyz, and the bounds on
    every answer the register clients read (whatever a server sends, memory stays bounded)."""

    host: str = "127.0.0.1"
    """ROBOT_HTTP_HOST; 0.0.0.0 in a container, so that the orchestrator's probes reach it."""
    port: Annotated[int, Field(ge=0, le=65535)] = 9108
    """ROBOT_HTTP_PORT; 0 turns the daemon's endpoint off."""
    max_headers: Annotated[int, Field(ge=8, le=1000)] = 64
    max_header_bytes: Annotated[int, Field(ge=1024, le=65536)] = 8190
    """The status line and each header line."""
    max_answer_bytes: Annotated[int, Field(ge=4096)] = 16 * 1024 * 1024
    max_answers_in_flight_bytes: Annotated[int, Field(ge=4096)] = 64 * 1024 * 1024
    """All answers being read at once, across every call to every register service in the process."""
    certificate_hold_seconds: Annotated[float, Field(ge=1)] = 300.0
    """After a certificate failure, calls to that service fail at once for this long (one try per period)."""


class CaseworkSettings(_Section):
    """Checks on what a handläggare decides: an amount far from the robot's proposal needs a confirmation,
    an approval a recent review."""

    amount_tolerance: Annotated[float, Field(ge=0.0, le=10.0)] = 0.25
    """A decided amount further than this share from the robot's proposal (0.25: ±25 %) must be confirmed."""
    confirm_above: Annotated[int, Field(ge=0)] = 30_000
    """Kronor: without a proposal or a norm from the robot, an amount above this must be confirmed."""
    max_amount: Annotated[int, Field(ge=1, le=100_000_000)] = 200_000
    """Kronor: no decided amount may be larger, confirmed or not (a typo's guard; verksamheten sets it)."""
    review_valid_minutes: Annotated[int, Field(ge=1, le=2880)] = 480
    """How long a handläggare's review of a recommendation counts for approving it (480: a working day; at
    most two days, so a review from last week never counts)."""


def duration_seconds(value: Any) -> Any:
    """`90`, `"90s"`, `"30m"`, `"1h"`, `"2d"` → seconds (other values are left for pydantic to refuse)."""
    if isinstance(value, str):
        text = value.strip().lower()
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if text[-1:] in units and text[:-1].strip().replace(".", "", 1).isdigit():
            return float(text[:-1]) * units[text[-1]]
    return value


class OutputSettings(_Section):
    """Where decision records (`beslut/1`) go: a folder or an HTTP endpoint, and how delivery behaves."""

    dir: Path | None = None
    """One file `<event_id>.json` per record, written atomically (ROBOT_OUTPUT_DIR)."""
    url: str | None = None
    """HTTP POST of each record, signed (ROBOT_OUTPUT_URL); needs ROBOT_OUTPUT_SECRET."""
    secret: SecretStr | None = None
    """The shared HMAC-SHA256 key for the X-Signature header (ROBOT_OUTPUT_SECRET; never in the file)."""
    alert_after: Annotated[float, Field(gt=0)] = 3600.0
    """Seconds (or "30m", "1h"): a record undelivered for longer is an alert (ROBOT_OUTPUT_ALERT_AFTER)."""
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    """Quick retries within one attempt (transport errors, non-2xx), 0.5–5 s apart (tenacity, with jitter)."""
    backoff_initial_seconds: Annotated[float, Field(gt=0)] = 5.0
    backoff_max_seconds: Annotated[float, Field(gt=0)] = 300.0
    """After a failed attempt the record waits, doubling from the initial to the maximum, before the next one."""
    lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    """One deliverer at a time: its lease; a killed deliverer's records are taken over after this."""
    poll_interval_seconds: Annotated[float, Field(gt=0)] = 2.0
    lagrum: list[str] = ["12 kap. 1 § socialtjänstlagen (2025:400)"]
    """The law a record cites when there is no verdict to take it from (the robot could not assess)."""

    @field_validator("alert_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration_seconds(value)

    @model_validator(mode="after")
    def _one_target(self) -> OutputSettings:
        if self.dir is not None and self.url:
            raise ValueError("set either output.dir (ROBOT_OUTPUT_DIR) or output.url (ROBOT_OUTPUT_URL), not both")
        if self.url and self.secret is None:
            raise ValueError("output.url needs ROBOT_OUTPUT_SECRET: every HTTP delivery is signed")
        if self.url and self.lease_seconds < 2 * (self.connect_timeout_seconds + self.timeout_seconds):
            raise ValueError(
                f"output.lease_seconds ({self.lease_seconds:g}) must be at least twice one request's timeouts, "
                "so that a lease never runs out during a send"
            )
        return self

    def target(self) -> str | None:
        """Where records go, for messages and the delivery log; None when nothing is configured."""
        if self.dir is not None:
            return f"folder:{self.dir}"
        return self.url


class CaremanagementSettings(_Section):
    """Sundsvall's case system caremanagement (ROBOT_CASESYSTEM=caremanagement): errands in, decisions back.

    Behind the municipality's API gateway (OAuth2 client credentials, [gateway]); mutual TLS is optional
    (`client_cert`), used when the gateway asks for it. docs/caremanagement.md.
    """

    url: str | None = None
    """The service's base URL, before `/{municipalityId}/{namespace}/…` (ROBOT_CAREMANAGEMENT_URL)."""
    municipality_id: str = "2281"
    namespace: Annotated[str, Field(pattern=r"^[\w\-]+$")] = "FINANCIAL_ASSISTANCE"
    filter: str = "typeSlug:'financial-assistance-renewal' and status:'NEW'"
    """Which errands are applications for the robot (spring-filter syntax): by default new renewal errands."""
    page_size: Annotated[int, Field(ge=1, le=1000)] = 100
    poll_interval_seconds: Annotated[float, Field(gt=0)] = 60.0
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    max_answer_bytes: Annotated[int, Field(ge=4096)] = 4 * 1024 * 1024


class PartySettings(_Section):
    """The party service: partyId → personnummer (`POST /{municipalityId}/PRIVATE/legalIds`), ROBOT_PARTY_URL."""

    url: str | None = None


class GatewaySettings(_Section):
    """The municipality's API gateway in front of caremanagement and party: OAuth2 client credentials."""

    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = None
    renew_before_seconds: Annotated[float, Field(ge=0)] = 60.0
    """A token is renewed this long before it expires, never used to its last second."""


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
    web: WebSettings = WebSettings()
    oidc: OidcSettings = OidcSettings()
    http: HttpSettings = HttpSettings()
    casework: CaseworkSettings = CaseworkSettings()
    output: OutputSettings = OutputSettings()
    retention: RetentionSettings = RetentionSettings()
    casesystem: Literal["caremanagement"] | None = None
    """ROBOT_CASESYSTEM: the case system applications come from and verdicts go back to; unset: files only."""
    caremanagement: CaremanagementSettings = CaremanagementSettings()
    party: PartySettings = PartySettings()
    gateway: GatewaySettings = GatewaySettings()
    log: LogSettings = LogSettings()

    @field_validator("database_url", "migration_database_url", "casesystem", mode="before")
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

    def outbox_target(self) -> str | None:
        """Where the outbox delivers, for messages: the case system (ROBOT_CASESYSTEM), else [output]'s target."""
        if self.casesystem == "caremanagement":
            return f"caremanagement:{self.caremanagement.url}"
        return self.output.target()

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
            return f"rules_dir i {config_file()}"
        return "reglerna som följer med roboten"


class ConfigFileMissing(FileNotFoundError):
    """ROBOT_CONFIG names a file that is not there."""


def config_file() -> Path | None:
    """The config file in use, or None for the built-in defaults (see the module's docstring)."""
    named = os.environ.get("ROBOT_CONFIG")
    if named:
        path = Path(named)
        if not path.exists() or path.is_dir():
            raise ConfigFileMissing(f"ROBOT_CONFIG pekar på {path}, som inte är en fil")
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
    not repeat itself (few distinct characters, a repeated pattern, or text that compresses well).
    So a random 32-byte key in base64 that happens to hold letters only (about one in 8 000) is refused:
    it cannot be told from text of letters; the refusal says to use hex, which is always counted right."""
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
