"""Domain events: what happened in one area, for the areas above it to react to.

Areas announce; they never call the areas that care. Listeners are connected in one
place (`lms.listeners.register`) when the app starts, so learning can announce a graded
quiz without importing certification. Signals are sent inside the request's
transaction: a listener's writes commit or roll back with the change that caused them.

Every signal is sent with the learner's id as `user_id=`, plus the object the event is
about (named in the comment beside it).
"""

from blinker import Namespace

_events = Namespace()

quiz_graded = _events.signal("quiz-graded")  # attempt=QuizAttempt
module_completed = _events.signal("module-completed")  # module_id=str
lab_reviewed = _events.signal("lab-reviewed")  # submission=LabSubmission
evidence_verified = _events.signal("evidence-verified")  # evidence=Evidence
approval_decided = _events.signal("approval-decided")  # approval=Approval
certificate_issued = _events.signal("certificate-issued")  # certificate=Certificate
certificate_revoked = _events.signal("certificate-revoked")  # certificate=Certificate
