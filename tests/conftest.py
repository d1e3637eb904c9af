from __future__ import annotations

from pathlib import Path

import pytest

from robot.chain.ruleset import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset(RULES)
