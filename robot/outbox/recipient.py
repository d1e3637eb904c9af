"""The recipient the settings name: the case system (ROBOT_CASESYSTEM), else [output]'s folder or HTTP endpoint.

The case system's adapters (the gateway, OAuth2) are loaded only where it is the recipient: every daemon
runs a deliverer, and a worker start pays for what it imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from robot.config import Settings
from robot.outbox.targets import Target, make_target

if TYPE_CHECKING:
    import httpx


def target_for(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Target | None:
    """The case system when ROBOT_CASESYSTEM is set, else the folder or HTTP target of [output]."""
    if settings.casesystem == "caremanagement":
        from robot.outbox.casesystem import CaremanagementTarget

        return CaremanagementTarget(settings, transport)
    return make_target(settings.output, transport, demo=settings.demo)
