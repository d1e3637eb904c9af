"""Structured logs with structlog: JSON lines for machines, readable lines on a terminal.

Logs carry application ids, never personnummer, names or amounts. As a second line of defence
every string in every event is scrubbed of anything shaped like a personnummer.
"""

from __future__ import annotations

import logging
import re
import sys
from types import ModuleType
from typing import Any, TextIO

from robot.formats.text import terminal_safe


def _import_structlog() -> ModuleType:
    """structlog, loaded without rich where nothing has loaded rich yet.

    structlog's package imports its console renderer and its traceback module, and they import rich when it is
    installed (~35 ms of a worker's start) to draw an exception handed over as `exc_info`. The robot never
    hands one to a renderer (`format_exc_info` below makes every exception text first, and no code logs with
    `exc_info` unconfigured), so rich is hidden while structlog loads: structlog then takes it as not installed.
    Every module of the robot gets structlog through this one (`get`). The help pages load rich later themselves.
    """
    if "structlog" in sys.modules or "rich" in sys.modules:
        import structlog
    else:
        sys.modules["rich"] = None  # type: ignore[assignment]  # `import rich` now raises ImportError
        try:
            import structlog
        finally:
            del sys.modules["rich"]
    return structlog


structlog = _import_structlog()

PERSONNUMMER_SHAPE = re.compile(r"(?<![0-9])(?:[0-9]{6}|[0-9]{8})[-+]?[0-9]{4}(?![0-9])")


SHORTEST_PERSONNUMMER = 10
"""No shorter string has the shape: six digits, an optional separator, four digits."""
_MASK = "[personnummer]"
_SEQUENCES = (list, tuple)


def redact(text: str) -> str:
    return PERSONNUMMER_SHAPE.sub(_MASK, text)


def _scrub(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    sub = PERSONNUMMER_SHAPE.sub
    for key, value in event.items():
        if isinstance(value, str):
            # A plain string too short to hold one stays as it is (`sub` would give it back unchanged); a str
            # subclass (an enum member) still goes through `sub`, which gives it back as a plain str.
            if len(value) >= SHORTEST_PERSONNUMMER or type(value) is not str:
                event[key] = sub(_MASK, value)
        elif isinstance(value, _SEQUENCES):
            event[key] = [sub(_MASK, v) if isinstance(v, str) else v for v in value]
    return event


def _terminal_safe(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """On a console, values such as file names must not carry escape sequences to the terminal."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = terminal_safe(value, lines=key == "exception")
        elif isinstance(value, list | tuple):
            event[key] = [terminal_safe(v) if isinstance(v, str) else v for v in value]
    return event


def configure(fmt: str = "auto", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Configure structlog once per process. `auto` means console on a terminal, JSON otherwise."""
    out = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _scrub,
            *([] if use_json else [_terminal_safe]),  # JSON escapes control characters itself
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def get(name: str) -> Any:
    return structlog.get_logger(name)
