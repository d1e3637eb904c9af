"""`SoapRegisterSource` against the simulator over real HTTP: data, faults, retries, timeouts, ping, TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from robot.adapters.composed import ComposedRegisterSource
from robot.adapters.register_source import FileRegisterSource, RegisterRequest, RegisterUnavailable
from robot.adapters.sources import RegisterSourceNotConfigured, make_register_source
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.request import control_period
from robot.adapters.ssbtek.simulator import (
    FaultInjection,
    SimulatorApp,
    SimulatorTls,
    expected_person,
    load_register,
    ssbtek_simulator,
)
from robot.adapters.ssbtek.soap import V10, V11, SoapFault
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import AfInfo, Authority, Register, RegisterIncome, RegisterPerson
from tests.http_fake import MockExchange
from tests.sources_fixture import A_KASSA, ABSENT, FK_DOWN, PENSIONER, REGISTER_FILE, SICK, STUDENT, WORKER

SAMPLE = load_register(REGISTER_FILE)
DEFAULT_INCLUDE = frozenset({Authority.AF, Authority.CSN, Authority.FK, Authority.SKV, Authority.SO})


def fast_settings(url: str, **ssbtek) -> Settings:
    values = {
        "url": url,
        "retries": 2,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "connect_timeout_seconds": 1.0,
        "timeout_seconds": 2.0,
        **ssbtek,
    }
    return Settings(ssbtek=values)


def fetch(settings: Settings, *persons: str, period: str = "2026-12", authorities=frozenset()):
    async def run():
        source = SoapRegisterSource(settings)
        try:
            return await source.fetch(RegisterRequest("GBG-2026-12-000123", period, persons, frozenset(authorities)))
        finally:
            await source.aclose()

    return asyncio.run(run())


def expected(pnr: str, include=DEFAULT_INCLUDE, period: str = "2026-12") -> RegisterPerson:
    return expected_person(SAMPLE, pnr, frozenset(include), *control_period(period))


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
def test_a_round_trip_gives_back_the_register_files_data_for_persons_present_and_absent(contract):
    persons = (*SAMPLE.persons, ABSENT)
    with ssbtek_simulator(REGISTER_FILE, contract=contract) as sim:
        register = fetch(fast_settings(sim.url, protocol=contract.version), *persons)
        assert sim.stats.calls == len(persons)
    assert register.format == "register/1"
    assert list(register.persons) == list(persons)
    for pnr in persons:
        assert register.persons[pnr] == expected_person(SAMPLE, pnr, DEFAULT_INCLUDE, *control_period("2026-12"),
                                                        contract), pnr  # fmt: skip
    # The same, spelled out for a few people: v11 carries the monthly pay (v10 does not); neither the attendance.
    monthly_pay = [
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-10", amount=8600, tax_withheld=1700),
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=9000, tax_withheld=1800),
    ]
    assert register.persons[WORKER].incomes == [
        RegisterIncome(source="FK", type=IncomeType.barnbidrag, month="2026-11", amount=1250),
        RegisterIncome(source="FK", type=IncomeType.bostadsbidrag, month="2026-11", amount=1800),
        *(monthly_pay if contract is V11 else []),
    ]
    assert register.persons[WORKER].activity is None
    assert register.persons[A_KASSA].incomes == [
        RegisterIncome(source="SO", type=IncomeType.a_kassa, month="2026-10", amount=5100),
        RegisterIncome(source="SO", type=IncomeType.a_kassa, month="2026-11", amount=5400),
    ]
    assert register.persons[PENSIONER].af == AfInfo(
        status="inskriven", aktivitetsrapport=501, registered_since=dt.date(2019, 5, 20)
    )
    assert register.persons[STUDENT].af.status == "ej_inskriven"
    assert register.persons[ABSENT] == RegisterPerson()


def test_one_authority_failing_is_reported_while_the_others_data_is_used():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        register = fetch(fast_settings(sim.url), FK_DOWN)
    person = register.persons[FK_DOWN]
    assert person.unavailable == [Authority.FK]
    assert person.af == SAMPLE.persons[FK_DOWN].af


def test_the_same_person_twice_is_asked_once():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        register = fetch(fast_settings(sim.url), WORKER, WORKER)
        assert sim.stats.calls == 1
    assert list(register.persons) == [WORKER]


def test_authorities_the_rules_need_are_asked_too():
    register = Register(
        format="register/1",
        persons={WORKER: RegisterPerson(unavailable=[Authority.MIV, Authority.TNS])},
    )
    with ssbtek_simulator(register) as sim:
        asked = fetch(fast_settings(sim.url, include=["AF"]), WORKER, authorities={Authority.MIV})
    assert asked.persons[WORKER].unavailable == [Authority.MIV]


def test_latency_is_waited_out_and_the_adults_are_asked_concurrently():
    persons = (WORKER, A_KASSA, SICK, STUDENT)
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(latency_ms=250)) as sim:
        started = time.monotonic()
        register = fetch(fast_settings(sim.url), *persons)
        elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 0.9  # four calls one after the other would take at least 1 s
    assert all(register.persons[p] == expected(p) for p in persons)


def test_hundreds_of_calls_in_flight_at_once():
    persons = tuple(f"19900101{n:04d}" for n in range(300))
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(latency_ms=200)) as sim:
        started = time.monotonic()
        register = fetch(fast_settings(sim.url, concurrency=300), *persons)
        elapsed = time.monotonic() - started
        assert sim.stats.answered == 300
    assert elapsed < 6  # one after the other: 60 s
    assert all(person == RegisterPerson() for person in register.persons.values())


def test_transient_5xx_answers_are_retried_until_they_succeed():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(fail_first=2)) as sim:
        register = fetch(fast_settings(sim.url, retries=2), WORKER)
        assert (sim.stats.calls, sim.stats.injected_errors, sim.stats.answered) == (3, 2, 1)
    assert register.persons[WORKER] == expected(WORKER)


def test_random_5xx_answers_are_retried_until_they_succeed():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(error_rate=0.5, seed=7)) as sim:
        register = fetch(fast_settings(sim.url, retries=10), *SAMPLE.persons)
        assert sim.stats.injected_errors > 0
        assert sim.stats.answered == len(SAMPLE.persons)
    assert all(register.persons[p] == expected(p) for p in SAMPLE.persons)


def test_persistent_5xx_answers_raise_register_unavailable_after_the_configured_retries():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(error_rate=1.0, seed=1)) as sim:
        with pytest.raises(RegisterUnavailable, match=r"after 3 attempt\(s\): HTTP 50[03]") as caught:
            fetch(fast_settings(sim.url, retries=2), WORKER)
        assert sim.stats.calls == 3
    assert WORKER not in str(caught.value)


def test_timeouts_raise_register_unavailable_after_the_configured_retries():
    faults = FaultInjection(timeout_rate=1.0, seed=1)
    with ssbtek_simulator(REGISTER_FILE, faults) as sim:
        started = time.monotonic()
        with pytest.raises(RegisterUnavailable, match=r"after 2 attempt\(s\): timeout \(no answer within"):
            fetch(fast_settings(sim.url, retries=1, timeout_seconds=0.2), WORKER)
        assert time.monotonic() - started < 3
        assert sim.stats.injected_timeouts == 2
        assert sim.stats.answered == 0


def test_random_authority_errors_make_those_authorities_unavailable_without_failing_the_fetch():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(authority_error_rate=1.0, seed=1)) as sim:
        register = fetch(fast_settings(sim.url), WORKER)
    person = register.persons[WORKER]
    assert person.unavailable == sorted(DEFAULT_INCLUDE, key=lambda a: a.value)
    assert person.incomes == []


def test_a_soap_fault_raises_register_unavailable_without_retrying():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        invalid = Settings(
            ssbtek={"url": sim.url, "retries": 3, "backoff_initial_seconds": 0.01},
            municipality={"namn": ""},
        )
        with pytest.raises(SoapFault, match="felkod SSBT-VALIDERING") as caught:
            fetch(invalid, WORKER)
        assert sim.stats.calls == 1
    assert isinstance(caught.value, RegisterUnavailable)
    assert WORKER not in str(caught.value)


def test_one_failing_adult_fails_the_whole_fetch():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(fail_first=1)) as sim, pytest.raises(RegisterUnavailable):
        fetch(fast_settings(sim.url, retries=0), WORKER, A_KASSA)


def test_an_unreachable_service_raises_register_unavailable():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        url = sim.url
    with pytest.raises(RegisterUnavailable, match=r"after 3 attempt\(s\): transport error \(cannot connect\)"):
        fetch(fast_settings(url), WORKER)


def test_ping_reports_every_authority():
    async def ping(url: str):
        source = SoapRegisterSource(fast_settings(url))
        try:
            return await source.ping()
        finally:
            await source.aclose()

    with ssbtek_simulator(REGISTER_FILE) as sim:
        states = asyncio.run(ping(sim.url))
    assert {a: s.state for a, s in states.items()} == dict.fromkeys(Authority, "ok")
    with pytest.raises(RegisterUnavailable):
        asyncio.run(ping(sim.url))


def test_logs_carry_the_application_id_and_never_personal_data():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(fail_first=1)) as sim, capture_logs() as logs:
        fetch(fast_settings(sim.url), FK_DOWN)
    assert {entry["event"] for entry in logs} == {"ssbtek.retry", "ssbtek.authority_error"}
    assert all(entry["application_id"] == "GBG-2026-12-000123" for entry in logs)
    text = repr(logs)
    assert FK_DOWN not in text and FK_DOWN[2:] not in text


# Answers that are not what the contract promises (a mock transport stands in for SSBTEK) -----


def mock_source(handler) -> tuple[SoapRegisterSource, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    settings = fast_settings("http://127.0.0.1:9/", retries=2)
    return SoapRegisterSource(settings, exchange=MockExchange(record)), seen


def run_fetch(source: SoapRegisterSource, pnr: str = WORKER):
    async def run():
        try:
            return await source.fetch(RegisterRequest("A-1", "2026-12", (pnr,), frozenset()))
        finally:
            await source.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("status", "content", "calls", "message"),
    [
        (200, b"<html>maintenance</html>", 1, "not a SOAP 1.1 envelope"),
        (200, b"\xff\xfe garbage", 1, "not well-formed XML"),
        (404, b"Not Found", 1, "HTTP 404"),
        (429, b"slow down", 3, "HTTP 429"),
        (502, b"<html>Bad Gateway</html>", 3, "HTTP 502"),
    ],
)
def test_answers_outside_the_contract(status, content, calls, message):
    source, seen = mock_source(lambda request: httpx.Response(status, content=content))
    with pytest.raises(RegisterUnavailable, match=message):
        run_fetch(source)
    assert len(seen) == calls


def test_an_answer_to_another_question_is_refused():
    app = SimulatorApp(SAMPLE)

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = app.answer(request.content.replace(b"<ssbt:korrelationsid>", b"<ssbt:korrelationsid>x"))
        return httpx.Response(status, content=body)

    source, _ = mock_source(answer)
    with pytest.raises(RegisterUnavailable, match="another question"):
        run_fetch(source)


def test_requests_are_soap_11_posts():
    app = SimulatorApp(SAMPLE)

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = app.answer(request.content)
        return httpx.Response(status, content=body)

    source, seen = mock_source(answer)
    run_fetch(source)
    assert seen[0].method == "POST"
    assert seen[0].headers["content-type"] == "text/xml; charset=utf-8"
    assert seen[0].headers["soapaction"] == '""'


# Which source the robot uses ----------------------------------------------------------------


def test_make_register_source_composes_ssbtek_with_pay_and_activity_then_falls_back_to_the_file():
    everything = Settings(
        ssbtek={"url": "http://127.0.0.1:9/", "register": str(REGISTER_FILE)},
        agi={"url": "http://127.0.0.1:9/agi/"},
        activity={"file": str(REGISTER_FILE)},
    )
    composed = make_register_source(everything)
    assert isinstance(composed, ComposedRegisterSource) and composed.name == "ssbtek+agi+activity-file"
    assert isinstance(composed.ssbtek, SoapRegisterSource)
    asyncio.run(composed.aclose())
    alone = make_register_source(Settings(ssbtek={"url": "http://127.0.0.1:9/"}))
    assert alone.name == "ssbtek" and alone.pay is None and alone.activity is None
    asyncio.run(alone.aclose())
    file = make_register_source(Settings(ssbtek={"register": str(REGISTER_FILE)}))
    assert isinstance(file, FileRegisterSource)
    with pytest.raises(RegisterSourceNotConfigured, match=r"ROBOT_SSBTEK_URL.*ROBOT_SSBTEK_REGISTER"):
        make_register_source(Settings())


def test_a_client_key_without_a_certificate_is_a_configuration_error():
    with pytest.raises(ValueError, match="ROBOT_SSBTEK_CLIENT_CERT"):
        SoapRegisterSource(Settings(ssbtek={"url": "https://x/", "client_key": "/nonexistent.key"}))
    with pytest.raises(ValueError, match="ROBOT_SSBTEK_CLIENT_CERT: cannot read"):
        SoapRegisterSource(Settings(ssbtek={"url": "https://x/", "client_cert": "/nonexistent.pem"}))


# Mutual TLS -----------------------------------------------------------------------------------


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA", cwd=d)
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        (d / f"{name}.ext").write_text(extra + "\n")
        openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d,
        )  # fmt: skip
    return d


def test_mutual_tls_with_the_configured_client_certificate_and_ca_bundle(pki: Path):
    tls = SimulatorTls(certfile=pki / "server.pem", keyfile=pki / "server.key", client_ca=pki / "ca.pem")
    with ssbtek_simulator(REGISTER_FILE, tls=tls) as sim:
        assert sim.url.startswith("https://")
        mutual = fast_settings(
            sim.url,
            client_cert=str(pki / "client.pem"),
            client_key=str(pki / "client.key"),
            ca_bundle=str(pki / "ca.pem"),
        )
        register = fetch(mutual, WORKER)
        assert register.persons[WORKER] == expected(WORKER)
        with pytest.raises(RegisterUnavailable):
            fetch(fast_settings(sim.url, ca_bundle=str(pki / "ca.pem"), retries=0), WORKER)
        with pytest.raises(RegisterUnavailable):
            fetch(fast_settings(sim.url, retries=0), WORKER)  # the server's CA is not trusted


def _padded(elements: int):
    """The simulator's answer with `elements` extra empty elements after the payload: well-formed, and
    ignored by the decoders, so only the parser's bound can refuse it."""
    app = SimulatorApp(SAMPLE)

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = app.answer(request.content)
        head, _, tail = body.rpartition(b"</")
        return httpx.Response(status, content=head + b"<x/>" * elements + b"</" + tail)

    return answer


def test_a_huge_but_well_formed_answer_is_unavailable_before_it_is_built():
    """Issue 22: a million elements cost 324–445 MB and 0.5 s of event-loop CPU each."""
    source, seen = mock_source(_padded(1_000_000))
    started = time.process_time()
    with pytest.raises(RegisterUnavailable, match=r"SSBTEK's answer has more than 50000 XML elements"):
        run_fetch(source)
    assert len(seen) == 1, "an answer beyond the bound is not asked again"
    assert time.process_time() - started < 0.5


def test_an_answer_with_many_but_bounded_elements_is_read():
    source, _ = mock_source(_padded(10_000))
    (person,) = run_fetch(source).persons.values()
    assert person == expected(WORKER)
