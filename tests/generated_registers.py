"""Generated applications and the register/1 that answers them, varied: some persons unavailable at one to
three authorities, some with a registered business (what the SSBTEK equality tests ask about)."""

from __future__ import annotations

import json
import random

from bench.generate import Generated, Generator
from robot.formats.register import Authority, Register


def varied(seed: int, applications: int = 40) -> tuple[list[Generated], Register]:
    rng = random.Random(seed)
    generator = Generator("2026-12", seed)
    generated = list(generator.applications(applications))
    for person in generator.register["persons"].values():
        if rng.random() < 0.2:
            person["unavailable"] = rng.sample([a.value for a in Authority], rng.randint(1, 3))
        if rng.random() < 0.2:
            person["business"] = {"f_skatt": rng.random() < 0.5, "employer": rng.random() < 0.5, "vat": False}
    return generated, Register.model_validate_json(json.dumps(generator.register), strict=True)
