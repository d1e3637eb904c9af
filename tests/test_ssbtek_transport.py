"""The keep-alive transport under the SSBTEK client, against small hand-written HTTP servers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from robot.adapters.ssbtek.transport import KeepAliveTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 request with a Content-Length body, or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


def ok(body: bytes = b"hello", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body


async def with_server(handler: Handler, client_calls: Callable[[str], Awaitable[object]]) -> tuple[object, int]:
    """Run `handler` per connection (with the connection's number); returns the calls' result and connections made."""
    connections = 0

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            await handler(reader, writer, connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await client_calls(f"http://127.0.0.1:{port}/")
    finally:
        server.close()
    return result, connections


def client(**timeouts: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=KeepAliveTransport(max_idle_connections=4), timeout=httpx.Timeout(2.0, **timeouts)
    )


async def serve_forever(reader, writer, _n):
    while await read_request(reader) is not None:
        writer.write(ok())
        await writer.drain()


def test_one_connection_is_kept_alive_for_calls_in_a_row():
    async def calls(url: str):
        async with client() as c:
            return [(await c.post(url, content=b"x" * n)).text for n in range(5)]

    texts, connections = asyncio.run(with_server(serve_forever, calls))
    assert texts == ["hello"] * 5
    assert connections == 1


def test_concurrent_calls_use_separate_connections_and_idle_ones_are_capped():
    async def calls(url: str):
        async with client() as c:
            answers = await asyncio.gather(*(c.post(url, content=b"x") for _ in range(8)))
            again = await asyncio.gather(*(c.post(url, content=b"x") for _ in range(4)))
            return [a.status_code for a in answers + again]

    codes, connections = asyncio.run(with_server(serve_forever, calls))
    assert codes == [200] * 12
    assert connections == 8


def test_a_connection_the_server_closed_while_idle_is_replaced_transparently():
    async def one_answer_then_close(reader, writer, _n):
        await read_request(reader)
        writer.write(ok())
        await writer.drain()

    async def calls(url: str):
        async with client() as c:
            first = await c.post(url, content=b"a")
            await asyncio.sleep(0.05)
            second = await c.post(url, content=b"b")
            return first.text, second.text

    texts, connections = asyncio.run(with_server(one_answer_then_close, calls))
    assert texts == ("hello", "hello")
    assert connections == 2


def test_a_reused_connection_closed_before_answering_is_retried_on_a_new_one():
    async def close_on_second_request(reader, writer, n):
        await read_request(reader)
        writer.write(ok(f"connection {n}".encode()))
        await writer.drain()
        await read_request(reader)  # then hang up without answering (the server's keep-alive timeout)

    async def calls(url: str):
        async with client() as c:
            return [(await c.post(url, content=b"a")).text for _ in range(2)]

    texts, connections = asyncio.run(with_server(close_on_second_request, calls))
    assert texts == ["connection 1", "connection 2"]
    assert connections == 2


def test_a_fresh_connection_closed_without_an_answer_is_a_protocol_error():
    async def hang_up(reader, writer, _n):
        await read_request(reader)

    async def calls(url: str):
        async with client() as c:
            await c.post(url, content=b"a")

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(with_server(hang_up, calls))


def test_connection_close_answers_are_not_reused_and_chunked_bodies_are_read():
    async def chunked_then_close(reader, writer, _n):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        writer.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        await writer.drain()

    async def calls(url: str):
        async with client() as c:
            return [(await c.post(url, content=b"a")).text for _ in range(2)]

    texts, connections = asyncio.run(with_server(chunked_then_close, calls))
    assert texts == ["hello world"] * 2
    assert connections == 2


def test_a_slow_answer_is_a_read_timeout_and_the_connection_is_dropped():
    async def slow_first(reader, writer, n):
        await read_request(reader)
        if n == 1:
            await asyncio.sleep(1)
        writer.write(ok())
        await writer.drain()

    async def calls(url: str):
        async with client(read=0.1) as c:
            with pytest.raises(httpx.ReadTimeout):
                await c.post(url, content=b"a")
            return (await c.post(url, content=b"b")).text

    text, connections = asyncio.run(with_server(slow_first, calls))
    assert text == "hello"
    assert connections == 2


def test_a_refused_connection_is_a_connect_error():
    async def calls():
        async with client() as c:
            server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            server.close()
            await server.wait_closed()
            await c.post(f"http://127.0.0.1:{port}/", content=b"a")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(calls())


def test_an_oversized_answer_is_refused():
    async def big(reader, writer, _n):
        await read_request(reader)
        writer.write(ok(b"x" * 2048))
        await writer.drain()

    async def calls(url: str):
        transport = KeepAliveTransport(max_response_bytes=1024)
        async with httpx.AsyncClient(transport=transport) as c:
            await c.post(url, content=b"a")

    with pytest.raises(httpx.RemoteProtocolError, match="larger than 1024"):
        asyncio.run(with_server(big, calls))


def test_the_request_arrives_as_sent():
    seen: list[bytes] = []

    async def record(reader, writer, _n):
        seen.append(await read_request(reader))
        writer.write(ok())
        await writer.drain()

    async def calls(url: str):
        async with client() as c:
            await c.post(url + "path?q=1", content=b"<x/>", headers={"SOAPAction": '""'})

    asyncio.run(with_server(record, calls))
    head, body = seen[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /path?q=1 HTTP/1.1\r\n")
    assert b'soapaction: ""' in head.lower()
    assert body == b"<x/>"


def test_unsupported_schemes_are_refused():
    async def calls():
        async with client() as c:
            await c.post("ftp://127.0.0.1/", content=b"a")

    with pytest.raises(httpx.UnsupportedProtocol):
        asyncio.run(calls())
