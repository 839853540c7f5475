"""Domain events: what happened in one area, for the areas above it to react to.

Areas announce; they never call the areas that care. Listeners are connected in one
place (`lms.listeners.register`) when the app starts, so learning can announce a graded
quiz without importing certification. Signals are sent inside the request's
transaction: a listener's writes commit or roll back with the change that caused them.

Every signal is sent with the learner's id as `user_id=`, plus the object the event is
about (named in the comment beside it).
"""

from dataclasses import dataclass

from blinker import Namespace

_events = Namespace()

quiz_graded = _events.signal("quiz-graded")  # attempt=QuizAttempt
section_read = _events.signal("section-read")  # module_id=str, slug=str
section_unread = _events.signal("section-unread")  # module_id=str, slug=str
document_marked = _events.signal("document-marked")  # doc_id=str, read=bool (read or unread)
module_completed = _events.signal("module-completed")  # module_id=str
lab_submitted = _events.signal("lab-submitted")  # submission=LabSubmission (for review)
lab_reviewed = _events.signal("lab-reviewed")  # submission=LabSubmission
evidence_verified = _events.signal("evidence-verified")  # evidence=Evidence
approval_decided = _events.signal("approval-decided")  # approval=Approval
certificate_issued = _events.signal("certificate-issued")  # certificate=Certificate
certificate_revoked = _events.signal("certificate-revoked")  # certificate=Certificate
user_deleting = _events.signal("user-deleting")  # (the account is deleted next, if it may be)

# A question rather than an announcement: sent before a quiz starts (user=User,
# quiz_id=str); each receiver returns a list of `Blocker`s, and any blocker stops it.
quiz_start_blockers = _events.signal("quiz-start-blockers")


@dataclass(frozen=True)
class Blocker:
    """Something that must be done before a quiz may start, and where to do it."""

    text: str
    url: str | None = None


def blockers(signal, **kwargs) -> list[Blocker]:
    """Ask a question signal and gather every receiver's answers."""
    return [found for _, answer in signal.send(**kwargs) for found in answer or ()]
