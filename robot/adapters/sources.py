"""Which register source the robot uses, from the settings."""

from __future__ import annotations

from robot.adapters.register_source import FileRegisterSource, RegisterSource
from robot.config import Settings


class RegisterSourceNotConfigured(ValueError):
    """Neither SSBTEK nor a register file is configured."""


def make_register_source(settings: Settings) -> RegisterSource:
    """SSBTEK over SOAP when ROBOT_SSBTEK_URL is set, else the register/1 file of ROBOT_SSBTEK_REGISTER."""
    if settings.ssbtek.url:
        from robot.adapters.ssbtek.client import SoapRegisterSource

        return SoapRegisterSource(settings)
    if settings.ssbtek.register_file is not None:
        return FileRegisterSource(settings.ssbtek.register_file)
    raise RegisterSourceNotConfigured(
        "no register source is configured: set ROBOT_SSBTEK_URL (SSBTEK's address) "
        "or ROBOT_SSBTEK_REGISTER (a register/1 file)"
    )
