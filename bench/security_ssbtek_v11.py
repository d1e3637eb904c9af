"""Security probes for SSBTEK v11 (issue 20): the protocol version and Skatteverket's parts.

Each probe feeds the adapter an answer that once went wrong and says whether the robot now holds:
an answer in the other version's namespace is one clear error naming both namespaces (not a message
that hides the difference); an unreadable Skatteverket part is an unavailable Skatteverket (never zero
pay); "BT 404 Not found" for the declarations is no pay (not every applicant without a job sent to
manual); the question validates against the v11 schema.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import fetch_envelope, question_for
from robot.adapters.ssbtek.response import parse_fetch_answer, parse_saved_answer
from robot.adapters.ssbtek.soap import V10, V11, MalformedAnswer, body_element, contract_schema, schema_errors
from robot.config import Settings
from robot.formats.register import Authority

if TYPE_CHECKING:
    from bench.security import Result

FIXTURES = Path(__file__).resolve().parent.parent / "tests/fixtures/ssbtek"
PERSON = "198807141232"


def _result(probe: str, held: bool | None, detail: str) -> Result:
    from bench.security import Result  # here: bench.security imports this module

    return Result(probe, held, detail)


def ssbtek_v11() -> list[Result]:
    return [_namespace(), _unreadable_part(), _declarations_not_found(), _question_schema()]


def _namespace() -> Result:
    probe = "SSBTEK answer in ssbt/10 read as v11: one error naming both namespaces"
    body = (FIXTURES / "hamta-answer.xml").read_bytes()
    try:
        parse_fetch_answer(body, frozenset(Authority), personnummer=PERSON, contract=V11)
    except MalformedAnswer as exc:
        held = V10.namespace in str(exc) and V11.namespace in str(exc)
        return _result(probe, held, str(exc)[:160])
    return _result(probe, False, "the answer was read as if it were v11")


def _unreadable_part() -> Result:
    probe = "SSBTEK v11 declarations that are not JSON: Skatteverket unavailable, never zero pay"
    text = (FIXTURES / "hamta-answer-v11-lon-och-f-skatt.xml").read_text(encoding="utf-8")
    start = text.index("<ssbt:individuppgifter><ssbt:data>") + len("<ssbt:individuppgifter><ssbt:data>")
    end = text.index("</ssbt:data>", start)
    broken = text[:start] + base64.b64encode(b"{not json").decode() + text[end:]
    person = parse_saved_answer(broken.encode(), PERSON).person
    held = Authority.SKV in person.unavailable and not [i for i in person.incomes if i.source == "SKV"]
    return _result(probe, held, f"unavailable {[a.value for a in person.unavailable]}")


def _declarations_not_found() -> Result:
    probe = "SSBTEK v11 declarations 'BT 404 Not found': no pay, Skatteverket available"
    person = parse_saved_answer((FIXTURES / "hamta-answer-v11.xml").read_bytes(), PERSON).person
    held = Authority.SKV not in person.unavailable and not [i for i in person.incomes if i.source == "SKV"]
    return _result(probe, held, f"unavailable {[a.value for a in person.unavailable]}")


def _question_schema() -> Result:
    probe = "the robot's SSBTEK question validates against the v11 XSD"
    settings = Settings(ssbtek={"url": "http://127.0.0.1:9/"})
    question = question_for(settings, RegisterRequest("GBG-1", "2026-12", (PERSON,), frozenset(Authority)), PERSON)
    errors = schema_errors(body_element(fetch_envelope(question, V11)), contract_schema(V11))
    return _result(probe, errors == [], "; ".join(errors)[:160] or "valid")
