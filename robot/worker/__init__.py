"""The worker: the daemon that turns queued applications into verdicts (River's pieces, one module each).

    daemon.py      `robot run` / `robot batch`: the loop with the inbox watcher and the batch schedule, signals
    loop.py        the producer: claims due applications and processes them concurrently
    processing.py  one application: register data, the chain, and what happens next
    retry.py       the retry policy: wait for SSBTEK until the cut-off, retry errors, then a manual item
    committer.py   writes results in batches, each verdict atomically with its state change
    upkeep.py      rescues expired leases, promotes due retries, renews the leases in hand
    database.py    the worker's one database thread; outages are waited out
    scheduler.py   the monthly batch schedule (APScheduler), recorded once per slot
    stats.py       counts and the one log line per processed application
"""
