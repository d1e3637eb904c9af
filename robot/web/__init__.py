"""The web app for handläggare, verksamheten, ops and administrators (`robot web`).

    app.py        create_app: the pages, security headers, the OIDC login, what refusals look like
    context.py    `Web`: engine, settings, clock, templates and reason titles for every page
    sessions.py   signed-in sessions (cookie ↔ database), the `signed_in` and `posted` (CSRF) dependencies
    auth.py       /login, /logout with a local password; login throttling
    throttle.py   failed logins per (name, address) pair, in this process
    bounds.py     the body's size as it streams in, requests in flight (Swedish 413, 503)
    server.py     uvicorn for `robot web`: header/body deadlines, header size, idle and connection caps
    oidc.py       /login/oidc: OpenID Connect through the municipality's identity provider (authlib)
    security.py   Content-Security-Policy and other headers, the request log line, CSRF compare, safe redirects
    actions.py    handläggare actions: roles checked here too, casework does them, the access log records them
    casefile.py   one application as a handläggare sees it: facts side by side, motivering, history
    forms.py      form input read in Swedish (amounts, decisions, dates)

    pages/        one module per area (queue, item, recommendations, report, operations, admin)
    templates/    Jinja2 (autoescaped), static/  the stylesheet: no script anywhere

Rules for this room: every action goes through `robot.casework` (a `CaseworkError` maps to 404, 409
or 422 with its `field` marked in the form); reads go through `robot.queue`; no SQL here. Every page
checks the role on the server; every view of personal data and every action is in the access log.
"""
