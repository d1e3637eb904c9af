"""The employer-declaration simulator: register/1 SKV `lon` incomes served in the `wire` form.

`POST …/individuppgifter` answers with the person's SKV `lon` incomes for the months asked (gross
pay and, when the file has it, tax withheld); a person with SKV in `unavailable` gets status
EJ_TILLGANGLIG; a person absent from the file has no declarations. A question it cannot read gets
HTTP 400. The SSBTEK simulator serves it under `/agi/` (`robot ssbtek-sim`, `ssbtek_simulator()`).
"""

from __future__ import annotations

import json
from typing import Any

from robot.adapters.agi import wire
from robot.adapters.decoding import PayloadError
from robot.adapters.serving import read_body, send_answer
from robot.formats.application import IncomeType
from robot.formats.register import Authority, Register, RegisterIncome, RegisterPerson

CONTENT_TYPE = "application/json"


class AgiSimulatorApp:
    """ASGI application answering employer-declaration questions from a register/1 document."""

    def __init__(self, register: Register):
        check_register(register)
        self.register = register
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] != "POST" or not scope["path"].endswith(f"/{wire.PATH}"):
            await send_answer(send, 404, b'{"fel": "okand resurs"}', CONTENT_TYPE)
            return
        body = await read_body(receive)
        if body is None:
            await send_answer(send, 413, b'{"fel": "for stor fraga"}', CONTENT_TYPE)
            return
        self.calls += 1
        status, answer = self.answer(body)
        await send_answer(send, status, answer, CONTENT_TYPE)

    def answer(self, body: bytes) -> tuple[int, bytes]:
        try:
            question = wire.decode_question(body)
        except PayloadError as exc:
            return 400, json.dumps({"fel": str(exc)}, ensure_ascii=False).encode()
        person = self.register.persons.get(question.personnummer) or RegisterPerson()
        if Authority.SKV in person.unavailable:
            return 200, wire.encode_answer(question.personnummer, (), available=False)
        return 200, wire.encode_answer(question.personnummer, pay_in(person, question.from_month, question.to_month))


def pay_in(person: RegisterPerson, from_month: str, to_month: str) -> list[RegisterIncome]:
    """The person's SKV `lon` incomes in the months from `from_month` to `to_month`."""
    return [i for i in person.incomes if i.source == "SKV" and from_month <= i.month <= to_month]


def check_register(register: Register) -> None:
    """Refuse Skatteverket incomes the employer declarations cannot carry: only `lon`."""
    for person in register.persons.values():
        for income in person.incomes:
            if income.source == "SKV" and income.type != IncomeType.lon:
                raise ValueError(
                    f"an income with source SKV has type {income.type.value}; the employer declarations carry only lon"
                )
