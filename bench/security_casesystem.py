"""Security probes for the case system's client (caremanagement through the API gateway), for bench.security.

Each probe states what must hold: plain http to a production address is refused at start; an answer that
redirects is not followed; an answer larger than the bound is refused while it is read; the client secret
goes only to the token endpoint, never to caremanagement.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from robot.adapters.casesystem.caremanagement import Caremanagement
from robot.adapters.casesystem.gateway import Gateway, GatewayError
from robot.config import Settings

SECRET = "probe-client-secret-0123456789"


def _settings(url: str = "http://127.0.0.1:9") -> Settings:
    return Settings(
        casesystem="caremanagement",
        caremanagement={"url": f"{url}/caremanagement", "max_answer_bytes": 65536},
        party={"url": f"{url}/party"},
        gateway={"token_url": f"{url}/token", "client_id": "robot", "client_secret": SECRET},
    )


def _call(settings: Settings, handler) -> str:  # type: ignore[no-untyped-def]
    async def run() -> str:
        service = Caremanagement(Gateway(settings, httpx.MockTransport(handler)), settings)
        try:
            await service.decisions("e1")
            return "answered"
        except GatewayError as exc:
            return str(exc)
        finally:
            await service.aclose()

    return asyncio.run(run())


def _token_or(answer: httpx.Response, seen: list[httpx.Request]):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 300})
        return answer

    return handler


def casesystem() -> list[Any]:
    from bench.security import Result  # here: bench.security imports this module for its FAMILIES

    results = []
    try:
        Gateway(_settings("http://caremanagement.kommun.example"))
        results.append(Result("casesystem_plain_http", False, "plain http to a production address was accepted"))
    except ValueError as exc:
        results.append(Result("casesystem_plain_http", True, str(exc)[:120]))

    seen: list[httpx.Request] = []
    moved = httpx.Response(302, headers={"location": "http://127.0.0.1:9/elsewhere"})
    outcome = _call(_settings(), _token_or(moved, seen))
    followed = any(r.url.path == "/elsewhere" for r in seen)
    results.append(Result("casesystem_redirect", not followed and "redirect" in outcome, outcome[:120]))

    seen = []
    huge = httpx.Response(200, content=b"[" + b"{}," * 100_000 + b"{}]")
    outcome = _call(_settings(), _token_or(huge, seen))
    results.append(Result("casesystem_huge_answer", "larger than" in outcome, outcome[:120]))

    forms = [SECRET.encode(), base64.b64encode(f"robot:{SECRET}".encode())]

    def carries(request: httpx.Request) -> bool:
        sent = request.content + b"\n".join(value for _, value in request.headers.raw) + str(request.url).encode()
        return any(form in sent for form in forms)

    to_token = any(carries(r) for r in seen if r.url.path == "/token")
    leaked = [r for r in seen if r.url.path != "/token" and carries(r)]
    detail = "the client secret went only to the token endpoint" if to_token and not leaked else "secret misplaced"
    results.append(Result("casesystem_secret_only_to_token", to_token and not leaked, detail))
    return results
