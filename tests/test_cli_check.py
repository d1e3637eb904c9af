"""`robot check`, `robot rules check` and `robot rules test` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES, STICKPROV_KEY

APPS = SAMPLES / "applications"


def robot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "ROBOT_STICKPROV_KEY": STICKPROV_KEY, "ROBOT_STICKPROV_RATE": "0", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "robot", *args], cwd=ROOT, capture_output=True, text=True, env=full_env, timeout=120
    )


def test_check_prints_a_recommendation_as_json():
    done = robot("check", str(APPS / "000101-ensamstaende-med-barn.json"), "--register", str(SAMPLES / "register.json"))
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["outcome"] == "recommendation"
    # 3 940 + 4 390 (11 år) + 1 410 + 7 350 + 420 − 1 400 − 1 250
    assert verdict["amount"] == verdict["norm"]["total"] == 14860


def test_check_prints_a_manual_verdict_and_still_exits_zero():
    done = robot("check", str(APPS / "000103-lag-narvaro.json"), "-r", str(SAMPLES / "register.json"))
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["outcome"] == "manual"
    assert [r["code"] for r in verdict["reasons"]] == ["AKTIVITET_NARVARO"]


def test_check_output_is_byte_identical_across_runs():
    args = ("check", str(APPS / "000102-par-med-smabarn.json"), "-r", str(SAMPLES / "register.json"))
    assert robot(*args).stdout == robot(*args).stdout


def test_explain_prints_swedish_prose():
    done = robot("check", str(APPS / "000104-hog-elkostnad.json"), "-r", str(SAMPLES / "register.json"), "--explain")
    assert done.returncode == 0
    assert "Ansökan går till manuell handläggning" in done.stdout
    assert "550 kr över schablonintervallet" in done.stdout


def test_check_of_a_broken_application_lists_the_fields():
    done = robot("check", str(APPS / "000116-felaktig-ansokan.json"), "-r", str(SAMPLES / "register.json"))
    verdict = json.loads(done.stdout)
    assert verdict["reasons"][0]["code"] == "INVALID_APPLICATION"
    for field in ("household.applicant.personnummer", "costs[0].amount", "extra_field"):
        assert field in verdict["reasons"][0]["text"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "filen finns inte"), (b"{not json", "not valid JSON"), (b"[1, 2, 3]", "not a JSON object")],
)
def test_unreadable_input_exits_2_with_one_clear_line(tmp_path, content, message):
    path = tmp_path / "ansokan.json"
    if content is not None:
        path.write_bytes(content)
    done = robot("check", str(path), "-r", str(SAMPLES / "register.json"))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr


def test_check_warns_when_the_stickprov_key_is_missing():
    env = {k: v for k, v in os.environ.items() if k != "ROBOT_STICKPROV_KEY"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "robot",
            "check",
            str(APPS / "000101-ensamstaende-med-barn.json"),
            "-r",
            str(SAMPLES / "register.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0
    assert "ROBOT_STICKPROV_KEY är inte satt" in done.stderr


def test_rules_check_and_rules_test_pass_on_the_shipped_rules():
    check = robot("rules", "check")
    assert check.returncode == 0, check.stdout
    assert "0 fel" in check.stdout and "= 8 510 kr stämmer med" in check.stdout
    test = robot("rules", "test")
    assert test.returncode == 0, test.stdout
    assert "fall gick igenom" in test.stdout


def test_rules_check_finds_a_gap_and_an_overlap(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / "schablon.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '- {hushall: "2", manader: "4-10", min: 0, max: 600}', '- {hushall: "2", manader: "4-9", min: 0, max: 600}'
    )
    text = text.replace('- {hushall: "3-4", min: 0, max: 350}', '- {hushall: "2-4", min: 0, max: 350}')
    (rules / "schablon.yaml").write_text(text, encoding="utf-8")
    done = robot("rules", "check", "--rules", str(rules))
    assert done.returncode == 1
    assert "lucka: inget intervall för hushåll med 2 personer i oktober" in done.stdout
    assert "överlapp: 2 intervall gäller för hushåll med 2 personer" in done.stdout


def test_rules_check_finds_riksnorm_rows_that_do_not_match_verified_totals(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "riksnorm" / "2026.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  1: 1280", "  1: 1290"), encoding="utf-8")
    done = robot("rules", "check", "--rules", str(rules))
    assert done.returncode == 1
    assert "blir 5 230 kr, men det verifierade beloppet är 5 220 kr" in done.stdout


def test_rules_check_rejects_a_wrong_step_order(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "ruleset.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - step: norm\n    kind: norm\n    parameters: norm.yaml\n", "")
    text = text.replace("chain:\n", "chain:\n  - step: norm\n    kind: norm\n    parameters: norm.yaml\n")
    path.write_text(text, encoding="utf-8")
    done = robot("rules", "check", "--rules", str(rules))
    assert done.returncode == 1
    assert "FEL" in done.stdout and "intag" in done.stdout


def test_check_evaluates_as_of_the_given_day():
    args = ("check", str(APPS / "000126-lon-ej-deklarerad.json"), "-r", str(SAMPLES / "register.json"))
    before = json.loads(robot(*args, "--as-of", "2026-12-05").stdout)
    assert [r["code"] for r in before["reasons"]] == ["ARBETSGIVARDEKLARATION_VANTAS"] and before["amount"] is None
    assert "senast 28 december 2026" in before["reasons"][0]["text"]  # 27 December 2026 is a Sunday
    waiting = json.loads(robot(*args, "--as-of", "2026-12-20").stdout)  # small employers' day has passed
    assert [r["code"] for r in waiting["reasons"]] == ["ARBETSGIVARDEKLARATION_VANTAS"]
    after = json.loads(robot(*args, "--as-of", "2026-12-28").stdout)
    assert [r["code"] for r in after["reasons"]] == ["INKOMSTTYP_MOTSAGS"]
    bad = robot(*args, "--as-of", "den tolfte")
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "Traceback" not in bad.stderr
