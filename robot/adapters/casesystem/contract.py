"""The case system's published contract, for checking calls: caremanagement's OpenAPI 3.1 description
(copied unchanged from Sundsvallskommun/api-service-caremanagement, MIT; contract/LICENSE-caremanagement)
and the party service's two shapes as its clients' tests show them.

`Contract.request_problems` / `response_problems` name what in one call breaks the description: an
unknown operation, a path or query parameter outside its schema, a body that is not valid JSON
Schema 2020-12 against the operation's schema. Objects are made strict (a property the contract
does not define is an error) and a request may not carry a property the contract marks readOnly,
so a typo or an invented field on our side fails a test instead of being ignored by the server.

Used by the stub (`stub.py`) and the tests; needs `jsonschema` (the dev extras), imported here only.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
CAREMANAGEMENT = CONTRACT_DIR / "caremanagement.openapi.yaml"
_URI = "urn:bistandsrobot:caremanagement"
_METHODS = ("get", "post", "put", "patch", "delete")

# The party service publishes no description beside its clients; these shapes are what
# lifecare-integrator's tests stub (`party-legalIds.json`: a JSON object partyId → 12-digit legal id)
# and what the issue names (a list of partyIds in). docs/caremanagement.md, assumptions.
PARTY_LEGAL_IDS_REQUEST: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string", "pattern": "^[0-9a-fA-F-]{36}$"},
}
PARTY_LEGAL_IDS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": "string", "pattern": "^[0-9]{12}$"},
}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId", ""))


def close_objects(node: Any) -> None:
    """Make every object schema in `node` refuse properties it does not list (OpenAPI leaves them open)."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            close_objects(value)
    elif isinstance(node, list):
        for value in node:
            close_objects(value)


class Contract:
    def __init__(self, document: dict[str, Any]):
        self.document = document
        strict = copy.deepcopy(document)
        close_objects(strict.get("components", {}))
        self.registry: Registry = Registry().with_resource(_URI, Resource(strict, DRAFT202012))
        self._operations: list[tuple[re.Pattern[str], int, Operation]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$")
            literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            for method in _METHODS:
                if method in item:
                    self._operations.append((pattern, literal, Operation(method, template, item[method])))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a concrete path and method call (the most literal template wins)."""
        found = [(literal, op) for pattern, literal, op in self._operations
                 if op.method == method.lower() and pattern.match(path)]  # fmt: skip
        return max(found, key=lambda pair: pair[0])[1] if found else None

    def schema_problems(self, schema: dict[str, Any], value: Any) -> list[str]:
        """Where `value` breaks `schema` (which may `$ref` the document's components)."""
        resolved = _rebase(schema)
        validator = jsonschema.Draft202012Validator(
            resolved, registry=self.registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"[:300]
                for e in validator.iter_errors(value)]  # fmt: skip

    def request_problems(self, method: str, path: str, query: dict[str, list[str]], body: bytes | None,
                         content_type: str | None) -> list[str]:  # fmt: skip
        op = self.operation(method, path)
        if op is None:
            return [f"{method.upper()} {path}: no such operation in the contract"]
        problems = self._parameter_problems(op, path, query)
        request_body = op.spec.get("requestBody")
        if request_body is None:
            if body:
                problems.append(f"{op.operation_id}: a body where the contract has none")
            return problems
        if not body:
            return [*problems, f"{op.operation_id}: the body is missing"] if request_body.get("required") else problems
        media = (content_type or "").split(";")[0].strip()
        content = request_body.get("content", {})
        if media not in content:
            return [*problems, f"{op.operation_id}: content type {media or '(none)'} is not one of {sorted(content)}"]
        try:
            value = json.loads(body)
        except ValueError:
            return [*problems, f"{op.operation_id}: the body is not JSON"]
        schema = content[media]["schema"]
        problems += [f"{op.operation_id} request {p}" for p in self.schema_problems(schema, value)]
        problems += [f"{op.operation_id} request: {name} is readOnly" for name in self._read_only(schema, value)]
        return problems

    def response_problems(self, method: str, path: str, status: int, body: bytes | None) -> list[str]:
        op = self.operation(method, path)
        if op is None:
            return [f"{method.upper()} {path}: no such operation in the contract"]
        answer = op.spec.get("responses", {}).get(str(status))
        if answer is None:
            return [f"{op.operation_id}: status {status} is not in the contract"]
        content = answer.get("content")
        if not content:
            return [] if not body else [f"{op.operation_id} {status}: a body where the contract has none"]
        media, described = next(iter(content.items()))
        try:
            value = json.loads(body or b"")
        except ValueError:
            return [f"{op.operation_id} {status}: the body is not JSON ({media})"]
        return [f"{op.operation_id} {status} {p}" for p in self.schema_problems(described["schema"], value)]

    def _parameter_problems(self, op: Operation, path: str, query: dict[str, list[str]]) -> list[str]:
        problems: list[str] = []
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(op.template)) + "$")
        names = re.findall(r"\{([^}]+)\}", op.template)
        match = pattern.match(path)
        assert match is not None
        values = dict(zip(names, match.groups(), strict=True))
        declared = {p["name"]: p for p in op.spec.get("parameters", [])}
        for name in query:
            if name not in declared or declared[name]["in"] != "query":
                problems.append(f"{op.operation_id}: query parameter {name} is not in the contract")
        for name, parameter in declared.items():
            raw = values.get(name) if parameter["in"] == "path" else (query.get(name) or [None])[0]
            if raw is None:
                if parameter.get("required"):
                    problems.append(f"{op.operation_id}: parameter {name} is missing")
                continue
            schema = parameter.get("schema", {})
            value: Any = raw
            if schema.get("type") == "integer":
                try:
                    value = int(raw)
                except ValueError:
                    problems.append(f"{op.operation_id}: parameter {name} is not an integer")
                    continue
            if schema.get("type") == "array":
                value = query.get(name, [])
            if "pattern" in schema and not re.search(schema["pattern"], raw):
                problems.append(f"{op.operation_id}: parameter {name} does not match {schema['pattern']}")
            problems += [f"{op.operation_id} parameter {name} {p}" for p in self.schema_problems(
                {k: v for k, v in schema.items() if k != "pattern"}, value)]  # fmt: skip
        return problems

    def _read_only(self, schema: dict[str, Any], value: Any) -> list[str]:
        ref = schema.get("$ref")
        if not ref or not isinstance(value, dict):
            return []
        described = self.document
        for part in ref.lstrip("#/").split("/"):
            described = described[part]
        properties = described.get("properties", {})
        return [name for name in value if properties.get(name, {}).get("readOnly")]


def _rebase(schema: dict[str, Any]) -> dict[str, Any]:
    """Local `#/components/…` references point into the registered document."""
    text = json.dumps(schema).replace('"#/components/', f'"{_URI}#/components/')
    return json.loads(text)


@functools.cache
def caremanagement() -> Contract:
    return Contract(yaml.safe_load(CAREMANAGEMENT.read_text(encoding="utf-8")))


def party_problems(value: Any, schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"[:300]
            for e in validator.iter_errors(value)]  # fmt: skip
