"""`robot casesystem`: the case system (ROBOT_CASESYSTEM=caremanagement): a local stub for the demo, a poll."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import fail, settings
from robot.cli.swedish_typer import SwedishGroup

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from robot.clock import Clock
    from robot.config import Settings

app = typer.Typer(help="Verksamhetssystemet (caremanagement): en lokal attrapp för demo, en hämtning av nya ärenden.",
                  no_args_is_help=True, cls=SwedishGroup)  # fmt: skip


@app.command("stub")
def stub(
    errands: int = typer.Option(20, "--errands", min=0, max=10_000, help="Hur många återansökningar attrappen ska servera."),
    period: str = typer.Option("2026-12", "--period", help="Ärendenas period (ÅÅÅÅ-MM)."),
    port: int = typer.Option(8089, "--port", help="TCP-port att lyssna på (bara loopback)."),
    register_out: Path | None = typer.Option(
        None, "--register-out", help="Skriv en register/1-fil för ärendenas personer hit."
    ),
    client_id: str = typer.Option("bistandsrobot", "--client-id"),
    client_secret: str = typer.Option("stub-secret-not-for-production", "--client-secret"),
) -> None:
    """Servera caremanagement, party och en token-tjänst på 127.0.0.1 och kontrollera varje anrop mot kontraktet."""
    try:
        import jsonschema  # noqa: F401 (the contract check)
    except ImportError:
        fail("robot casesystem stub kontrollerar anropen med jsonschema: pip install 'bistandsrobot[dev]'", code=3)
    from robot.adapters.casesystem.stub import CaseSystemStub, StubState
    from robot.adapters.casesystem.stub_data import NAMESPACE, renewal_errands
    from robot.adapters.serving import listening_socket, uvicorn_config
    from robot.formats.period import is_month

    if not is_month(period):
        fail(f"--period {period!r}: skriv den som ÅÅÅÅ-MM")
    data = renewal_errands(errands, period)
    if register_out is not None:
        register_out.write_text(json.dumps(data.register, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    state = StubState(data, client_id, client_secret)
    try:
        sock = listening_socket("127.0.0.1", port)
    except OSError as exc:
        fail(f"kan inte lyssna på 127.0.0.1:{port}: {exc.strerror or exc}")
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    typer.echo(f"caremanagement-attrapp: {errands} återansökningar för {period}; inställningar för roboten:\n"
               f"  ROBOT_CASESYSTEM=caremanagement\n  ROBOT_CAREMANAGEMENT_URL={base}/caremanagement\n"
               f"  ROBOT_CAREMANAGEMENT_MUNICIPALITY_ID=2281\n  ROBOT_CAREMANAGEMENT_NAMESPACE={NAMESPACE}\n"
               f"  ROBOT_PARTY_URL={base}/party\n  ROBOT_GATEWAY_TOKEN_URL={base}/token\n"
               f"  ROBOT_GATEWAY_CLIENT_ID={client_id}\n  ROBOT_GATEWAY_CLIENT_SECRET={client_secret}")  # fmt: skip
    import uvicorn

    server = uvicorn.Server(uvicorn_config(CaseSystemStub(state), "127.0.0.1", sock.getsockname()[1], None))
    try:
        server.run(sockets=[sock])
    finally:
        typer.echo(f"{len(state.calls)} anrop, {len(state.posted('RECOMMENDATION'))} rekommendationer postade, "
                   f"{len(state.violations)} mot kontraktet")  # fmt: skip
        for problem in state.violations[:20]:
            typer.echo(f"  {problem}")


@app.command("poll")
def poll() -> None:
    """Hämta de nya ärendena en gång (som `robot run` gör varje intervall) och lägg dem i kön."""
    from robot.cli.common import engine

    config = settings()
    if not config.casesystem:
        fail("ROBOT_CASESYSTEM är inte satt", code=2)
    poll_once(engine(config), config)


def poll_once(eng: Engine, config: Settings, clock: Clock | None = None) -> None:
    """One poll of the case system, then one line saying what came (also before `robot batch`)."""
    from robot.adapters.casesystem.gateway import GatewayError
    from robot.clock import SYSTEM
    from robot.formats.text import terminal_safe
    from robot.intake.casesystem import poll_casesystem

    try:
        report = asyncio.run(poll_casesystem(eng, config, clock or SYSTEM))
    except (GatewayError, ValueError) as exc:
        fail(f"kan inte hämta från {config.casesystem}: {exc}", code=3)
    typer.echo(terminal_safe(f"{config.casesystem}: {report.listed} ärenden, {report.queued} köade "
                             f"({report.unmapped} med uppgifter för en handläggare), {report.failed} inte hämtade"))  # fmt: skip
