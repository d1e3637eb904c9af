"""A semaphore on bytes: at most a set total of register answers held in memory at once, across calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class AnswerBudget:
    """Calls reserve the bytes of the answer they are about to read and give them back when done.

    Waiters are served in arrival order, so one large answer is not starved by many small ones.
    """

    def __init__(self, total: int):
        self.total = total
        self.free = total
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def take(self, n: int) -> None:
        """Wait until `n` bytes are free and reserve them (n at most `total`)."""
        if n > self.total:
            raise ValueError(f"{n} bytes is more than the whole budget ({self.total})")
        if not self._waiting and self.free >= n:
            self.free -= n
            return
        waiter = asyncio.get_running_loop().create_future()
        entry = (n, waiter)
        self._waiting.append(entry)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give(n)  # granted just as we were cancelled: hand it on
            else:
                # A `give()` between the cancel and this handler has already dropped the cancelled entry
                # (`_wake`): removing it again must not replace the cancellation with a ValueError.
                with contextlib.suppress(ValueError):
                    self._waiting.remove(entry)
                self._wake()
            raise

    def try_take(self, n: int) -> bool:
        """Reserve `n` bytes if they are free now, without waiting."""
        if self._waiting or self.free < n:
            return False
        self.free -= n
        return True

    def give(self, n: int) -> None:
        self.free += n
        self._wake()

    def _wake(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.free:
            n, waiter = self._waiting.popleft()
            if not waiter.done():
                self.free -= n
                waiter.set_result(None)
