"""Starting and submitting an attempt run a fixed number of statements, not one per question."""

from lms.assessment import attempts
from lms.catalog import current_catalog
from lms.extensions import db


def statements_to_start_and_submit(count_queries, user_id: int, quiz_id: str) -> tuple[int, int]:
    """Statements run to start an attempt of a quiz and to submit it (every question answered)."""
    quiz = current_catalog().quizzes[quiz_id]
    with count_queries() as started:
        attempt = attempts.start_attempt(user_id, quiz)
        db.session.commit()
    responses = {q["id"]: None for q in attempt.questions}
    with count_queries() as submitted:
        attempt = attempts.get_attempt(attempt.id)
        outcome = attempts.submit_attempt(attempt, responses)
        db.session.commit()
    assert outcome.closed
    return len(started), len(submitted)


def test_statements_do_not_grow_with_the_questions(app, make_user, count_queries):
    quizzes = sorted(current_catalog().quizzes.values(), key=lambda quiz: len(quiz.questions))
    small, large = quizzes[0], quizzes[-1]
    few = statements_to_start_and_submit(count_queries, make_user().id, small.id)
    many = statements_to_start_and_submit(count_queries, make_user().id, large.id)
    assert few == many
    # listeners of quiz_graded included: 6 to start; 20 to submit on SQLite, 21 on PostgreSQL
    # (the certification pipeline locks the person in a statement of its own there)
    assert max(many) <= 21
