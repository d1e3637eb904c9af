"""caremanagement as the robot's case system: errands in, RECOMMENDATION decisions back, once; human
decisions back; every call checked against the published contract by the stub on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from robot.adapters.casesystem import contract
from robot.adapters.casesystem.decisions import MARKER
from robot.adapters.casesystem.mapping import to_application
from robot.adapters.casesystem.stub import CaseSystemStub, StubState
from robot.adapters.casesystem.stub_data import NAMESPACE, StubData, renewal_errands
from robot.adapters.serving import in_thread, listening_socket
from robot.formats.application import parse_application
from robot.queue.db import make_engine
from robot.queue.schema import applications, decisions, verdicts
from tests.conftest import ROOT, STICKPROV_KEY

PERIOD = "2026-12"
SECRET = "stub-client-secret-0123456789abcdef"


@pytest.fixture
def stub() -> Iterator[tuple[StubState, str]]:
    state = StubState(renewal_errands(20, PERIOD), "bistandsrobot", SECRET)
    sock = listening_socket("127.0.0.1", 0)
    with in_thread(CaseSystemStub(state), sock, None, startup_timeout=10):
        yield state, f"http://127.0.0.1:{sock.getsockname()[1]}"


def casesystem_env(base: str, tmp_path: Path, data: StubData, **extra: str) -> dict[str, str]:
    register = tmp_path / "register.json"
    register.write_text(json.dumps(data.register), encoding="utf-8")
    env = {
        **os.environ,
        "ROBOT_DATA_DIR": str(tmp_path / "data"),
        "ROBOT_SSBTEK_REGISTER": str(register),
        "ROBOT_STICKPROV_KEY": STICKPROV_KEY,
        "ROBOT_STICKPROV_RATE": "0",
        "ROBOT_QUEUE_HOLD_UNTIL_BATCH": "false",
        "ROBOT_LOG_FORMAT": "json",
        "ROBOT_CONFIG": os.devnull,
        "ROBOT_CASESYSTEM": "caremanagement",
        "ROBOT_CAREMANAGEMENT_URL": f"{base}/caremanagement",
        "ROBOT_CAREMANAGEMENT_MUNICIPALITY_ID": "2281",
        "ROBOT_CAREMANAGEMENT_NAMESPACE": NAMESPACE,
        "ROBOT_CAREMANAGEMENT_PAGE_SIZE": "7",
        "ROBOT_PARTY_URL": f"{base}/party",
        "ROBOT_GATEWAY_TOKEN_URL": f"{base}/token",
        "ROBOT_GATEWAY_CLIENT_ID": "bistandsrobot",
        "ROBOT_GATEWAY_CLIENT_SECRET": SECRET,
    }
    env.pop("ROBOT_DATABASE_URL", None)
    env.update(extra)
    return env


def robot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip


def test_a_batch_turns_20_errands_into_20_recommendation_decisions_once(stub, tmp_path):
    state, base = stub
    env = casesystem_env(base, tmp_path, state.data)
    assert robot(env, "db", "upgrade").returncode == 0
    first = robot(env, "batch")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "20 errands, 20 queued (3 with fields for a handläggare)" in first.stdout

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'robot.db'}")
    with engine.connect() as conn:
        stored = set(conn.execute(select(applications.c.application_id)).scalars())
        verdict_count = len(conn.execute(select(verdicts.c.id)).all())
    assert stored == set(state.data.errands) and verdict_count == 20

    posted = state.posted("RECOMMENDATION")
    assert len(posted) == 20 and len(state.posted()) == 20
    assert {e for e, ds in state.decisions.items() if ds} == set(state.data.errands)
    decision_schema = {"$ref": "#/components/schemas/Decision"}
    for d in posted:
        assert contract.caremanagement().schema_problems(decision_schema, d) == []
        assert MARKER in d["description"] and "Lagrum: " in d["description"]
    values = sorted(d["value"] for d in posted)
    assert values.count("MANUELL") == 3 and values.count("BIFALL") == 17
    assert all(d["amount"] > 0 for d in posted if d["value"] == "BIFALL")
    manual = [d for d in posted if d["value"] == "MANUELL"]
    assert all("UPPGIFT_UTAN_MOTSVARIGHET" in d["description"] for d in manual)
    assert any("Swish" in d["description"] for d in manual) and any("företag" in d["description"] for d in manual)
    assert any("tolk" in d["description"] for d in manual)

    api = [c for c in state.calls if c.operation != "token"]
    assert api and all(c.bearer for c in api), "every call to caremanagement and party carries a bearer token"
    assert state.violations == []
    assert len([c for c in state.calls if c.operation == "createDecision"]) == 20

    second = robot(env, "batch")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "20 errands, 0 queued" in second.stdout
    assert len(state.posted()) == 20, "a second batch posts no decision"
    assert len([c for c in state.calls if c.operation == "readErrand_1"]) == 20, "no errand is fetched twice"
    assert state.violations == []


def test_a_lost_answer_is_redelivered_without_a_second_decision(stub, tmp_path, settings, engine):
    """The stub stores the decision, then answers 500: the retry reads the errand, finds it, posts nothing."""
    from robot.intake.casesystem import poll_casesystem
    from robot.outbox.casesystem import CaremanagementTarget
    from robot.outbox.deliverer import Deliverer

    state, base = stub
    config = _settings(settings, base, tmp_path, state.data)
    asyncio.run(poll_casesystem(engine, config))
    _process(engine, config)
    state.lose_answers = 1

    async def deliver():  # type: ignore[no-untyped-def]
        target = CaremanagementTarget(config)
        try:
            return await Deliverer(engine, config.output, target, "test-deliverer").deliver_pending()
        finally:
            await target.aclose()

    report = asyncio.run(deliver())
    assert report.delivered == 20
    assert len([c for c in state.calls if c.operation == "createDecision"]) == 20, "the lost answer: one post"
    assert len(state.posted("RECOMMENDATION")) == 20
    assert state.violations == []


def _settings(settings, base: str, tmp_path: Path, data: StubData):  # type: ignore[no-untyped-def]
    register = tmp_path / "register.json"
    register.write_text(json.dumps(data.register), encoding="utf-8")
    return settings.model_copy(update={
        "casesystem": "caremanagement",
        "caremanagement": settings.caremanagement.model_copy(update={"url": f"{base}/caremanagement",
                                                                     "namespace": NAMESPACE}),
        "party": settings.party.model_copy(update={"url": f"{base}/party"}),
        "gateway": settings.gateway.model_copy(update={"token_url": f"{base}/token", "client_id": "bistandsrobot",
                                                       "client_secret": SecretStr(SECRET)}),
        "ssbtek": settings.ssbtek.model_copy(update={"register_file": register}),
        "output": settings.output.model_copy(update={"retries": 2}),
    })  # fmt: skip


def _process(engine, config) -> None:  # type: ignore[no-untyped-def]
    from robot.adapters.register_source import FileRegisterSource
    from robot.chain.ruleset import load_ruleset
    from robot.chain.stickprov import StickprovInput
    from robot.worker.daemon import Runtime, run_worker

    rt = Runtime(engine, config, load_ruleset(config.rules_dir), FileRegisterSource(config.ssbtek.register_file),
                 StickprovInput(rate_override=0.0), "test-worker")  # fmt: skip
    asyncio.run(run_worker(rt, until_idle=True, watch_inbox=False, schedule=False, deliver=False))


def test_an_approval_in_the_workplace_is_posted_as_its_own_decision(stub, tmp_path, settings, engine):
    from robot.accounts import Actor, Role
    from robot.casework.recommendations import approve_recommendation, list_recommendations
    from robot.cli.outbox import one_pass

    state, base = stub
    config = _settings(settings, base, tmp_path, state.data)
    from robot.intake.casesystem import poll_casesystem

    asyncio.run(poll_casesystem(engine, config))
    _process(engine, config)
    asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True))
    assert len(state.posted("RECOMMENDATION")) == 20

    first = list_recommendations(engine).items[0]
    approve_recommendation(engine, first.ref, Actor("anna.h", frozenset({Role.HANDLAGGARE}), "web"), settings=config)
    asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True))

    human = state.posted("BESLUT")
    assert len(human) == 1
    decision = human[0]
    assert decision["value"] == "BIFALL" and decision["amount"] == first.amount
    assert decision["createdBy"] == "anna.h" and "enligt robotens förslag" in decision["description"]
    assert decision in state.decisions[first.application_id]
    assert contract.caremanagement().schema_problems({"$ref": "#/components/schemas/Decision"}, decision) == []
    with engine.connect() as conn:
        bodies = [json.loads(b)["format"] for b in conn.execute(select(decisions.c.body)).scalars()]
    assert bodies.count("forslag/1") == 20 and bodies.count("beslut/1") == 1
    assert state.violations == []


def test_fields_without_a_counterpart_are_named_never_dropped():
    data = renewal_errands(7, PERIOD)
    views = list(data.errands.values())
    swish, company, interpreter = views[2], views[4], views[5]
    for view, word in ((swish, "SWISH_DEPOSITS"), (company, "COMPANY"), (interpreter, "tolk")):
        mapped = to_application(view, data.legal_ids, [], NAMESPACE)
        assert any(word in text for text in mapped.unmapped), mapped.unmapped
        parsed = parse_application(json.dumps(mapped.document).encode())
        assert parsed.application is not None and parsed.application.unmapped == mapped.unmapped
    plain = to_application(views[0], data.legal_ids, data.lifecare[views[0]["data"]["persons"][0]["partyId"]], "X")
    assert plain.unmapped == [] and "unmapped" not in plain.document
    assert plain.document["history"] == {"consecutive_months_with_support": 6, "last_support_month": "2026-11"}
    assert plain.document["costs"] == [{"type": "hyra", "amount": 6500}, {"type": "hushallsel", "amount": 350}]
