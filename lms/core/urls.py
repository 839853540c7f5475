"""URLs for templates, built once each.

A page asks for the same URLs on every request: the navigation, each document, module and
lab it links to, each person's record. Werkzeug builds each one from its rule every time
(about 15 µs), which on the library page was a fifth of its CPU. The URL of an endpoint and
its values does not change while the app runs, so templates get a `url_for` that remembers
what it built, per mount point.
"""

from flask import Flask, has_request_context, request
from werkzeug import routing

# Far more than the distinct URLs of the pages people open between two clears; a clear costs
# one rebuild of each URL in use.
LIMIT = 20_000


class Rule(routing.Rule):
    """A URL rule whose URL builders are compiled when it first builds a URL, not when it is
    added: Werkzeug compiles two Python functions per rule, which for the app's 120 rules was
    30 ms of every start, mostly for rules a worker never builds a URL of (the API's, the
    admin's). Once compiled, a builder replaces its stand-in on the rule."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_builder = super()._compile_builder
        name = "_build_unknown" if append_unknown else "_build"

        def build_then_keep(rule: Rule, **values):
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, name, builder)
            return builder(**values)

        return build_then_keep


def use_lazy_rules(app: Flask) -> None:
    """Make the app's routes (added after this) with `Rule`."""
    app.url_rule_class = Rule


def register(app: Flask) -> None:
    """Give templates a remembering `url_for` and Bootstrap asset tags (after the blueprints
    and extensions are registered)."""
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
    app.jinja_env.globals["bootstrap"] = _RememberedAssets(app.jinja_env.globals["bootstrap"])


class _RememberedAssets:
    """Bootstrap-Flask's `load_css()` and `load_js()` (every page calls both), each built
    once per mount point and arguments: they depend on nothing else."""

    def __init__(self, bootstrap) -> None:
        self._bootstrap = bootstrap
        self._built: dict[tuple, str] = {}

    def _remembered(self, name: str, args: tuple, kwargs: dict):
        key = (request.script_root, name, args, *sorted(kwargs.items()))
        if key not in self._built:
            self._built[key] = getattr(self._bootstrap, name)(*args, **kwargs)
        return self._built[key]

    def load_css(self, *args, **kwargs):
        """The stylesheet links."""
        return self._remembered("load_css", args, kwargs)

    def load_js(self, *args, **kwargs):
        """The script tags."""
        return self._remembered("load_js", args, kwargs)
