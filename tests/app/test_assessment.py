"""Quiz attempts through the pages: start, resume, save, submit once, deadlines, limits, review.

Each test gets its own content folder holding one small quiz with a question of every type,
and a clock it can move (the app's LMS_NOW).
"""

import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import yaml
from sqlalchemy import event, func, select

from lms.accounts.models import Role
from lms.assessment import attempts
from lms.assessment.models import AttemptAnswer, QuizAttempt
from lms.assessment.questions import option_order
from lms.assessment.rules import draw_questions
from lms.catalog import current_catalog, store
from lms.extensions import db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

QUESTIONS = [
    {
        "id": "pick-one",
        "type": "single",
        "topic": "basics",
        "prompt": "Which component receives a request first?",
        "options": [
            {"id": "a", "text": "The auth service"},
            {"id": "b", "text": "The load balancer", "correct": True},
            {"id": "c", "text": "The database"},
        ],
        "explanation": "EXPL-SINGLE: the load balancer sits in front.",
    },
    {
        "id": "pick-many",
        "type": "multiple",
        "topic": "basics",
        "prompt": "Which are golden signals?",
        "options": [
            {"id": "a", "text": "Latency", "correct": True},
            {"id": "b", "text": "Errors", "correct": True},
            {"id": "c", "text": "Office humidity"},
            {"id": "d", "text": "Desk count"},
        ],
        "explanation": "EXPL-MULTIPLE: latency, traffic, errors, saturation.",
    },
    {
        "id": "tf",
        "type": "true_false",
        "topic": "basics",
        "prompt": "UDP guarantees delivery.",
        "answer": False,
        "explanation": "EXPL-TF: it does not.",
    },
    {
        "id": "num",
        "type": "numeric",
        "topic": "numbers",
        "prompt": "The p99 target for checkout?",
        "answer": 437,
        "tolerance": 0.5,
        "unit": "ms",
        "explanation": "EXPL-NUMERIC: the SLO page says so.",
    },
    {
        "id": "short",
        "type": "short",
        "topic": "words",
        "prompt": "Which severity is a partial outage?",
        "accepted": ["Sevtwo-Partial"],
        "explanation": "EXPL-SHORT: see the playbook.",
    },
    {
        "id": "match",
        "type": "matching",
        "topic": "words",
        "prompt": "Match each severity to its meaning.",
        "pairs": [
            {"left": "Level one", "right": "Complete outage"},
            {"left": "Level two", "right": "Degraded service"},
            {"left": "Level three", "right": "Minor issue"},
        ],
        "explanation": "EXPL-MATCHING: from the incident playbook.",
    },
    {
        "id": "order",
        "type": "ordering",
        "topic": "words",
        "prompt": "Put the incident steps in order.",
        "items": ["Acknowledge", "Assess", "Declare", "Mitigate"],
        "explanation": "EXPL-ORDERING: acknowledge first.",
    },
]


def quiz_yaml(**settings) -> str:
    """The test quiz as YAML, with settings overridden."""
    document = {
        "id": "mini",
        "title": "Mini quiz",
        "pass_score": 60,
        "questions_per_attempt": 7,
        "time_limit": 10,
        "max_attempts": 3,
        "cooldown": 30,
        "shuffle": True,
        "review": "immediately",
        "questions": QUESTIONS,
    } | settings
    return yaml.safe_dump(document, sort_keys=False)


class Clock:
    """A clock the tests move; the app reads it through LMS_NOW."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def content_dir(tmp_path):
    (tmp_path / "curriculum.yml").write_text("{}\n")
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "mini.yml").write_text(quiz_yaml())
    return tmp_path


@pytest.fixture
def app_config(content_dir, clock):
    return {"LMS_CONTENT_DIR": str(content_dir), "LMS_NOW": clock}


@pytest.fixture
def set_quiz(content_dir):
    """Return a function that rewrites the quiz file and reloads the content."""

    def write(**settings):
        (content_dir / "quizzes" / "mini.yml").write_text(quiz_yaml(**settings))
        assert store().load() == []

    return write


@pytest.fixture
def learner(make_user, login):
    user = make_user(name="Lee Learner")
    login(user)
    return user


def start(client, quiz_id="mini") -> QuizAttempt:
    """Press Start (or Resume) and return the attempt it leads to."""
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    db.session.expire_all()
    return db.session.get(QuizAttempt, int(match.group(1)))


def key_form(attempt: QuizAttempt, action: str = "submit") -> dict:
    """Form data answering every served question right, from the attempt's snapshot."""
    data: dict = {"action": action}
    for question in attempt.questions:
        name, kind = f"q-{question['id']}", question["type"]
        if kind == "single":
            data[name] = next(o["id"] for o in question["options"] if o.get("correct"))
        elif kind == "multiple":
            data[name] = [o["id"] for o in question["options"] if o.get("correct")]
        elif kind == "true_false":
            data[name] = "true" if question["answer"] else "false"
        elif kind == "numeric":
            data[name] = f"{question['answer']:g}"
        elif kind == "short":
            data[name] = question["accepted"][0]
        elif kind == "matching":
            for i, pair in enumerate(question["pairs"]):
                data[f"{name}-{i}"] = pair["right"]
        elif kind == "ordering":
            shown = attempt.option_orders[question["id"]]
            for k, item in enumerate(shown):
                data[f"{name}-{k}"] = str(question["items"].index(item) + 1)
    return data


# Submitting with questions unanswered asks to confirm first; this is the confirmed submit.
SUBMIT_AS_IS = {"action": "submit", "confirm": "1"}


def switch_to(client, login, user) -> None:
    """Sign out and sign in as another user on the same client."""
    client.post("/logout")
    login(user)


def reload(attempt: QuizAttempt) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt.id)


# --- the quiz list and page ----------------------------------------------------------------------


def test_quiz_list_and_quiz_page(client, learner):
    page = client.get("/quizzes").get_data(as_text=True)
    assert "Mini quiz" in page and "3 of 3" in page and "not taken" in page
    page = client.get("/quizzes/mini").get_data(as_text=True)
    assert "Start attempt 1" in page and "60%" in page and "10 minutes" in page
    assert client.get("/quizzes/nope").status_code == 404


def test_quiz_pages_need_sign_in(client):
    assert client.get("/quizzes").status_code == 302
    assert client.post("/quizzes/mini/start").status_code == 302


# --- taking an attempt ------------------------------------------------------------------------


def test_perfect_score_through_the_real_pages_is_100(client, learner):
    attempt = start(client)
    page = client.get(f"/attempts/{attempt.id}")
    assert page.status_code == 200 and "Submit for grading" in page.get_data(as_text=True)
    response = client.post(f"/attempts/{attempt.id}", data=key_form(attempt), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Score 100%" in html and "passed" in html
    attempt = reload(attempt)
    assert (attempt.status, attempt.percent, attempt.passed) == ("submitted", 100.0, True)
    assert attempt.ended_by == "learner" and attempt.submitted_at == START
    assert attempts.best_scores([learner.id]) == {learner.id: {"mini": 100.0}}
    assert attempts.passed_quiz_ids([learner.id]) == {learner.id: {"mini"}}


def test_attempt_snapshot_holds_the_served_questions(client, learner):
    attempt = start(client)
    assert [q["id"] for q in attempt.questions] != []
    assert sorted(q["id"] for q in attempt.questions) == sorted(q["id"] for q in QUESTIONS)
    assert attempt.content_hash == current_catalog().quizzes["mini"].content_hash
    assert set(attempt.option_orders) == {q["id"] for q in QUESTIONS}
    assert attempt.deadline_at == START + timedelta(minutes=10)
    rows = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    assert sorted(r.position for r in rows) == list(range(7))
    # The draw and the option orders are reproducible from the stored seed.
    quiz = current_catalog().quizzes["mini"]
    pool = [attempts.question_dict(q) for q in quiz.questions]
    drawn = draw_questions(pool, 7, attempt.seed, spread_topics=False, shuffle=True)
    assert drawn == [q["id"] for q in attempt.questions]
    for question in attempt.questions:
        assert option_order(question, attempt.seed, True) == attempt.option_orders[question["id"]]


def test_answer_key_never_reaches_the_attempt_page(client, learner):
    attempt = start(client)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    text = unescape(html)
    assert "correct" not in text.lower()
    for question in attempt.questions:
        assert question["explanation"] not in text
        assert question["explanation"].split(":")[0] not in text
        kind = question["type"]
        if kind == "numeric":
            inputs = re.findall(r'<input[^>]*name="q-num"[^>]*>', html)
            assert len(inputs) == 1 and 'value=""' in inputs[0]
            assert 'value="437"' not in html
        elif kind == "short":
            assert question["accepted"][0].lower() not in text.lower()
        elif kind == "ordering":
            positions = [text.index(f">{item}<") for item in question["items"]]
            assert positions != sorted(positions)  # never shown in the right order
            assert not re.search(
                r'name="q-order-\d+"[^>]*>\s*<option value="">[^<]*</option>\s*'
                r'<option value="\d+" selected',
                html,
            )
        elif kind == "matching":
            select_html = re.search(r'<select[^>]*name="q-match-0".*?</select>', html, re.S)[0]
            shown = re.findall(r'<option value="([^"]+)"', select_html)
            assert shown == attempt.option_orders["match"]
            assert shown != [p["right"] for p in question["pairs"]]
            assert "selected" not in select_html


def test_answers_are_saved_without_javascript_and_shown_again(client, learner):
    attempt = start(client)
    data = key_form(attempt, action="save")
    response = client.post(f"/attempts/{attempt.id}", data=data)
    assert response.status_code == 302
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Saved at 09:00:00 UTC." in html
    assert re.search(r'name="q-num"[^>]*value="437"', html)
    assert re.search(r'value="b"\s+checked', html)
    assert "7</span> of 7 answered" in html
    assert reload(attempt).status == "open"
    # Clearing an answer saves the blank.
    client.post(f"/attempts/{attempt.id}", data={**data, "q-short": ""})
    row = db.session.scalar(
        select(AttemptAnswer).where(
            AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.question_id == "short"
        )
    )
    assert row.response is None


def test_autosave_answers_json(client, learner):
    attempt = start(client)
    response = client.post(
        f"/attempts/{attempt.id}",
        data={"action": "autosave", "q-tf": "false"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert response.get_json()["closed"] is False and response.get_json()["saved"] == 7


def test_bad_input_is_reported_beside_its_question(client, learner):
    attempt = start(client)
    shown = attempt.option_orders["order"]
    data = {"action": "submit", "q-num": "4,5", "q-tf": "true"}
    data |= {f"q-order-{k}": "1" for k in range(len(shown))}  # every item in position 1
    response = client.post(f"/attempts/{attempt.id}", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not submitted yet" in html
    assert "with a point for decimals" in html and 'aria-invalid="true"' in html
    assert "Give each item a different position from 1 to 4." in html
    number = next(i for i, q in enumerate(attempt.questions, 1) if q["id"] == "num")
    assert f'id="q{number}-error"' in html and f'aria-describedby="q{number}-error"' in html
    assert 'value="4,5"' in html  # what was typed comes back for fixing
    attempt = reload(attempt)
    assert attempt.status == "open"  # not submitted; the valid answer was saved
    rows = {r.question_id: r.response for r in attempts.answers_of(attempt)}
    assert rows["tf"] == "true" and rows["num"] is None and rows["order"] is None


def test_absurd_input_is_refused_never_stored_and_never_fails(client, learner):
    attempt = start(client)
    data = SUBMIT_AS_IS | {
        "q-pick-one": "zz",
        "q-pick-many": ["a", "a", "zz"],
        "q-tf": "maybe",
        "q-short": "é" * 20_000,
        "q-match-0": "Not an option",
        "q-match-9": "Complete outage",
        "q-unknown": "x",
    }
    response = client.post(f"/attempts/{attempt.id}", data=data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "Not submitted yet" in html  # reported, not graded
    for message in (
        "Keep the answer under 500 characters.",
        "Choose one of the options shown.",
        "Choose among the options shown.",
        "Choose True or False.",
        "Choose each match from the list shown.",
    ):
        assert message in html
    assert all(row.response is None for row in attempts.answers_of(reload(attempt)))
    fixed = SUBMIT_AS_IS | {"q-short": "ünïcödé ✓", "q-match-9": "Complete outage", "q-x": "x"}
    response = client.post(f"/attempts/{attempt.id}", data=fixed, follow_redirects=True)
    assert response.status_code == 200 and "Score 0%" in response.get_data(as_text=True)


# --- submitting once -------------------------------------------------------------------------


def test_double_submit_grades_once(client, learner, clock):
    attempt = start(client)
    first = client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    clock.advance(seconds=5)
    wrong = {"action": "submit", "q-tf": "true"}
    second = client.post(f"/attempts/{attempt.id}", data=wrong)  # a retry after a lost response
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    attempt = reload(attempt)
    assert attempt.percent == 100.0 and attempt.submitted_at == START
    rows = attempts.answers_of(attempt)
    assert {r.question_id: r.response for r in rows}["tf"] == "false"
    assert all(r.score == 1.0 for r in rows)
    # Saving into a graded attempt changes nothing either.
    client.post(f"/attempts/{attempt.id}", data={"action": "save", "q-tf": "true"})
    assert {r.question_id: r.response for r in attempts.answers_of(reload(attempt))}[
        "tf"
    ] == "false"


def test_two_sessions_submitting_at_once_grade_once(app, client, learner):
    attempt = start(client)
    right, wrong = key_form(attempt), SUBMIT_AS_IS
    email, url = learner.email, f"/attempts/{attempt.id}"
    barrier = threading.Barrier(2)
    results = []

    def submit(data):
        other = app.test_client()
        other.post("/login", data={"email": email, "password": "correct-horse-battery"})
        barrier.wait()
        results.append(other.post(url, data=data).status_code)

    threads = [threading.Thread(target=submit, args=(data,)) for data in (right, wrong)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302]
    attempt = reload(attempt)
    assert attempt.status == "submitted" and attempt.percent in (0.0, 100.0)
    rows = attempts.answers_of(attempt)
    expected = 1.0 if attempt.percent == 100.0 else 0.0
    assert all(r.score == expected for r in rows)  # the grades match the one result kept
    count = db.session.scalar(select(func.count()).select_from(QuizAttempt))
    assert count == 1


# --- deadlines -------------------------------------------------------------------------------


def test_answers_after_the_deadline_are_not_counted(client, learner, clock):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data={"action": "save", "q-tf": "false"})
    clock.advance(minutes=10, seconds=20)  # past the deadline, within the grace
    client.post(f"/attempts/{attempt.id}", data={"action": "save", "q-tf": "false", "q-num": "437"})
    clock.advance(seconds=30)  # past the grace
    response = client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Time was up at Mon 2 Mar 2026, 09:10 UTC" in html
    attempt = reload(attempt)
    assert attempt.ended_by == "deadline" and attempt.submitted_at == START + timedelta(minutes=10)
    assert attempt.percent == round(200 / 7, 2)  # only the two saved in time count


def test_open_attempt_is_graded_when_its_page_is_loaded_after_the_deadline(client, learner, clock):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data={"action": "save", "q-tf": "false"})
    clock.advance(minutes=9)
    assert "Time left" in client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    clock.advance(minutes=2)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "graded when the time ran out" in html
    assert reload(attempt).percent == round(100 / 7, 2)


def test_the_quiz_list_closes_an_expired_attempt_and_shows_its_score(client, learner, clock):
    attempt = start(client)
    clock.advance(minutes=10)
    client.get("/quizzes")
    assert reload(attempt).status == "open"  # still within its grace
    clock.advance(minutes=1)
    client.get("/quizzes")
    assert reload(attempt).status == "submitted" and reload(attempt).ended_by == "deadline"


def test_quiz_pages_write_nothing_when_no_attempt_ran_out(client, learner, app):
    start(client)
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        client.get("/quizzes")
        client.get("/quizzes/mini")
    finally:
        event.remove(engine, "commit", listener)
    assert commits == []


def test_quiz_page_and_command_close_expired_attempts(app, client, learner, make_user, clock):
    attempt = start(client)
    clock.advance(minutes=11)
    assert "time ran out" in client.get("/quizzes/mini").get_data(as_text=True)
    assert reload(attempt).status == "submitted"
    other = make_user()
    quiz = current_catalog().quizzes["mini"]
    second = attempts.start_attempt(other.id, quiz)
    db.session.commit()
    clock.advance(minutes=11)
    result = app.test_cli_runner().invoke(args=["quiz", "close-expired"])
    assert result.exit_code == 0 and "Closed 1 expired attempt(s)." in result.output
    assert reload(second).ended_by == "deadline"


def test_the_page_shows_the_time_left(client, learner, clock):
    attempt = start(client)
    clock.advance(minutes=3, seconds=30)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'data-seconds-left="390"' in html and "6 min" in html
    assert 'aria-live="polite"' in html
    assert "<script src=" in html and "<script>" not in html


# --- limits, cooldown, resume ------------------------------------------------------------------


def test_an_open_attempt_is_resumed_not_duplicated(client, learner):
    first = start(client)
    assert "Resume attempt 1" in client.get("/quizzes/mini").get_data(as_text=True)
    assert start(client).id == first.id
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_concurrent_starts_make_one_attempt(app, client, learner):
    barrier = threading.Barrier(3)
    email = learner.email
    locations = []

    def press_start():
        other = app.test_client()
        other.post("/login", data={"email": email, "password": "correct-horse-battery"})
        barrier.wait()
        locations.append(other.post("/quizzes/mini/start").headers.get("Location"))

    threads = [threading.Thread(target=press_start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(locations)) == 1 and locations[0].startswith("/attempts/")
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_cooldown_after_a_failed_attempt(client, learner, clock, set_quiz):
    attempt = start(client)
    clock.advance(minutes=2)
    client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS)
    assert reload(attempt).passed is False
    message = "Your next attempt opens today at 09:32 UTC."
    assert message in client.get("/quizzes/mini").get_data(as_text=True)
    response = client.post("/quizzes/mini/start", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    clock.advance(minutes=30)
    assert start(client).number == 2


def test_quiz_pages_tell_times_in_the_organisations_zone(app, client, learner, clock):
    app.config["LMS_TIMEZONE"] = "Europe/Berlin"
    attempt = start(client)
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "time is up today at 10:10 CET" in page  # 09:10 UTC
    client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS)
    quiz_page = client.get("/quizzes/mini").get_data(as_text=True)
    assert "Your next attempt opens today at 10:30 CET." in quiz_page
    assert "Mon 2 Mar 2026, 10:00 CET" in quiz_page  # the attempt's start and end, local
    assert "10 minutes" in quiz_page and " UTC" not in quiz_page


def test_no_cooldown_after_a_pass(client, learner):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    assert start(client).number == 2


def test_attempt_limit(client, learner, clock, set_quiz):
    set_quiz(max_attempts=2, cooldown=0)
    for _ in range(2):
        attempt = start(client)
        client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS)
    html = client.get("/quizzes/mini").get_data(as_text=True)
    assert "You have used all 2 attempts at this quiz." in html and "Start attempt" not in html
    response = client.post("/quizzes/mini/start", follow_redirects=True)
    assert "You have used all 2 attempts" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 2


# --- who may see an attempt --------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [(Role.LEARNER, 404), (Role.MENTOR, 404), (Role.TRAINER, 200), (Role.ADMIN, 200)],
)
def test_another_learners_attempt(client, login, learner, make_user, role, status):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    viewer = make_user(role=role)
    learner.mentor_id = viewer.id if role == Role.MENTOR else None  # even their mentor: 404
    db.session.commit()
    switch_to(client, login, viewer)
    assert client.get(f"/attempts/{attempt.id}").status_code == status
    assert client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS).status_code == 404
    assert client.get("/attempts/999999").status_code == 404


def test_staff_see_an_open_attempt_without_its_questions(client, login, learner, make_user):
    attempt = start(client)
    switch_to(client, login, make_user(role=Role.TRAINER))
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "in progress" in html and "0 of 7 questions answered" in html
    assert "EXPL-" not in html and "Which component" not in html
    assert client.post(f"/attempts/{attempt.id}", data=key_form(attempt)).status_code == 404
    assert reload(attempt).status == "open"


# --- review and snapshot -------------------------------------------------------------------------


def test_review_immediately_shows_answers_and_explanations(client, learner):
    attempt = start(client)
    data = key_form(attempt) | {"q-tf": "true"}
    html = client.post(f"/attempts/{attempt.id}", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    for question in QUESTIONS:
        assert question["explanation"] in unescape(html)
    assert "Complete outage" in html and "437 ms (± 0.5)" in unescape(html)
    assert "wrong" in html and "Sevtwo-Partial" in html


def test_review_never_shows_only_the_score(client, learner, set_quiz):
    set_quiz(review="never")
    attempt = start(client)
    html = client.post(f"/attempts/{attempt.id}", data=key_form(attempt), follow_redirects=True)
    html = html.get_data(as_text=True)
    assert "Score 100%" in html and "does not show its answers" in html
    assert "EXPL-" not in html


def test_review_after_last_attempt(client, learner, set_quiz):
    set_quiz(review="after_last_attempt", max_attempts=2, cooldown=0)
    first = start(client)
    html = client.post(f"/attempts/{first.id}", data=SUBMIT_AS_IS, follow_redirects=True)
    assert "EXPL-" not in html.get_data(as_text=True)
    assert "once you have used your last attempt" in html.get_data(as_text=True)
    second = start(client)
    client.post(f"/attempts/{second.id}", data=SUBMIT_AS_IS)
    for attempt in (first, second):
        assert "EXPL-SINGLE" in client.get(f"/attempts/{attempt.id}").get_data(as_text=True)


def test_editing_the_quiz_never_changes_a_graded_attempt(client, learner, set_quiz):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    changed = [dict(q) for q in QUESTIONS[:4]]
    changed[0] = changed[0] | {
        "explanation": "A rewritten explanation.",
        "options": [
            {"id": "a", "text": "The auth service", "correct": True},
            {"id": "b", "text": "The load balancer"},
        ],
    }
    changed[2] = changed[2] | {"answer": True}
    set_quiz(questions=changed, questions_per_attempt=4, pass_score=100)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Score 100%" in html and "EXPL-SINGLE" in html and "EXPL-ORDERING" in html
    assert "A rewritten explanation." not in html
    attempt = reload(attempt)
    assert attempt.percent == 100.0 and len(attempt.questions) == 7
    # A later attempt uses the new quiz.
    assert len(start(client).questions) == 4


# --- what other areas call ---------------------------------------------------------------------


def test_best_scores_and_passed_quiz_ids(client, learner, make_user, clock):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS | {"q-tf": "false"})
    clock.advance(minutes=31)
    second = start(client)
    client.post(f"/attempts/{second.id}", data=key_form(second))
    nobody = make_user()
    scores = attempts.best_scores([learner.id, nobody.id])
    assert scores == {learner.id: {"mini": 100.0}, nobody.id: {}}
    assert attempts.passed_quiz_ids([learner.id, nobody.id]) == {
        learner.id: {"mini"},
        nobody.id: set(),
    }
    assert attempts.best_scores([]) == {}


def test_pages_run_a_bounded_number_of_queries(client, login, learner, count_queries, clock):
    for _ in range(2):
        attempt = start(client)
        client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS)
        clock.advance(minutes=31)
    attempt = start(client)
    login(learner)  # a fresh signed-in user object (start() expired the old one)
    for url in ("/quizzes", "/quizzes/mini", f"/attempts/{attempt.id}"):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) <= 6, (url, statements)


def test_raising_the_pass_mark_later_never_unpasses_anyone(client, learner, content_dir, set_quiz):
    """Pass at 85.71% against a pass mark of 60, then raise it to 90: still passed everywhere."""
    (content_dir / "modules").mkdir()
    (content_dir / "modules" / "mini-module.md").write_text(
        "---\nid: mini-module\ntitle: Mini module\nnumber: 1\nlevel: associate\nduration: 30\n"
        "summary: One part.\nobjectives: [Read it]\nquiz: mini\npass_score: 60\n---\n"
        "## Only part\n\nText.\n",
        encoding="utf-8",
    )
    set_quiz()
    client.post("/modules/mini-module/sections/only-part", data={"read": "1"})
    attempt = start(client)
    answers = key_form(attempt)
    answers["q-tf"] = "true"  # one of seven wrong: 85.71%
    client.post(f"/attempts/{attempt.id}", data=answers)
    assert reload(attempt).percent == 85.71 and reload(attempt).passed

    set_quiz(pass_score=90)
    assert "Module complete" in client.get("/modules/mini-module").get_data(as_text=True)
    assert "passed" in client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    quiz_page = client.get("/quizzes/mini").get_data(as_text=True)
    assert "not passed yet" not in quiz_page
    assert attempts.passed_quiz_ids([learner.id]) == {learner.id: {"mini"}}


def test_a_graded_quiz_announces_itself_and_completes_its_module(
    client, learner, content_dir, set_quiz
):
    from lms import events

    (content_dir / "modules").mkdir()
    (content_dir / "modules" / "mini-module.md").write_text(
        "---\nid: mini-module\ntitle: Mini module\nnumber: 1\nlevel: associate\nduration: 30\n"
        "summary: One part.\nobjectives: [Read it]\nquiz: mini\npass_score: 60\n---\n"
        "## Only part\n\nText.\n",
        encoding="utf-8",
    )
    set_quiz()
    heard = []
    graded = lambda sender, **kw: heard.append(("graded", kw["attempt"].quiz_id))  # noqa: E731
    completed = lambda sender, **kw: heard.append(("completed", kw["module_id"]))  # noqa: E731
    with events.quiz_graded.connected_to(graded), events.module_completed.connected_to(completed):
        client.post("/modules/mini-module/sections/only-part", data={"read": "1"})
        assert heard == []
        attempt = start(client)
        client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    assert sorted(heard) == [("completed", "mini-module"), ("graded", "mini")]


# --- no accidental submit ------------------------------------------------------------------------


def test_submitting_with_unanswered_questions_asks_first(client, learner):
    attempt = start(client)
    response = client.post(f"/attempts/{attempt.id}", data={"action": "submit", "q-tf": "false"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Submit with 6 of 7 questions unanswered?" in html and "Keep answering" in html
    assert "<script>" not in html
    attempt = reload(attempt)
    assert attempt.status == "open"  # nothing burnt; the answer given is saved
    assert {r.question_id: r.response for r in attempts.answers_of(attempt)}["tf"] == "false"
    response = client.post(f"/attempts/{attempt.id}", data={"action": "submit_saved"})
    assert response.status_code == 302
    attempt = reload(attempt)
    assert attempt.status == "submitted" and attempt.percent == round(100 / 7, 2)


def test_submitting_every_answer_asks_nothing(client, learner):
    attempt = start(client)
    data = key_form(attempt)
    assert "confirm" not in data
    assert client.post(f"/attempts/{attempt.id}", data=data).status_code == 302
    assert reload(attempt).status == "submitted"


def test_the_attempt_page_carries_the_confirmation_dialog_and_no_inline_script(client, learner):
    attempt = start(client)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'id="quiz-confirm-dialog"' in html and 'name="confirm"' in html
    assert "<script>" not in html and " onclick=" not in html


# --- answers validated against what was served ----------------------------------------------------


def test_a_saved_answer_must_be_one_that_was_served(client, learner):
    attempt = start(client)
    for data, message in (
        ({"q-pick-one": "x" * 1_900_000}, "Choose one of the options shown."),
        ({"q-pick-many": [str(n) for n in range(50_000)]}, "Choose among the options shown."),
        ({"q-num": "1" * 51}, "Keep the answer under 50 characters."),
        ({"q-match-0": "Desk count"}, "Choose each match from the list shown."),
    ):
        response = client.post(f"/attempts/{attempt.id}", data={"action": "save"} | data)
        assert response.status_code == 200 and message in unescape(response.get_data(as_text=True))
    assert all(r.response is None for r in attempts.answers_of(reload(attempt)))


def test_the_service_refuses_what_was_not_served(client, learner):
    from lms.errors import ServiceError

    attempt = start(client)
    order = attempt.option_orders["order"]
    for responses in (
        {"pick-one": "x" * 1_900_000},
        {"pick-many": ["a"] * 50_000},
        {"tf": "perhaps"},
        {"short": "y" * 501},
        {"match": {"Level one": "Somewhere else"}},
        {"order": order[:-1]},
    ):
        with pytest.raises(ServiceError):
            attempts.save_answers(attempt, responses)
        db.session.rollback()
    outcome = attempts.save_answers(attempt, {"order": list(reversed(order)), "tf": True})
    assert outcome.saved == 2


def test_multiple_choice_says_how_many_to_choose(client, learner):
    attempt = start(client)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Choose 2 of the 4 answers." in html


# --- feedback after a result ----------------------------------------------------------------------


@pytest.mark.parametrize("review", ["immediately", "after_last_attempt", "never"])
def test_every_result_shows_the_score_per_topic(client, learner, set_quiz, review):
    set_quiz(review=review)
    attempt = start(client)
    data = key_form(attempt) | {"q-num": "1", "q-short": "no"}  # numbers 0 of 1, words 2 of 3
    html = client.post(f"/attempts/{attempt.id}", data=data, follow_redirects=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.get_data(as_text=True)))
    assert "Result by topic" in text
    assert "numbers 0 of 1 to study" in text
    assert "words 2 of 3" in text and "basics 3 of 3" in text


def test_weak_topics_link_to_where_they_are_taught(client, learner, content_dir, set_quiz):
    (content_dir / "modules").mkdir()
    (content_dir / "modules" / "mini-module.md").write_text(
        "---\nid: mini-module\ntitle: Mini module\nnumber: 1\nlevel: associate\nduration: 30\n"
        "summary: One part.\nobjectives: [Read it]\nquiz: mini\npass_score: 60\n---\n"
        "## Only part\n\nText.\n",
        encoding="utf-8",
    )
    set_quiz(module="mini-module")
    attempt = start(client)
    # A question's optional `source` (doc:ID#section or module:ID#section), as served.
    attempt.questions = [
        q | {"source": "module:mini-module#only-part"} if q["id"] == "num" else q
        for q in attempt.questions
    ]
    db.session.commit()
    data = SUBMIT_AS_IS | {"q-tf": "true"}  # every topic weak
    html = client.post(f"/attempts/{attempt.id}", data=data, follow_redirects=True)
    html = unescape(html.get_data(as_text=True))
    assert 'href="/modules/mini-module#only-part">Mini module › Only part</a>' in html
    assert 'href="/modules/mini-module">Mini module</a>' in html  # topics without a source


def test_practice_review_shows_the_key_only_after_a_pass(client, learner, clock):
    first = start(client)
    html = client.post(
        f"/attempts/{first.id}", data=SUBMIT_AS_IS | {"q-tf": "true"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Score 0%" in html and "shown once you pass this quiz" in html
    assert "Your answer" in html and "wrong" in html  # what they answered, marked
    assert "EXPL-" not in html and "Right answer" not in html and "Sevtwo-Partial" not in html
    assert "Latency" not in html  # no option text of an unanswered question's key
    clock.advance(minutes=31)
    second = start(client)
    client.post(f"/attempts/{second.id}", data=key_form(second))
    html = client.get(f"/attempts/{first.id}").get_data(as_text=True)
    assert "EXPL-SINGLE" in html and "Right answer" in html


def test_a_trainer_sees_whose_attempt_it_is_and_their_answer(client, login, learner, make_user):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=SUBMIT_AS_IS | {"q-tf": "true"})
    own = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Your answer" in own and "Their answer" not in own
    switch_to(client, login, make_user(role=Role.TRAINER))
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Lee Learner" in html and "Their answer" in html and "Your answer" not in html
    assert "EXPL-SINGLE" in html  # the training team sees the key whatever the policy


def test_staff_see_whose_open_attempt_it_is(client, login, learner, make_user):
    attempt = start(client)
    switch_to(client, login, make_user(role=Role.TRAINER))
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Lee Learner" in html and "Their answers are shown once it is graded" in html


@pytest.mark.parametrize("relation", ["mentor_id", "manager_id"])
def test_mentors_and_managers_do_not_open_attempts(client, login, learner, make_user, relation):
    attempt = start(client)
    client.post(f"/attempts/{attempt.id}", data=key_form(attempt))
    supervisor = make_user(role=Role.MENTOR)
    setattr(learner, relation, supervisor.id)
    db.session.commit()
    switch_to(client, login, supervisor)
    assert client.get(f"/attempts/{attempt.id}").status_code == 404


def test_open_attempt_pages_receive_only_public_views(app, client, login, learner, make_user):
    from flask import template_rendered

    attempt = start(client)
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, context))

    key_words = {"correct", "answer", "accepted", "pairs", "items", "explanation", "pattern"}
    with template_rendered.connected_to(record, app):
        client.get(f"/attempts/{attempt.id}")
        client.post(f"/attempts/{attempt.id}", data={"action": "submit", "q-tf": "true"})
        switch_to(client, login, make_user(role=Role.TRAINER))
        client.get(f"/attempts/{attempt.id}")
    pages = {name: context for name, context in seen if name.startswith("assessment/")}
    assert set(pages) >= {
        "assessment/take.html",
        "assessment/confirm_submit.html",
        "assessment/in_progress.html",
    }
    for name, context in pages.items():
        assert not any(isinstance(value, QuizAttempt) for value in context.values()), name
        assert not hasattr(context["attempt"], "option_orders"), name
    for view in pages["assessment/take.html"]["questions"]:
        assert not key_words & set(view), view
