"""URLs for templates, built once each.

A page asks for the same URLs on every request: the navigation, each document, module and
lab it links to, each person's record. Werkzeug builds each one from its rule every time
(about 15 µs), which on the library page was a fifth of its CPU. The URL of an endpoint and
its values does not change while the app runs, so templates get a `url_for` that remembers
what it built, per mount point.
"""

from flask import Flask, has_request_context, request

# Far more than the distinct URLs of the pages people open between two clears; a clear costs
# one rebuild of each URL in use.
LIMIT = 20_000


def register(app: Flask) -> None:
    """Give templates a remembering `url_for` (after the blueprints are registered)."""
    if any(app.url_default_functions.values()):
        return  # URL defaults can depend on the request: every URL must be built afresh
    build = app.url_for
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, /, **values) -> str:
        """Flask's `url_for`; paths of absolute endpoints come from memory after the first."""
        if endpoint[:1] == "." or "_external" in values or not has_request_context():
            return build(endpoint, **values)
        try:
            key = (request.script_root, endpoint, *sorted(values.items()))
            url = built.get(key)
        except TypeError:  # an unhashable value, such as a list of query values
            return build(endpoint, **values)
        if url is None:
            url = build(endpoint, **values)
            if len(built) >= LIMIT:
                built.clear()
            built[key] = url
        return url

    app.jinja_env.globals["url_for"] = url_for
