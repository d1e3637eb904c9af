"""Step kinds of the rule chain; `rules/ruleset.yaml` decides their order and parameters."""

from robot.chain.step import Step
from robot.chain.steps.aktivitet import Aktivitet
from robot.chain.steps.hushall import Hushall
from robot.chain.steps.inkomst import Inkomst
from robot.chain.steps.intag import Intag
from robot.chain.steps.naringsverksamhet import Naringsverksamhet
from robot.chain.steps.norm import NormStep
from robot.chain.steps.rimlighet import Rimlighet
from robot.chain.steps.schablon import Schablon
from robot.chain.steps.stickprov import Stickprov

STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls
    for cls in (Intag, Stickprov, Aktivitet, Hushall, Schablon, Naringsverksamhet, Inkomst, Rimlighet, NormStep)
}
