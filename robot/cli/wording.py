"""Swedish for the handläggare commands: parse errors, amounts, months, dates, counts, statuses.

Typer's own messages are English and name Python parameters; `SwedishErrors` (`swedish_typer.SwedishGroup`,
the `cls` of every command group) turns every usage error into one Swedish line instead.
"""

from __future__ import annotations

import datetime as dt
import re

from robot.cli.common import fail
from robot.cli.swedish_typer import SwedishGroup
from robot.cli.users import cli_actor_or_fail
from robot.swedish.dates import MONTH_NAMES, STOCKHOLM, local_date, month_name
from robot.swedish.numbers import kr

SwedishErrors = SwedishGroup
"""The handläggare command groups' class (the name they have always used)."""


def parse_amount(text: str | None, option: str = "--amount") -> int | None:
    """Whole kronor as a handläggare types them: 11590, 11 590, 11 590 kr, 11590kr."""
    if text is None:
        return None
    cleaned = re.sub(r"\s+|kr$", "", text.strip().lower().replace("\u00a0", " ")).removesuffix("kr")
    if not cleaned.isdigit():
        fail(f'beloppet ska vara hela kronor, till exempel 11590 eller "11 590", inte {text!r} ({option})', code=2)
    # Past 30 digits only "far too large" matters (casework refuses it); int() of thousands of digits raises.
    return int(cleaned) if len(cleaned) <= 30 else 10**30


def amount(value: int | None) -> str:
    return "–" if value is None else kr(value)


def integer(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def month(period: str | None) -> str:
    return month_name(period) if period and re.fullmatch(r"[0-9]{4}-[0-9]{2}", period) else "–"


def day(value: dt.datetime | None) -> str:
    """`2026-12-20`: short, for tables (the date in Sweden)."""
    return local_date(value)


def long_day(value: dt.datetime | None) -> str:
    """`20 december 2026`."""
    if value is None:
        return "–"
    local = value.astimezone(STOCKHOLM)
    return f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year}"


def moment(value: dt.datetime | None) -> str:
    """`20 december 2026 kl. 09.14 CET`: Stockholm time with its zone."""
    if value is None:
        return "–"
    local = value.astimezone(STOCKHOLM)
    return f"{long_day(value)} kl. {local:%H.%M %Z}"


def shown(count: int, total: int, noun: str) -> str | None:
    """The line "Visar 50 av 3 025 ärenden" when the list is cut; None when everything is shown."""
    if total <= count:
        return None
    return f"Visar {integer(count)} av {integer(total)} {noun}; --limit {total} visar alla."


OPTIONS = {
    "ref": "ärende, rekommendation eller ansöknings-id",
    "decision": "--decision",
    "amount": "--amount",
    "confirm_amount": "--confirm-amount",
    "note": "--note",
    "stickprov_correct": "--correct eller --incorrect",
    "force": "--force",
    "status": "--status",
    "limit": "--limit",
}
"""What sets each input a casework error can name."""


def handle(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run a casework action; a refusal is one Swedish line naming what to fix: exit 2 for bad input,
    1 when the item's state does not allow it, 4 when the person may not."""
    from robot.accounts import NotAllowed
    from robot.casework import CaseworkError, Invalid

    try:
        return fn(*args, **kwargs)
    except NotAllowed as exc:
        fail(f"nekas: {exc}", code=4)
    except CaseworkError as exc:
        option = OPTIONS.get(exc.field or "")
        fail(f"{exc}" + (f" ({option})" if option else ""), code=2 if isinstance(exc, Invalid) else 1)


FIELD_NAMES = {
    "format": "format", "application_id": "ansökans id", "kind": "slag", "channel": "kanal", "district": "stadsdel",
    "period": "period", "submitted_at": "inlämnad", "household": "hushållet", "applicant": "sökande",
    "co_applicant": "medsökande", "children": "barn", "other_adults": "andra vuxna",
    "protected_identity": "skyddad identitet", "changed_since_last_application": "ändrat hushåll",
    "personnummer": "personnummer", "able_to_work": "arbetsförmåga", "birth_date": "födelsedatum",
    "in_school": "går i skolan", "lives_here": "bor i hushållet", "activities": "aktivitet", "person": "person",
    "month": "månad", "planned_hours": "planerade timmar", "attended_hours": "närvarotimmar",
    "exemption": "undantag", "costs": "kostnad", "incomes": "inkomst", "type": "typ", "amount": "belopp",
    "history": "historik", "consecutive_months_with_support": "månader i följd med bistånd",
    "jobbstimulans_months_used": "månader med jobbstimulans", "last_support_month": "senaste månad med bistånd",
    "assets": "tillgångar", "bank": "bank", "other": "övrigt",
    "lunch_away_5_days": "lunch utanför hemmet fem dagar i veckan",
}  # fmt: skip
"""The ansokan/1 field names as a handläggare says them."""
_NAME = r"[a-z_][a-z0-9_]*"
_PATH = re.compile(rf"\b{_NAME}(?:\[[0-9]+\])?(?:\.{_NAME}(?:\[[0-9]+\])?)*(?:\[[0-9]+\]|\.{_NAME})")


def readable_paths(text: str) -> str:
    """Field paths in a text (`costs[0].amount`) in words (`kostnad 1, belopp`).

    A path whose first name is not a field of ansokan/1 is left alone (`t.ex.`); an unknown name
    further in (a field the document should not have) is kept as written.
    """

    def words(match: re.Match[str]) -> str:
        parts = re.findall(rf"({_NAME})(?:\[([0-9]+)\])?", match[0])
        if parts[0][0] not in FIELD_NAMES:
            return match[0]
        if len(parts) > 1 and parts[0][0] == "household" and parts[1][0] in FIELD_NAMES:
            parts = parts[1:]
        return ", ".join(FIELD_NAMES.get(name, name) + (f" {int(i) + 1}" if i else "") for name, i in parts)

    return _PATH.sub(words, text)


def case_reader(eng):  # type: ignore[no-untyped-def]
    """The person at the terminal, who must be one who may see applications' personal data (handläggare)."""
    from robot.accounts import Permission

    actor = cli_actor_or_fail(eng)
    handle(actor.require, Permission.WORK_CASES)
    return actor
