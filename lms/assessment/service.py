"""The assessment area's services, under their old single name.

The services now live in two modules, one per subject: `lms.assessment.attempts`
(start, save, submit, close, state, review; scores other areas ask for) and
`lms.assessment.statistics` (totals, quiz reports, question statistics). Import from
those; this module only re-exports them for code written before the split.
"""

from lms.assessment.attempts import (  # noqa: F401
    GRACE,
    QuizState,
    QuizSummary,
    SaveOutcome,
    answers_of,
    attempts_of,
    best_scores,
    close_expired,
    get_attempt,
    passed_quiz_ids,
    question_dict,
    quiz_state,
    save_answers,
    start_attempt,
    submit_attempt,
    summaries_for,
    time_is_up,
)
from lms.assessment.statistics import (  # noqa: F401
    QuizReport,
    QuizTotals,
    quiz_report,
    quiz_totals,
    rebuild_question_stats,
    rebuild_quiz_totals,
)
