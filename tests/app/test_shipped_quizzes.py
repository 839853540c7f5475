"""Every shipped quiz, answered through the real pages with the key from its YAML, scores 100%."""

import re
from pathlib import Path

import pytest
import yaml

from lms import events
from lms.assessment.models import QuizAttempt
from lms.extensions import db
from tests.quiz_keys import key_answer

QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


@pytest.mark.parametrize("path", sorted(QUIZZES.glob("*.yml")), ids=lambda p: p.stem)
def test_the_key_scores_100_through_the_pages(client, make_user, login, path):
    key = {q["id"]: q for q in yaml.safe_load(path.read_text())["questions"]}
    login(make_user())
    # The keys are under test here, not the exams' prerequisites (tests/app/test_certification.py).
    with events.quiz_start_blockers.muted():
        response = client.post(f"/quizzes/{path.stem}/start")
    attempt_id = int(re.search(r"/attempts/(\d+)$", response.headers["Location"])[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = {"action": "submit"}
    for served in attempt.questions:
        shown = attempt.option_orders.get(served["id"])
        form |= key_answer(key[served["id"]], f"q-{served['id']}", shown)
    html = client.post(f"/attempts/{attempt_id}", data=form, follow_redirects=True).text
    assert "Score 100%" in html
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).percent == 100.0
