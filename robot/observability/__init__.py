"""Observability: what ops and their monitoring see of a running robot (Prometheus metrics, health).

metrics.py     the metrics registry and the counters the worker and the register clients feed
multiprocess.py  `robot run --processes N`: every worker process's counters kept in files and summed at /metrics
collector.py   the queue's figures (states, manual queue, outbox, batch), read from the database at each scrape
health.py      readiness: database, migrations, rules, the register service
app.py         /metrics, /healthz, /readyz as a Starlette app, or routes the web app includes
server.py      the daemon serves that app on ROBOT_HTTP_HOST:ROBOT_HTTP_PORT in its own event loop
"""
