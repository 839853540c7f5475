"""A matching question with distractors through the pages: offered, graded wrong, reviewed."""

import re
from html import unescape

import pytest
import yaml

from lms.assessment.models import QuizAttempt
from lms.extensions import db

QUIZ = {
    "id": "sounds",
    "title": "Sounds",
    "pass_score": 50,
    "questions_per_attempt": 1,
    "review": "immediately",
    "questions": [
        {
            "id": "animals",
            "type": "matching",
            "topic": "t",
            "prompt": "Match each animal to its sound.",
            "explanation": "EXPL-ANIMALS",
            "pairs": [{"left": "Dog", "right": "Woof"}, {"left": "Cow", "right": "Moo"}],
            "distractors": ["Meow", "Quack"],
        }
    ],
}


@pytest.fixture
def app_config(tmp_path):
    (tmp_path / "curriculum.yml").write_text("{}\n")
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "sounds.yml").write_text(yaml.safe_dump(QUIZ))
    return {"LMS_CONTENT_DIR": str(tmp_path)}


def test_distractors_are_offered_graded_wrong_and_named_in_the_review(client, make_user, login):
    login(make_user())
    response = client.post("/quizzes/sounds/start")
    attempt_id = int(re.search(r"/attempts/(\d+)$", response.headers["Location"]).group(1))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for text in ("Woof", "Moo", "Meow", "Quack"):
        assert page.count(f'<option value="{text}"') == 2  # one select per left item
    assert "Some choices match no item." in page
    assert "Matches nothing" not in page and "EXPL-ANIMALS" not in page

    data = {"action": "submit", "q-animals-0": "Woof", "q-animals-1": "Meow"}
    review = client.post(f"/attempts/{attempt_id}", data=data, follow_redirects=True)
    html = unescape(review.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).percent == 50
    assert "Cow → Meow" in html and "Matches nothing: Meow" in html
