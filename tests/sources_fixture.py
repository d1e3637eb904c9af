"""The register and applications the register-source tests share (tests/fixtures/sources/).

Persons in the register, by what they show:
- WORKER: barnbidrag and bostadsbidrag (FK), pay with tax withheld (SKV) in M−1 and M−2, attendance
  reports, and incomes and reports outside the control months;
- A_KASSA and SICK: a couple, a-kassa (SO) and sjukpenning/föräldrapenning (FK);
- STUDENT: studiemedel (CSN), not registered at AF;
- PENSIONER: pension (Pensionsmyndigheten), övrigt and underhållsstöd (FK), no activity report (501);
- FK_DOWN: FK unavailable, pay with tax, an empty attendance report;
- SKV_SO_DOWN: SKV and SO unavailable, aktivitetsstöd and etableringsersättning (FK);
- AF_ERROR: AF's lookup failed (502), pay without tax withheld.
"""

from __future__ import annotations

from pathlib import Path

from robot.formats.register import Register

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
REGISTER_FILE = FIXTURES / "register.json"
APPLICATIONS = FIXTURES / "applications"

WORKER = "198807141232"
A_KASSA = "197603224564"
SICK = "199512307894"
STUDENT = "195808082340"
PENSIONER = "198201155671"
FK_DOWN = "199409098903"
SKV_SO_DOWN = "197911303456"
AF_ERROR = "200203046784"
ABSENT = "191212121212"


def register() -> Register:
    return Register.model_validate_json(REGISTER_FILE.read_bytes(), strict=True)
