"""Accounts: who may act, and as what. The CLI, the web app, casework and the outbox ask here.

    roles.py      the four roles and what each may do (permissions), with their Swedish names
    actor.py      `Actor`: an authenticated person acting through the CLI or the web, and `NotAllowed`
    passwords.py  Argon2 hashing of local account passwords
    service.py    add, list and disable accounts; log in; the account of the operating-system user

An account's user id is what the event log, the access log and `beslut/1`'s `decided_by` record.
The CLI acts as the operating-system user that runs it (the login the person used), mapped to the
account with the same user id; the web app as the logged-in user (a local password or OpenID
Connect). Storage is `robot.queue.users`; nothing here builds SQL.
"""

from robot.accounts.actor import Actor, NotAllowed, UnknownAccount
from robot.accounts.roles import Permission, Role

__all__ = ["Actor", "NotAllowed", "Permission", "Role", "UnknownAccount"]
