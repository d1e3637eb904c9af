"""Serving the observability app inside the daemon's own event loop (uvicorn, no thread, no signals of its own).

The daemon keeps its SIGTERM handling: uvicorn here installs none, and stops when the daemon stops.
A port that cannot be bound is an error in the log, not a stop: the work goes on without the endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import Engine

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import Settings

log = logs.get("robot.daemon")


@contextlib.asynccontextmanager
async def serving(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> AsyncIterator[None]:
    """/metrics, /healthz and /readyz on ROBOT_HTTP_HOST:ROBOT_HTTP_PORT for the duration of the block (port 0: none,
    and neither uvicorn nor the app is loaded)."""
    h = settings.http
    if not h.port:
        yield
        return
    import uvicorn

    from robot.adapters.serving import listening_socket
    from robot.observability.app import observability_app

    class QuietServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:  # the daemon handles SIGTERM and SIGINT
            yield

    config = uvicorn.Config(observability_app(engine, settings, clock), host=h.host, port=h.port, lifespan="off",
                            log_config=None, access_log=False, log_level="warning", ws="none")  # fmt: skip
    try:
        sock = listening_socket(h.host, h.port)  # bound here: uvicorn would exit the process on a busy port
    except OSError as exc:
        log.error("http_endpoint_unavailable", host=h.host, port=h.port, error=exc.strerror or type(exc).__name__,
                  detail="set ROBOT_HTTP_PORT (0: none); the daemon works on without /metrics and /readyz")  # fmt: skip
        yield
        return
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    log.info("http_endpoint", url=f"http://{h.host}:{h.port}/", paths=["/metrics", "/healthz", "/readyz"])
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
        sock.close()
