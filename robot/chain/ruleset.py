"""Loading `rules/`: the chain's order, every step's parameters, the riksnorm tables, the reason codes.

A ruleset is identified by its version and a hash over the content of every file it was loaded
from. The files themselves are kept, so a stored verdict can be re-run under exactly its rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from robot.chain.errors import RulesError
from robot.chain.parameters import Parameter, parse_group
from robot.chain.riksnorm import RiksnormTable, parse_table
from robot.chain.step import Step
from robot.chain.steps import STEP_KINDS
from robot.formats import period as months
from robot.formats.reasons import Code
from robot.formats.register import Authority

ROOT_FILE = "ruleset.yaml"
FIRST_KINDS = ("intag", "stickprov")
LAST_KIND = "norm"


@dataclass(frozen=True)
class Ruleset:
    name: str
    version: str
    digest: str
    steps: tuple[Step, ...]
    riksnorm: dict[int, RiksnormTable]
    reasons: dict[str, str]
    files: dict[str, str] = field(repr=False)

    @property
    def identifier(self) -> str:
        return f"{self.version}+{self.digest[:12]}"

    @cached_property
    def files_json(self) -> str:
        """The rule files as one JSON text, as stored beside the verdicts that used them."""
        return json.dumps(self.files, ensure_ascii=False, sort_keys=True)

    def step(self, kind: str) -> Step:
        return next(s for s in self.steps if s.kind == kind)

    def parameters(self) -> list[Parameter]:
        return [p for s in self.steps for p in s.params.walk()]

    def required_authorities(self, period: str) -> frozenset[Authority]:
        """The SSBTEK authorities whose answers the steps need for an application in `period`.

        A step whose parameters do not cover the period needs nothing (it will send the
        application to a handläggare with the parameter named)."""
        day = months.first_day(period)
        needed: set[Authority] = set()
        for step in self.steps:
            try:
                needed |= step.authorities(day)
            except LookupError:
                continue
        return frozenset(needed)


def load_ruleset(directory: str | Path) -> Ruleset:
    """Read `directory` (normally the top-level rules/) and validate everything in it."""
    root = Path(directory)
    if not (root / ROOT_FILE).is_file():
        raise RulesError(str(root), f"ingen {ROOT_FILE} här; är detta en regelmapp?")
    files = {ROOT_FILE: _read(root / ROOT_FILE)}
    head = _yaml(files[ROOT_FILE], ROOT_FILE)
    for entry in head.get("chain") or []:
        if isinstance(entry, dict) and isinstance(entry.get("parameters"), str):
            name = entry["parameters"]
            files[name] = _read(root / name)
    reasons_file = head.get("reasons")
    if isinstance(reasons_file, str):
        files[reasons_file] = _read(root / reasons_file)
    norm_dir = head.get("riksnorm")
    if isinstance(norm_dir, str):
        for path in sorted((root / norm_dir).glob("*.yaml")):
            files[f"{norm_dir}/{path.name}"] = _read(path)
    return ruleset_from_files(files)


def ruleset_from_files(files: dict[str, str]) -> Ruleset:
    """Build a ruleset from file contents (as loaded from disk or stored with a verdict)."""
    head = _yaml(files[ROOT_FILE], ROOT_FILE)
    _expect_keys(head, {"name", "version", "description", "chain", "riksnorm", "reasons"}, ROOT_FILE)
    version = head.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesError(ROOT_FILE, '`version` ska vara en text som "2026.11.0"')
    chain = head.get("chain")
    if not isinstance(chain, list) or not chain:
        raise RulesError(ROOT_FILE, "`chain` ska lista stegen i ordning")

    steps: list[Step] = []
    for i, entry in enumerate(chain):
        where = f"{ROOT_FILE} chain[{i}]"
        if not isinstance(entry, dict):
            raise RulesError(where, "varje steg behöver step, kind och parameters")
        _expect_keys(entry, {"step", "kind", "parameters"}, where)
        kind = entry.get("kind")
        if kind not in STEP_KINDS:
            raise RulesError(where, f"okänd stegtyp {kind!r}; kända typer: {', '.join(STEP_KINDS)}")
        name = str(entry.get("step") or kind)
        param_file = entry.get("parameters")
        if not isinstance(param_file, str) or param_file not in files:
            raise RulesError(where, f"parameterfilen {param_file!r} finns inte")
        doc = _yaml(files[param_file], param_file) or {}
        group = parse_group(name, doc, param_file)
        STEP_KINDS[kind].check_parameters(group, param_file)
        steps.append(STEP_KINDS[kind](name, group))
    check_order([s.kind for s in steps])
    if len({s.name for s in steps}) != len(steps):
        raise RulesError(ROOT_FILE, "stegens namn ska vara unika")

    riksnorm: dict[int, RiksnormTable] = {}
    norm_dir = head.get("riksnorm")
    for path, text in sorted(files.items()):
        if isinstance(norm_dir, str) and path.startswith(f"{norm_dir}/"):
            table = parse_table(_yaml(text, path), path)
            if table.year in riksnorm:
                raise RulesError(path, f"en andra tabell för {table.year}")
            riksnorm[table.year] = table
    if not riksnorm:
        raise RulesError(ROOT_FILE, "inga riksnormstabeller hittades")

    reasons_file = head.get("reasons")
    reasons = _yaml(files.get(reasons_file, ""), str(reasons_file)) if isinstance(reasons_file, str) else None
    if not isinstance(reasons, dict) or not all(isinstance(v, str) for v in reasons.values()):
        raise RulesError(str(reasons_file), "orsaksfilen ska ge varje orsakskod en titel")
    unknown = sorted(set(reasons) - {c.value for c in Code})
    if unknown:
        raise RulesError(str(reasons_file), f"okända orsakskoder (inte i robot/formats/reasons.py): {', '.join(unknown)}")
    missing = sorted({code for s in steps for code in s.REASONS} - set(reasons))
    if missing:
        raise RulesError(str(reasons_file), f"orsakskoder utan titel: {', '.join(missing)}")

    digest = hashlib.sha256(json.dumps(sorted(files.items()), ensure_ascii=False).encode()).hexdigest()
    return Ruleset(
        name=str(head.get("name", "")),
        version=version.strip(),
        digest=digest,
        steps=tuple(steps),
        riksnorm=riksnorm,
        reasons={str(k): v for k, v in reasons.items()},
        files=dict(files),
    )


def check_order(kinds: list[str]) -> None:
    """intag, then stickprov, then the other kinds in the order verksamheten chooses, then norm."""
    expected = set(STEP_KINDS)
    if sorted(kinds) != sorted(expected):
        raise RulesError(ROOT_FILE, f"kedjan ska ha varje stegtyp exakt en gång: {', '.join(STEP_KINDS)}")
    if tuple(kinds[:2]) != FIRST_KINDS:
        raise RulesError(ROOT_FILE, "kedjan börjar med intag och sedan stickprov (stickprov före behandling)")
    if kinds[-1] != LAST_KIND:
        raise RulesError(ROOT_FILE, "norm är sista steget: det använder det de andra stegen har fastställt")


def _expect_keys(doc: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise RulesError(where, f"okända nycklar {sorted(unknown)}; tillåtna: {sorted(allowed)}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(str(path), f"kan inte läsas: {exc.strerror}") from None


_LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it: the same documents, about 8 times faster (every
process that loads the rules, each worker at start, pays for it)."""


def _yaml(text: str, where: str) -> Any:
    try:
        doc = yaml.load(text, Loader=_LIBYAML)
    except yaml.YAMLError:
        try:  # PyYAML's own parser says what is wrong with the line shown (libyaml only gives its number)
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RulesError(where, f"inte giltig YAML: {exc}") from None
    if doc is not None and not isinstance(doc, dict):
        raise RulesError(where, "förväntade en mappning överst")
    return doc
