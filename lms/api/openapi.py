"""Spectree as the API uses it (made by `lms.api.spec.DeferredSpec` on first use)."""

import threading

from spectree import SpecTree


class DeferredSchemaSpecTree(SpecTree):
    """Spectree that works out the models' JSON schemas when the description is first asked
    for, rather than as each view is handed to it (about 0.2 s, for two pages few people
    open). The description comes out the same: the models are added in the order the views
    were handed over."""

    def __init__(self, *args, **kwargs):
        self._deferred: list[tuple[type, str]] = []
        self._spec_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _add_model(self, model, mode="validation") -> str:
        self._deferred.append((model, mode))
        return self.naming_strategy(model)

    @property
    def spec(self) -> dict:
        """The OpenAPI description, generated once."""
        with self._spec_lock:
            if not hasattr(self, "_spec"):
                for model, mode in self._deferred:
                    super()._add_model(model, mode)
                self._deferred.clear()
                self._spec = self._generate_spec()
        return self._spec
