"""Text a person supplied (an application, a handläggare's note or name, a file name), made safe to show.

A terminal obeys control characters: ANSI escape sequences can rewrite the screen, change the
title or hide text; bidirectional overrides make text read differently from what it is. Before
such text reaches a terminal every control, format and separator character (C0, DEL, C1, bidi
overrides and isolates, zero-width characters, U+2028/2029) is shown as a visible escape
(`\\u001b`, `\\u202e`, valid in JSON strings too) instead: the reader sees that something odd was there, and nothing happens.
"""

from __future__ import annotations

import unicodedata

_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def terminal_safe(text: object, *, lines: bool = False) -> str:
    """`text` with every control character escaped; `lines=True` keeps line breaks (for prose)."""
    value = str(text)
    if value.isascii() and value.isprintable():
        return value
    return "".join(ch if _shown(ch, lines) else _escape(ch) for ch in value)


def _shown(ch: str, lines: bool) -> bool:
    if lines and ch == "\n":
        return True
    return unicodedata.category(ch) not in _UNSAFE


def _escape(ch: str) -> str:
    """`\\uXXXX` (a surrogate pair above U+FFFF): readable, and valid inside a JSON string too."""
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
