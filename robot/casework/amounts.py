"""An amount far from what the robot calculated is a likely typo: it is taken only when confirmed.

Far means: further than `casework.amount_tolerance` (±25 %) from the robot's proposal; or above
the household's norm plus its costs (what it would get with no income at all); or, when the robot
calculated nothing, above `casework.confirm_above` kronor.

Above `casework.max_amount` (verksamheten's ceiling) no amount is taken, confirmed or not: such a
decision belongs in the case system, where it gets its own review.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot.casework.errors import Invalid
from robot.config import CaseworkSettings
from robot.formats.verdict import Verdict
from robot.queue.records import application_row, stored_verdict
from robot.swedish.numbers import kr, percent


def robot_verdict(engine: Engine, application_id: str) -> Verdict | None:
    row = application_row(engine, application_id)
    stored = stored_verdict(engine, row.id) if row is not None else None
    return stored.verdict if stored is not None else None


def why_confirm(amount: int, verdict: Verdict | None, limits: CaseworkSettings) -> str | None:
    """Why `amount` needs a confirmation (Swedish), or None when it is plausible."""
    proposal = verdict.amount if verdict else None
    if proposal and abs(amount - proposal) > limits.amount_tolerance * proposal:
        return (
            f"beloppet {kr(amount)} avviker mer än {percent(limits.amount_tolerance)} från robotens förslag "
            f"{kr(proposal)}"
        )
    norm = verdict.norm if verdict else None
    if norm is not None and amount > norm.personal + norm.shared + norm.costs:
        ceiling = norm.personal + norm.shared + norm.costs
        return f"beloppet {kr(amount)} är större än normen och kostnaderna tillsammans ({kr(ceiling)})"
    if proposal is None and norm is None and amount > limits.confirm_above:
        return f"beloppet {kr(amount)} är större än {kr(limits.confirm_above)} och roboten har inget förslag att jämföra med"
    return None


def above_ceiling(amount: int, limits: CaseworkSettings) -> str | None:
    """Why `amount` can never be taken here (Swedish), or None when it is within the ceiling."""
    if amount <= limits.max_amount:
        return None
    what = f"beloppet {kr(amount)}" if amount < 10**15 else "beloppet"
    return (
        f"{what} är större än taket {kr(limits.max_amount)} som verksamheten har satt "
        "(casework.max_amount); ett så stort belopp beslutas i verksamhetssystemet"
    )


def check_amount(engine: Engine, application_id: str, amount: int, confirmed: bool, limits: CaseworkSettings) -> None:
    ceiling = above_ceiling(amount, limits)
    if ceiling:
        raise Invalid(ceiling, "amount")
    why = why_confirm(amount, robot_verdict(engine, application_id), limits)
    if why and not confirmed:
        raise Invalid(f"{why}; kontrollera beloppet och bekräfta det", "confirm_amount")
