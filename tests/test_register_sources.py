"""One contract for every register source (the file, SSBTEK through its simulator, and the composed
source the worker uses), then what the composed source and the activity adapter add."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from robot.adapters.activity import FileActivitySource
from robot.adapters.agi.client import PayRecords
from robot.adapters.composed import ComposedRegisterSource
from robot.adapters.register_source import FileRegisterSource, RegisterRequest, RegisterSource, RegisterUnavailable
from robot.adapters.sources import make_register_source
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.simulator import FaultInjection, RunningSimulator, ssbtek_simulator
from robot.adapters.ssbtek.soap import V10
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import NOT_REGISTERED, Authority, Register, RegisterIncome, RegisterPerson
from tests.sources_fixture import (
    A_KASSA,
    ABSENT,
    FK_DOWN,
    REGISTER_FILE,
    SICK,
    SKV_SO_DOWN,
    WORKER,
    register,
)

PERIOD = "2026-12"
CONTROL_MONTHS = ("2026-10", "2026-11")
ASKED = frozenset({Authority.AF, Authority.CSN, Authority.FK, Authority.SKV, Authority.SO})
EVERYTHING = frozenset({"af", "AF", "CSN", "FK", "SKV", "SO", "activity"})
SSBTEK_CARRIES = frozenset({"af", "CSN", "FK", "SKV", "SO"})
"""What SSBTEK v11 alone can say: registration at AF and the incomes of CSN, FK (with
Pensionsmyndigheten), Skatteverket's monthly pay and the a-kassor; not the providers' attendance."""
SSBTEK_V10_CARRIES = SSBTEK_CARRIES - {"SKV"}
"""v10 has no monthly pay."""


def view(person: RegisterPerson, carries: frozenset[str]) -> RegisterPerson:
    """The part of a person's register data a source carries, for the control months."""
    incomes = sorted(
        (i for i in person.incomes if i.source in carries and i.month in CONTROL_MONTHS),
        key=lambda i: (i.source, i.month, i.type.value, i.amount, i.tax_withheld or -1),
    )
    activity = None
    if "activity" in carries and person.activity is not None:
        activity = [a for a in person.activity if a.month in CONTROL_MONTHS]
    return RegisterPerson(
        af=person.af if "af" in carries else NOT_REGISTERED,
        incomes=incomes,
        unavailable=[a for a in person.unavailable if a in ASKED],
        activity=activity,
    )


@dataclass
class Case:
    make: Callable[[], RegisterSource]
    carries: frozenset[str]
    broken: Callable[[], contextlib.AbstractContextManager[RegisterSource]] | None


def settings_for(sim: RunningSimulator, **ssbtek) -> Settings:
    fast = {"retries": 1, "backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.02, "timeout_seconds": 2.0}
    return Settings(
        ssbtek={"url": sim.url, **fast, **ssbtek},
        agi={"url": sim.agi_url, **fast},
        activity={"file": str(REGISTER_FILE)},
    )


@contextlib.contextmanager
def failing(make: Callable[[Settings], RegisterSource]) -> Iterator[RegisterSource]:
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(fail_first=1000)) as sim:
        yield make(settings_for(sim))


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with ssbtek_simulator(REGISTER_FILE) as sim:
        yield sim


@pytest.fixture(scope="module")
def simulator_v10() -> Iterator[RunningSimulator]:
    with ssbtek_simulator(REGISTER_FILE, contract=V10) as sim:
        yield sim


@pytest.fixture(params=["file", "ssbtek", "ssbtek-v10", "composed", "composed-v10", "composed-without-agi"])
def case(request, simulator: RunningSimulator, simulator_v10: RunningSimulator) -> Case:
    return make_case(request.param, simulator, simulator_v10)


@pytest.fixture(params=["ssbtek", "composed"])
def case_that_can_fail(request, simulator: RunningSimulator, simulator_v10: RunningSimulator) -> Case:
    """The sources that reach a service (a file always answers)."""
    return make_case(request.param, simulator, simulator_v10)


def make_case(kind: str, simulator: RunningSimulator, simulator_v10: RunningSimulator) -> Case:
    if kind == "file":
        return Case(lambda: FileRegisterSource(REGISTER_FILE), EVERYTHING, None)
    if kind == "ssbtek":
        return Case(
            lambda: SoapRegisterSource(settings_for(simulator)), SSBTEK_CARRIES, lambda: failing(SoapRegisterSource)
        )
    if kind == "ssbtek-v10":
        return Case(lambda: SoapRegisterSource(settings_for(simulator_v10, protocol="v10")), SSBTEK_V10_CARRIES, None)
    if kind == "composed-v10":
        return Case(lambda: make_register_source(settings_for(simulator_v10, protocol="v10")), EVERYTHING, None)
    if kind == "composed-without-agi":
        without_agi = settings_for(simulator).model_copy(update={"agi": Settings().agi})
        return Case(lambda: make_register_source(without_agi), EVERYTHING, None)
    return Case(
        lambda: make_register_source(settings_for(simulator)), EVERYTHING, lambda: failing(make_register_source)
    )


def fetch(source: RegisterSource, *persons: str, authorities=ASKED, close: bool = True) -> Register:
    async def run():
        try:
            return await source.fetch(RegisterRequest("SRC-2026-12-000001", PERIOD, persons, frozenset(authorities)))
        finally:
            if close:
                await source.aclose()

    return asyncio.run(run())


# The contract --------------------------------------------------------------------------------


def test_every_person_asked_has_an_entry_and_no_one_else(case: Case):
    got = fetch(case.make(), WORKER, ABSENT, WORKER, A_KASSA)
    assert list(got.persons) == [WORKER, ABSENT, A_KASSA]
    assert Register.model_validate_json(got.model_dump_json(), strict=False) == got


def test_the_control_months_read_as_the_register_says(case: Case):
    expected = register()
    got = fetch(case.make(), *expected.persons)
    for pnr, person in expected.persons.items():
        assert view(got.persons[pnr], case.carries) == view(person, case.carries), pnr


def test_a_person_absent_from_the_register_has_no_data_and_is_not_registered_at_af(case: Case):
    assert view(fetch(case.make(), ABSENT).persons[ABSENT], case.carries) == RegisterPerson()


def test_an_authority_that_could_not_answer_is_named_and_none_of_its_data_is_used(case: Case):
    got = fetch(case.make(), FK_DOWN, SKV_SO_DOWN)
    assert got.persons[FK_DOWN].unavailable == [Authority.FK]
    assert got.persons[SKV_SO_DOWN].unavailable == [Authority.SKV, Authority.SO]
    assert not [i for i in got.persons[FK_DOWN].incomes if i.source == "FK"]
    assert not [i for i in got.persons[SKV_SO_DOWN].incomes if i.source in ("SKV", "SO")]


def test_concurrent_fetches_answer_as_one_at_a_time(case: Case):
    persons = [(WORKER,), (A_KASSA, SICK), (FK_DOWN,), (ABSENT,)] * 5
    source = case.make()

    async def run():
        try:
            alone = [await source.fetch(RegisterRequest("A", PERIOD, p, ASKED)) for p in persons[:4]]
            together = await asyncio.gather(*(source.fetch(RegisterRequest("A", PERIOD, p, ASKED)) for p in persons))
            return alone, together
        finally:
            await source.aclose()

    alone, together = asyncio.run(run())
    assert together == alone * 5


def test_a_source_that_cannot_answer_raises_register_unavailable(case_that_can_fail: Case):
    assert case_that_can_fail.broken is not None
    with case_that_can_fail.broken() as source, pytest.raises(RegisterUnavailable):
        fetch(source, WORKER)


def test_closing_twice_is_harmless(case: Case):
    source = case.make()
    fetch(source, WORKER)
    asyncio.run(source.aclose())


# What the composed source adds ----------------------------------------------------------------


def test_the_composed_source_carries_pay_with_tax_activity_and_barnbidrag(simulator: RunningSimulator):
    person = fetch(make_register_source(settings_for(simulator)), WORKER).persons[WORKER]
    assert person.incomes == [
        RegisterIncome(source="FK", type=IncomeType.barnbidrag, month="2026-11", amount=1250),
        RegisterIncome(source="FK", type=IncomeType.bostadsbidrag, month="2026-11", amount=1800),
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-10", amount=8600, tax_withheld=1700),
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=9000, tax_withheld=1800),
    ]
    assert [(a.month, a.kind.value, a.attended_hours) for a in person.activity] == [
        ("2026-10", "kompetenscenter", 118),
        ("2026-11", "kompetenscenter", 112),
    ]


def test_without_a_pay_source_v11_gives_the_pay_from_ssbtek_alone(simulator: RunningSimulator):
    no_pay = settings_for(simulator).model_copy(update={"agi": Settings().agi})
    person = fetch(make_register_source(no_pay), WORKER).persons[WORKER]
    assert person.unavailable == []
    assert [(i.month, i.amount, i.tax_withheld) for i in person.incomes if i.source == "SKV"] == [
        ("2026-10", 8600, 1700),
        ("2026-11", 9000, 1800),
    ]


def test_without_a_pay_source_v10_makes_skatteverket_unavailable_when_it_is_needed(simulator_v10: RunningSimulator):
    no_pay = settings_for(simulator_v10, protocol="v10").model_copy(update={"agi": Settings().agi})
    assert fetch(make_register_source(no_pay), WORKER).persons[WORKER].unavailable == [Authority.SKV]
    ssbtek_only = Settings(ssbtek={"url": simulator_v10.url, "include": ["AF", "FK"], "protocol": "v10"})
    person = fetch(make_register_source(ssbtek_only), WORKER, authorities={Authority.AF}).persons[WORKER]
    assert person.unavailable == []  # Skatteverket neither configured nor needed by the rules


def test_a_configured_pay_source_replaces_ssbteks_declarations():
    ssbtek_lon = RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=100, tax_withheld=10)
    agi_lon = RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=200, tax_withheld=20)

    def ssbtek():
        stub = _Stub("ssbtek", lambda request: Register(
            format="register/1", persons={p: RegisterPerson(incomes=[ssbtek_lon]) for p in request.persons}
        ))  # fmt: skip
        stub.carries_pay = True
        return stub

    alone = fetch(ComposedRegisterSource(ssbtek()), WORKER).persons[WORKER]
    assert alone.incomes == [ssbtek_lon] and alone.unavailable == []
    pay = _Stub("agi", {WORKER: PayRecords(incomes=(agi_lon,))})
    both = fetch(ComposedRegisterSource(ssbtek(), pay), WORKER).persons[WORKER]
    assert both.incomes == [agi_lon] and both.unavailable == []


class _Stub:
    """A part of the composed source answering as told."""

    def __init__(self, name: str, answer=None, error: Exception | None = None, delay: float = 0.0):
        self.name, self.answer, self.error, self.delay = name, answer, error, delay
        self.cancelled = self.closed = False

    async def fetch(self, request: RegisterRequest):
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if self.error is not None:
            raise self.error
        return self.answer(request) if callable(self.answer) else self.answer

    async def aclose(self) -> None:
        self.closed = True


def _ssbtek_answer(unavailable=()):
    return lambda request: Register(
        format="register/1", persons={p: RegisterPerson(unavailable=list(unavailable)) for p in request.persons}
    )


def test_pay_is_dropped_when_ssbteks_skatteverket_part_failed():
    lon = RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=100, tax_withheld=10)
    pay = _Stub("agi", {WORKER: PayRecords(incomes=(lon,))})
    source = ComposedRegisterSource(_Stub("ssbtek", _ssbtek_answer([Authority.SKV])), pay)
    person = fetch(source, WORKER).persons[WORKER]
    assert person.unavailable == [Authority.SKV] and person.incomes == []


def test_one_part_failing_fails_the_whole_fetch_and_cancels_the_others():
    slow = _Stub("agi", {}, delay=5)
    activity = _Stub("activity", {})
    source = ComposedRegisterSource(
        _Stub("ssbtek", error=RegisterUnavailable("SSBTEK down"), delay=0.01), slow, activity
    )
    with pytest.raises(RegisterUnavailable, match="SSBTEK down"):
        fetch(source, WORKER)
    assert slow.cancelled and slow.closed and activity.closed


# The activity adapter --------------------------------------------------------------------------


def test_the_activity_file_gives_the_reports_for_the_control_months_and_none_for_no_report():
    source = FileActivitySource(REGISTER_FILE)
    reports = asyncio.run(source.fetch(RegisterRequest("A", PERIOD, (WORKER, FK_DOWN, SICK, ABSENT), ASKED)))
    assert [a.month for a in reports[WORKER]] == ["2026-10", "2026-11"]  # not 2026-08
    assert reports[FK_DOWN] == []  # the provider reported, nothing in these months
    assert reports[SICK] is None and reports[ABSENT] is None  # no provider reports on them


@pytest.mark.parametrize(("content", "message"), [(None, "cannot be read"), (b"{}", "not a register/1")])
def test_an_unusable_activity_file_is_refused_at_start_naming_the_setting(tmp_path, content, message):
    path = tmp_path / "activity.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=f"ROBOT_ACTIVITY_FILE .*{message}"):
        FileActivitySource(path)


def test_the_activity_file_is_streamed_keeping_the_reports_not_the_file(tmp_path):
    """A register file of 20 000 persons with incomes, three with reports: loading holds a fraction of it."""
    import json
    import tracemalloc

    income = {"type": "lon", "source": "SKV", "month": "2026-11", "amount": 21000, "tax_withheld": 5000}
    persons = {f"1980{i:08d}": {"incomes": [income] * 3} for i in range(20_000)}
    for i in range(3):
        persons[f"1980{i:08d}"]["activity"] = [
            {"month": "2026-11", "kind": "sfi", "planned_hours": 100, "attended_hours": 90 - i}
        ]
    path = tmp_path / "register.json"
    path.write_text(json.dumps({"format": "register/1", "persons": persons}))
    tracemalloc.start()
    source = FileActivitySource(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < path.stat().st_size / 2, (peak, path.stat().st_size)  # the whole document: 13 times its size
    got = asyncio.run(source.fetch(RegisterRequest("A", PERIOD, ("198000000002", "198000000003"), ASKED)))
    assert [a.attended_hours for a in got["198000000002"]] == [88] and got["198000000003"] is None


class _Waiting:
    """An activity source that may wait (as a provider's network adapter does): the file's answers, through a task."""

    name = "activity-waiting"

    def __init__(self, inner: FileActivitySource):
        self.inner = inner

    async def fetch(self, request: RegisterRequest):
        await asyncio.sleep(0.001)
        return await self.inner.fetch(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("with_pay", [False, True])
def test_an_activity_source_that_answers_at_once_gives_what_a_waiting_one_does(simulator: RunningSimulator, with_pay):
    """The activity file is asked in place, without a task of its own: the register is the same as through one."""
    s = settings_for(simulator)
    if not with_pay:
        s = s.model_copy(update={"agi": Settings().agi})
    persons = (WORKER, FK_DOWN, SICK, ABSENT, A_KASSA, SKV_SO_DOWN)
    at_once = make_register_source(s)
    assert isinstance(at_once, ComposedRegisterSource) and at_once._activity_at_once is not None
    other = make_register_source(s)
    assert isinstance(other, ComposedRegisterSource)
    waiting = ComposedRegisterSource(
        other.ssbtek, other.pay, _Waiting(FileActivitySource(REGISTER_FILE)), always_asked=other.always_asked
    )
    assert waiting._activity_at_once is None
    assert fetch(at_once, *persons) == fetch(waiting, *persons)


def test_the_activity_file_answers_in_place_what_it_fetches():
    source = FileActivitySource(REGISTER_FILE)
    request = RegisterRequest("A", PERIOD, (WORKER, FK_DOWN, SICK, ABSENT), ASKED)
    assert source.answers_at_once and source.answer(request) == asyncio.run(source.fetch(request))


def test_ssbtek_failing_fails_the_fetch_with_an_activity_source_that_answers_at_once():
    source = ComposedRegisterSource(
        _Stub("ssbtek", error=RegisterUnavailable("SSBTEK down"), delay=0.01), None, FileActivitySource(REGISTER_FILE)
    )
    assert source._activity_at_once is not None
    with pytest.raises(RegisterUnavailable, match="SSBTEK down"):
        fetch(source, WORKER)
