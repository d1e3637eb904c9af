"""What ops' monitoring sees: Prometheus text from the daemon, liveness, readiness, progress lines (issue 15)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.request

import pytest
from structlog.testing import capture_logs

from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.cli.progress import progress
from robot.observability.app import observability_app
from robot.observability.metrics import REGISTRY, RegisterMetrics
from robot.queue.db import make_engine
from tests.builders import register
from tests.conftest import ROOT
from tests.queue_helpers import many, put
from tests.sources_fixture import REGISTER_FILE

PNR_SHAPE = re.compile(r"\b(19|20)?\d{6}[-+]?\d{4}\b")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def register_file(tmp_path):
    path = tmp_path / "register.json"
    path.write_text(json.dumps(register()), encoding="utf-8")
    return path


def test_the_daemon_serves_metrics_health_and_readiness_while_it_works(engine, settings, register_file):
    from robot.adapters.register_source import FileRegisterSource
    from robot.chain.ruleset import load_ruleset
    from robot.chain.stickprov import StickprovInput
    from robot.clock import SYSTEM
    from robot.worker.daemon import Runtime, run_worker

    port = free_port()
    config = settings.model_copy(update={
        "http": settings.http.model_copy(update={"port": port}),
        "ssbtek": settings.ssbtek.model_copy(update={"register_file": register_file}),
    })  # fmt: skip
    put(engine, config, SYSTEM, *many(12, "OBS"))
    before = sample("robot_applications_processed_total", outcome="manual")
    drawn_before = sample("robot_verdict_reasons_total", outcome="manual", code="STICKPROV")
    seen: dict[str, tuple[int, str]] = {}

    async def scrape_then_stop(stop: asyncio.Event) -> None:
        for _ in range(100):  # the queue's figures are read at most every 5 s
            await asyncio.sleep(0.2)
            for path in ("/healthz", "/readyz", "/metrics"):
                seen[path] = await asyncio.to_thread(get, f"http://127.0.0.1:{port}{path}")
            if all(f'state="{s}"}} 0.0' in seen["/metrics"][1] for s in ("NEW", "IN_PROGRESS")):
                break
        stop.set()

    async def main():
        stop = asyncio.Event()
        rt = Runtime(engine, config, load_ruleset(config.rules_dir), FileRegisterSource(register_file),
                     StickprovInput(key=b"k", rate_override=1.0), "obs-worker")  # fmt: skip
        scraper = asyncio.create_task(scrape_then_stop(stop))
        stats = await run_worker(rt, until_idle=False, watch_inbox=False, schedule=False, stop=stop, serve_http=True)
        await scraper
        return stats

    stats = asyncio.run(main())
    assert stats.processed == 12
    assert seen["/healthz"] == (200, '{"status":"alive"}')
    status, body = seen["/readyz"]
    assert status == 200 and {c["name"]: c["ok"] for c in json.loads(body)["checks"]} == {
        "database": True, "migrations": True, "rules": True, "register": True}  # fmt: skip
    text = seen["/metrics"][1]
    assert 'robot_queue_applications{state="NEW"} 0.0' in text and "robot_database_up 1.0" in text
    assert "robot_outbox_pending_records 0.0" in text  # no outbox table on this branch: zeros
    assert 'robot_verdict_reasons_total{code="STICKPROV",outcome="manual"}' in text  # every one drawn (rate 1)
    assert sample("robot_verdict_reasons_total", outcome="manual", code="STICKPROV") - drawn_before == 12
    assert 'robot_stickprov_draws_total{selected="true"}' in text
    assert sample("robot_applications_processed_total", outcome="manual") - before == 12
    assert not PNR_SHAPE.search(text) and "OBS-" not in text  # no personnummer, no application ids


def asgi_get(app, *paths: str) -> list:
    """GET each path from the ASGI app in this process (httpx's ASGI transport, no server)."""
    import httpx

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://robot") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(run())


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_readiness_names_what_is_not_ready(tmp_path, settings):
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    config = settings.model_copy(update={"rules_dir": tmp_path / "no-rules"})
    answer, alive = asgi_get(observability_app(empty, config), "/readyz", "/healthz")
    assert answer.status_code == 503
    checks = {c["name"]: c for c in answer.json()["checks"]}
    assert checks["database"]["ok"] and not checks["migrations"]["ok"]
    assert "robot db upgrade" in checks["migrations"]["detail"]
    assert not checks["rules"]["ok"] and "no-rules" in checks["rules"]["detail"]
    assert not checks["register"]["ok"] and "ROBOT_SSBTEK_URL" in checks["register"]["detail"]
    assert alive.status_code == 200


def test_readiness_asks_ssbtek_testabastjanstinformation(engine, settings):
    with ssbtek_simulator(REGISTER_FILE) as sim:
        config = settings.model_copy(update={"ssbtek": settings.ssbtek.model_copy(update={"url": sim.url})})
        (answer,) = asgi_get(observability_app(engine, config), "/readyz")
        assert sim.stats.calls == 1
    register_check = next(c for c in answer.json()["checks"] if c["name"] == "register")
    assert answer.status_code == 200 and register_check["detail"].startswith("SSBTEK answers")


def test_register_calls_and_authority_errors_are_counted_per_service_and_authority(settings):
    async def fetch(url: str) -> None:
        from robot.adapters.register_source import RegisterRequest

        config = settings.model_copy(update={"ssbtek": settings.ssbtek.model_copy(update={"url": url, "retries": 0})})
        source = SoapRegisterSource(config, observer=RegisterMetrics())
        try:
            for pnr in sorted(json.loads(REGISTER_FILE.read_text())["persons"])[:5]:
                await source.fetch(RegisterRequest("A-1", "2026-12", (pnr,), frozenset()))
        finally:
            await source.aclose()

    ok_before = sample("robot_register_calls_total", service="SSBTEK", outcome="ok")
    errors_before = sum(
        sample("robot_register_authority_errors_total", authority=a) for a in ["AF", "CSN", "FK", "SKV", "SO"]
    )
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(authority_error_rate=1.0, seed=1)) as sim:
        asyncio.run(fetch(sim.url))
    assert sample("robot_register_calls_total", service="SSBTEK", outcome="ok") - ok_before == 5
    errors = sum(sample("robot_register_authority_errors_total", authority=a) for a in ["AF", "CSN", "FK", "SKV", "SO"])
    assert errors - errors_before >= 5
    assert sample("robot_register_call_duration_seconds_count", service="SSBTEK") >= 5


def test_the_outbox_backlog_counts_undelivered_records_and_the_oldest_age(engine, settings, ruleset):
    from robot.accounts import Actor, Role
    from robot.clock import FixedClock
    from robot.queue.outbox import backlog
    from tests.builders import application
    from tests.queue_helpers import DictSource, approve_reviewed, put, run_until_idle

    clock = FixedClock()
    assert backlog(engine, clock.now()).pending == 0
    put(engine, settings, clock, application())
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    approve_reviewed(engine, "R1", Actor("anna.h", frozenset({Role.HANDLAGGARE})), settings=settings, clock=clock)
    clock.advance(hours=1)
    waiting = backlog(engine, clock.now())
    assert waiting.pending == 1 and waiting.oldest_age_seconds == 3600


def test_off_a_terminal_progress_is_json_lines_with_rate_and_time_left():
    class Done:
        name = "recommendation"
        duration_ms = 1

    with capture_logs() as logs, progress(10, on_terminal=False, every=0.0) as written:
        for _ in range(4):
            written(Done())  # type: ignore[arg-type]
    lines = [e for e in logs if e["event"] == "progress"]
    assert lines[-1]["processed"] == 4 and lines[-1]["total"] == 10 and lines[-1]["recommendation"] == 4
    assert lines[-1]["per_second"] > 0 and lines[-1]["eta_seconds"] is not None


def test_the_sample_dashboard_asks_only_for_metrics_the_robot_exports(engine):
    from robot.observability.collector import QueueCollector
    from robot.queue import batches

    batches.start(engine, "cli:dashboard", "cli", "w")  # the batch figures show once there is a batch
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    exported = {
        family.name + suffix
        for family in [*REGISTRY.collect(), *QueueCollector(engine).collect()]
        for suffix in suffixes.get(family.type, ("",))
    }
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    asked = {name for p in dashboard["panels"] for t in p["targets"]
             for name in re.findall(r"\b(?:robot|process)_\w+", t["expr"])}  # fmt: skip
    assert asked and asked <= exported, asked - exported
