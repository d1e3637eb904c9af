"""A stand-in for `robot.adapters.http.ServiceHttp`: handlers written as for httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from robot.adapters.calls import Transient
from robot.adapters.http import Answer


class MockExchange:
    """Each POST becomes an httpx.Request for `handler`; an httpx timeout or network error it raises is `Transient`."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]):
        self.handler = handler

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        request = httpx.Request("POST", url, headers=headers, content=body)
        try:
            response = self.handler(request)
        except (httpx.TimeoutException, httpx.NetworkError) as exc:
            raise Transient(f"transport error ({type(exc).__name__})") from None
        return Answer(response.status_code, response.content)

    async def aclose(self) -> None:
        pass
