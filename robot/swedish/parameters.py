"""The rule parameters and steps as a handläggare reads them: `aktivitet.narvarograns` → "närvarogräns".

The dotted names are how rules/ files are organised (and what `robot rules check` reports); `robot
explain` and the web app show these words instead. A parameter without an entry here is shown as its
last part with spaces for underscores, so a new parameter still reads as words until it has one.
"""

from __future__ import annotations

import re

from robot.swedish.words import COST_NAMES, INCOME_NAMES

STEP_NAMES = {
    "intag": "intag",
    "stickprov": "stickprov",
    "aktivitet": "aktivitet",
    "hushall": "hushåll",
    "schablon": "schablon",
    "inkomst": "inkomst",
    "rimlighet": "rimlighet",
    "norm": "norm",
}

PARAMETER_NAMES = {
    "intag.barn_max_alder": "högsta ålder för barn i hushållet",
    "stickprov.andel": "andel som väljs till stickprov",
    "stickprov.andel_per_kostnadstyp": "andel till stickprov per kostnadstyp",
    "aktivitet.narvarograns": "lägsta närvaro i aktiviteterna",
    "aktivitet.krav_inskriven_af": "krav på inskrivning på Arbetsförmedlingen",
    "aktivitet.aktivitetskrav_fran_period": "aktivitetskravet gäller från månad",
    "aktivitet.aktivitetskrav_manader_i_rad": "aktivitetskravet efter månader i följd med försörjningsstöd",
    "aktivitet.aktivitetskrav_timmar_per_manad": "aktivitetskravets timmar per månad",
    "hushall.ung_vuxen_fran_alder": "ung vuxen från ålder",
    "hushall.pensionsalder": "pensionsålder",
    "hushall.sparbuffert_kr": "sparbuffert (kr)",
    "schablon.alltid_manuell": "kostnader som alltid prövas av en handläggare",
    "schablon.intervall": "schablon",
    "inkomst.kallor": "register för inkomster",
    "inkomst.tolerans_kr": "tolerans för avvikande inkomst (kr)",
    "inkomst.tolerans_andel": "tolerans för avvikande inkomst (andel)",
    "inkomst.fyll_luckor_fran_m2": "luckor i kontrollmånaden fylls från månaden före",
    "inkomst.arbetsgivardeklaration_dag": "dag då arbetsgivardeklarationen ska ha kommit in",
    "inkomst.skattepliktiga_inkomster": "skattepliktiga inkomster",
    "inkomst.inkomsttyp_kalla": "register per inkomsttyp",
    "inkomst.barns_arbetsinkomst.andel_av_prisbasbelopp": "barns arbetsinkomst: andel av prisbasbeloppet",
    "inkomst.barns_arbetsinkomst.prisbasbelopp": "barns arbetsinkomst: prisbasbelopp",
    "inkomst.jobbstimulans.andel": "jobbstimulans: andel av arbetsinkomsten som inte räknas",
    "inkomst.jobbstimulans.langsta_tid_manader": "jobbstimulans: längsta tid (månader)",
    "inkomst.jobbstimulans.manader_i_rad": "jobbstimulans: efter månader i följd med försörjningsstöd",
    "rimlighet.barnbidrag_till_och_med_alder": "barnbidrag till och med ålder",
    "rimlighet.barnomsorg_till_och_med_alder": "barnomsorg till och med ålder",
    "rimlighet.studiehjalp_fran_alder": "studiehjälp från ålder",
    "rimlighet.studiehjalp_till_och_med_alder": "studiehjälp till och med ålder",
    "norm.lunch_rader_till_alder": "lunch i förskolan till och med ålder",
    "norm.delas_med_andra_vuxna": "kostnader som delas med andra vuxna",
}

_RIKSNORM_WORDS = {
    "personliga": "personliga kostnader",
    "gemensamma": "gemensamma hushållskostnader",
    "vuxna": "vuxen",
    "barn": "barn",
    "ensamstaende": "ensamstående",
    "sammanboende": "sammanboende",
    "belopp": "",
    "utan_lunch": "utan lunch i förskolan",
}

WORDS = {
    **COST_NAMES,
    **{k: v for k, v in INCOME_NAMES.items() if k not in COST_NAMES},
    "hushall": "hushåll",
    "per_manad": "per månad",
}
"""Codes that appear in parameter values (cost and income types) as words; a-kassa is the cost's name
except under inkomst (`value_words`)."""


def step_name(rule: str) -> str:
    return STEP_NAMES.get(rule, rule.replace("_", " "))


def parameter_name(path: str) -> str:
    """A parameter's dotted name in Swedish words."""
    if path in PARAMETER_NAMES:
        return PARAMETER_NAMES[path]
    parts = path.split(".")
    if parts[0] == "riksnorm" and len(parts) >= 3:
        return _riksnorm(parts[1], parts[2:])
    prefix = ".".join(parts[:2])
    if prefix in PARAMETER_NAMES and len(parts) > 2:
        rest = [WORDS.get(p, p.replace("_", " ")) for p in parts[2:]]
        return f"{PARAMETER_NAMES[prefix]}: {', '.join(rest)}"
    return parts[-1].replace("_", " ")


def value_words(path: str) -> dict[str, str]:
    """The words for codes in this parameter's value."""
    return {**WORDS, **INCOME_NAMES} if path.startswith("inkomst.") else WORDS


def _riksnorm(year: str, parts: list[str]) -> str:
    words = [f"riksnorm {year}"]
    for i, part in enumerate(parts):
        if re.fullmatch(r"[0-9]+(-[0-9]+)?", part):
            if parts[i - 1] == "gemensamma":
                words.append(f"{part} {'person' if part == '1' else 'personer'}")
            else:
                words.append(part.replace("-", "–") + " år")
        elif _RIKSNORM_WORDS.get(part, part):
            words.append(_RIKSNORM_WORDS.get(part, part.replace("_", " ")))
    return ", ".join(words)
