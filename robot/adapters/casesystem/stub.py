"""A local stand-in for the municipality's gateway, caremanagement and party (`robot casesystem stub`).

It serves `StubData` (stub_data.py) under three prefixes, on loopback:

- `POST /token`: OAuth2 client credentials (RFC 6749 4.4; the client by HTTP Basic), bearer tokens
  that expire after `token_seconds`;
- `/caremanagement/{municipalityId}/{namespace}/…`: findErrands, readErrand_1, readDecisions,
  createDecision, listDecisions, as the contract describes them;
- `POST /party/{municipalityId}/PRIVATE/legalIds`.

Every call is checked: a current bearer token, and the request against the contract (contract.py:
parameters, body, no property the contract lacks or marks readOnly); what breaks it is answered 400 or
401 and kept in `violations`. Every answer is checked against the contract before it is sent. `calls`
keeps each call (method, path, operation, status, whether it carried a token), for tests and the demo.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from robot.adapters.casesystem import contract
from robot.adapters.casesystem.stub_data import StubData
from robot.adapters.serving import lifespan, read_body, send_answer

PREFIX = "/caremanagement"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    operation: str
    status: int
    bearer: bool
    body: Any = None


@dataclass
class StubState:
    data: StubData
    client_id: str
    client_secret: str
    token_seconds: int = 300
    tokens: dict[str, float] = field(default_factory=dict)
    decisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lose_answers: int = 0
    """The next this many createDecision calls store the decision, then answer 500 (a lost answer)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posted(self, decision_type: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [d for ds in self.decisions.values() for d in ds
                    if decision_type is None or d.get("decisionType") == decision_type]  # fmt: skip


class CaseSystemStub:
    def __init__(self, state: StubState):
        self.state = state
        self.contract = contract.caremanagement()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
        method, path = scope["method"], scope["path"]
        status, answer, operation, bearer = self._answer(method, path, query, body or b"", headers)
        content = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
        with self.state.lock:
            self.state.calls.append(Call(method, path, operation, status, bearer, _json(body)))
        kind = "application/problem+json" if status >= 400 else "application/json"
        await send_answer(send, status, content, kind)

    def _answer(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
                headers: dict[str, str]) -> tuple[int, Any, str, bool]:  # fmt: skip
        if path == "/token" and method == "POST":
            return (*self._token(body, headers), "token", False)
        bearer = self._bearer(headers)
        if not bearer:
            return (*self._refuse(401, f"{method} {path}: no current bearer token"), "unauthorized", False)
        if path.startswith("/party/") and path.endswith("/PRIVATE/legalIds") and method == "POST":
            return (*self._legal_ids(body), "legalIds", True)
        if not path.startswith(PREFIX + "/"):
            return (*self._refuse(404, f"{method} {path}: unknown service"), "unknown", True)
        inner = path[len(PREFIX) :]
        problems = self.contract.request_problems(method, inner, query, body, headers.get("content-type"))
        op = self.contract.operation(method, inner)
        name = op.operation_id if op else "unknown"
        if problems:
            return (*self._refuse(400, *problems), name, True)
        status, answer = self._operation(name, inner, query, body)
        problems = self.contract.response_problems(method, inner, status, json.dumps(answer).encode()
                                                   if answer is not None else b"")  # fmt: skip
        if problems:
            return (*self._refuse(500, *problems), name, True)
        return status, answer, name, True

    def _operation(self, name: str, path: str, query: dict[str, list[str]], body: bytes) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        data = self.state.data
        if name == "findErrands":
            page, size = int(query.get("page", ["0"])[0]), int(query.get("size", ["10"])[0])
            ids = sorted(data.errands, key=lambda e: (data.errands[e]["created"], data.errands[e]["errandNumber"]))
            chunk = ids[page * size : (page + 1) * size]
            envelope = [{k: v for k, v in data.errands[e].items() if k != "data"} for e in chunk]
            pages = max(1, -(-len(ids) // size))
            return 200, {"errands": envelope, "_meta": {"page": page, "limit": size, "count": len(chunk),
                                                         "totalRecords": len(ids), "totalPages": pages}}  # fmt: skip
        if name == "readErrand_1":
            errand = data.errands.get(urllib.parse.unquote(parts[4]))
            return (200, errand) if errand else self._missing(path)
        if name == "listDecisions":
            return 200, data.lifecare.get(query.get("partyId", [""])[0], [])
        errand_id = urllib.parse.unquote(parts[3])
        if errand_id not in data.errands:
            return self._missing(path)
        if name == "readDecisions":
            with self.state.lock:
                return 200, list(self.state.decisions.get(errand_id, []))
        if name == "createDecision":
            return self._create_decision(errand_id, json.loads(body))
        return 404, {"title": "Not Found", "status": 404, "detail": f"the stub does not serve {name}"}

    def _create_decision(self, errand_id: str, decision: dict[str, Any]) -> tuple[int, Any]:
        stored = {"id": str(uuid.uuid4()), **decision,
                  "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}  # fmt: skip
        with self.state.lock:
            self.state.decisions.setdefault(errand_id, []).append(stored)
            if self.state.lose_answers > 0:
                self.state.lose_answers -= 1
                return 500, {"title": "Internal Server Error", "status": 500, "detail": "the answer was lost"}
        return 201, None

    def _token(self, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        form = urllib.parse.parse_qs(body.decode("latin-1"))
        expected = base64.b64encode(f"{self.state.client_id}:{self.state.client_secret}".encode()).decode()
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type"}
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens[token] = time.monotonic() + self.state.token_seconds
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.state.token_seconds}

    def _bearer(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        if not value.startswith("Bearer "):
            return False
        with self.state.lock:
            return self.state.tokens.get(value[7:], 0.0) > time.monotonic()

    def _legal_ids(self, body: bytes) -> tuple[int, Any]:
        value = _json(body)
        problems = contract.party_problems(value, contract.PARTY_LEGAL_IDS_REQUEST)
        if problems:
            return self._refuse(400, *(f"legalIds request {p}" for p in problems))
        answer = {p: self.state.data.legal_ids[p] for p in value if p in self.state.data.legal_ids}
        assert not contract.party_problems(answer, contract.PARTY_LEGAL_IDS_RESPONSE)
        return 200, answer

    def _refuse(self, status: int, *problems: str) -> tuple[int, Any]:
        with self.state.lock:
            self.state.violations.extend(problems)
        return status, {"title": "Bad Request" if status == 400 else "Refused", "status": status,
                        "detail": "; ".join(problems)[:2000]}  # fmt: skip

    @staticmethod
    def _missing(path: str) -> tuple[int, Any]:
        return 404, {"title": "Not Found", "status": 404, "detail": "no such errand"}


def _json(body: bytes | None) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
