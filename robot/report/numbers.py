"""Figures as a Swedish reader expects them: spaces between thousands, decimal comma, "–" for none."""

from __future__ import annotations

NONE = "–"


def integer(n: int | None) -> str:
    return NONE if n is None else f"{n:,}".replace(",", " ").replace("-", "−")


def kronor(n: int | None) -> str:
    return NONE if n is None else f"{integer(n)} kr"


def signed_kronor(n: int) -> str:
    return ("+" if n > 0 else "") + kronor(n)


def percent(x: float | None, digits: int = 1) -> str:
    return NONE if x is None else f"{x * 100:.{digits}f}".replace(".", ",").replace("-", "−") + " %"


def points(x: float | None) -> str:
    """A difference between two shares, in percentage points."""
    if x is None:
        return NONE
    sign = "+" if x > 0 else ""
    return f"{sign}{x * 100:.1f}".replace(".", ",").replace("-", "−") + " p.e."


def p_value(p: float | None) -> str:
    if p is None:
        return NONE
    if p < 0.001:
        return "< 0,001"
    return f"{p:.3f}".replace(".", ",")


def milliseconds(n: int | None) -> str:
    return NONE if n is None else f"{integer(n)} ms"
