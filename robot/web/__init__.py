"""The web app for handläggare and verksamheten (next; nothing here yet).

It will be a Starlette/FastAPI app with Jinja2 pages in Swedish: the manual queue, one item with
the robot's reasons and proposal, recommendations to approve or reject, the verdict explained,
and the monthly report. Its rules for this room:

- Every action goes through `robot.casework` with the signed-in handläggare's user id; the
  `CaseworkError` subclasses map to responses (`NotFound` 404, `Conflict` 409, `Invalid` 422, its
  `field` marking the form input at fault). Reading goes through `robot.queue`; no SQL here.
- Swedish wording and number formatting come from the shared Swedish module, not from templates.
- Pages are modules here (`pages/`), templates in `templates/`, static files in `static/`.
"""
