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
    """Call testaBastjanstInformation and print each authority's state (AF, CSN, FK, SKV, SO, TNS, MIV).

    Also prints the client certificates' expiry (SSBTEK's, and the employer declarations' when
    ROBOT_AGI_URL is set), with a warning when one expires within 30 days. Exit code 0 when every
    authority answered without error, 1 when SSBTEK answered but some authority reported an error
    or gave no answer, 2 for a configuration problem (an expired certificate is one), 3 when SSBTEK
    could not be reached.
    """
    from robot.adapters.register_source import RegisterUnavailable
    from robot.adapters.ssbtek.request import CONTRACT_ORDER

    config = settings()
    if not config.ssbtek.url:
        fail("ROBOT_SSBTEK_URL is not set; there is no SSBTEK to ping")
    try:
        certificates, states = asyncio.run(_ping(config))
    except ValueError as exc:
        fail(str(exc))
    except RegisterUnavailable as exc:
        fail(f"SSBTEK at {config.ssbtek.url} is unreachable: {exc}", EXIT_UNREACHABLE)
    for line in certificates:
        typer.echo(line)
    healthy = True
    for authority in CONTRACT_ORDER:
        state = states.get(authority)
        if state is None:
            healthy = False
            typer.echo(f"{authority.value:<4} no answer")
        elif state.error is not None:
            healthy = False
            error = state.error
            text = "; ".join(error.felmeddelande)
            typer.echo(
                f"{authority.value:<4} error (kalla {error.kalla}, felkod {error.felkod}){': ' + text if text else ''}"
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
        return f"{service} client certificate: none (a simulator on this machine)"
    days = certificate.days_left(dt.datetime.now(dt.UTC))
    warning = f" WARNING: renew it, less than {EXPIRY_WARNING_DAYS} days left" if days < EXPIRY_WARNING_DAYS else ""
    return (
        f"{service} client certificate: {certificate.subject}, valid until "
        f"{certificate.not_after:%Y-%m-%d} ({days} days){warning}"
    )


@app.command("decode")
def decode(
    response: Path = typer.Argument(..., help="A saved hamtaBastjanstInformation answer (the SOAP envelope)."),
    person: str = typer.Option(..., "--person", help="The personnummer the answer is about (12 digits)."),
) -> None:
    """Print what a saved SSBTEK answer says about PERSON as a register/1 document.

    For integrators and support cases ("what did SSBTEK say?"). Every authority present in the
    answer is read as the robot reads it; one whose part is an error or cannot be used is listed in
    `unavailable`, and why is printed on stderr. Skatteverket's monthly pay and the providers'
    attendance are not in SSBTEK's answer. Exit code 0, or 2 when the file is not such an answer.
    """
    import re

    from robot.adapters.register_source import RegisterUnavailable
    from robot.adapters.ssbtek import codes
    from robot.adapters.ssbtek.response import parse_saved_answer
    from robot.formats.register import Register

    if not re.fullmatch(r"[0-9]{12}", person):
        fail("--person: a personnummer has 12 digits")
    body = read_bytes(response)
    config = settings()
    try:
        answer = parse_saved_answer(body, person, config.ssbtek.so_answered_statuses or codes.SO_ANSWERED)
    except RegisterUnavailable as exc:
        fail(f"{response}: {exc}")
    for authority, error in sorted(answer.errors.items()):
        why = "; ".join(error.felmeddelande)
        typer.echo(
            f"{authority.value}: unavailable (kalla {error.kalla}, felkod {error.felkod}){': ' + why if why else ''}",
            err=True,
        )
    typer.echo(
        Register(format="register/1", persons={person: answer.person}).model_dump_json(indent=2, exclude_none=True)
    )


def simulator(
    register: Path = typer.Option(..., "--register", help="The register/1 file to serve."),
    port: int = typer.Option(8088, "--port", help="TCP port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", help="Added latency per call, in milliseconds."),
    error_rate: float = typer.Option(0.0, "--error-rate", help="Share of calls answered HTTP 503/500 (transient)."),
    timeout_rate: float = typer.Option(0.0, "--timeout-rate", help="Share of calls held until the client gives up."),
    authority_error_rate: float = typer.Option(
        0.0, "--authority-error-rate", help="Share of authority answers replaced by an error element."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed for the fault injection, for reproducible runs."),
) -> None:
    """Serve the SSBTEK simulator: the real SOAP contract answered from a register/1 file.

    The employer-declaration simulator (Skatteverket's monthly pay from the same file) is served
    under /agi/ on the same port: set ROBOT_AGI_URL to that address.
    """
    from pydantic import ValidationError

    from robot.adapters.ssbtek.simulator import FaultInjection, listening_socket, load_register, serve

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
        fail(f"{register}: no such file")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"{register}: not a register/1 document: {where + ': ' if where else ''}{first['msg']}")
    except (OSError, ValueError) as exc:
        fail(f"{register}: {exc}")
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    url = f"http://{host}:{sock.getsockname()[1]}/"
    typer.echo(
        f"SSBTEK simulator on {url} (employer declarations on {url}agi/) serving {len(loaded.persons)} persons "
        f"from {register}",
        err=True,
    )
    with sock:
        serve(loaded, faults=faults, sock=sock)
