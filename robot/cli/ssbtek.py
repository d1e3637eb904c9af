"""`robot ssbtek ping` and `robot ssbtek-sim`: ask SSBTEK whether it is up, and serve the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from robot.cli.common import fail, settings

app = typer.Typer(
    name="ssbtek",
    help="SSBTEK, the register service: check that it answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_AUTHORITY_ERROR = 1
EXIT_UNREACHABLE = 3


@app.command("ping")
def ping() -> None:
    """Call testaBastjanstInformation and print each authority's state (AF, CSN, FK, SKV, SO, TNS, MIV).

    Exit code 0 when every authority answered without error, 1 when SSBTEK answered but some
    authority reported an error or gave no answer, 2 for a configuration problem, 3 when SSBTEK
    could not be reached.
    """
    from robot.adapters.register_source import RegisterUnavailable
    from robot.adapters.ssbtek.request import CONTRACT_ORDER

    config = settings()
    if not config.ssbtek.url:
        fail("ROBOT_SSBTEK_URL is not set; there is no SSBTEK to ping")
    try:
        states = asyncio.run(_ping(config))
    except ValueError as exc:
        fail(str(exc))
    except RegisterUnavailable as exc:
        fail(f"SSBTEK at {config.ssbtek.url} is unreachable: {exc}", EXIT_UNREACHABLE)
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
    from robot.adapters.ssbtek.client import SoapRegisterSource

    source = SoapRegisterSource(config)
    try:
        return await source.ping()
    finally:
        await source.aclose()


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
    """Serve the SSBTEK simulator: the real SOAP contract answered from a register/1 file."""
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
    typer.echo(
        f"SSBTEK simulator on http://{host}:{sock.getsockname()[1]}/ serving {len(loaded.persons)} persons from {register}",
        err=True,
    )
    with sock:
        serve(loaded, faults=faults, sock=sock)
