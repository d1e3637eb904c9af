"""Which of the declared children the registers should show, and what they should show.

- Allmänt barnbidrag (SFB 15 kap. 3 §) is paid from the month after birth through the quarter in
  which the child turns 16, to a parent; flerbarnstillägg (SFB 15 kap. 8 §) follows the number of
  children, and may also count children with studiehjälp (on the parent's notice to Försäkringskassan),
  so the sum Försäkringskassan pays is one of a few amounts, never any amount.
- Studiebidrag (studiestödslagen 2 kap.) is paid from the quarter after the 16th birthday to a child in
  gymnasieskola, to the parent while the child is under 18, then to the young person, whom the robot
  does not ask SSBTEK about.
- Every other child (born in the month or later, 16–17 and not in school, 18 or older) cannot be
  confirmed by the registers the robot reads.

`register/1` gives one barnbidrag amount per adult and month, not per child: the comparison is of the
number of children the amount pays for, and of each child's entitlement in that month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from robot.formats import period as months
from robot.formats.application import Child
from robot.formats.period import age_on

Status = Literal["barnbidrag", "studiebidrag", "obekraftat"]


def quarter_end(birth: dt.date, age: int) -> str:
    """The last month of the quarter in which a child born on `birth` turns `age` (YYYY-MM)."""
    last = (birth.month - 1) // 3 * 3 + 3
    return f"{birth.year + age:04d}-{last:02d}"


@dataclass(frozen=True)
class ChildStatus:
    number: int
    """1-based, as the texts name children ("barn 2")."""
    status: Status
    why: str = ""
    """For an unconfirmable child: why the registers cannot show it, in Swedish."""


OLDEST_CHILD = 20
"""The riksnorm's child rows end at 20; an older child, or one born after the period began, is intag's
BARN_ALDER, not a question for the registers."""


def classify(
    children: list[Child], month: str, period_start: dt.date, barnbidrag_turns: int, studiehjalp_to_parent_under: int
) -> list[ChildStatus]:
    """Each child living here full-time: what the registers should show for it in `month`."""
    start = months.first_day(month)
    out = []
    for i, c in enumerate(children):
        if (
            c.lives_here != "heltid"
            or c.birth_date >= period_start
            or age_on(c.birth_date, period_start) > OLDEST_CHILD
        ):
            continue
        age = age_on(c.birth_date, start)
        if c.birth_date >= start:
            out.append(ChildStatus(i + 1, "obekraftat", "barnbidrag betalas först från månaden efter födseln"))
        elif month <= quarter_end(c.birth_date, barnbidrag_turns):
            out.append(ChildStatus(i + 1, "barnbidrag"))
        elif c.in_school and age < studiehjalp_to_parent_under:
            out.append(ChildStatus(i + 1, "studiebidrag"))
        elif c.in_school:
            out.append(
                ChildStatus(
                    i + 1,
                    "obekraftat",
                    f"studiehjälpen betalas till den unga själv från {studiehjalp_to_parent_under} år, och roboten "
                    "hämtar inga uppgifter om barnet",
                )
            )
        elif age < studiehjalp_to_parent_under:
            out.append(
                ChildStatus(
                    i + 1, "obekraftat", "barnbidraget har upphört och ansökan uppger inte att barnet går i skolan"
                )
            )
        # 18 or older and not (or not known to be) in school: the hushall step's reasons
    return out


def flerbarnstillagg(children: int, per_child: dict[int, int]) -> int:
    """The flerbarnstillägg for `children` children: per_child gives the amount for the 2nd, 3rd, …
    child; its highest ordinal applies to every further child."""
    if not per_child:
        return 0
    top = max(per_child)
    return sum(per_child.get(n, per_child[top] if n > top else 0) for n in range(2, children + 1))


def barnbidrag_total(children: int, per_child: int, tillagg: dict[int, int]) -> int:
    return children * per_child + flerbarnstillagg(children, tillagg)


def accepted_totals(barnbidrag: int, students: int, per_child: int, tillagg: dict[int, int]) -> dict[int, int]:
    """What Försäkringskassan may pay for `barnbidrag` children (flerbarnstillägg counted with 0 … all
    of the `students`): amount → the number of children the flerbarnstillägg counts."""
    if barnbidrag == 0 and students < 2:
        return {0: 0}
    out = {}
    for counted in range(barnbidrag, barnbidrag + students + 1):
        total = barnbidrag * per_child + flerbarnstillagg(counted, tillagg)
        out.setdefault(total, counted)
    return out


def children_paid_for(total: int, per_child: int, tillagg: dict[int, int], most: int = 60) -> int | None:
    """The number of children a barnbidrag `total` (with flerbarnstillägg) pays for, if any."""
    for n in range(most + 1):
        if barnbidrag_total(n, per_child, tillagg) == total:
            return n
    return None
