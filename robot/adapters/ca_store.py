"""aiohttp imported without loading the system's CA store into its default TLS contexts.

aiohttp makes two default contexts when it is imported (verifying and not) and loads the system's CA
store into each: 13 % of a worker's start-up instructions. The robot never reaches them with an https
service, which has its own context (`tls.client_context`); only a plain-http service behind a proxy
(the handshake with an https proxy) does. So their stores are loaded when such a service opens its
session (`load_deferred`), not at import; nothing else changes in them.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_deferred: list[ssl.SSLContext] = []


@contextmanager
def deferred() -> Iterator[None]:
    """Within it, a context's `set_default_verify_paths` is noted for `load_deferred` instead of done.

    Only around aiohttp's first import: a context another thread made meanwhile would be left without a
    store, refusing every certificate (it could not accept one it should not).
    """
    if "aiohttp.connector" in sys.modules:  # already imported, its contexts complete
        yield
        return
    ssl.SSLContext.set_default_verify_paths = _note  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ssl.SSLContext.set_default_verify_paths  # the C method again


def _note(context: ssl.SSLContext) -> None:
    _deferred.append(context)


def load_deferred() -> None:
    """Load the CA store into every context `deferred` left without it (once)."""
    while _deferred:
        _deferred.pop().set_default_verify_paths()
