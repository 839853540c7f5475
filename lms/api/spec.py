"""The API's spectree (typed bodies checked, the OpenAPI description), imported and made when
an API view first runs or the description is first asked for: spectree and its own
configuration models are about 30 ms of a worker's start, and most workers serve pages.

`lms.api.views` decorates its views with `DeferredSpec.validate`, as with spectree's own
`validate`; each view is handed to spectree, in the order it was decorated, once spectree is
made.
"""

import functools
import threading
from collections.abc import Callable


class DeferredSpec:
    """Spectree's `validate` and `spec`, with spectree made on first use from `options`."""

    def __init__(self, **options) -> None:
        self.options = options
        self._views: list[tuple[Callable, dict, Callable]] = []
        self._lock = threading.Lock()
        self._tree = None

    def validate(self, *, resp: dict | None = None, **options) -> Callable:
        """Spectree's `validate`; `resp` is the keyword arguments of its `Response`."""

        def decorate(view: Callable) -> Callable:
            @functools.wraps(view)
            def validated(*args, **kwargs):
                self.tree()
                return validated.spectree_view(*args, **kwargs)

            self._views.append((view, {**options, "resp": resp}, validated))
            return validated

        return decorate

    def tree(self):
        """Spectree, made (and every decorated view handed to it) the first time."""
        if self._tree is not None:
            return self._tree
        with self._lock:
            if self._tree is None:
                from spectree import Response

                from lms.api.openapi import DeferredSchemaSpecTree

                tree = DeferredSchemaSpecTree("flask", **self.options)
                for view, options, validated in self._views:
                    if options["resp"] is not None:
                        options = {**options, "resp": Response(**options["resp"])}
                    validated.spectree_view = tree.validate(**options)(view)
                    # spectree finds an operation's metadata through `__wrapped__`
                    validated.__wrapped__ = validated.spectree_view
                self._tree = tree
        return self._tree

    @property
    def spec(self) -> dict:
        """The OpenAPI description (spectree's `spec`)."""
        return self.tree().spec
