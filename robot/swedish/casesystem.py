"""Swedish wording for the case system: what an errand's field without a counterpart in ansokan/1 is
called when it sends the application to a handläggare, and the decisions posted back on the errand."""

from __future__ import annotations

from robot.swedish.dates import month_name
from robot.swedish.numbers import kr

UNMAPPED: dict[str, str] = {
    "SUPPLEMENTARY": "ansökan är en kompletteringsansökan (applicationType SUPPLEMENTARY)",
    "applicationType": "ansökningstypen (applicationType) saknas",
    "OTHER_BENEFIT": "ansökan gäller en annan förmån än försörjningsstöd (periodChoice OTHER_BENEFIT)",
    "OTHER_NORM": "ansökan anger en annan norm än riksnormen (normType OTHER_NORM)",
    "attestation": "ansökan är inte intygad av sökanden (attestation)",
    "staysInMunicipality": "sökanden uppger att hen inte vistas i kommunen (staysInMunicipality)",
    "COHABITING": "sökanden är sambo eller gift (maritalStatus COHABITING) men ansökan har ingen medsökande",
    "needsInterpreter": "behov av tolk ({language})",
    "housingPersonCount": "bostaden har {count} personer men ansökan räknar upp {listed}",
    "pendingBenefits": "sökt men ännu inte beslutad förmån ({count} st., pendingBenefits)",
    "residenceExtent": "barn {index}: boendet anges som OTHER (residenceExtent)",
    "lunch": "barn {index} är {age} år; uppgiften om lunch i förskolan (som väljer riksnormens rad) finns inte i ärendet",
    "COMPANY": "tillgång: ett företag (assetCategory COMPANY)",
    "INTERNET": "kostnad för internet (costType INTERNET) ingår i riksnormen; ansökan om den prövas",
    "TRAVEL_MEDICAL_TRANSPORT": "kostnad för sjukresa (costType TRAVEL_MEDICAL_TRANSPORT)",
    "SWISH_DEPOSITS": "inkomst: Swish-insättningar (incomeType SWISH_DEPOSITS)",
    "FINANCIAL_AID_OTHER_MUNICIPALITY": "inkomst: ekonomiskt bistånd från en annan kommun",
    "RENT_SHARE_FROM_CHILD": "inkomst: hyresandel från barn (incomeType RENT_SHARE_FROM_CHILD)",
    "incomeDate": "inkomst {index}: datum (incomeDate) saknas, så månaden är okänd",
    "recipient": "inkomst {index}: mottagaren (recipient) saknas eller är en medsökande som ansökan inte har",
    "unknown_cost": "kostnad {index}: okänd kostnadstyp {value}",
    "unknown_income": "inkomst {index}: okänd inkomsttyp {value}",
    "fraction": "{what} {index}: beloppet {value} är inte i hela kronor",
}

UNMAPPED_LEAD = "Uppgifter i ärendet som roboten inte kan föra över till sin bedömning: "
UNMAPPED_TAIL = ". En handläggare bedömer dem i ärendet."

DECISION_VALUES = {"recommendation": "BIFALL", "manual": "MANUELL"}
"""The robot's verdict as a RECOMMENDATION decision's value on the errand."""

MARKER = "Bistandsrobotens post: "
"""Ends every decision the robot posts, followed by the record's event id: how a redelivery finds it."""


def recommendation_lead(amount: int, period: str | None) -> str:
    return f"Roboten rekommenderar bifall med {kr(amount)}" + (f" för {month_name(period)}." if period else ".")


MANUAL_LEAD = "Roboten lämnar ansökan till en handläggare. Skäl: "
HUMAN_LEAD = {
    "bifall": "Beslut: bifall",
    "delavslag": "Beslut: delavslag",
    "avslag": "Beslut: avslag",
    "overlamnad": "Ansökan överlämnad",
}
BASIS = {"robotens_forslag": "enligt robotens förslag", "manuell_handlaggning": "efter manuell handläggning"}
LAGRUM = "Lagrum: "
SUPERSEDES = "Rättar tidigare beslut {event_id}."
