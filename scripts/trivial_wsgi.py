"""The benchmark's fixed reference: the smallest WSGI application, with no Django and no middleware.

`scripts/bench.py` serves it with the same gunicorn settings as HomeCure and compares every page
with it, so a ratio to it does not move when the project's own `/healthz` gets faster or slower.
"""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "3")])
    return [b"ok\n"]
