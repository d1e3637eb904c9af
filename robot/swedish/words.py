"""The robot's codes in Swedish words, and the small grammar a motivering needs."""

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

ACTIVITY_PHRASES = {
    "kompetenscenter": "på kompetenscenter",
    "sfi": "på SFI",
    "praktik": "på praktik",
    "af_program": "i program hos Arbetsförmedlingen",
    "studier": "i studier",
    "annan": "i annan aktivitet",
}
"""Where one takes part: "närvarat 60 timmar på SFI"."""

EXEMPTION_NAMES = {
    "sjukskrivning": "sjukskrivning",
    "foraldraledighet": "föräldraledighet",
    "annat": "annat undantag",
}


def role(person: str) -> str:
    """ "applicant" → "sökande", "child:0" → "barn 1"."""
    if person.startswith("child:"):
        return f"barn {int(person[6:]) + 1}"
    return ROLE_NAMES.get(person, person)


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def persons(n: int) -> str:
    return "1 person" if n == 1 else f"{n} personer"


def months(n: int) -> str:
    return "1 månad" if n == 1 else f"{n} månader"


def hours(n: int) -> str:
    return "1 timme" if n == 1 else f"{n} timmar"


def duration(minutes: int) -> str:
    """ "8 timmar", "1 timme och 30 minuter", "45 minuter", "1 minut"."""
    whole, rest = divmod(minutes, 60)
    parts = ([hours(whole)] if whole else []) + ([f"{rest} minut" + ("" if rest == 1 else "er")] if rest else [])
    return join(parts) or "0 minuter"


def other_adults(n: int) -> str:
    """ "1 annan vuxen", "2 andra vuxna"."""
    return "1 annan vuxen" if n == 1 else f"{n} andra vuxna"


def join(items: list[str]) -> str:
    """ ["a", "b", "c"] → "a, b och c"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " och " + items[-1]


def genitive(name: str) -> str:
    """ "Barn 1" → "Barn 1:s", "Sökande" → "Sökandes", "Lars" → "Lars"."""
    if name[-1:].isdigit():
        return f"{name}:s"
    return name if name[-1:] in ("s", "x", "z") else f"{name}s"


NOUN_FORMS = {
    # incomes
    "lön": "utrum", "a-kassa": "utrum", "aktivitetsstöd": "neutrum", "etableringsersättning": "utrum",
    "sjukpenning": "utrum", "föräldrapenning": "utrum", "bostadsbidrag": "neutrum", "barnbidrag": "neutrum",
    "underhållsstöd": "neutrum", "studiemedel": "plural", "pension": "utrum", "övrig inkomst": "utrum",
    "inkomst": "utrum", "studiebidrag": "neutrum", "studiehjälp": "utrum", "flerbarnstillägg": "neutrum",
    # costs
    "hyra": "utrum", "hushållsel": "utrum", "hemförsäkring": "utrum", "arbetsresor": "plural",
    "fackavgift": "utrum", "a-kasseavgift": "utrum", "läkarvård": "utrum", "medicin": "utrum",
    "barnomsorg": "utrum", "tandvård": "utrum", "glasögon": "plural", "övrigt": "neutrum",
    "kostnad": "utrum", "kostnader": "plural", "sparande": "neutrum", "tillgångar": "plural",
}  # fmt: skip
"""The gender or number of every income and cost name (and a few more nouns the texts qualify), for the
adjectives that agree with them: "uppgiven lön", "uppgivet barnbidrag", "uppgivna studiemedel"."""

ADJECTIVES = {
    "uppgiven": ("uppgiven", "uppgivet", "uppgivna"),
    "ansökt": ("ansökt", "ansökt", "ansökta"),
    "skattefri": ("skattefri", "skattefritt", "skattefria"),
    "skattepliktig": ("skattepliktig", "skattepliktigt", "skattepliktiga"),
}
"""Indefinite forms (utrum, neutrum, plural) of the adjectives the texts put before an income or cost."""


def agreeing(adjective: str, noun: str) -> str:
    """The form of `adjective` ("uppgiven", "ansökt", "skattefri", "skattepliktig") that agrees with `noun`."""
    utrum, neutrum, plural = ADJECTIVES[adjective]
    return {"utrum": utrum, "neutrum": neutrum, "plural": plural}[NOUN_FORMS[noun]]
