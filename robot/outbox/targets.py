"""Where decision records go: a folder or an HTTP endpoint. One `send` is one try; the deliverer retries.

Folder (`output.dir`): one file `<event_id>.json` per record, written as a temporary dot-file in the
same folder, flushed to disk (fsync), then renamed into place (atomic on POSIX) and the folder
synced: a reader sees the whole file or none. A repeat replaces the file with the same bytes.

HTTP (`output.url`): a POST of the record's JSON with `Idempotency-Key: <event_id>` and
`X-Signature: sha256=<HMAC-SHA256 of the body>`; a 2xx answer is delivered, anything else (another
status, a timeout, a refused connection) is not. Redirects are not followed: a 3xx is not delivered,
and says where it pointed (its Location).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from robot.config import OutputSettings, check_secret
from robot.outbox.signing import signature
from robot.queue.outbox import StoredDecision

if TYPE_CHECKING:
    import httpx  # loaded by HttpTarget only: a worker with a folder or no target never imports it

_TEMPORARY = re.compile(r"^\..+\.json\.[0-9]+\.[0-9a-f]{8}\.tmp$")


class Undelivered(Exception):
    """The target did not take the record; the message says why, without personal data."""


class Target(Protocol):
    name: str
    """For the delivery log and messages: `folder:/path` or the URL."""

    async def send(self, record: StoredDecision) -> str:
        """Deliver once; returns what the target answered (`written`, `HTTP 201`), or raises Undelivered."""
        ...

    def tidy(self, older_than_seconds: float) -> int:
        """Remove what a killed deliverer left half-done; returns how many."""
        ...

    async def aclose(self) -> None: ...


class FolderTarget:
    def __init__(self, folder: Path):
        self.folder = folder
        self.name = f"folder:{folder}"

    async def send(self, record: StoredDecision) -> str:
        try:
            await asyncio.to_thread(write_atomically, self.folder, f"{record.event_id}.json", record.body.encode())
        except OSError as exc:
            raise Undelivered(f"{type(exc).__name__}: {exc.strerror or exc}") from None
        return "written"

    def tidy(self, older_than_seconds: float) -> int:
        removed = 0
        cutoff = time.time() - older_than_seconds
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            if _TEMPORARY.match(entry.name) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed

    async def aclose(self) -> None:
        return None


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    """`folder/name` holds `data` completely, or is untouched: temporary file, fsync, rename, fsync the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temporary, folder / name)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class HttpTarget:
    def __init__(self, settings: OutputSettings, transport: httpx.AsyncBaseTransport | None = None):
        if not settings.url or settings.secret is None:
            raise ValueError("HttpTarget needs output.url and output.secret")
        import httpx

        self.url = settings.url
        self.name = settings.url
        self._secret = settings.secret.get_secret_value().encode()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            transport=transport,
            follow_redirects=False,
            headers={"user-agent": "bistandsrobot-outbox"},
        )

    async def send(self, record: StoredDecision) -> str:
        import httpx

        body = record.body.encode()
        headers = {
            "content-type": "application/json; charset=utf-8",
            "idempotency-key": record.event_id,
            "x-signature": signature(self._secret, body),
        }
        try:
            answer = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise Undelivered(type(exc).__name__) from None
        if 200 <= answer.status_code < 300:
            return f"HTTP {answer.status_code}"
        if answer.is_redirect or 300 <= answer.status_code < 400:
            where = "".join(c for c in answer.headers.get("location", "") if c.isprintable())[:200] or "no Location"
            raise Undelivered(f"HTTP {answer.status_code}, a redirect to {where}: not followed")
        raise Undelivered(f"HTTP {answer.status_code}")

    def tidy(self, older_than_seconds: float) -> int:
        return 0

    async def aclose(self) -> None:
        await self._client.aclose()


def make_target(
    settings: OutputSettings, transport: httpx.AsyncBaseTransport | None = None, *, demo: bool = False
) -> Target | None:
    """The configured target, or None when neither output.dir nor output.url is set. The HTTP target's
    signing key is refused (WeakSecret) when it is public or weak, outside the demo."""
    if settings.dir is not None:
        return FolderTarget(settings.dir)
    if settings.url:
        assert settings.secret is not None  # OutputSettings refuses a URL without one
        check_secret("ROBOT_OUTPUT_SECRET", settings.secret.get_secret_value(), demo=demo)
        return HttpTarget(settings, transport)
    return None
