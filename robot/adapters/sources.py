"""Choosing the register source from the settings; the rules never know which one they got."""

from __future__ import annotations

from robot.adapters.register_source import FileRegisterSource, RegisterSource
from robot.config import Settings


class RegisterSourceError(Exception):
    pass


def make_register_source(settings: Settings) -> RegisterSource:
    """SSBTEK over SOAP when ROBOT_SSBTEK_URL is set, else a register/1 file (ROBOT_SSBTEK_REGISTER)."""
    if settings.ssbtek.url:
        from robot.adapters.ssbtek.client import SoapRegisterSource

        return SoapRegisterSource(settings)
    if settings.ssbtek.register_file:
        path = settings.ssbtek.register_file
        try:
            return FileRegisterSource(path)
        except OSError as exc:
            raise RegisterSourceError(f"cannot read the register file {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise RegisterSourceError(f"{path} is not a register/1 document: {str(exc).splitlines()[0]}") from None
    raise RegisterSourceError(
        "no register source: set ROBOT_SSBTEK_URL (SSBTEK or its simulator) or ROBOT_SSBTEK_REGISTER (a register/1 file)"
    )
