"""The pages, one module per area; each has a FastAPI `router`.

queue.py            /manuell: the manual queue, filtered, counted, a page at a time
item.py             /manuell/<application_id>: one item, and take, release, resolve
recommendations.py  /rekommendationer: the robot's recommendations, approve or reject
report.py           /rapport/<ÅÅÅÅ-MM>: the monthly control report (aggregates)
operations.py       /drift and /healthz: queue states, the last batch, the outbox
admin.py            /admin/konton and /admin/atkomstlogg: accounts and the access log
"""
