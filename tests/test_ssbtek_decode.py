"""`robot ssbtek decode`: what a saved SSBTEK answer says, as register/1; and an unknown benefit's way
through the robot: FK unavailable, then manual handling in `robot check`, never zero income."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, STICKPROV_KEY
from tests.sources_fixture import APPLICATIONS, WORKER

ANSWER = Path(__file__).parent / "fixtures/ssbtek/hamta-answer.xml"
APPLICATION = APPLICATIONS / "000001-lon-med-skatt-och-barnbidrag.json"


def robot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROBOT_CONFIG": "/dev/null", "ROBOT_STICKPROV_KEY": STICKPROV_KEY}
    return subprocess.run(
        [sys.executable, "-m", "robot", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )


def with_lefi_answer(document: dict, tmp_path: Path) -> Path:
    """The saved answer with Försäkringskassan's lefiJsonSvar replaced by `document`."""
    text = ANSWER.read_text(encoding="utf-8")
    start = text.index("<ssbt:lefiJsonSvar>") + len("<ssbt:lefiJsonSvar>")
    end = text.index("</ssbt:lefiJsonSvar>")
    encoded = base64.b64encode(json.dumps(document, ensure_ascii=False).encode()).decode()
    path = tmp_path / "answer.xml"
    path.write_text(text[:start] + encoded + text[end:], encoding="utf-8")
    return path


def with_fk_family(family: str, tmp_path: Path) -> Path:
    """The saved answer with its first Försäkringskassan payment's family replaced."""
    text = ANSWER.read_text(encoding="utf-8")
    start = text.index("<ssbt:lefiJsonSvar>") + len("<ssbt:lefiJsonSvar>")
    document = json.loads(base64.b64decode(text[start : text.index("</ssbt:lefiJsonSvar>")]))
    document["formansinformation"]["utbetalningsuppgift"][0]["formansfamilj"] = {"id": family, "beskrivning": "?"}
    return with_lefi_answer(document, tmp_path)


def test_a_saved_answer_is_printed_as_register_1():
    done = robot("ssbtek", "decode", str(ANSWER), "--person", WORKER)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    person = json.loads(done.stdout)["persons"][WORKER]
    assert person["af"] == {"status": "inskriven", "aktivitetsrapport": 200, "registered_since": "2024-03-01"}
    assert person["unavailable"] == []
    assert {(i["source"], i["type"], i["month"], i["amount"]) for i in person["incomes"]} == {
        ("CSN", "studiemedel", "2026-10", 12324),
        ("CSN", "studiemedel", "2026-11", 3568),
        ("CSN", "studiemedel", "2026-11", 9040),
        ("FK", "barnbidrag", "2026-10", 2650),
        ("FK", "bostadsbidrag", "2026-11", 1400),
        ("FK", "bostadsbidrag", "2026-11", 2400),
        ("FK", "pension", "2026-11", 8840),
        ("FK", "sjukpenning", "2026-11", 6169),
        ("SO", "a_kassa", "2026-11", 4217),
    }


def test_an_unknown_benefit_makes_fk_unavailable_and_the_application_goes_to_manual(tmp_path: Path):
    decoded = robot("ssbtek", "decode", str(with_fk_family("XYZ", tmp_path)), "--person", WORKER)
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stderr.startswith("FK: unavailable (kalla adapter, felkod OKAND_FORMAN)")
    person = json.loads(decoded.stdout)["persons"][WORKER]
    assert person["unavailable"] == ["FK"]
    assert all(i["source"] != "FK" for i in person["incomes"])

    register = tmp_path / "register.json"
    register.write_text(decoded.stdout, encoding="utf-8")
    checked = robot("check", str(APPLICATION), "--register", str(register))
    assert checked.returncode == 0, checked.stderr
    verdict = json.loads(checked.stdout)
    assert verdict["outcome"] == "manual"
    assert "SSBTEK_EJ_TILLGANGLIG" in [r["code"] for r in verdict["reasons"]]
    assert any("Försäkringskassan" in r["text"] for r in verdict["reasons"])


def test_a_benefit_for_a_handlaggare_to_assess_goes_the_same_way(tmp_path: Path):
    decoded = robot("ssbtek", "decode", str(with_fk_family("MEK", tmp_path)), "--person", WORKER)
    assert "felkod FORMAN_KRAVER_BEDOMNING" in decoded.stderr
    assert json.loads(decoded.stdout)["persons"][WORKER]["unavailable"] == ["FK"]


@pytest.mark.parametrize(
    ("content", "person", "message"),
    [
        (b"<html/>", WORKER, "not a SOAP 1.1 envelope"),
        (None, "1234", "12 siffror"),
    ],
)
def test_what_is_not_a_saved_answer_is_one_line_of_error(tmp_path: Path, content, person, message):
    path = ANSWER
    if content is not None:
        path = tmp_path / "x.xml"
        path.write_bytes(content)
    done = robot("ssbtek", "decode", str(path), "--person", person)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_an_answer_about_someone_else_says_so_per_authority():
    done = robot("ssbtek", "decode", str(ANSWER), "--person", "199001011234")
    person = json.loads(done.stdout)["persons"]["199001011234"]
    assert person["unavailable"] == ["AF", "CSN", "SO"]  # FK's and SKV's parts name nobody the robot could check
    assert "felkod ANNAN_PERSON" in done.stderr


# What decode prints for AF and Lefi as the agencies really answer ------------------------------

REAL_AF = Path(__file__).parent / "fixtures/ssbtek/af-answer-no-fraga.xml"
REAL_AF_PERSON = "199001011234"


def real_af_with_report_date(tmp_path: Path) -> Path:
    """The real-shaped AF answer (no Fraga) with a latest activity report on 9 November 2026."""
    report = (
        "<er:AktivetetsRapportDatum><er:AktivitetsRapportMeddelande>x</er:AktivitetsRapportMeddelande>"
        "<er:SenasteAktivitetsRapportDatum>2026-11-09</er:SenasteAktivitetsRapportDatum></er:AktivetetsRapportDatum>"
    )
    path = tmp_path / "answer.xml"
    text = REAL_AF.read_text(encoding="utf-8")
    path.write_text(text.replace("</er:ArbetssokandeInfo>", report + "</er:ArbetssokandeInfo>"), encoding="utf-8")
    return path


def test_a_real_shaped_af_answer_without_fraga_is_printed_as_registered():
    done = robot("ssbtek", "decode", str(REAL_AF), "--person", REAL_AF_PERSON)
    assert done.returncode == 0 and done.stderr == ""
    person = json.loads(done.stdout)["persons"][REAL_AF_PERSON]
    assert person["af"] == {"status": "inskriven", "aktivitetsrapport": 501, "registered_since": "2016-11-18"}
    assert person["unavailable"] == []


def test_an_unavailable_af_is_printed_as_unknown_never_ej_inskriven(tmp_path: Path):
    path = real_af_with_report_date(tmp_path)  # no Fraga says which month was asked about
    done = robot("ssbtek", "decode", str(path), "--person", REAL_AF_PERSON)
    assert done.returncode == 0
    assert done.stderr.startswith("AF: unavailable (kalla adapter, felkod AF_KONTROLLMANAD)")
    person = json.loads(done.stdout)["persons"][REAL_AF_PERSON]
    assert person["unavailable"] == ["AF"]
    assert person["af"] == {"status": "okand", "aktivitetsrapport": 502}


def test_fks_own_openapi_example_is_printed_as_available(tmp_path: Path):
    from tests.test_ssbtek_lefi import fk_openapi_example

    path = with_lefi_answer(fk_openapi_example(), tmp_path)
    done = robot("ssbtek", "decode", str(path), "--person", WORKER)
    assert done.returncode == 0 and done.stderr == ""
    person = json.loads(done.stdout)["persons"][WORKER]
    assert person["unavailable"] == []
    assert not [i for i in person["incomes"] if i["source"] == "FK"]  # the example carries no payments


def test_the_application_month_lets_decode_judge_a_report_date_without_fraga(tmp_path: Path):
    path = real_af_with_report_date(tmp_path)  # no Fraga says which month was asked about
    for period, code in (("2026-12", 200), ("2027-01", 501)):  # control months 2026-11 and 2026-12
        done = robot("ssbtek", "decode", str(path), "--person", REAL_AF_PERSON, "--period", period)
        assert done.returncode == 0 and done.stderr == ""
        assert json.loads(done.stdout)["persons"][REAL_AF_PERSON]["af"]["aktivitetsrapport"] == code
    refused = robot("ssbtek", "decode", str(path), "--person", REAL_AF_PERSON, "--period", "december")
    assert refused.returncode == 2 and "ÅÅÅÅ-MM" in refused.stderr


def test_a_pension_whose_deductions_do_not_give_its_net_is_printed_as_fk_unavailable(tmp_path: Path):
    document = json.loads((Path(__file__).parent / "fixtures/ssbtek/lefi-pm-negative-avdrag.json").read_text("utf-8"))
    document["utbetalningar"][0]["nettobelopp"] = 12400 + 1826  # neither reading of the avdrag gives it
    path = with_lefi_answer(document, tmp_path)
    done = robot("ssbtek", "decode", str(path), "--person", WORKER)
    assert done.returncode == 0
    # The line docs/ssbtek.md shows.
    assert done.stderr == (
        "FK: unavailable (kalla adapter, felkod PM_NETTOBELOPP): utbetalningar[0]: bruttobelopp less the avdrag "
        "is not nettobelopp (or the avdrag mix signs)\n"
    )
    person = json.loads(done.stdout)["persons"][WORKER]
    assert person["unavailable"] == ["FK"] and all(i["source"] != "FK" for i in person["incomes"])
