"""Realistic applications and a matching register, for benchmarks and reliability runs.

The mix follows the domain: mostly återansökningar from single adults and families with children,
most of them standard cases a robot can prepare, and a realistic minority that goes to manual
handling: low attendance (as the activity provider reports it), costs above their range,
undeclared or mis-declared incomes, a missing activity report, new applications, adults who state
that they cannot work, a pension-age applicant, young adults in school without visible studiehjälp,
children with own work income, savings above the buffer, a gap in support. The register carries
what the law-faithful rules need: Skatteverket's pay with the tax withheld, barnbidrag for the
children, studiehjälp for 16–17-year-olds in school, the providers' attendance for some adults.
Deterministic for a given seed; about 40 % of the applications end as recommendations.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from robot.chain.children import barnbidrag_total, classify
from robot.formats.application import Child
from robot.formats.period import first_day, shift
from robot.formats.personnummer import with_check_digit

DISTRICTS = ("Nordost", "Centrum", "Hisingen", "Sydväst")
FLERBARNSTILLAGG = {2: 150, 3: 580, 4: 1010, 5: 1250}
"""As rules/rimlighet.yaml has it since 2018-03-01 (per the 2nd, 3rd, … child; the 5th's for every further one)."""
ACTIVITY_KINDS = ["kompetenscenter", "sfi", "praktik", "af_program", "studier"]


@dataclass(frozen=True)
class Generated:
    application_id: str
    document: dict[str, Any]

    def raw(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False).encode()


class Generator:
    def __init__(self, period: str, seed: int = 1):
        self.period = period
        self.control = shift(period, -1)
        self.start = first_day(period)
        self.rng = random.Random(seed)
        self.register: dict[str, Any] = {"format": "register/1", "persons": {}}
        self._used: set[str] = set()

    def applications(self, n: int, prefix: str = "GBG") -> Iterator[Generated]:
        for i in range(n):
            yield self.application(f"{prefix}-{self.period}-{i:06d}")

    def _pnr(self, min_age: int, max_age: int) -> str:
        while True:
            born = self.start - dt.timedelta(days=self.rng.randint(min_age * 365 + 1, max_age * 365))
            pnr = with_check_digit(f"{born:%Y%m%d}{self.rng.randint(0, 999):03d}")
            if pnr not in self._used:
                self._used.add(pnr)
                return pnr

    def _age(self, born: dt.date) -> int:
        return self.start.year - born.year - ((self.start.month, self.start.day) < (born.month, born.day))

    def application(self, application_id: str) -> Generated:
        r = self.rng
        kind = r.random()
        co = kind < 0.22
        n_children = 0 if kind > 0.55 else r.choice([0, 1, 1, 2, 2, 3, 4]) if co else r.choice([1, 1, 2, 3])
        other_adults = 1 if r.random() < 0.04 else 0
        applicant = self._pnr(67, 75) if r.random() < 0.01 else self._pnr(19, 64)
        co_pnr = self._pnr(19, 64) if co else None
        adults = [("applicant", applicant)] + ([("co_applicant", co_pnr)] if co_pnr else [])
        able = {role: r.random() < 0.92 for role, _ in adults}
        children = [self._child() for _ in range(n_children)]
        size = 1 + bool(co) + n_children + other_adults
        history: dict[str, Any] = {"consecutive_months_with_support": r.randint(1, 36)}
        history["last_support_month"] = self.control if r.random() > 0.02 else shift(self.period, -3)

        registered: dict[str, list[dict[str, Any]]] = {p: [] for _, p in adults}
        activity: dict[str, list[dict[str, Any]]] = {}
        activities = self._activities(adults, able, activity)
        young = any(self._age(dt.date.fromisoformat(c["birth_date"])) <= 12 for c in children)
        costs = self._costs(size, young)
        incomes: list[dict[str, Any]] = []

        def income(role: str, pnr: str, kind: str, source: str, net: int, tax: int | None = None) -> None:
            entry = {"source": source, "type": kind, "month": self.control, "amount": net + (tax or 0)}
            if tax is not None:
                entry["tax_withheld"] = tax
            registered[pnr].append(entry)
            roll = r.random()
            if roll < 0.03:
                return  # not declared
            declared = net + r.choice([-1, 1]) * r.randint(400, 2000) if roll < 0.05 else net
            incomes.append({"person": role, "type": kind, "month": self.control, "amount": max(0, declared)})

        # What Försäkringskassan and CSN pay for the children (SFB 15 kap. 3 och 8 §§; studiestödslagen 2 kap. 7 §).
        status = classify([Child.model_validate_json(json.dumps(c)) for c in children], self.control, self.start, 16, 18)
        below_16 = sum(1 for s in status if s.status == "barnbidrag")
        students = sum(1 for s in status if s.status == "studiebidrag")
        if below_16:
            income("applicant", applicant, "barnbidrag", "FK", barnbidrag_total(below_16, 1250, FLERBARNSTILLAGG))
        if students:
            income("applicant", applicant, "studiemedel", "CSN", 1250 * students)
        if r.random() < 0.3:
            income("applicant", applicant, "bostadsbidrag", "FK", r.randint(800, 3500))
        work = False
        for role, pnr in adults:
            roll = r.random()
            if roll < 0.12:
                net = r.randint(1500, 9000)
                income(role, pnr, "lon", "SKV", net, round(net * r.uniform(0.18, 0.32)))
                work = True
            elif roll < 0.18:
                income(role, pnr, "a_kassa", "SO", r.randint(2000, 8000))
            elif roll < 0.22:
                income(role, pnr, "sjukpenning", "FK", r.randint(2000, 9000))
            elif roll < 0.25:
                income(role, pnr, "aktivitetsstod", "FK", r.randint(1500, 6000))
            elif roll < 0.26:
                income(role, pnr, "studiemedel", "CSN", r.randint(3000, 11000))
        if work and r.random() < 0.95:
            history["jobbstimulans_months_used"] = r.randint(0, 30)
        teen = next((i for i, c in enumerate(children) if self._age(dt.date.fromisoformat(c["birth_date"])) >= 13), None)
        if teen is not None and r.random() < 0.05:
            incomes.append({"person": f"child:{teen}", "type": "lon", "month": self.control, "amount": r.randint(500, 4000)})

        for _, pnr in adults:
            code = r.random()
            af = ({"status": "inskriven", "aktivitetsrapport": 200, "registered_since": "2024-01-15"} if code < 0.93
                  else {"status": "inskriven", "aktivitetsrapport": 501, "registered_since": "2024-01-15"} if code < 0.97
                  else {"status": "ej_inskriven", "aktivitetsrapport": 500})  # fmt: skip
            person: dict[str, Any] = {"af": af, "incomes": registered[pnr], "unavailable": []}
            if pnr in activity:
                person["activity"] = activity[pnr]
            self.register["persons"][pnr] = person

        household: dict[str, Any] = {
            "applicant": {"personnummer": applicant, "able_to_work": able["applicant"]},
            "co_applicant": {"personnummer": co_pnr, "able_to_work": able["co_applicant"]} if co_pnr else None,
            "children": children,
            "other_adults": other_adults,
            "protected_identity": r.random() < 0.003,
            "changed_since_last_application": r.random() < 0.02,
        }
        if r.random() < 0.6:
            household["assets"] = {"bank": r.randint(0, 4000) if r.random() > 0.03 else r.randint(15000, 60000),
                                   "other": r.random() < 0.02}  # fmt: skip
        doc = {
            "format": "ansokan/1",
            "application_id": application_id,
            "kind": "nyansokan" if r.random() < 0.02 else "ateransokan",
            "channel": "e-tjanst" if r.random() < 0.8 else "papper",
            "district": r.choice(DISTRICTS),
            "period": self.period,
            "submitted_at": (
                dt.datetime.combine(self.start, dt.time(9), dt.UTC)
                - dt.timedelta(days=r.randint(2, 12), minutes=r.randint(0, 600))
            ).isoformat(),
            "household": household,
            "activities": activities,
            "costs": costs,
            "incomes": incomes,
            "history": history,
        }
        return Generated(application_id, doc)

    def _child(self) -> dict[str, Any]:
        r = self.rng
        age_days = r.randint(30, 19 * 365)
        born = self.start - dt.timedelta(days=age_days)
        child: dict[str, Any] = {
            "birth_date": born.isoformat(),
            "lunch_away_5_days": 365 <= age_days < 6 * 365 and r.random() < 0.7,
        }
        if self._age(born) >= 16:
            child["in_school"] = r.random() < 0.9
        if r.random() < 0.03:
            child["lives_here"] = "vaxelvis"
        return child

    def _activities(
        self, adults: list[tuple[str, str]], able: dict[str, bool], provider: dict[str, list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        """Declared activities; for about 40 % of the adults the provider reports attendance too."""
        r = self.rng
        activities = []
        for role, pnr in adults:
            if not able[role]:
                continue
            planned = r.choice([120, 130, 140, 160])
            roll = r.random()
            attended = (
                planned
                if roll < 0.6
                else int(planned * r.uniform(0.9, 1.0))
                if roll < 0.93
                else int(planned * r.uniform(0.4, 0.85))
            )
            exemption = "sjukskrivning" if r.random() < 0.03 else None
            kind = r.choice(ACTIVITY_KINDS)
            activities.append({"person": role, "kind": kind, "month": self.control, "planned_hours": planned,
                               "attended_hours": 0 if exemption else attended, "exemption": exemption})  # fmt: skip
            if r.random() < 0.4 and not exemption:
                provider[pnr] = [{"month": self.control, "kind": kind, "planned_hours": planned, "attended_hours": attended}]
        return activities

    def _costs(self, size: int, young_children: bool) -> list[dict[str, Any]]:
        r = self.rng
        rent_max = 8000 if size == 1 else 9500 if size == 2 else 11500 if size <= 4 else 13500
        costs = [
            {
                "type": "hyra",
                "amount": r.randint(3500, rent_max) if r.random() > 0.04 else rent_max + r.randint(200, 3000),
            }
        ]
        winter = self.start.month in (11, 12, 1, 2, 3)
        el_max = (
            {1: 700, 2: 900}.get(size, 1200 if size <= 4 else 1600)
            if winter
            else {1: 450, 2: 600}.get(size, 800 if size <= 4 else 1100)
        )
        if r.random() < 0.6:
            costs.append(
                {
                    "type": "hushallsel",
                    "amount": r.randint(150, el_max) if r.random() > 0.05 else el_max + r.randint(50, 600),
                }
            )
        if r.random() < 0.5:
            costs.append({"type": "hemforsakring", "amount": r.randint(90, 250)})
        if r.random() < 0.1:
            costs.append({"type": "arbetsresor", "amount": r.choice([465, 930])})
        if (young_children and r.random() < 0.5) or r.random() < 0.005:
            costs.append({"type": "barnomsorg", "amount": r.randint(300, 1700)})
        if r.random() < 0.08:
            costs.append({"type": r.choice(["medicin", "lakarvard"]), "amount": r.randint(100, 900)})
        if r.random() < 0.02:
            costs.append({"type": r.choice(["tandvard", "glasogon"]), "amount": r.randint(500, 4000)})
        return costs
