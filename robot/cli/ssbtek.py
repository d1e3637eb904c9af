"""`robot ssbtek ping`, `robot ssbtek decode` and `robot ssbtek-sim`: is SSBTEK up, what did it say, and the simulator."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer

from robot.cli.common import fail, read_bytes, settings
from robot.cli.swedish_typer import SwedishGroup

app = typer.Typer(
    name="ssbtek",
    help="SSBTEK, registertjänsten: kontrollera att den svarar, läs ett sparat svar.",
    no_args_is_help=True,
    cls=SwedishGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_AUTHORITY_ERROR = 1
EXIT_UNREACHABLE = 3


@app.command("ping")
def ping() -> None:
    """Anropa testaBastjanstInformation och skriv ut varje myndighets läge (AF, CSN, FK, SKV, SO, TNS, MIV).

    Skriver också ut när klientcertifikaten går ut (SSBTEK:s, och arbetsgivardeklarationernas när
    ROBOT_AGI_URL är satt), med en varning när ett går ut inom 30 dagar. Slutkod 0 när alla
    myndigheter svarade utan fel, 1 när SSBTEK svarade men någon myndighet gav fel eller inget svar,
    2 för ett inställningsfel (ett utgånget certifikat är ett), 3 när SSBTEK inte gick att nå.
    """
    from robot.adapters.register_source import RegisterUnavailable
    from robot.adapters.ssbtek.request import CONTRACT_ORDER

    config = settings()
    if not config.ssbtek.url:
        fail("ROBOT_SSBTEK_URL är inte satt; det finns inget SSBTEK att fråga")
    try:
        certificates, states = asyncio.run(_ping(config))
    except ValueError as exc:
        fail(str(exc))
    except RegisterUnavailable as exc:
        fail(f"SSBTEK på {config.ssbtek.url} går inte att nå: {exc}", EXIT_UNREACHABLE)
    for line in certificates:
        typer.echo(line)
    healthy = True
    for authority in CONTRACT_ORDER:
        state = states.get(authority)
        if state is None:
            healthy = False
            typer.echo(f"{authority.value:<4} inget svar")
        elif state.error is not None:
            healthy = False
            error = state.error
            text = "; ".join(error.felmeddelande)
            typer.echo(
                f"{authority.value:<4} fel (kalla {error.kalla}, felkod {error.felkod}){': ' + text if text else ''}"
            )
        else:
            typer.echo(f"{authority.value:<4} {state.state}")
    if not healthy:
        raise typer.Exit(EXIT_AUTHORITY_ERROR)


async def _ping(config):
    from robot.adapters.agi.client import agi_endpoint
    from robot.adapters.ssbtek.client import SoapRegisterSource
    from robot.adapters.tls import check_endpoint

    source = SoapRegisterSource(config)
    certificates = [_certificate_line("SSBTEK", source.certificate)]
    if config.agi.url:
        certificates.append(_certificate_line("AGI", check_endpoint(agi_endpoint(config))))
    try:
        return certificates, await source.ping()
    finally:
        await source.aclose()


def _certificate_line(service: str, certificate) -> str:
    from robot.adapters.tls import EXPIRY_WARNING_DAYS

    if certificate is None:
        return f"{service} klientcertifikat: inget (en simulator på den här datorn)"
    days = certificate.days_left(dt.datetime.now(dt.UTC))
    warning = f" VARNING: förnya det, mindre än {EXPIRY_WARNING_DAYS} dagar kvar" if days < EXPIRY_WARNING_DAYS else ""
    return (
        f"{service} klientcertifikat: {certificate.subject}, giltigt till och med "
        f"{certificate.not_after:%Y-%m-%d} ({days} dagar){warning}"
    )


@app.command("decode")
def decode(
    response: Path = typer.Argument(..., help="Ett sparat svar på hamtaBastjanstInformation (SOAP-kuvertet)."),
    person: str = typer.Option(..., "--person", help="Personnumret som svaret gäller (12 siffror)."),
    period: str | None = typer.Option(
        None,
        "--period",
        help="Ansökans månad (ÅÅÅÅ-MM); kontrollmånaden är månaden före. Behövs när AF:s svar har ett "
        "datum för aktivitetsrapport men inte upprepar frågan (Fraga).",
    ),
) -> None:
    """Skriv ut vad ett sparat SSBTEK-svar säger om PERSON som ett register/1-dokument.

    För integratörer och supportärenden ("vad svarade SSBTEK?"). Varje myndighet i svaret läses som
    roboten läser den; en vars del är ett fel eller inte går att använda listas under `unavailable`,
    och varför skrivs på stderr. Svarets eget namnområde anger versionen (v10 eller v11). I v11 läses
    Skatteverkets delar var för sig: en del som svarat "hittades inte", och en del med fel som reglerna
    inte använder, nämns också på stderr. Anordnarnas närvaro finns inte i SSBTEK:s svar. Slutkod 0,
    eller 2 när filen inte är ett sådant svar.
    """
    import re

    from robot.adapters.register_source import RegisterUnavailable
    from robot.adapters.ssbtek import codes
    from robot.adapters.ssbtek.response import parse_saved_answer
    from robot.formats.period import shift
    from robot.formats.register import Register

    if not re.fullmatch(r"[0-9]{12}", person):
        fail("--person: ett personnummer har 12 siffror")
    if period is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        fail(f"--period {period!r}: ÅÅÅÅ-MM väntades, t.ex. 2026-12")
    control_month = shift(period, -1) if period is not None else None
    body = read_bytes(response)
    config = settings()
    try:
        answer = parse_saved_answer(
            body, person, config.ssbtek.so_answered_statuses or codes.SO_ANSWERED, control_month=control_month
        )
    except RegisterUnavailable as exc:
        fail(f"{response}: {exc}")
    for authority, error in sorted(answer.errors.items()):
        why = "; ".join(error.felmeddelande)
        typer.echo(
            f"{authority.value}: unavailable (kalla {error.kalla}, felkod {error.felkod}){': ' + why if why else ''}",
            err=True,
        )
    for line in _skv_part_lines(answer.skv):
        typer.echo(line, err=True)
    typer.echo(
        Register(format="register/1", persons={person: answer.person}).model_dump_json(indent=2, exclude_none=True)
    )


def _skv_part_lines(skv) -> list[str]:
    """What a v11 answer's Skatteverket parts said that register/1 does not show."""
    from robot.adapters.ssbtek.skv_parts import PARTS, USED_PARTS

    if skv is None or skv.unusable is not None:
        return []
    lines = []
    for part in PARTS:
        if part in skv.not_found:
            meaning = "no employer declarations" if part == "individuppgifter" else "no business registration"
            lines.append(f"SKV {part}: not found (BT 404), read as {meaning}")
        elif part in skv.errors and part not in USED_PARTS:
            error = skv.errors[part]
            why = "; ".join(error.felmeddelande)
            lines.append(
                f"SKV {part}: error (kalla {error.kalla}, felkod {error.felkod}){': ' + why if why else ''}; "
                "not used by the rules"
            )
    return lines


def simulator(
    register: Path = typer.Option(..., "--register", help="register/1-filen som ska besvara anropen."),
    port: int = typer.Option(8088, "--port", help="TCP-port att lyssna på."),
    host: str = typer.Option("127.0.0.1", "--host", help="Adress att lyssna på."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", help="Tillagd svarstid per anrop, i millisekunder."),
    error_rate: float = typer.Option(0.0, "--error-rate", help="Andel anrop som besvaras med HTTP 503/500 (tillfälligt)."),
    timeout_rate: float = typer.Option(0.0, "--timeout-rate", help="Andel anrop som hålls tills klienten ger upp."),
    authority_error_rate: float = typer.Option(
        0.0, "--authority-error-rate", help="Andel myndighetssvar som byts mot ett felelement."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Frö för de injicerade felen, för körningar som går att upprepa."),
    protocol: str = typer.Option("v11", "--protocol", help="Kontraktets version: v11 (gällande) eller v10."),
) -> None:
    """Starta SSBTEK-simulatorn: det verkliga SOAP-kontraktet besvarat från en register/1-fil.

    I v11 kommer Skatteverkets månadslöner i SSBTEK:s eget svar. Simulatorn för arbetsgivardeklarationer
    (samma löner, för en v10-installation) svarar under /agi/ på samma port: sätt ROBOT_AGI_URL till den
    adressen bara med --protocol v10 (och ROBOT_SSBTEK_PROTOCOL=v10).
    """
    from pydantic import ValidationError

    from robot.adapters.ssbtek.simulator import FaultInjection, listening_socket, load_register, serve
    from robot.adapters.ssbtek.soap import contract_for

    try:
        contract = contract_for(protocol)
    except ValueError as exc:
        fail(str(exc))

    try:
        faults = FaultInjection(
            latency_ms=latency_ms,
            error_rate=error_rate,
            timeout_rate=timeout_rate,
            authority_error_rate=authority_error_rate,
            seed=seed,
        )
    except ValueError as exc:
        fail(str(exc))
    try:
        loaded = load_register(register)
    except FileNotFoundError:
        fail(f"{register}: filen finns inte")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"{register}: inget register/1-dokument: {where + ': ' if where else ''}{first['msg']}")
    except (OSError, ValueError) as exc:
        fail(f"{register}: {exc}")
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        fail(f"kan inte lyssna på {host}:{port}: {exc.strerror or exc}")
    url = f"http://{host}:{sock.getsockname()[1]}/"
    typer.echo(
        f"SSBTEK simulator ({contract.version}) on {url} (employer declarations on {url}agi/) serving "
        f"{len(loaded.persons)} persons from {register}",
        err=True,
    )
    with sock:
        serve(loaded, faults=faults, sock=sock, contract=contract)
