"""Casework in Swedish: statuses, decisions, queue states, event names, AF's codes and the
application's field names (`costs[0].amount` → "kostnad 1, belopp"), for the web app and the CLI."""

from __future__ import annotations

import re

from robot.swedish.dates import day_text, local_date, local_time, month_name
from robot.swedish.numbers import NONE, integer, kr
from robot.swedish.words import COST_NAMES, INCOME_NAMES, ROLE_NAMES

__all__ = ["NONE", "day_text", "integer", "kr", "local_date", "local_time", "month_name"]

MANUAL_STATUS = {"open": "öppet", "claimed": "tilldelat", "resolved": "avslutat"}
RECOMMENDATION_STATUS = {"pending": "väntar på beslut", "approved": "fastställd", "rejected": "avvisad"}
DECISIONS = {"bifall": "bifall", "delavslag": "delavslag", "avslag": "avslag", "overlamnad": "överlämnad"}
RESOLUTIONS = {"bifall": "bifall", "delavslag": "delavslag", "avslag": "avslag", "overlamnad": "överlämnat"}
"""A decision as what became of the case ("överlämnat"): in lists, the CLI and the monthly report."""
QUEUE_STATES = {
    "NEW": "i kö",
    "IN_PROGRESS": "behandlas",
    "RETRY_WAIT": "väntar på nytt försök",
    "DONE": "rekommendation klar",
    "MANUAL": "manuell handläggning",
}
CHANNELS = {"e-tjanst": "e-tjänst", "papper": "papper"}
EVENTS = {
    "enqueued": "ansökan togs emot",
    "claimed": "roboten började behandla",
    "processed": "roboten gjorde sin bedömning",
    "retry_due": "dags för ett nytt försök",
    "lease_expired": "behandlingen avbröts och ansökan lades tillbaka i kön",
    "released": "lades tillbaka i kön",
    "duplicate_ignored": "samma ansökan kom in en gång till (ignorerades)",
    "conflict_ignored": "en ändrad ansökan med samma id kom in (ignorerades)",
    "manual_claimed": "ärendet togs av handläggare",
    "manual_released": "ärendet släpptes tillbaka till kön",
    "manual_resolved": "ärendet avslutades",
    "recommendation_approved": "rekommendationen fastställdes",
    "recommendation_rejected": "rekommendationen avvisades",
}
AF_REPORT = {
    200: "aktivitetsrapporten är lämnad",
    501: "aktivitetsrapporten är inte lämnad",
    500: "finns inte i Arbetsförmedlingens register",
    502: "Arbetsförmedlingens svar var ett fel",
}
AF_STATUS = {"inskriven": "inskriven", "ej_inskriven": "inte inskriven", "okand": "inskrivning okänd"}


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, a full stop at the end."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def person(role: str) -> str:
    """ "applicant" → "sökande", "child:0" → "barn 1"."""
    if role.startswith("child:"):
        return f"barn {int(role[6:]) + 1}"
    return ROLE_NAMES.get(role, role)


def cost(kind: str) -> str:
    return _capital(COST_NAMES.get(kind, kind))


def income(kind: str) -> str:
    return _capital(INCOME_NAMES.get(kind, kind))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


FIELD_NAMES = {
    "format": "format", "application_id": "ansöknings-id", "kind": "ansökningstyp", "channel": "kanal",
    "district": "stadsdel", "period": "period", "submitted_at": "inskickad", "household": "hushållet",
    "applicant": "sökande", "co_applicant": "medsökande", "personnummer": "personnummer",
    "able_to_work": "kan arbeta", "children": "barn", "birth_date": "födelsedatum",
    "lunch_away_5_days": "lunch borta fem dagar", "in_school": "går i skolan", "lives_here": "boende",
    "other_adults": "andra vuxna", "protected_identity": "skyddad identitet",
    "changed_since_last_application": "ändrat hushåll", "assets": "tillgångar", "bank": "banktillgodohavande",
    "other": "andra tillgångar", "activities": "aktivitet", "person": "person", "month": "månad",
    "planned_hours": "planerade timmar", "attended_hours": "närvarotimmar", "exemption": "undantag",
    "costs": "kostnad", "type": "typ", "amount": "belopp", "incomes": "inkomst", "history": "historik",
    "consecutive_months_with_support": "månader i följd med stöd",
    "jobbstimulans_months_used": "använda månader med jobbstimulans", "last_support_month": "senaste månad med stöd",
    "jobbstimulans_start": "jobbstimulansens första månad", "consecutive_months_by_person": "egna månader i följd med stöd",
}  # fmt: skip
_STEP = re.compile(r"^([A-Za-z0-9_]+)(?:\[([0-9]+)\])?$")


def field_name(path: str) -> str:
    """An application field's path in Swedish: `costs[0].amount` → "kostnad 1, belopp"."""
    if not path:
        return "ansökan"
    words = []
    for step in path.split("."):
        match = _STEP.match(step)
        if not match:
            words.append(f"”{step}”")
            continue
        name, index = match.groups()
        word = FIELD_NAMES.get(name, f"fältet ”{name}”")
        words.append(f"{word} {int(index) + 1}" if index is not None else word)
    return ", ".join(words)


_PATH_BEFORE_COLON = re.compile(r"(?<![\w.\[\]])([a-z_]+(?:\[[0-9]+\])?(?:\.[a-z_]+(?:\[[0-9]+\])?)*)(?=: )")


def readable_fields(text: str) -> str:
    """A text listing a document's field errors (`costs[0].amount: ska vara ett heltal`) with the
    fields named in Swedish (`kostnad 1, belopp: ska vara ett heltal`)."""

    def swap(match: re.Match[str]) -> str:
        path = match.group(1)
        looks_like_path = "." in path or "[" in path or "_" in path or path in FIELD_NAMES
        return field_name(path) if looks_like_path else path

    return _PATH_BEFORE_COLON.sub(swap, text)
