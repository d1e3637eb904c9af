"""The applicant notice: what the applicant is told about how the application was prepared.

Following Kela's practice (automated support is disclosed, with where to ask and how to appeal),
ISF 2020:1 (a control the applicant never hears of deters no one), förvaltningslagen (2017:900)
43–44 §§ (appeal through the authority that decided, within three weeks) and the data protection
regulation (articles 13–14: information; article 15: access to one's data; article 22: no decision
based solely on automated processing). The right to see the case's material, and so the rules and data
used, is förvaltningslagen's (10 §), not article 15's (whose logic clause covers article 22 decisions).
Attendance comes from the municipality's own activity system, not through SSBTEK.
"""

from __future__ import annotations

from dataclasses import dataclass

from robot.formats.register import AUTHORITY_NAMES, Authority
from robot.formats.verdict import Verdict
from robot.swedish.words import join

ACTIVITY_PROVIDER = "kommunens närvarorapporter från aktiviteter"


@dataclass(frozen=True)
class Contact:
    """Who the applicant contacts and appeals through ([municipality] in the settings)."""

    contact: str = "socialtjänsten i din kommun"
    board: str = "socialnämnden"


NOTICE_NAMES = {Authority.SO: "arbetslöshetskassorna"}
"""Names for the applicant where the handläggare's carry a code ("a-kassorna (SO)")."""


def registers_used(verdict: Verdict) -> list[str]:
    """The registers whose data the verdict used, in Swedish, from the parameters and facts it records:
    the authorities behind SSBTEK first, then the municipality's own attendance reports."""
    authorities: set[str] = set()
    provider = False
    for step in verdict.steps:
        for p in step.parameters:
            if str(p.get("name", "")).endswith(".kallor") and isinstance(p.get("value"), list):
                authorities.update(p["value"])
        if step.facts.get("provider_reported"):
            provider = True
        if step.facts.get("af_asked"):
            authorities.add(Authority.AF.value)
    names = [
        NOTICE_NAMES.get(Authority(a), AUTHORITY_NAMES[Authority(a)])
        for a in sorted(authorities)
        if a in Authority.__members__
    ]
    return names + ([ACTIVITY_PROVIDER] if provider else [])


def applicant_notice(verdict: Verdict, contact: Contact = Contact()) -> str:
    registers = registers_used(verdict)
    return notice_text(verdict.application_id, verdict.outcome == "manual", verdict.stickprov, registers, contact)


def notice_text(
    application_id: str,
    manual: bool,
    stickprov: bool,
    registers: list[str] | None = None,
    contact: Contact = Contact(),
) -> str:
    """The notice for an application; `manual` also covers one the robot could not assess (technical fault)."""
    agencies = [r for r in registers or [] if r != ACTIVITY_PROVIDER]
    own = ACTIVITY_PROVIDER in (registers or [])
    if agencies:
        used = (
            f"och med uppgifter som kommunen har rätt att hämta om dig och dem du bor med, från {join(agencies)} "
            "(via Sammansatt bastjänst ekonomiskt bistånd, SSBTEK)"
        )
        if own:
            used += f", och med {ACTIVITY_PROVIDER} (kommunens eget verksamhetssystem)"
    elif own:
        used = f"och med {ACTIVITY_PROVIDER} (kommunens eget verksamhetssystem)"
    else:
        used = "och, där det behövs, med uppgifter som kommunen har rätt att hämta från andra myndigheter"
    lines = [
        f"Om handläggningen av din ansökan om ekonomiskt bistånd ({application_id})",
        "",
        "Din ansökan har förberetts med hjälp av ett automatiserat beslutsstöd. Beslutsstödet har jämfört "
        f"uppgifterna i ansökan med kommunens regler {used}.",
        "",
        "En person fattar beslutet. Beslutsstödet fattar inga beslut och avslår aldrig en ansökan; en handläggare "
        "beslutar om din ansökan.",
    ]
    if stickprov:
        lines += [
            "",
            "Din ansökan har valts ut till en slumpmässig kontroll (stickprov). Kommunen kontrollerar en andel "
            "av alla ansökningar på det här sättet. Att din ansökan valdes ut betyder inte att något är fel; "
            "en handläggare granskar den extra noga och kan be dig om underlag.",
        ]
    elif manual:
        lines += [
            "",
            "Din ansökan behöver granskas av en handläggare innan beslut fattas. Handläggaren kan kontakta dig "
            "om något behöver kompletteras.",
        ]
    lines += [
        "",
        "Om du inte är nöjd med beslutet",
        f"Du kan överklaga beslutet till förvaltningsrätten. Skicka eller lämna överklagandet till {contact.board}, "
        "som skickar det vidare till förvaltningsrätten. Överklagandet ska ha kommit in inom tre veckor från den dag "
        "du fick del av beslutet (44 § förvaltningslagen). Skriv vilket beslut du överklagar och hur du vill att det "
        "ska ändras.",
        "",
        "Dina personuppgifter",
        "Kommunen behandlar dina personuppgifter för att handlägga din ansökan. Du har rätt att få information om "
        "behandlingen och en kopia av uppgifterna om dig (artiklarna 13–15 i dataskyddsförordningen). Som part i "
        "ärendet har du också rätt att ta del av underlaget, bland annat vilka uppgifter och regler som har använts "
        "(10 § förvaltningslagen). Beslutet fattas inte enbart automatiskt: en handläggare fattar det. Föreslår "
        "beslutsstödet bifall kan handläggaren bevilja enligt förslaget först när hen har öppnat beräkningen och "
        "skälen för den, och hen kan alltid besluta annorlunda (artikel 22).",
        "",
        "Frågor",
        f"Kontakta {contact.contact}.",
    ]
    return "\n".join(lines) + "\n"
