"""The note shown beside a mark-as-read button after it was pressed (one request only).

It lives on the Flask side (it reads the session and the current catalog) because it joins
two areas: learning marks things read, onboarding knows what comes next.

The button posts, the view redirects back to the same place in the page, and the next
page shows "Marked read" beside that button (in a live region) with the next item of
the reader's plan, instead of a message at the top of a long page.
"""

from dataclasses import dataclass

from flask import session

from lms.catalog import current_catalog
from lms.onboarding import service as onboarding
from lms.onboarding.rules import PlanItem
from lms.timeutil import today

_KEY = "mark_notice"


@dataclass(frozen=True)
class MarkNotice:
    """What to say beside the button named `where` (a section slug, or "document")."""

    where: str
    message: str
    next_item: PlanItem | None


def remember(where: str, message: str, *, offer_next: bool) -> None:
    """Keep the note for the page the view redirects to."""
    session[_KEY] = {"where": where, "message": message, "offer_next": offer_next}


def take(user_id: int) -> MarkNotice | None:
    """The note left by the previous request, if any (and forget it)."""
    note = session.pop(_KEY, None)
    if not note:
        return None
    next_item = None
    if note.get("offer_next"):
        next_item = onboarding.next_item_for(current_catalog(), today(), user_id)
    return MarkNotice(note["where"], note["message"], next_item)
