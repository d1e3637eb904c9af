"""The outbox: decision records (`beslut/1`) delivered to the municipality's case system.

    targets.py    where records go: a folder (one file per record, written atomically) or HTTP (signed POST)
    signing.py    the X-Signature header: HMAC-SHA256 of the body with the shared secret
    deliverer.py  one deliverer at a time sends pending records in order, retries with backoff, raises the alert
    casesystem.py the case system as the target (ROBOT_CASESYSTEM): each record a decision on its errand, once
    recipient.py  the target the settings name: the case system, else the folder or HTTP endpoint

Records are written by the handläggare actions themselves, in the action's transaction
(`robot.casework`, `robot.queue.outbox`); delivery is at least once and `event_id` (the
`Idempotency-Key`) makes a repeat harmless. The daemon runs the deliverer beside the worker;
`robot outbox deliver` runs one pass.
"""
