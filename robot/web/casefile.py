"""One application as a handläggare sees it: what the applicant stated beside what the registers say
(differences marked), the robot's reasons, its rule-by-rule motivering with lagrum and sources, the
calculation, and the history.

The register facts are the ones the robot used: the snapshot stored with its verdict. An application
the robot could not assess (a technical failure, a document that breaks the format) shows what there
is and says what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from robot.chain.inputs import read_recorded
from robot.formats.application import Application, parse_application
from robot.formats.reasons import Code
from robot.formats.register import AUTHORITY_NAMES, Authority, Register, RegisterPerson
from robot.formats.verdict import Verdict
from robot.queue.records import application_row, history, stored_verdict
from robot.swedish import casework as swedish
from robot.swedish.casework import kr, month_name
from robot.swedish.words import ACTIVITY_NAMES, EXEMPTION_NAMES

STEP_NAMES = {
    "intag": "Intag: ansökan och hushållet",
    "stickprov": "Stickprov",
    "aktivitet": "Aktivitet och motprestation",
    "schablon": "Kostnader mot schablon",
    "inkomst": "Inkomster mot registren",
    "norm": "Normberäkning",
}
RESULTS = {"pass": "godkänt", "manual": "till handläggare"}
NORM_GROUPS = (
    ("personal", "Personliga kostnader (riksnorm)"),
    ("shared", "Gemensamma hushållskostnader (riksnorm)"),
    ("costs", "Kostnader"),
    ("incomes", "Inkomster (dras av)"),
)


@dataclass(frozen=True)
class Fact:
    label: str
    stated: str
    registered: str
    differs: bool = False
    difference: str = ""


@dataclass(frozen=True)
class Step:
    name: str
    result: str
    manual: bool
    evaluated: bool
    motivering: str
    lagrum: list[str]
    sources: list[str]


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    text: str
    actor: str


@dataclass
class CaseFile:
    application_id: str
    state: str
    period: str | None
    district: str | None
    channel: str | None
    received_at: dt.datetime
    deadline: dt.datetime
    application: Application | None
    field_errors: list[tuple[str, str]] = field(default_factory=list)
    household: list[tuple[str, str]] = field(default_factory=list)
    incomes: list[Fact] = field(default_factory=list)
    activities: list[Fact] = field(default_factory=list)
    costs: list[tuple[str, str]] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    register_note: str | None = None
    verdict: Verdict | None = None
    steps: list[Step] = field(default_factory=list)
    norm: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return sum(f.differs for f in self.incomes + self.activities)


def load(engine: Engine, application_id: str) -> CaseFile | None:
    row = application_row(engine, application_id)
    if row is None:
        return None
    parsed = parse_application(row.raw)
    case = CaseFile(
        application_id=application_id, state=row.state, period=row.period, district=row.district,
        channel=row.channel, received_at=row.received_at, deadline=row.deadline, application=parsed.application,
        field_errors=[(swedish.field_name(e.field), e.problem) for e in parsed.errors],
    )  # fmt: skip
    stored = stored_verdict(engine, row.id)
    register = None
    if stored is not None:
        case.verdict = stored.verdict
        case.steps = [_step(s) for s in stored.verdict.steps]
        case.norm = _norm(stored.verdict)
        if stored.inputs.get("register") is not None:
            register = read_recorded(stored.inputs).register
    if parsed.application is not None:
        app = parsed.application
        case.household = _household(app)
        case.costs = [(swedish.cost(c.type), kr(c.amount)) for c in app.costs]
        if register is None:
            case.register_note = "Roboten hämtade inga registeruppgifter för ansökan (ingen bedömning gjordes)."
            register = Register(format="register/1", persons={})
        case.incomes = _incomes(app, register)
        case.activities = _activities(app, register)
        case.unavailable = _unavailable(app, register)
    case.events = [_event(e) for e in history(engine, row.id)]
    return case


def _step(step: Any) -> Step:
    sources = []
    for p in step.parameters:
        source = p.get("source")
        if source and source not in sources:
            sources.append(source)
    return Step(
        name=STEP_NAMES.get(step.rule, step.rule[:1].upper() + step.rule[1:]),
        result=RESULTS.get(step.result, step.result) + ("" if step.evaluated else " (kunde inte prövas)"),
        manual=step.result == "manual",
        evaluated=step.evaluated,
        motivering=swedish.readable_fields(step.motivering)
        if Code.INVALID_APPLICATION in step.reasons
        else step.motivering,
        lagrum=list(getattr(step, "lagrum", []) or []),
        sources=sources,
    )


def _norm(verdict: Verdict) -> list[tuple[str, list[tuple[str, str]]]]:
    if verdict.norm is None:
        return []
    groups = []
    for key, title in NORM_GROUPS:
        lines = [(line.text, kr(line.amount)) for line in verdict.norm.lines if line.group == key]
        if lines:
            groups.append((title, lines))
    return groups


def _yes(value: bool | None) -> str:
    return swedish.NONE if value is None else ("ja" if value else "nej")


def _household(app: Application) -> list[tuple[str, str]]:
    h = app.household
    rows = [
        ("Ansökan", "återansökan" if app.kind == "ateransokan" else "nyansökan"),
        ("Period", month_name(app.period)),
        ("Sökande", f"{h.applicant.personnummer}, kan arbeta: {_yes(h.applicant.able_to_work)}"),
    ]
    if h.co_applicant:
        rows.append(("Medsökande", f"{h.co_applicant.personnummer}, kan arbeta: {_yes(h.co_applicant.able_to_work)}"))
    for i, child in enumerate(h.children, 1):
        details = [f"född {child.birth_date.isoformat()}"]
        if child.lunch_away_5_days:
            details.append("äter lunch borta fem dagar i veckan")
        if child.in_school is not None:
            details.append(f"går i skolan: {_yes(child.in_school)}")
        if child.lives_here == "vaxelvis":
            details.append("bor växelvis")
        rows.append((f"Barn {i}", ", ".join(details)))
    rows += [
        ("Andra vuxna i hemmet", swedish.integer(h.other_adults)),
        ("Hushållets storlek", f"{app.household_size()} personer" if app.household_size() > 1 else "1 person"),
        ("Skyddad identitet", _yes(h.protected_identity)),
        ("Ändrat hushåll sedan förra ansökan", _yes(h.changed_since_last_application)),
        ("Månader i följd med stöd", swedish.integer(app.history.consecutive_months_with_support)),
    ]
    if h.assets is not None:
        rows.append(("Tillgångar", f"bank {kr(h.assets.bank)}; annat av värde: {_yes(h.assets.other)}"))
    return rows


def _adults(app: Application, register: Register) -> list[tuple[str, RegisterPerson]]:
    return [(role, register.person(adult.personnummer)) for role, adult in app.adults()]


def _net(incomes: list[Any]) -> tuple[int | None, str]:
    """The net amount of register incomes of one kind and month, and where it comes from."""
    total, parts = 0, []
    for i in incomes:
        source = AUTHORITY_NAMES.get(Authority(i.source), i.source)
        if i.source == "SKV" and i.type == "lon":
            if i.tax_withheld is None:
                return None, f"{source}: brutto {kr(i.amount)}, skatteavdrag saknas"
            total += i.amount - i.tax_withheld
            parts.append(f"{source}: brutto {kr(i.amount)} − skatt {kr(i.tax_withheld)}")
        else:
            total += i.amount
            parts.append(source)
    return total, "; ".join(parts)


def _incomes(app: Application, register: Register) -> list[Fact]:
    stated: dict[tuple[str, str, str], int] = defaultdict(int)
    for i in app.incomes:
        stated[(i.person, i.type, i.month)] += i.amount
    found: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for role, person in _adults(app, register):
        for i in person.incomes:
            found[(role, i.type, i.month)].append(i)
    facts = []
    for key in sorted(set(stated) | set(found)):
        role, kind, month = key
        label = f"{swedish.person(role).capitalize()}: {swedish.income(kind).lower()}, {month_name(month)}"
        said = kr(stated[key]) if key in stated else "inte uppgiven"
        if key not in found:
            facts.append(Fact(label, said, "finns inte i registren", differs=True, difference="bara i ansökan"))
            continue
        net, source = _net(found[key])
        registered = f"{kr(net)} ({source})" if net is not None else source
        if key not in stated:
            facts.append(Fact(label, said, registered, differs=True, difference="inte uppgiven i ansökan"))
        elif net is None or net != stated[key]:
            gap = (
                ""
                if net is None
                else f"{kr(abs(stated[key] - net))} {'mer' if stated[key] > net else 'mindre'} i ansökan"
            )
            facts.append(Fact(label, said, registered, differs=True, difference=gap or "kan inte jämföras"))
        else:
            facts.append(Fact(label, said, registered))
    return facts


def _activities(app: Application, register: Register) -> list[Fact]:
    facts = []
    reported = {role: person for role, person in _adults(app, register)}
    for a in app.activities:
        label = f"{swedish.person(a.person).capitalize()}: {ACTIVITY_NAMES.get(a.kind, a.kind)}, {month_name(a.month)}"
        said = f"närvarat {a.attended_hours} av {a.planned_hours} timmar"
        if a.exemption:
            said += f"; undantag: {EXEMPTION_NAMES.get(a.exemption, a.exemption)}"
        provider = [
            p for p in (reported[a.person].activity or []) if p.month == a.month and p.kind == a.kind
        ] if a.person in reported else []  # fmt: skip
        if not provider:
            facts.append(Fact(label, said, "ingen rapport från anordnaren"))
            continue
        p = provider[0]
        registered = f"närvarat {p.attended_hours} av {p.planned_hours} timmar (anordnaren)"
        same = (p.attended_hours, p.planned_hours) == (a.attended_hours, a.planned_hours)
        gap = (
            ""
            if same
            else f"{abs(a.attended_hours - p.attended_hours)} timmar {'fler' if a.attended_hours > p.attended_hours else 'färre'} närvarotimmar i ansökan"
        )
        facts.append(Fact(label, said, registered, differs=not same, difference=gap or "planerade timmar skiljer sig"))
    for role, person in reported.items():
        af = person.af
        since = f" sedan {af.registered_since.isoformat()}" if af.registered_since else ""
        registered = f"{swedish.AF_STATUS[af.status]}{since}; {swedish.AF_REPORT.get(af.aktivitetsrapport, af.aktivitetsrapport)}"
        facts.append(
            Fact(f"{swedish.person(role).capitalize()}: Arbetsförmedlingen", "uppges inte i ansökan", registered)
        )
    return facts


def _unavailable(app: Application, register: Register) -> list[str]:
    out = []
    for role, person in _adults(app, register):
        for authority in person.unavailable:
            out.append(f"{AUTHORITY_NAMES.get(Authority(authority), authority)} om {swedish.person(role)}")
    return out


def _event(row: Any) -> Event:
    text = swedish.EVENTS.get(row.kind, row.kind)
    details = json.loads(row.details) if row.details else {}
    if row.kind == "processed" and row.to_state:
        text += f": {swedish.QUEUE_STATES.get(row.to_state, row.to_state)}"
    if row.kind == "manual_resolved" and details.get("resolution"):
        text += f": {swedish.DECISIONS.get(details['resolution'], details['resolution'])}"
    return Event(row.at, text, row.actor)


def reason_items(reasons: list[Any], titles: dict[str, str]) -> list[tuple[str, str]]:
    """(title, text) per reason; a broken document's field list is shown in Swedish, not as JSON paths."""
    out = []
    for r in reasons:
        title = titles.get(r.code, r.code)
        text = swedish.readable_fields(r.text) if r.code == Code.INVALID_APPLICATION else r.text
        out.append((title, text))
    return out
