"""Every probe of bench/security.py holds (issue 16): role attacks, tampering, files, the inbox, keys, escapes.

The probes drive the `robot` command as ops and an attacker would; the finer tests are beside the
code they test (test_ledger, test_retention, test_intake, …). Here also: least-privilege grants
cover every table, and the secret and terminal checks hold for what they must hold for.
"""

from __future__ import annotations

import base64
import secrets

import pytest

from bench import security
from robot.config import PUBLIC_KEYS, WeakSecret, check_secret, secret_problem
from robot.formats.text import terminal_safe
from robot.queue.grants import privileges
from robot.queue.ledger import CHAINS
from robot.queue.schema import metadata


def _assert_held(results: list[security.Result]) -> None:
    failed = [r.line() for r in results if r.held is False]
    assert results and not failed, "\n".join(failed)


@pytest.mark.parametrize("family", list(security.FAMILIES.values()))
def test_every_probe_holds(family):
    _assert_held(family())


def test_every_role_attack_on_postgres_is_refused_and_the_daemon_still_works(postgres_server):
    results = security.postgres_roles(postgres_server)
    assert all(r.held is not None for r in results), "PostgreSQL probes must run here"
    _assert_held(results)


def test_every_table_has_its_runtime_privileges_listed():
    assert set(metadata.tables) <= set(privileges()), "a new table: list what the runtime role may do (grants.py)"
    assert all("TRUNCATE" not in p for p in privileges().values())
    assert {privileges()[c.name] for c in CHAINS} == {("SELECT", "INSERT")}, "append-only: no UPDATE, no DELETE"


def _with_a_digit_or_symbol(make) -> str:  # type: ignore[no-untyped-def]
    """A random key as `make` makes them, but not one of letters only (see the next test)."""
    key = make()
    while key.rstrip("=").isalpha():
        key = make()
    return key


@pytest.mark.parametrize("key", [secrets.token_hex(32) for _ in range(50)]
                         + [_with_a_digit_or_symbol(lambda: secrets.token_urlsafe(32)) for _ in range(50)]
                         + [_with_a_digit_or_symbol(lambda: base64.b64encode(secrets.token_bytes(32)).decode())
                            for _ in range(50)])  # fmt: skip
def test_random_keys_of_32_bytes_are_accepted_in_every_form(key):
    assert secret_problem(key) is None


def test_a_base64_key_of_letters_only_is_refused_with_the_way_to_a_good_one():
    """32 random bytes whose base64 holds letters only (about one key in 8 000; CI met this one): the
    estimate cannot tell it from text of letters, so it is refused, and the message says what to use."""
    with pytest.raises(WeakSecret, match=r"245 bits.*openssl rand -hex 32"):
        check_secret("ROBOT_STICKPROV_KEY", "oxeSxnvXTSrrxMnQcnFjZmpTAHJYZODCKcbLSAjtnPg=", demo=False)


@pytest.mark.parametrize(
    "key", [" ", "x", "a" * 64, "abcdefgh" * 8, "0123456789abcdef" * 4, secrets.token_hex(16), *sorted(PUBLIC_KEYS)]
)
def test_weak_and_public_keys_are_refused_outside_the_demo(key):
    with pytest.raises(WeakSecret, match="ROBOT_OUTPUT_SECRET is refused"):
        check_secret("ROBOT_OUTPUT_SECRET", key, demo=False)
    check_secret("ROBOT_OUTPUT_SECRET", key, demo=True)


def test_terminal_safe_escapes_every_control_character_and_keeps_text():
    hostile = "Anna\x1b[2J\x07\x9b\u202egnp.exe\u2066\u200b\u2028\x7f\x00"
    shown = terminal_safe(hostile)
    assert shown.startswith("Anna\\u001b[2J") and all(ch.isprintable() for ch in shown)
    assert terminal_safe("Åsa Öberg – 13\u00a0370 kr") == "Åsa Öberg – 13\u00a0370 kr"
    assert terminal_safe("rad 1\nrad 2", lines=True) == "rad 1\nrad 2" and terminal_safe("a\nb") == "a\\u000ab"
