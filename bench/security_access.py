"""Security probes for the access log and meaningful review (issues 21 and 22).

A scripted day at the workplace, through both channels, on the sample applications: from the CLI
(as the operating-system user, a teamledare) the lists, an item shown, claimed, released, claimed and
resolved, a refused resolve, a bulk approve without review (refused), a recommendation shown and
approved with its review code, a wrong review code (refused), a rejection; from the web (anna.h, a
handläggare) the two lists, an item page, a claim, an approve POST before the page was shown (refused),
the recommendation's page and its approval, a rejection and a form post without its CSRF token. Then
the access log's rows are counted per channel, action and outcome, and `robot db verify` walks the
chains.

    .venv/bin/python -m bench.security_access      # the probes and the row counts
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable

from bench.harness import robot_clock

ReviewedCli = Callable[..., subprocess.CompletedProcess[str]]
PASSWORD = "bench-access-day-losenord-2026"


def approve_reviewed(robot: ReviewedCli, ref: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`robot recommendations approve` as a script must do it: the recommendation shown first, then
    approved naming the review code it was shown with (`robot` runs one CLI command)."""
    shown = robot("recommendations", "show", ref)
    code = re.search(r"Granskningskod: ([0-9a-f]{8})", shown.stdout)
    return robot("recommendations", "approve", ref, "--granskad", code.group(1) if code else "-", *extra)


def access_day() -> list:  # type: ignore[type-arg]
    from bench.security import Result

    counts, checks = scripted_day()
    results = [Result(f"access log: {name}", held, detail) for name, (held, detail) in checks.items()]
    summary = ", ".join(f"{channel}/{what}/{outcome} {n}" for (channel, what, outcome), n in sorted(counts.items()))
    results.append(Result("access log: rows after a scripted CLI and web day", bool(counts), summary))
    return results


def scripted_day() -> tuple[Counter[tuple[str, str, str]], dict[str, tuple[bool, str]]]:
    """Run the day; the access log's rows per (channel, what, outcome), and each check with its detail."""
    from bench.security import _robot, processed_samples
    from robot.queue import access_log

    checks: dict[str, tuple[bool, str]] = {}
    with processed_samples() as ws:

        def robot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
            return _robot(ws, *args, **env)

        items = json.loads(robot("manual", "list", "--json").stdout)["items"]
        recs = json.loads(robot("recommendations", "list", "--json").stdout)["items"]
        if len(items) < 3 or len(recs) < 5:
            return Counter(), {"the samples give items and recommendations": (False, f"{len(items)}, {len(recs)}")}
        m1, m2, m3 = (i["application_id"] for i in items[:3])
        r1, r2, r3, r4, r5 = (r["application_id"] for r in recs[:5])
        cli_steps = [
            robot("manual", "show", m1), robot("manual", "claim", m1), robot("manual", "release", m1),
            robot("manual", "claim", m1), robot("manual", "resolve", m1, "-d", "avslag"),
            robot("manual", "resolve", m1, "-d", "avslag", "--note", "Underlaget räcker inte"),
            robot("recommendations", "reject", r2, "--note", "Hyran har ändrats"),
        ]  # fmt: skip
        bulk = robot("recommendations", "approve", r3, r4)
        reviewed = approve_reviewed(robot, r1)
        other_code = re.search(r"Granskningskod: ([0-9a-f]{8})", robot("recommendations", "show", r3).stdout)
        robot("recommendations", "show", r4)  # reviewed, but approved naming what was shown for r3
        wrong = robot("recommendations", "approve", r4, "--granskad", other_code.group(1) if other_code else "-")
        checks["a bulk approve without a review is refused, each one"] = (
            bulk.returncode == 1 and bulk.stderr.count("först när du har öppnat den") == 2,
            _last(bulk.stderr),
        )
        checks["an approval naming another recommendation's review code is refused"] = (
            wrong.returncode == 1 and "stämmer inte" in wrong.stderr,
            _last(wrong.stderr),
        )
        checks["the CLI day's actions worked"] = (
            reviewed.returncode == 0 and [c.returncode for c in cli_steps] == [0, 0, 0, 0, 2, 0, 0],
            _last(reviewed.stdout),
        )
        web_checks = _web_day(ws, robot, m2, m3, r5, r3)
        checks.update(web_checks)
        verify = robot("db", "verify")
        chained = [line for line in verify.stdout.splitlines() if line.startswith("access_log")]
        checks["robot db verify holds after the day"] = (
            verify.returncode == 0 and bool(chained), (chained or [_last(verify.stderr)])[0][:140]
        )
        eng = ws.engine()
        rows = access_log.entries(eng)
        eng.dispose()
    counts = Counter((r.channel, r.what, r.outcome) for r in rows)
    cli_actions = {what for (channel, what, _) in counts if channel == "cli"}
    wanted = {"view_list", "view_item", "review", "claim", "release", "resolve", "approve", "reject"}
    checks["every CLI view and action is logged"] = (wanted <= cli_actions, ", ".join(sorted(cli_actions)))
    refused = {(c, w) for (c, w, o) in counts if o == "refused"}
    checks["refused attempts are logged on both channels"] = (
        {("cli", "approve"), ("cli", "resolve"), ("web", "approve"), ("web", "claim")} <= refused,
        ", ".join(f"{c}/{w}" for c, w in sorted(refused)),
    )
    return counts, checks


def _web_day(ws, robot, item: str, other: str, rec: str, reviewed_elsewhere: str) -> dict[str, tuple[bool, str]]:  # type: ignore[no-untyped-def]
    """anna.h's day in the web app (in-process): lists, an item, a claim, approvals with and without a view."""
    from fastapi.testclient import TestClient

    from robot.accounts import Role
    from robot.accounts.service import actor_for, add_account, os_user
    from robot.config import Settings
    from robot.web.app import create_app

    eng = ws.engine()
    add_account(eng, actor_for(eng, os_user()), "anna.h", frozenset({Role.HANDLAGGARE}), PASSWORD)
    app = create_app(Settings(data_dir=ws.data_dir, database_url=ws.database_url), eng, robot_clock())
    checks: dict[str, tuple[bool, str]] = {}
    with TestClient(app) as anna:
        page = anna.get("/login")
        login = anna.post("/login", data={"user_id": "anna.h", "password": PASSWORD, "csrf_token": _csrf(page.text)},
                          follow_redirects=False)  # fmt: skip
        if login.status_code != 303:
            eng.dispose()
            return {"the web day's login": (False, str(login.status_code))}
        token = _csrf(anna.get("/drift").text)
        anna.get("/manuell")
        anna.get("/rekommendationer")
        anna.get(f"/manuell/{item}")
        anna.post(f"/manuell/{item}/ta", data={"csrf_token": token}, follow_redirects=False)
        anna.post(f"/manuell/{other}/ta", data={"csrf_token": token}, follow_redirects=False)
        taken = anna.post(f"/manuell/{other}/ta", data={"csrf_token": token}, follow_redirects=False)  # hers already
        unseen = anna.post(f"/rekommendationer/{rec}/faststall", data={"csrf_token": token, "granskat": "00000000"},
                           follow_redirects=False)  # fmt: skip
        shown = anna.get(f"/rekommendationer/{rec}")
        code = re.search(r'name="granskat" value="([0-9a-f]{8})"', shown.text)
        approved = anna.post(f"/rekommendationer/{rec}/faststall",
                             data={"csrf_token": token, "granskat": code.group(1) if code else ""},
                             follow_redirects=False)  # fmt: skip
        forged = anna.post(f"/rekommendationer/{reviewed_elsewhere}/faststall", data={"csrf_token": "gissad"},
                           follow_redirects=False)  # fmt: skip
        rejected = anna.post(f"/rekommendationer/{reviewed_elsewhere}/avvisa",
                             data={"csrf_token": token, "note": "Elräkningen gäller fel månad"}, follow_redirects=False)
        checks["web: an approve POST before the page was shown is refused (409, Swedish)"] = (
            unseen.status_code == 409 and "först när du har öppnat den" in unseen.text, str(unseen.status_code))
        checks["web: approved from its page after it was shown"] = (
            approved.status_code == 303 and taken.status_code in (303, 409) and rejected.status_code == 303,
            f"{approved.status_code} {rejected.status_code}")
        checks["web: a post without its CSRF token is refused"] = (forged.status_code == 403, str(forged.status_code))
    eng.dispose()
    return checks


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    return found.group(1) if found else ""


def _last(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:140] if lines else ""


def main() -> None:
    counts, checks = scripted_day()
    for name, (held, detail) in checks.items():
        print(f"{'held  ' if held else 'FAILED'}  {name}: {detail}")
    print("\naccess-log rows after the day (channel, action, outcome):")
    for (channel, what, outcome), n in sorted(counts.items()):
        print(f"  {channel:<4} {what:<12} {outcome:<8} {n:>4}")
    by_channel = Counter()
    for (channel, _, _), n in counts.items():
        by_channel[channel] += n
    print("  total: " + ", ".join(f"{c} {n}" for c, n in sorted(by_channel.items())))


if __name__ == "__main__":
    main()
