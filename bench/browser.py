"""The web app in a real browser: the system's chromium driven by Playwright (never `playwright install`,
which downloads a browser), axe-core for accessibility, and `robot web` as a subprocess.

Shared by the browser tests (tests/test_web_browser.py) and `bench/web.py`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Workspace

CHROMIUM = Path(os.environ.get("ROBOT_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[dev]')"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    """A page in a fresh context (its own cookies), Swedish, a laptop's screen."""
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 1280, "height": 900}
    )
    return context.new_page()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]


def axe(page: Any) -> list[Violation]:
    """axe-core's WCAG 2.1 A/AA and best-practice rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [
        Violation(v["id"], v.get("impact") or "", v["help"], [str(n["target"]) for n in v["nodes"]])
        for v in result.response["violations"]
    ]


def log_in(page: Any, base: str, user_id: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#user_id", user_id)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(workspace: Workspace, **env: str) -> Iterator[str]:
    """`robot web` on the workspace's data, until the block ends; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = workspace.spawn("web", "--port", str(port), log=workspace.root / "web.log", **env)
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"robot web exited: {(workspace.root / 'web.log').read_text()[-2000:]}")
            time.sleep(0.1)
        else:
            raise RuntimeError("robot web did not answer /healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


AUDITED_PAGES = {
    "": ["/login"],
    "handlaggare": ["/manuell", "/manuell?stadsdel=Hisingen&stickprov=nej", "/manuell/{manual}", "/manuell/{invalid}",
                    "/rekommendationer", "/rekommendationer/{recommendation}", "/drift", "/admin/konton", "/finns-inte"],
    "teamledare": ["/rapport/{month}", "/rapport/2031-05"],
    "admin": ["/admin/konton", "/admin/atkomstlogg"],
}  # fmt: skip
"""The pages axe looks at, per role (a handläggare's /admin/konton is the 403 page, /finns-inte the 404)."""


def audit(
    browser: Any, base: str, users: dict[str, tuple[str, str]], ids: dict[str, str]
) -> dict[str, list[Violation]]:
    """axe on every page of AUDITED_PAGES; `users` maps a role to (user id, password), `ids` fills the paths."""
    found: dict[str, list[Violation]] = {}
    for role, paths in AUDITED_PAGES.items():
        page = new_page(browser)
        if role:
            log_in(page, base, *users[role])
        for path in paths:
            page.goto(base + path.format(**ids))
            found[f"{role or 'utloggad'} {path.format(**ids)}"] = axe(page)
        page.context.close()
    return found
