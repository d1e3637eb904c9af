"""Which register source the robot uses, from the settings."""

from __future__ import annotations

from robot.adapters.http import CallObserver
from robot.adapters.register_source import FileRegisterSource, RegisterSource
from robot.config import Settings


class RegisterSourceNotConfigured(ValueError):
    """Neither SSBTEK nor a register file is configured."""


def make_register_source(settings: Settings, observer: CallObserver | None = None) -> RegisterSource:
    """The worker's register source.

    With ROBOT_SSBTEK_URL: SSBTEK composed with the employer declarations (ROBOT_AGI_URL) and the
    activity providers (ROBOT_ACTIVITY_FILE), each checked here, at start; the two HTTP services share one
    budget for answers in flight, and tell `observer` about every call. Else the register/1 file
    of ROBOT_SSBTEK_REGISTER, which holds all of it (offline checks, demos without the simulator).
    """
    if settings.ssbtek.url:
        from robot.adapters.activity import FileActivitySource
        from robot.adapters.budget import AnswerBudget
        from robot.adapters.composed import ComposedRegisterSource
        from robot.adapters.ssbtek.client import SoapRegisterSource

        activity = FileActivitySource(settings.activity.file) if settings.activity.file is not None else None
        budget = AnswerBudget(settings.http.max_answers_in_flight_bytes)
        pay = None
        if settings.agi.url:
            from robot.adapters.agi.client import AgiSource

            pay = AgiSource(settings, budget=budget, observer=observer)
        ssbtek = SoapRegisterSource(settings, budget=budget, observer=observer)
        return ComposedRegisterSource(ssbtek, pay, activity, always_asked=frozenset(settings.ssbtek.include))
    if settings.ssbtek.register_file is not None:
        return FileRegisterSource(settings.ssbtek.register_file)
    raise RegisterSourceNotConfigured(
        "no register source is configured: set ROBOT_SSBTEK_URL (SSBTEK's address) "
        "or ROBOT_SSBTEK_REGISTER (a register/1 file)"
    )
