"""Probes of issue 21 (law): applications built to make the robot pay too much, each of which must go
to a handläggare or get the amount the law gives. Pure chain runs over the shipped rules; no workspace."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from bench.harness import ROOT
from robot.chain.engine import evaluate_raw
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.register import Register

if TYPE_CHECKING:
    from bench.security import Result

BASE = ROOT / "samples" / "applications" / "000101-ensamstaende-med-barn.json"
PNR = "198503142385"
OFF = StickprovInput(key=b"security-law", rate_override=0.0)


def _verdict(app: dict[str, Any], incomes: list[dict[str, Any]], as_of: dt.date):
    reg = {"format": "register/1", "persons": {PNR: {"af": {"status": "inskriven", "aktivitetsrapport": 200},
                                                      "incomes": incomes}}}  # fmt: skip
    model = Register.model_validate_json(json.dumps(reg), strict=True)
    raw = json.dumps(app).encode()
    return evaluate_raw(raw, model, load_ruleset(ROOT / "rules"), OFF, circumstances=Circumstances(as_of=as_of)).verdict


def _base() -> dict[str, Any]:
    app = json.loads(BASE.read_text(encoding="utf-8"))
    app["household"]["children"] = []
    app["incomes"], app["costs"] = [], []
    return app


def overpayment() -> list[Result]:
    from bench.security import Result

    out = []
    past = _base() | {"period": "2026-06", "submitted_at": "2026-11-24T09:12:00+01:00"}
    past["activities"] = [dict(a, month="2026-05") for a in past["activities"]]
    v = _verdict(past, [], dt.date(2026, 11, 24))
    out.append(Result("law: a June application submitted in November", v.outcome == "manual",
                      f"{v.outcome}, {v.reason_codes()}"))  # fmt: skip

    three = _base()
    three["household"]["children"] = [{"birth_date": f"{y}-02-01", "lunch_away_5_days": False} for y in (2016, 2018, 2020)]
    bb = {"person": "applicant", "type": "barnbidrag", "month": "2026-11", "amount": 1250}
    three["incomes"] = [bb]
    registered = [{"source": "FK", "type": "barnbidrag", "month": "2026-11", "amount": 1250}]
    v = _verdict(three, registered, dt.date(2026, 12, 29))
    out.append(Result("law: three children declared, barnbidrag for one", v.outcome == "manual",
                      f"{v.outcome}, {v.reason_codes()}"))  # fmt: skip

    fifty = copy.deepcopy(three)
    fifty["household"]["children"] = [{"birth_date": "2016-02-01", "lunch_away_5_days": False}] * 50
    v = _verdict(fifty, registered, dt.date(2026, 12, 29))
    out.append(Result("law: fifty identical children", v.outcome == "manual", f"{v.outcome}, {v.reason_codes()}"))

    late = _base()
    late["incomes"] = [{"person": "applicant", "type": "lon", "month": "2026-11", "amount": 4650}]
    late["history"] = {"consecutive_months_with_support": 31, "jobbstimulans_months_used": 3}
    pay = [{"source": "SKV", "type": "lon", "month": "2026-11", "amount": 6200, "tax_withheld": 1550}]
    v = _verdict(late, pay, dt.date(2026, 12, 29))
    relieved = v.norm is not None and any(line.text.startswith("Jobbstimulans") for line in v.norm.lines)
    out.append(Result("law: jobbstimulans after its 24-month window", not relieved,
                      f"{v.outcome}, {v.amount} kr, jobbstimulans {'counted' if relieved else 'not counted'}"))  # fmt: skip

    waiting = _base()
    earlier = [{"source": "SKV", "type": "lon", "month": "2026-10", "amount": 6200, "tax_withheld": 1550}]
    v = _verdict(waiting, earlier, dt.date(2026, 12, 20))
    out.append(Result("law: a salary missing on 20 December (large employers declare by the 27th)",
                      v.outcome == "manual" and v.amount is None, f"{v.outcome}, {v.reason_codes()}"))  # fmt: skip
    return out
