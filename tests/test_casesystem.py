"""caremanagement as the robot's case system: errands in, RECOMMENDATION decisions back, once; human
decisions back; every call checked against the published contract by the stub on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import re
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
from tests.test_ssbtek_tls import pki  # noqa: F401 (a fixture)

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
    assert "20 ärenden, 20 köade (3 med uppgifter för en handläggare)" in first.stdout

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

    status = robot(env, "outbox", "status")
    assert "väntar 0, levererade 20; mottagare: caremanagement:" in status.stdout, status.stdout + status.stderr

    second = robot(env, "batch")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "20 ärenden, 0 köade" in second.stdout
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


def test_an_approval_in_the_web_app_is_posted_as_its_own_decision(stub, tmp_path, settings, engine, ruleset):
    from robot.casework.recommendations import find_recommendation, list_recommendations
    from robot.cli.outbox import one_pass
    from robot.intake.casesystem import poll_casesystem
    from robot.web.app import create_app
    from tests.web_support import add_accounts, logged_in, post

    state, base = stub
    config = _settings(settings, base, tmp_path, state.data)
    asyncio.run(poll_casesystem(engine, config))
    _process(engine, config)
    asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True))
    assert len(state.posted("RECOMMENDATION")) == 20 and state.posted("BESLUT") == []

    add_accounts(engine)
    anna = logged_in(create_app(config, engine, titles=dict(ruleset.reasons)), "anna.h")
    first = list_recommendations(engine).items[0]
    page = anna.get(f"/rekommendationer/{first.application_id}")
    code = re.search(r'name="granskat" value="([0-9a-f]{8})"', page.text).group(1)
    assert post(anna, f"/rekommendationer/{first.application_id}/faststall", granskat=code).status_code == 303
    assert find_recommendation(engine, first.application_id).status == "approved"
    asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True))

    human = state.posted("BESLUT")
    assert len(human) == 1, "the approval is its own decision on the errand"
    decision = human[0]
    assert decision["value"] == "BIFALL" and decision["amount"] == first.amount
    assert decision["createdBy"] == "anna.h" and "enligt robotens förslag" in decision["description"]
    assert decision in state.decisions[first.application_id]
    assert contract.caremanagement().schema_problems({"$ref": "#/components/schemas/Decision"}, decision) == []
    with engine.connect() as conn:
        bodies = [json.loads(b)["format"] for b in conn.execute(select(decisions.c.body)).scalars()]
    assert bodies.count("forslag/1") == 20 and bodies.count("beslut/1") == 1
    asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True))
    assert len(state.posted()) == 21 and state.violations == []


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


def _gateway_settings(settings, base: str, **caremanagement):  # type: ignore[no-untyped-def]
    return _settings(settings, base, settings.data_dir.parent, StubData()).model_copy(update={
        "caremanagement": settings.caremanagement.model_copy(update={"url": f"{base}/caremanagement",
                                                                     **caremanagement}),
    })  # fmt: skip


def test_tokens_are_cached_and_renewed_before_they_expire(stub, settings):
    import time

    from robot.adapters.casesystem.caremanagement import Caremanagement
    from robot.adapters.casesystem.gateway import Gateway

    state, base = stub
    state.token_seconds = 300
    config = _gateway_settings(settings, base)
    config = config.model_copy(update={"gateway": config.gateway.model_copy(update={"renew_before_seconds": 60.0})})

    async def calls() -> None:
        service = Caremanagement(Gateway(config), config)
        try:
            errand = next(iter(state.data.errands))
            for _ in range(3):
                await service.decisions(errand)  # the same token, cached
            # The token now expires within the renewal margin (as if 250 s had passed; no sleeping on a
            # loaded machine): it is renewed before the next call, never sent to be refused.
            service.gateway._client.token["expires_at"] = int(time.time()) + 50
            await service.decisions(errand)
        finally:
            await service.aclose()

    asyncio.run(calls())
    assert [c.operation for c in state.calls].count("token") == 2
    assert all(c.bearer and c.status == 200 for c in state.calls if c.operation == "readDecisions")
    assert state.violations == []


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (lambda: __import__("httpx").Response(302, headers={"location": "http://127.0.0.1:1/elsewhere"}), "redirects"),
        (lambda: __import__("httpx").Response(200, content=b"[" + b'{"value":"x"},' * 400_000 + b"{}]"), "larger than"),
        (lambda: __import__("httpx").Response(401, json={"title": "no"}), "refused the robot's token"),
    ],
)
def test_the_gateway_follows_no_redirect_reads_no_huge_answer_and_names_a_refusal(settings, answer, problem):
    import httpx

    from robot.adapters.casesystem.caremanagement import Caremanagement
    from robot.adapters.casesystem.gateway import Gateway, GatewayError

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 300})
        return answer()

    config = _gateway_settings(settings, "http://127.0.0.1:9")

    async def call() -> None:
        service = Caremanagement(Gateway(config, httpx.MockTransport(handler)), config)
        try:
            await service.decisions("e1")
        finally:
            await service.aclose()

    with pytest.raises(GatewayError, match=problem):
        asyncio.run(call())
    assert "/elsewhere" not in seen


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("url", "http://caremanagement.kommun.example/", "https"),
        ("url", None, "ROBOT_CAREMANAGEMENT_URL"),
    ],
)
def test_settings_that_would_not_be_safe_are_refused_at_start(settings, variable, value, problem):
    from robot.adapters.casesystem.gateway import Gateway

    config = _gateway_settings(settings, "http://127.0.0.1:9")
    config = config.model_copy(update={"caremanagement": config.caremanagement.model_copy(update={variable: value})})
    with pytest.raises(ValueError, match=problem):
        Gateway(config)


def test_a_wrong_client_secret_is_a_refusal_without_a_call(stub, settings):
    from robot.adapters.casesystem.caremanagement import Caremanagement
    from robot.adapters.casesystem.gateway import Gateway, GatewayError

    state, base = stub
    config = _gateway_settings(settings, base)
    config = config.model_copy(update={"gateway": config.gateway.model_copy(update={"client_secret": SecretStr("x")})})

    async def call() -> None:
        service = Caremanagement(Gateway(config), config)
        try:
            await service.decisions(next(iter(state.data.errands)))
        finally:
            await service.aclose()

    with pytest.raises(GatewayError, match="no token"):
        asyncio.run(call())
    assert [c.operation for c in state.calls] == ["token"]


COSTS = ["RENT", "ELECTRICITY", "HOME_INSURANCE", "INTERNET", "UNEMPLOYMENT_FUND", "UNION_FEE", "TRAVEL_APPROVED",
         "TRAVEL_MEDICAL_TRANSPORT", "MEDICAL_CARE", "MEDICINE", "OTHER", "SOMETHING_NEW"]  # fmt: skip
INCOMES = ["OTHER_INCOME", "FINANCIAL_AID_OTHER_MUNICIPALITY", "SALARY", "SWISH_DEPOSITS",
           "OCCUPATIONAL_PENSION_INSURANCE", "CHILD_SUPPORT", "RENT_SHARE_FROM_CHILD"]  # fmt: skip


def test_every_cost_and_income_is_carried_or_named_for_a_handlaggare():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    data = renewal_errands(1, PERIOD)
    view = next(iter(data.errands.values()))
    amounts = st.one_of(st.integers(0, 50_000).map(float), st.decimals(0, 50_000, places=2).map(float))
    costs = st.lists(st.fixed_dictionaries({"costType": st.sampled_from(COSTS), "appliedAmount": amounts},
                                           optional={"otherSubType": st.sampled_from(["OTHER", "MUNICIPAL_FEES",
                                                                                       "ACUTE_DENTAL"])}),
                     max_size=8)  # fmt: skip
    incomes = st.lists(st.fixed_dictionaries({"incomeType": st.sampled_from(INCOMES), "amount": amounts},
                                             optional={"incomeDate": st.just("2026-11-25"),
                                                       "recipient": st.sampled_from(["APPLICANT", "CO_APPLICANT"])}),
                       max_size=8)  # fmt: skip

    @settings(max_examples=150, deadline=None)
    @given(costs, incomes)
    def check(cost_rows, income_rows):  # type: ignore[no-untyped-def]
        errand = {**view, "data": {**view["data"], "costs": cost_rows, "incomes": income_rows}}
        mapped = to_application(errand, data.legal_ids, [], NAMESPACE)
        named = [t for t in mapped.unmapped if t.startswith(("kostnad", "inkomst"))]
        dropped_costs = len(cost_rows) - len(mapped.document["costs"])
        dropped_incomes = len(income_rows) - len(mapped.document["incomes"])
        whole = [t for t in named if "hela kronor" in t]
        assert dropped_costs + dropped_incomes == len(named) - len(whole), mapped.unmapped
        parsed = parse_application(json.dumps(mapped.document).encode())
        assert parsed.application is not None, parsed.errors
        # anything not carried as it was sends the application to manual
        assert bool(parsed.application.unmapped) == bool(dropped_costs or dropped_incomes or whole)

    check()


def test_the_robots_records_are_in_the_outbox_but_never_a_decision(stub, tmp_path, settings, engine):
    from robot.casework.decisions import decisions_for
    from robot.casework.errors import NotFound
    from robot.intake.casesystem import poll_casesystem
    from robot.queue import outbox

    state, base = stub
    config = _settings(settings, base, tmp_path, state.data)
    asyncio.run(poll_casesystem(engine, config))
    _process(engine, config)
    pending = outbox.listing(engine, "pending", 100)
    assert pending.total == 20 and {r.decision for r in pending} == {"forslag"}
    record = pending.items[0]
    assert decisions_for(engine, record.application_id) == [], "an errand's UUID is an application id, not a record's"
    with pytest.raises(NotFound):
        decisions_for(engine, record.event_id)


def test_mutual_tls_to_the_gateway_when_it_asks_for_it(pki, settings):  # noqa: F811 (the fixture)
    from robot.adapters.casesystem.caremanagement import Caremanagement
    from robot.adapters.casesystem.gateway import Gateway, GatewayError
    from robot.adapters.serving import SimulatorTls

    state = StubState(renewal_errands(2, PERIOD), "bistandsrobot", SECRET)
    tls = SimulatorTls(certfile=pki / "server.pem", keyfile=pki / "server.key", client_ca=pki / "ca.pem")
    sock = listening_socket("127.0.0.1", 0)
    base = f"https://127.0.0.1:{sock.getsockname()[1]}"
    with_certificate = _gateway_settings(settings, base, client_cert=pki / "client.pem",
                                         client_key=pki / "client.key", ca_bundle=pki / "ca.pem")  # fmt: skip
    without = _gateway_settings(settings, base, ca_bundle=pki / "ca.pem")

    async def errands(config) -> list[str]:  # type: ignore[no-untyped-def]
        service = Caremanagement(Gateway(config), config)
        try:
            return [e async for e in service.errand_ids()]
        finally:
            await service.aclose()

    with in_thread(CaseSystemStub(state), sock, tls, startup_timeout=10):
        assert sorted(asyncio.run(errands(with_certificate))) == sorted(state.data.errands)
        with pytest.raises(GatewayError):
            asyncio.run(errands(without))
    assert state.violations == []


def test_a_technical_failure_and_a_long_motivering_are_valid_decisions_that_keep_their_marker():
    from robot.adapters.casesystem.decisions import decision_for, marker
    from robot.formats import forslag
    from robot.formats.verdict import Reason

    failed = forslag.without_verdict("e1", "2026-12", Reason(code="TEKNISKT_FEL", text="Ett tekniskt fel."),
                                     ["12 kap. 1 § socialtjänstlagen (2025:400)"], "ev-1", "2026-12-02T09:00:00+01:00")  # fmt: skip
    long = failed.model_copy(update={"event_id": "ev-2", "motivering": ["regel: " + "lång motivering " * 50] * 20})
    schema = {"$ref": "#/components/schemas/Decision"}
    for record in (failed, long):
        decision = decision_for(record.to_json())
        assert decision["value"] == "MANUELL" and "amount" not in decision
        assert "[TEKNISKT_FEL]" in decision["description"]
        assert decision["description"].endswith(marker(record.event_id)) and len(decision["description"]) <= 4096
        assert contract.caremanagement().schema_problems(schema, decision) == []
        assert (decision["periodFrom"], decision["periodTo"]) == ("2026-12-01", "2026-12-31")


@pytest.mark.postgres
def test_on_postgresql_errands_become_decisions_once(stub, tmp_path, settings, postgres_url):
    from robot.cli.outbox import one_pass
    from robot.intake.casesystem import poll_casesystem

    state, base = stub
    engine = make_engine(postgres_url)
    config = _settings(settings, base, tmp_path, state.data).model_copy(update={"database_url": postgres_url})
    try:
        assert asyncio.run(poll_casesystem(engine, config)).queued == 20
        _process(engine, config)
        assert asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True)).delivered == 20
        again = asyncio.run(poll_casesystem(engine, config))
        assert (again.listed, again.queued) == (20, 0)
        assert asyncio.run(one_pass(config, engine, respect_backoff=False, quiet=True)).delivered == 0
    finally:
        engine.dispose()
    assert len(state.posted("RECOMMENDATION")) == 20 and state.violations == []


def test_a_refused_token_is_fetched_anew_at_the_next_call(stub, settings):
    from robot.adapters.casesystem.caremanagement import Caremanagement
    from robot.adapters.casesystem.gateway import Gateway, GatewayError

    state, base = stub
    config = _gateway_settings(settings, base)
    errand = next(iter(state.data.errands))

    async def calls() -> None:
        service = Caremanagement(Gateway(config), config)
        try:
            await service.decisions(errand)
            state.tokens.clear()  # the gateway forgets every token (a restart, a revocation)
            with pytest.raises(GatewayError, match="refused the robot's token"):
                await service.decisions(errand)
            assert await service.decisions(errand) == []
        finally:
            await service.aclose()

    asyncio.run(calls())
    assert [c.operation for c in state.calls].count("token") == 2


def test_the_stub_refuses_what_the_contract_does_not_allow(stub):
    import httpx

    state, base = stub
    errand = next(iter(state.data.errands))
    url = f"{base}/caremanagement/2281/{NAMESPACE}/errands/{errand}/decisions"
    with httpx.Client() as client:
        assert client.get(url).status_code == 401
        token = client.post(f"{base}/token", data={"grant_type": "client_credentials"},
                            auth=("bistandsrobot", SECRET)).json()["access_token"]  # fmt: skip
        bearer = {"authorization": f"Bearer {token}"}
        bad = {"decisionType": "RECOMMENDATION", "value": "BIFALL", "externalId": "x", "id": "mine",
               "decisionDate": "2026-13-01", "description": "x" * 5000}  # fmt: skip
        refused = client.post(url, json=bad, headers=bearer)
        assert refused.status_code == 400
        assert client.get(f"{base}/caremanagement/2281/{NAMESPACE}/errands", params={"size": 0},
                          headers=bearer).status_code == 400  # fmt: skip
        assert client.post(f"{base}/party/2281/PRIVATE/legalIds", json="not a list", headers=bearer).status_code == 400
    problems = " | ".join(state.violations)
    for word in ("no current bearer token", "externalId", "id is readOnly", "is not a 'date'", "request description",
                 "parameter size", "legalIds request"):  # fmt: skip
        assert word in problems, problems
    assert state.posted() == []
