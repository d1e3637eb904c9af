"""Parameters as data, in the spirit of OpenFisca: every value has its source and valid-from date.

A parameter file is a mapping; a node with a `values` key is a parameter, any other mapping is a
group of parameters. Each entry of `values` is keyed by its valid-from date::

    narvarograns:
      description: ...
      unit: andel
      values:
        2019-01-01: {value: 0.9, source: "...", example: true}

`provisional: true` marks a value not yet verified against its source; `example: true` marks a
value a municipality must replace with its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from robot.chain.errors import RulesError


@dataclass(frozen=True)
class ParamValue:
    name: str
    valid_from: dt.date
    value: Any
    source: str
    provisional: bool = False
    example: bool = False

    def cite(self, value: Any = None) -> dict[str, Any]:
        """How a verdict records the parameter it used (optionally just the part it used)."""
        if value is None:
            return self._citation
        return {**self._citation, "value": value}

    @cached_property
    def _citation(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "valid_from": self.valid_from.isoformat(),
            "source": self.source,
            **({"provisional": True} if self.provisional else {}),
            **({"example": True} if self.example else {}),
        }


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str | None
    values: tuple[ParamValue, ...]

    def at(self, day: dt.date) -> ParamValue | None:
        """The value in force on `day`: the one with the latest valid-from not after it."""
        current = None
        for v in self.values:
            if v.valid_from <= day:
                current = v
        return current


@dataclass(frozen=True)
class ParameterGroup:
    name: str
    children: dict[str, Parameter | ParameterGroup] = field(default_factory=dict)

    def parameter(self, path: str) -> Parameter:
        node: Parameter | ParameterGroup = self
        for part in path.split("."):
            if not isinstance(node, ParameterGroup) or part not in node.children:
                raise KeyError(f"{self.name}.{path}")
            node = node.children[part]
        if not isinstance(node, Parameter):
            raise KeyError(f"{self.name}.{path} is a group, not a parameter")
        return node

    def group(self, path: str) -> ParameterGroup:
        node = self.children.get(path)
        if not isinstance(node, ParameterGroup):
            raise KeyError(f"{self.name}.{path}")
        return node

    def walk(self) -> list[Parameter]:
        out: list[Parameter] = []
        for child in self.children.values():
            out.extend(child.walk() if isinstance(child, ParameterGroup) else [child])
        return out


def parse_group(name: str, node: Any, where: str) -> ParameterGroup:
    if not isinstance(node, dict):
        raise RulesError(where, f"{name}: förväntade en mappning av parametrar")
    children: dict[str, Parameter | ParameterGroup] = {}
    for key, child in node.items():
        child_name = f"{name}.{key}"
        if isinstance(child, dict) and "values" in child:
            children[str(key)] = _parse_parameter(child_name, child, where)
        elif isinstance(child, dict):
            children[str(key)] = parse_group(child_name, child, where)
        else:
            raise RulesError(where, f"{child_name}: en parameter behöver `values` (varje värde med value och source)")
    return ParameterGroup(name, children)


_ALLOWED_PARAMETER_KEYS = {"description", "unit", "values"}
_ALLOWED_VALUE_KEYS = {"value", "source", "provisional", "example", "note"}


def _parse_parameter(name: str, node: dict[str, Any], where: str) -> Parameter:
    unknown = set(node) - _ALLOWED_PARAMETER_KEYS
    if unknown:
        raise RulesError(where, f"{name}: okända nycklar {sorted(unknown)}")
    raw_values = node["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise RulesError(where, f"{name}: `values` ska ha giltighetsdatum (ÅÅÅÅ-MM-DD) som nycklar")
    values = []
    for key, entry in raw_values.items():
        valid_from = _date(key, name, where)
        if not isinstance(entry, dict) or "value" not in entry:
            raise RulesError(where, f"{name} {valid_from}: varje värde behöver `value` och `source`")
        unknown = set(entry) - _ALLOWED_VALUE_KEYS
        if unknown:
            raise RulesError(where, f"{name} {valid_from}: okända nycklar {sorted(unknown)}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise RulesError(where, f"{name} {valid_from}: `source` saknas; varje värde ska ha sin källa")
        values.append(
            ParamValue(
                name=name,
                valid_from=valid_from,
                value=entry["value"],
                source=source.strip(),
                provisional=bool(entry.get("provisional", False)),
                example=bool(entry.get("example", False)),
            )
        )
    values.sort(key=lambda v: v.valid_from)
    return Parameter(name, str(node.get("description", "")), node.get("unit"), tuple(values))


def _date(key: Any, name: str, where: str) -> dt.date:
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        raise RulesError(where, f"{name}: giltighetsdatum {key!r} är inte ett datum (ÅÅÅÅ-MM-DD)") from None
