"""The durable queue: applications, their states and leases, verdicts, manual items and the event log.

The only package that builds SQL (like Procrastinate's `manager.py`): every other package calls
these functions and gets plain values back.

    schema.py      the tables; migrations/ and migrate.py keep databases in step with them
    db.py          engines (SQLite by default, PostgreSQL in production) and read transactions
    states.py      queue states and the transition table; transition.py writes every change through it
    intake.py      storing new applications, idempotently
    claims.py      claims, leases and fencing tokens; rescuing expired leases; promoting due retries
    outcomes.py    what processing produced, and writing it under the lease (verdict + state in one go)
    cases.py       manual items and recommendations: reads and the updates handläggare actions make
    records.py     what is stored about one application (for explain and replay)
    households.py  a household's earlier verdicts this year (the adults as digests of their personnummer)
    month.py       many applications at once (for the control report and what-if)
    batches.py     batch runs, recorded once per slot
    status.py      counts for ops
    events.py      the append-only event log
    ledger.py      hash chains over the append-only tables: appending, and verifying (`robot db verify`)
    appendonly.py  the database's append-only triggers, and attaching a chain to a table in a migration
    retention.py   gallring: removing the personal data of closed cases (`robot db purge`)
    grants.py      least privilege on PostgreSQL: what the runtime role may do
"""
