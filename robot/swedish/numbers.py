"""Figures as a Swedish reader expects them: spaces between thousands, decimal comma, "−" for minus,
"–" for a figure that does not exist.

One rule for shares: a percentage has at most `decimals` decimals and no trailing zero
("2 %", "37,5 %"), in motiveringar, reports and the CLI alike.
"""

from __future__ import annotations

import functools

NONE = "–"
MINUS = "−"


def integer(n: int | None) -> str:
    return NONE if n is None else f"{n:,}".replace(",", " ").replace("-", MINUS)


@functools.lru_cache(maxsize=4096, typed=True)  # norms, ranges and limits recur from verdict to verdict
def kr(n: int | None) -> str:
    """ "12 470 kr", "−1 250 kr"; "–" for an amount that does not exist."""
    return NONE if n is None else f"{integer(n)} kr"


def signed_kr(n: int) -> str:
    return ("+" if n > 0 else "") + kr(n)


def _trimmed(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",").replace("-", MINUS)


@functools.lru_cache(maxsize=512, typed=True)  # the shares are the rules' parameters: a few values
def percent(share: float | None, decimals: int = 1) -> str:
    """A share (0.375) as a percentage: "37,5 %"; whole numbers without decimals: "2 %"."""
    return NONE if share is None else f"{_trimmed(share * 100, decimals)} %"


def points(x: float | None) -> str:
    """A difference between two shares, in percentage points: "+2,5 p.e."."""
    if x is None:
        return NONE
    return ("+" if x > 0 else "") + f"{_trimmed(x * 100, 1)} p.e."


def decimal(x: float, digits: int = 4) -> str:
    """A number with a fixed count of decimals and a decimal comma: "0,1234"."""
    return f"{x:.{digits}f}".replace(".", ",").replace("-", MINUS)


def p_value(p: float | None) -> str:
    if p is None:
        return NONE
    if p < 0.001:
        return "< 0,001"
    return f"{p:.3f}".replace(".", ",")


def milliseconds(n: int | None) -> str:
    return NONE if n is None else f"{integer(n)} ms"
