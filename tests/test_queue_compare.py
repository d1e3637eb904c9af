"""bench.queue_compare's arithmetic and its refusal without procrastinate (no database, no procrastinate)."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import queue_compare as qc


def result(queue: str, round_no: int, per_second: float, steady: float, cpu: float = 1.0) -> qc.RoundResult:
    return qc.RoundResult(queue=queue, round=round_no, items=3000, seconds=round(3000 / per_second, 3),
                          per_second=per_second, first_write_seconds=0.5, steady_per_second=steady,
                          worker_cpu_ms_per_item=cpu, outcomes={}, checked=True)  # fmt: skip


def test_defaults_are_the_issues_measurement():
    args = qc.parse_args([])
    assert (args.applications, args.rounds, args.procrastinate_concurrency) == (3000, 3, 1)
    assert args.database == "postgresql://postgres@127.0.0.1:5432/postgres"


def test_a_database_other_than_postgresql_is_refused():
    with pytest.raises(SystemExit):
        qc.parse_args(["--database", "sqlite:///x.db"])


def test_medians_and_ratios_per_queue():
    rounds = [result("robot", 1, 400, 600), result("procrastinate", 1, 500, 520),
              result("robot", 2, 450, 660), result("procrastinate", 2, 530, 540),
              result("robot", 3, 300, 630), result("procrastinate", 3, 560, 600)]  # fmt: skip
    med = qc.medians(rounds)
    assert med["robot"]["per_second"] == 400 and med["procrastinate"]["steady_per_second"] == 540
    assert qc.ratios(med) == {"per_second": 0.75, "steady_per_second": round(630 / 540, 2)}
    lines = qc.format_summary(rounds)
    assert lines[0] == "medians over 3 robot, 3 procrastinate round(s):"
    assert lines[-1].startswith("robot ÷ procrastinate: 0.75 with the workers' start-up, 1.17 from the first write")


def test_the_steady_rate_counts_what_was_written_after_the_first_write():
    first = dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC)
    assert qc.steady_rate(1000, first, first + dt.timedelta(seconds=2), at_first=128) == 436.0
    assert qc.steady_rate(1000, first, first, at_first=1000) == 0.0
    assert qc.steady_rate(1000, None, None, at_first=0) == 0.0


def test_without_procrastinate_it_says_how_to_install_it_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(qc.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as exit_:
        qc.main(["--applications", "10"])
    assert exit_.value.code == 2
    assert "pip install -e '.[bench]'" in capsys.readouterr().err
