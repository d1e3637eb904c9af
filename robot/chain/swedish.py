"""Formatting figures the way a Swedish reader expects them in a motivering."""

from __future__ import annotations

ROLE_NAMES = {"applicant": "sökande", "co_applicant": "medsökande"}

COST_NAMES = {
    "hyra": "hyra",
    "hushallsel": "hushållsel",
    "hemforsakring": "hemförsäkring",
    "arbetsresor": "arbetsresor",
    "fackavgift": "fackavgift",
    "a_kassa": "a-kasseavgift",
    "lakarvard": "läkarvård",
    "medicin": "medicin",
    "barnomsorg": "barnomsorg",
    "tandvard": "tandvård",
    "glasogon": "glasögon",
    "ovrigt": "övrigt",
}

INCOME_NAMES = {
    "lon": "lön",
    "a_kassa": "a-kassa",
    "aktivitetsstod": "aktivitetsstöd",
    "etableringsersattning": "etableringsersättning",
    "sjukpenning": "sjukpenning",
    "foraldrapenning": "föräldrapenning",
    "bostadsbidrag": "bostadsbidrag",
    "barnbidrag": "barnbidrag",
    "underhallsstod": "underhållsstöd",
    "studiemedel": "studiemedel",
    "pension": "pension",
    "ovrigt": "övrig inkomst",
}

ACTIVITY_NAMES = {
    "kompetenscenter": "kompetenscenter",
    "sfi": "SFI",
    "praktik": "praktik",
    "af_program": "program hos Arbetsförmedlingen",
    "studier": "studier",
    "annan": "annan aktivitet",
}

EXEMPTION_NAMES = {
    "sjukskrivning": "sjukskrivning",
    "foraldraledighet": "föräldraledighet",
    "annat": "annat undantag",
}

MONTH_NAMES = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]


def kr(amount: int) -> str:
    sign = "−" if amount < 0 else ""
    return f"{sign}{abs(amount):,} kr".replace(",", " ")


def percent(share: float) -> str:
    value = round(share * 100, 1)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def decimal(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def role(person: str) -> str:
    if person.startswith("child:"):
        return f"barn {int(person[6:]) + 1}"
    return ROLE_NAMES.get(person, person)


def persons(n: int) -> str:
    return "1 person" if n == 1 else f"{n} personer"


def join(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " och " + items[-1]


def month_name(month: str) -> str:
    return f"{MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"
