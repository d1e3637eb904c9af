"""Step kinds of the rule chain; `rules/ruleset.yaml` decides their order and parameters."""

from robot.chain.context import Step
from robot.chain.steps.aktivitet import Aktivitet
from robot.chain.steps.inkomst import Inkomst
from robot.chain.steps.intag import Intag
from robot.chain.steps.norm import NormStep
from robot.chain.steps.schablon import Schablon
from robot.chain.steps.stickprov import Stickprov

STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls for cls in (Intag, Stickprov, Aktivitet, Schablon, Inkomst, NormStep)
}
