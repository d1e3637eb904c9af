"""The web app's figures: the time for the manual queue page with 10 000 items in it, axe's result on
every page, and the screenshots in docs/.

    .venv/bin/python -m bench.web                        # /manuell with 10 000 manual items (target < 300 ms)
    .venv/bin/python -m bench.web --items 2000 --runs 10 # smaller
    .venv/bin/python -m bench.web --axe                  # axe on every page (the demo's applications)
    .venv/bin/python -m bench.web --screenshots docs     # docs/web-queue.png and docs/web-item.png

The queue: generated applications (bench/generate.py) are processed by `robot run` from a register
file with every application drawn for stickprov, so each becomes a manual item with the robot's full
proposal; then `robot web` serves them and a client logged in as a handläggare times each page over
HTTP (the time to the last byte, the same machine). The axe run and the screenshots use the sample
applications of the demo (samples/), processed the same way as `./scripts/demo` does.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import httpx

from bench import browser as chrome
from bench.harness import ROOT, Workspace, machine, percentile
from robot.accounts import Role
from robot.accounts.service import actor_for, add_account

PASSWORD = "bench-losenord-123"
USERS = {"admin": Role.ADMIN, "anna.h": Role.HANDLAGGARE, "tea.l": Role.TEAMLEDARE, "vera.v": Role.VERKSAMHET}


def prepare(workspace: Workspace, items: int | None) -> None:
    """A processed queue: `items` generated applications, all manual (stickprov), or the samples."""
    workspace.robot("db", "upgrade").check_returncode()
    if items is None:
        folder, register, rate = ROOT / "samples" / "applications", ROOT / "samples" / "register.json", "0.1"
    else:
        workspace.generate(items)
        folder, register, rate = workspace.apps_dir, workspace.register_file, "1.0"
    workspace.robot("enqueue", str(folder)).check_returncode()
    done = workspace.robot("run", "--until-idle", "--no-schedule", "--no-inbox", ROBOT_SSBTEK_REGISTER=str(register),
                           ROBOT_STICKPROV_RATE=rate)  # fmt: skip
    done.check_returncode()
    engine = workspace.engine()
    add_account(engine, None, "admin", frozenset({Role.ADMIN}), PASSWORD)
    admin = actor_for(engine, "admin")
    for user_id, role in USERS.items():
        if user_id != "admin":
            add_account(engine, admin, user_id, frozenset({role}), PASSWORD)
    engine.dispose()


def log_in(http: httpx.Client, user_id: str) -> httpx.Client:
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text).group(1)  # type: ignore[union-attr]
    http.post("/login", data={"user_id": user_id, "password": PASSWORD, "csrf_token": token})
    return http


def timed(http: httpx.Client, path: str, runs: int) -> list[float]:
    for _ in range(3):
        assert http.get(path).status_code == 200, path
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, path
    return times


def queue_times(items: int, runs: int) -> None:
    with Workspace.create() as workspace:
        started = time.perf_counter()
        prepare(workspace, items)
        print(f"queue prepared: {items} applications processed in {time.perf_counter() - started:.0f} s ({machine()})")
        with chrome.serve(workspace) as base, httpx.Client(base_url=base, timeout=30) as http:
            log_in(http, "anna.h")
            first = re.search(r'href="/manuell/([^"]+)"', http.get("/manuell").text).group(1)  # type: ignore[union-attr]
            count = re.search(r"<strong>([0-9  ]+)</strong> ärenden", http.get("/manuell").text)
            print(f"/manuell says: {count.group(1) if count else '?'} ärenden\n")
            print(f"{'page':<46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for path in ("/manuell", "/manuell?stadsdel=Nordost", "/manuell?orsak=KOSTNAD_OVER_SCHABLON&stickprov=ja",
                         "/manuell?senast=2026-12-31&handlaggare=ingen", f"/manuell?sida={items // 50 or 1}",
                         f"/manuell/{first}", "/drift"):  # fmt: skip
                times = timed(http, path, runs)
                print(f"{path:<46} {statistics.median(times):>8.1f} {percentile(times, 0.95):>8.1f} {max(times):>8.1f}")


def axe_audit() -> int:
    with Workspace.create() as workspace:
        prepare(workspace, None)
        users = {"handlaggare": ("anna.h", PASSWORD), "teamledare": ("tea.l", PASSWORD), "admin": ("admin", PASSWORD)}
        ids = {"manual": "GBG-2026-12-000107", "invalid": "GBG-2026-12-000116",
               "recommendation": "GBG-2026-12-000101", "month": "2026-12"}  # fmt: skip
        with chrome.serve(workspace) as base, chrome.chromium() as browser:
            found = chrome.audit(browser, base, users, ids)
    print(f"{'page (role, path)':<62} violations")
    for page, violations in found.items():
        print(f"{page:<62} {len(violations)}" + "".join(f"\n    {v.rule} ({v.impact}): {v.help}" for v in violations))
    total = sum(len(v) for v in found.values())
    print(f"\n{len(found)} pages, {total} violations (axe-core, WCAG 2.1 A/AA and best practices)")
    return 1 if total else 0


def screenshots(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with Workspace.create() as workspace:
        prepare(workspace, None)
        with chrome.serve(workspace) as base, chrome.chromium() as browser:
            page = chrome.new_page(browser)
            chrome.log_in(page, base, "anna.h", PASSWORD)
            page.goto(f"{base}/manuell/GBG-2026-12-000110")
            page.click("form[action$='/ta'] button")
            page.goto(f"{base}/manuell")
            page.screenshot(path=str(folder / "web-queue.png"), full_page=True)
            page.goto(f"{base}/manuell/GBG-2026-12-000107")
            page.click("form[action$='/ta'] button")
            page.wait_for_url("**klart=tagit")
            page.screenshot(path=str(folder / "web-item.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 2100},
                            full_page=True)  # fmt: skip
    print(f"wrote {folder / 'web-queue.png'} and {folder / 'web-item.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--axe", action="store_true", help="run axe on every page instead")
    parser.add_argument("--screenshots", type=Path, help="write the screenshots into this folder instead")
    args = parser.parse_args()
    if args.axe or args.screenshots:
        why = chrome.missing()
        if why:
            raise SystemExit(f"bench.web: {why}")
    if args.screenshots:
        screenshots(args.screenshots)
    elif args.axe:
        raise SystemExit(axe_audit())
    else:
        queue_times(args.items, args.runs)


if __name__ == "__main__":
    main()
