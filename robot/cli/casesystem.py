"""`robot casesystem`: the case system (ROBOT_CASESYSTEM=caremanagement): a local stub for the demo, a poll."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from robot.cli.common import fail, settings

app = typer.Typer(help="The case system (caremanagement): a local stub for demos, one poll for new errands.",
                  no_args_is_help=True)  # fmt: skip


@app.command("stub")
def stub(
    errands: int = typer.Option(20, "--errands", min=0, max=10_000, help="How many renewal errands to serve."),
    period: str = typer.Option("2026-12", "--period", help="The errands' period (YYYY-MM)."),
    port: int = typer.Option(8089, "--port", help="TCP port to listen on (loopback only)."),
    register_out: Path | None = typer.Option(
        None, "--register-out", help="Write a register/1 file for the errands' persons here."
    ),
    client_id: str = typer.Option("bistandsrobot", "--client-id"),
    client_secret: str = typer.Option("stub-secret-not-for-production", "--client-secret"),
) -> None:
    """Serve caremanagement, party and a token endpoint on 127.0.0.1, checking every call against the contract."""
    try:
        import jsonschema  # noqa: F401 (the contract check)
    except ImportError:
        fail("robot casesystem stub checks calls with jsonschema: pip install 'bistandsrobot[dev]'", code=3)
    from robot.adapters.casesystem.stub import CaseSystemStub, StubState
    from robot.adapters.casesystem.stub_data import NAMESPACE, renewal_errands
    from robot.adapters.serving import listening_socket, uvicorn_config
    from robot.formats.period import is_month

    if not is_month(period):
        fail(f"--period {period!r}: write it as YYYY-MM")
    data = renewal_errands(errands, period)
    if register_out is not None:
        register_out.write_text(json.dumps(data.register, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    state = StubState(data, client_id, client_secret)
    try:
        sock = listening_socket("127.0.0.1", port)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    typer.echo(f"caremanagement stub: {errands} renewal errands for {period}; settings for the robot:\n"
               f"  ROBOT_CASESYSTEM=caremanagement\n  ROBOT_CAREMANAGEMENT_URL={base}/caremanagement\n"
               f"  ROBOT_CAREMANAGEMENT_MUNICIPALITY_ID=2281\n  ROBOT_CAREMANAGEMENT_NAMESPACE={NAMESPACE}\n"
               f"  ROBOT_PARTY_URL={base}/party\n  ROBOT_GATEWAY_TOKEN_URL={base}/token\n"
               f"  ROBOT_GATEWAY_CLIENT_ID={client_id}\n  ROBOT_GATEWAY_CLIENT_SECRET={client_secret}")  # fmt: skip
    import uvicorn

    server = uvicorn.Server(uvicorn_config(CaseSystemStub(state), "127.0.0.1", sock.getsockname()[1], None))
    try:
        server.run(sockets=[sock])
    finally:
        typer.echo(f"{len(state.calls)} calls, {len(state.posted('RECOMMENDATION'))} recommendations posted, "
                   f"{len(state.violations)} against the contract")  # fmt: skip
        for problem in state.violations[:20]:
            typer.echo(f"  {problem}")


@app.command("poll")
def poll() -> None:
    """Fetch the new errands once (as `robot run` does every poll interval) and queue them."""
    from robot.adapters.casesystem.gateway import GatewayError
    from robot.cli.common import engine
    from robot.intake.casesystem import poll_casesystem

    config = settings()
    if not config.casesystem:
        fail("ROBOT_CASESYSTEM is not set", code=2)
    try:
        report = asyncio.run(poll_casesystem(engine(config), config))
    except (GatewayError, ValueError) as exc:
        fail(f"cannot poll {config.casesystem}: {exc}", code=3)
    typer.echo(f"{report.listed} errands, {report.queued} queued ({report.unmapped} with fields for a handläggare), "
               f"{report.failed} not fetched")  # fmt: skip
