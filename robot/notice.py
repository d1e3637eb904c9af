"""The applicant notice: what the applicant is told about how the application was prepared.

Following Kela's practice (automated support is disclosed, with where to ask and how to appeal)
and ISF 2020:1 (a control the applicant never hears of deters no one).
"""

from __future__ import annotations

from robot.formats.verdict import Verdict


def applicant_notice(verdict: Verdict) -> str:
    return notice_text(verdict.application_id, verdict.outcome == "manual", verdict.stickprov)


def notice_text(application_id: str, manual: bool, stickprov: bool) -> str:
    """The notice for an application; `manual` also covers one the robot could not assess (technical fault)."""
    lines = [
        f"Om handläggningen av din ansökan om ekonomiskt bistånd ({application_id})",
        "",
        "Din ansökan har förberetts med hjälp av ett automatiserat beslutsstöd. Beslutsstödet jämför "
        "uppgifterna i ansökan med kommunens regler och med uppgifter från andra myndigheter (till exempel "
        "Försäkringskassan, Arbetsförmedlingen och Skatteverket) som kommunen har rätt att hämta.",
        "",
        "Beslutsstödet fattar inga beslut. En handläggare går igenom underlaget och fattar beslutet om din ansökan.",
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
        "Du har rätt att få veta vilka uppgifter och regler som har använts i din ansökan. Kontakta din "
        "handläggare om du har frågor.",
        "",
        "Om du inte är nöjd med beslutet kan du överklaga det till förvaltningsrätten. Hur du gör står i "
        "beslutet. Överklagandet ska ha kommit in inom tre veckor från den dag du fick del av beslutet.",
    ]
    return "\n".join(lines) + "\n"
