"""`robot web`: the handläggare's workplace in the browser (see robot/web/)."""

from __future__ import annotations

import typer

from robot.cli.common import configure_logs, engine, fail, settings


def web(
    host: str = typer.Option(None, "--host", help="Adress att lyssna på (standard: \\[web] host, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (standard: \\[web] port, 8080)."),
) -> None:
    """Starta webbappen: manuella kön, ärenden, rekommendationer, rapporten och driften, bakom inloggning."""
    import uvicorn

    from robot.chain.errors import RulesError
    from robot.chain.ruleset import load_ruleset
    from robot.queue.users import accounts
    from robot.web import server
    from robot.web.app import create_app

    config = settings()
    configure_logs(config)
    eng = engine(config)
    try:
        titles = dict(load_ruleset(config.rules_dir).reasons)
    except RulesError as exc:
        fail(f"reglerna i {config.rules_dir} är inte giltiga: {exc}")
    if config.oidc.enabled is False and not any(a.password_hash and not a.disabled for a in accounts(eng)):
        typer.echo(
            "robot: obs: inget konto kan logga in än: lägg till ett med "
            "`robot users add NAMN --role handlaggare --password-stdin` (eller ställ in ROBOT_OIDC_*)",
            err=True,
        )
    listen_host, listen_port = host or config.web.host, port or config.web.port
    app = create_app(config, eng, titles=titles)
    typer.echo(f"robot web: http://{listen_host}:{listen_port}/ (Ctrl-C avslutar)", err=True)
    uvicorn.run(
        app, host=listen_host, port=listen_port, proxy_headers=True, forwarded_allow_ips=config.web.forwarded_allow_ips,
        access_log=False, log_config=None, **server.options(config.web),
    )  # fmt: skip
