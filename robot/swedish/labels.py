"""The Swedish words the report uses for the robot's codes (outcomes, channels, cost types, decisions)."""

from __future__ import annotations

from robot.swedish.words import COST_NAMES, capitalized

OUTCOMES = ("recommendation", "manual", "waiting", "technical_failure")
OUTCOME_NAMES = {
    "recommendation": "Rekommendation om bifall",
    "manual": "Manuell handläggning",
    "waiting": "Väntar (ingen bedömning än)",
    "technical_failure": "Tekniskt fel",
}
OUTCOME_SHORT = {
    "recommendation": "rekommendation",
    "manual": "manuell",
    "waiting": "väntar",
    "technical_failure": "tekniskt fel",
}
CHANNEL_NAMES = {"e-tjanst": "e-tjänst", "papper": "papper"}
DIMENSION_NAMES = {"kanal": "Kanal", "stadsdel": "Stadsdel"}
UNKNOWN = "(uppgift saknas)"


def channel_name(channel: str | None) -> str:
    return CHANNEL_NAMES.get(channel or "", channel or UNKNOWN)


def district_name(district: str | None) -> str:
    return district or UNKNOWN


def cost_name(cost_type: str) -> str:
    return capitalized(COST_NAMES.get(cost_type, cost_type))
