"""Who reacts to which domain event: every listener is connected here, once, at start-up.

An area announces what happened (`lms.events`) and never imports the areas that care;
this module is the wiring between them. Listeners run inside the request's (or
command's) transaction, take the loaded content from the Flask side and hand it to
the services, so the services never fetch it themselves. Every listener must be
idempotent: an event may be announced more than once for the same fact.
"""

from lms import events
from lms.catalog import current_catalog


def _module_may_be_complete(sender, *, user_id: int, attempt, **extra) -> None:
    """A graded quiz may complete the modules it assesses."""
    from lms.learning import service as learning

    catalog = current_catalog()
    if attempt.passed:
        modules = learning.modules_assessed_by(catalog, attempt.quiz_id)
        learning.announce_completed_modules(user_id, catalog, modules)


def register() -> None:
    """Connect every listener (connecting the same function twice keeps one connection)."""
    events.quiz_graded.connect(_module_may_be_complete, weak=False)
