"""`/metrics`, `/healthz` and `/readyz` as a small Starlette app, or as routes for another app to include.

The daemon serves `observability_app` on ROBOT_HTTP_HOST:ROBOT_HTTP_PORT (`server.py`). The web app
adds the same three paths to its own routes:

    from robot.observability.app import observability_routes
    app = Starlette(routes=[*observability_routes(engine, settings), *its_own_routes])

- `/healthz`: 200 while the process answers (liveness: restart it when this fails).
- `/readyz`: 200 when the database answers, its schema is current, the rules load and the register
  answers; else 503. JSON with each check and a sentence for ops (readiness: send no work here).
- `/metrics`: Prometheus text (`metrics.EXPOSED`), with the queue's figures read at the scrape.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.observability.collector import QueueCollector
from robot.observability.health import ReadinessProbe
from robot.observability.metrics import EXPOSED

_collectors: dict[int, QueueCollector] = {}


def queue_collector(engine: Engine, clock: Clock = SYSTEM) -> QueueCollector:
    """The queue figures in `EXPOSED` for this engine, registered once however many apps are built."""
    collector = _collectors.get(id(engine))
    if collector is None:
        for old in _collectors.values():
            EXPOSED.unregister(old)
        _collectors.clear()
        collector = _collectors[id(engine)] = QueueCollector(engine, clock)
        EXPOSED.register(collector)
    return collector


def observability_routes(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> list[Route]:
    queue_collector(engine, clock)
    probe = ReadinessProbe(engine, settings)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        readiness = await probe.check()
        return JSONResponse(readiness.to_dict(), status_code=200 if readiness.ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(await run_in_threadpool(generate_latest, EXPOSED), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


def observability_app(engine: Engine, settings: Settings, clock: Clock = SYSTEM) -> Starlette:
    return Starlette(routes=observability_routes(engine, settings, clock))
