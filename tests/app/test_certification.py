"""Certifications through the pages: checklists, automatic and trainer issuing, approvals,
exam prerequisites, revocation, renewal, the command line, and bounded queries.

Each test gets a small content folder of its own (two quizzes, two certifications) and a
clock it can move.
"""

import re
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.assessment.models import QuizAttempt
from lms.audit import AuditEvent
from lms.catalog import current_catalog, store
from lms.certification import service
from lms.certification.models import Certificate, CertificationDecline, CertificationProgress
from lms.extensions import db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[2]


def quiz(quiz_id: str, pass_score: int = 60) -> dict:
    return {
        "id": quiz_id,
        "title": f"Quiz {quiz_id}",
        "pass_score": pass_score,
        "questions_per_attempt": 1,
        "cooldown": 0,
        "questions": [
            {
                "id": "q1",
                "type": "single",
                "topic": "basics",
                "prompt": "Which component receives a request first?",
                "options": [
                    {"id": "a", "text": "The database"},
                    {"id": "b", "text": "The load balancer", "correct": True},
                ],
                "explanation": "The load balancer sits in front.",
            }
        ],
    }


def curriculum(min_score: int = 60) -> dict:
    return {
        "certifications": [
            {
                "id": "basic",
                "title": "Basic",
                "level": 1,
                "valid_for_months": 6,
                "issue": "automatic",
                "description": "Pass the mini quiz.",
                "requires": [{"kind": "quiz", "quiz": "mini", "min_score": min_score}],
                "renew": [{"kind": "quiz", "quiz": "mini", "min_score": min_score}],
            },
            {
                "id": "advanced",
                "title": "Advanced",
                "level": 2,
                "valid_for_months": 12,
                "issue": "trainer",
                "exam": "final",
                "description": "Hold Basic, your manager's approval, then pass the final.",
                "requires": [
                    {"kind": "certification", "certification": "basic", "before_exam": True},
                    {"kind": "approval", "by": "manager", "before_exam": True},
                    {"kind": "quiz", "quiz": "final", "min_score": 80},
                ],
            },
        ]
    }


class Clock:
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
    (tmp_path / "curriculum.yml").write_text(yaml.safe_dump(curriculum()))
    (tmp_path / "quizzes").mkdir()
    for quiz_id in ("mini", "final"):
        (tmp_path / "quizzes" / f"{quiz_id}.yml").write_text(yaml.safe_dump(quiz(quiz_id)))
    return tmp_path


@pytest.fixture
def app_config(content_dir, clock):
    return {"LMS_CONTENT_DIR": str(content_dir), "LMS_NOW": clock}


@pytest.fixture
def people(make_user):
    trainer = make_user(email="trainer@example.com", role=Role.TRAINER, name="Tia Trainer")
    manager = make_user(email="boss@example.com", role=Role.MENTOR, name="Bo Boss")
    learner = make_user(
        email="lee@example.com", name="Lee Learner", manager_email="boss@example.com"
    )
    other = make_user(email="other@example.com", name="Oz Other")
    return {"trainer": trainer, "manager": manager, "learner": learner, "other": other}


def as_user(client, login, user):
    client.post("/logout")
    login(user)


def pass_quiz(client, quiz_id: str, right: bool = True) -> None:
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    attempt_url = response.headers["Location"]
    client.post(attempt_url, data={"action": "submit", "q-q1": "b" if right else "a"})


def certificates(user_id: int) -> list[Certificate]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.cycle)
        )
    )


def test_passing_the_quiz_issues_the_automatic_certificate_once(client, login, people):
    learner = people["learner"]
    login(learner)
    page = client.get("/certifications").get_data(as_text=True)
    assert "Basic" in page and "Not started" in page and "0 of 1 requirements met" in page
    detail = client.get("/certifications/basic").get_data(as_text=True)
    assert "Score at least 60% on Quiz mini" in detail and "Take the quiz" in detail
    pass_quiz(client, "mini")
    held = certificates(learner.id)
    assert [(c.certification_id, c.cycle) for c in held] == [("basic", 1)]
    assert held[0].issued_on == date(2026, 3, 2) and held[0].expires_on == date(2026, 9, 2)
    assert held[0].issued_by_id is None and held[0].curriculum_version
    assert held[0].counted == {"0": [f"attempt:{db.session.scalar(select(QuizAttempt.id))}"]}
    assert "Certified until Wed 2 Sep 2026" in client.get("/certifications").get_data(as_text=True)
    # Passing again issues nothing more.
    pass_quiz(client, "mini")
    assert len(certificates(learner.id)) == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("certificate.issue") == 1


def test_a_raised_min_score_after_issue_withdraws_nothing(client, login, people, runner):
    learner = people["learner"]
    login(learner)
    pass_quiz(client, "mini")
    content = current_catalog()
    assert content.curriculum.content_hash == certificates(learner.id)[0].curriculum_version
    store().root.joinpath("curriculum.yml").write_text(yaml.safe_dump(curriculum(min_score=95)))
    assert store().load() == []
    result = runner.invoke(args=["certifications", "recompute"])
    assert result.exit_code == 0, result.output
    assert "issued 0 certificate" in result.output
    held = certificates(learner.id)
    assert len(held) == 1 and held[0].revoked_at is None
    assert "Certified until Wed 2 Sep 2026" in client.get("/certifications").get_data(as_text=True)


def test_concurrent_refreshes_issue_once(app, people, clock):
    """Two events arriving together for the same person issue the certificate once."""
    learner = people["learner"]
    db.session.add(
        QuizAttempt(
            user_id=learner.id, quiz_id="mini", number=1, status="submitted", seed=1,
            content_hash="h", questions=[], option_orders={}, quiz_title="Q", review="never",
            pass_score=60, multiple_scoring="all_or_nothing", percent=100.0, passed=True,
            submitted_at=START,
        )
    )  # fmt: skip
    db.session.commit()
    errors = refresh_at_once(app, learner, date(2026, 3, 2))
    # SQLite may refuse the loser outright ("database is locked"); it must never duplicate.
    assert all("locked" in str(e) for e in errors), errors
    assert len(certificates(learner.id)) == 1


def refresh_at_once(app, learner, day: date) -> list[Exception]:
    """Evaluate one person in two threads at once, each with its own session (the two
    requests a pair of events makes); return what either raised."""
    user_type, learner_id = type(learner), learner.id
    barrier = threading.Barrier(2)
    errors = []

    def refresh():
        with app.app_context():
            try:
                person = db.session.get(user_type, learner_id)
                catalog = current_catalog()
                barrier.wait(timeout=10)
                service.refresh([person], catalog, day)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_exam_needs_its_prerequisites_then_the_trainer_issues(client, login, people):
    learner, manager, trainer = people["learner"], people["manager"], people["trainer"]
    login(learner)
    page = client.get("/quizzes/final").get_data(as_text=True)
    assert "Before you can start this exam" in page
    assert "Hold a valid Basic certificate" in page and "Approval from your manager" in page
    assert "Start attempt" not in page
    response = client.post("/quizzes/final/start", follow_redirects=True)
    assert "This exam cannot start yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0

    pass_quiz(client, "mini")
    client.post("/certifications/advanced/approvals/manager")
    assert "already asked" in client.post(
        "/certifications/advanced/approvals/manager", follow_redirects=True
    ).get_data(as_text=True)
    # The learner cannot decide their own request; another person gets a 404.
    approval_id = service.approvals_of(learner.id)[0].id
    assert client.post(f"/approvals/{approval_id}", data={"decision": "approve"}).status_code == 404
    as_user(client, login, people["other"])
    assert client.post(f"/approvals/{approval_id}", data={"decision": "approve"}).status_code == 404
    as_user(client, login, manager)
    waiting = client.get("/approvals").get_data(as_text=True)
    assert "Lee Learner" in waiting and "Advanced" in waiting
    client.post(f"/approvals/{approval_id}", data={"decision": "approve", "comment": "Go"})
    assert "Nothing is waiting" in client.get("/approvals").get_data(as_text=True)

    as_user(client, login, learner)
    assert "Start attempt 1" in client.get("/quizzes/final").get_data(as_text=True)
    pass_quiz(client, "final")
    assert [c.certification_id for c in certificates(learner.id)] == ["basic"]
    detail = client.get("/certifications/advanced").get_data(as_text=True)
    assert "3 of 3 met" in detail

    as_user(client, login, trainer)
    queue = client.get("/certifications/queue").get_data(as_text=True)
    assert "Lee Learner" in queue and "1 waiting" in queue
    url = f"/people/{learner.id}/certifications/advanced"
    client.post(f"{url}/decline", data={"reason": "Present your last incident review first."})
    assert "Nobody is waiting" in client.get("/certifications/queue").get_data(as_text=True)
    as_user(client, login, learner)
    assert "Present your last incident review first." in client.get(
        "/certifications/advanced"
    ).get_data(as_text=True)
    client.post("/certifications/advanced/ask-again")
    as_user(client, login, trainer)
    assert "Lee Learner" in client.get("/certifications/queue").get_data(as_text=True)
    page = client.post(f"{url}/issue", data={"note": "Well done"}, follow_redirects=True)
    assert "valid until Tue 2 Mar 2027." in page.get_data(as_text=True)
    issued = [c for c in certificates(learner.id) if c.certification_id == "advanced"]
    assert len(issued) == 1 and issued[0].issued_by_id == trainer.id
    assert issued[0].expires_on == date(2027, 3, 2) and issued[0].note == "Well done"
    assert "Nobody is waiting" in client.get("/certifications/queue").get_data(as_text=True)


def test_nobody_else_sees_a_learners_certification_pages(client, login, people):
    learner, other = people["learner"], people["other"]
    login(other)
    assert client.get(f"/people/{learner.id}/certifications/basic").status_code == 404
    assert client.get("/certifications/queue").status_code == 403
    as_user(client, login, people["manager"])
    assert client.get(f"/people/{learner.id}/certifications/basic").status_code == 200
    assert client.post(f"/people/{learner.id}/certifications/basic/issue").status_code == 403


def test_revoked_certificates_stay_revoked_until_issued_anew(client, login, people, runner):
    learner = people["learner"]
    login(learner)
    pass_quiz(client, "mini")
    held = certificates(learner.id)[0]
    as_user(client, login, people["trainer"])
    client.post(f"/certificates/{held.id}/revoke", data={"reason": "Exam taken by someone else"})
    assert certificates(learner.id)[0].revoked_on == date(2026, 3, 2)
    as_user(client, login, learner)
    assert "Revoked" in client.get("/certifications").get_data(as_text=True)
    pass_quiz(client, "mini")  # no automatic re-issue after a revocation
    assert len(certificates(learner.id)) == 1
    result = runner.invoke(args=["certifications", "revoke", held.code, "--reason", "again"])
    assert result.exit_code == 1 and "already revoked" in result.output
    result = runner.invoke(args=["certifications", "issue", "lee@example.com", "basic"])
    assert result.exit_code == 0, result.output
    assert [c.cycle for c in certificates(learner.id)] == [1, 2]


def test_renewal_inside_the_window_extends_from_the_old_expiry(client, login, people, clock):
    learner = people["learner"]
    login(learner)
    pass_quiz(client, "mini")  # issued 2026-03-02, expires 2026-09-02
    clock.advance(days=150)  # 2026-07-30: inside the 60-day window (opens 2026-07-04)
    page = client.get("/certifications/basic").get_data(as_text=True)
    print(page[page.find("<main") :])
    assert "Renewal is open until Wed 2 Sep 2026" in page and "0 of 1" in page
    pass_quiz(client, "mini")
    held = certificates(learner.id)
    assert [(c.cycle, c.issued_on, c.expires_on) for c in held] == [
        (1, date(2026, 3, 2), date(2026, 9, 2)),
        (2, date(2026, 7, 30), date(2027, 3, 2)),
    ]


def test_the_command_line_prints_a_checklist(runner, people):
    result = runner.invoke(args=["certifications", "status", "lee@example.com"])
    assert result.exit_code == 0, result.output
    assert "Basic (basic): not started" in result.output
    assert "[ ] Score at least 60% on Quiz mini: 0 of 1" in result.output
    assert runner.invoke(args=["certifications", "status", "nobody@example.com"]).exit_code == 1


def test_pages_run_a_bounded_number_of_queries(client, login, people, make_user, count_queries):
    trainer, learner = people["trainer"].email, people["learner"].email

    def measure():
        with count_queries() as mine:
            client.get("/certifications")
        as_user(client, login, trainer)
        with count_queries() as queue:
            client.get("/certifications/queue")
        as_user(client, login, learner)
        return len(mine), len(queue)

    login(learner)
    small = measure()
    for n in range(12):
        person = make_user(email=f"many{n}@example.com")
        db.session.add(
            CertificationProgress(
                user_id=person.id, certification_id="advanced", state="ready", met=3, total=3,
                due=True, renewing=False,
            )
        )  # fmt: skip
    db.session.commit()
    assert measure() == small


def test_the_shipped_on_call_exam_waits_for_the_managers_approval(make_user, login, client):
    """With the shipped curriculum: no start button and no attempt until the approval is in."""
    from lms.extensions import db as database

    store().root = REPO_ROOT
    assert store().load() == []
    manager = make_user(email="manager@example.com", role=Role.MENTOR)
    learner = make_user(email="oncall@example.com", manager_email=manager.email,
                        start_date=date(2025, 1, 6))  # fmt: skip
    login(learner)
    page = client.get("/quizzes/on-call-exam").get_data(as_text=True)
    assert "Before you can start this exam" in page
    assert "Approval from your manager" in page and "Start attempt" not in page
    response = client.post("/quizzes/on-call-exam/start", follow_redirects=True)
    assert "This exam cannot start yet" in response.get_data(as_text=True)
    assert database.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_the_ready_queue_opened_again_reads_the_user_and_the_stamp_only(
    client, login, people, make_user, count_queries
):
    """Kept while nothing is committed (lms.kept); a commit since shows."""
    person_id = make_user(email="rita@example.com", name="Ready Rita").id
    db.session.add(
        CertificationProgress(
            user_id=person_id, certification_id="advanced", state="ready", met=3, total=3,
            due=True, renewing=False,
        )
    )  # fmt: skip
    db.session.commit()
    login(people["trainer"])
    assert "Ready Rita" in client.get("/certifications/queue").get_data(as_text=True)
    with count_queries() as statements:
        assert "Ready Rita" in client.get("/certifications/queue").get_data(as_text=True)
    assert len(statements) == 2  # the user and the stamp: no progress row read
    assert not any("certification_progress" in statement for statement in statements)
    db.session.get(User, person_id).name = "Rita Renamed"
    db.session.commit()
    page = client.get("/certifications/queue").get_data(as_text=True)
    assert "Rita Renamed" in page and "Ready Rita" not in page


def test_a_ready_queue_row_links_the_checklist_and_escapes_what_people_typed(
    client, login, people, make_user
):
    person = make_user(email="odd@example.com", name="<b>Odd</b> & Co", team="R&D <i>")
    db.session.add(
        CertificationProgress(
            user_id=person.id, certification_id="advanced", state="ready", met=3, total=3,
            due=True, renewing=True, updated_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
        )
    )  # fmt: skip
    db.session.commit()
    login(people["trainer"])
    page = client.get("/certifications/queue").get_data(as_text=True)
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert f'href="/people/{person.id}/certifications/advanced"' in row
    assert "&lt;b&gt;Odd&lt;/b&gt; &amp; Co" in row and "<b>" not in row
    assert "R&amp;D &lt;i&gt;" in row
    assert "<td>renewal</td>" in row and "Mon 2 Mar 2026, 09:05 UTC" in row


def test_the_ready_queue_pages_longest_waiting_first(client, login, people, make_user):
    """Fifty to a page, oldest first; a declined request and a deactivated person stay out."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    waiting = []
    for n in range(57):
        person = make_user(email=f"ready{n}@example.com", name=f"Ready {n:02d}", team="SRE")
        waiting.append(person)
        db.session.add(
            CertificationProgress(
                user_id=person.id, certification_id="advanced", state="ready", met=3, total=3,
                due=True, renewing=False, updated_at=start + timedelta(hours=n),
            )
        )  # fmt: skip
    waiting[0].active = False
    db.session.add(
        CertificationDecline(user_id=waiting[1].id, certification_id="advanced", reason="Not yet")
    )
    db.session.commit()
    login(people["trainer"])
    first = client.get("/certifications/queue").get_data(as_text=True)
    assert "55 waiting" in first and len(re.findall(r">Ready \d\d<", first)) == 50
    assert "Ready 00" not in first and "Ready 01" not in first
    assert first.index("Ready 02") < first.index("Ready 03") < first.index("Ready 51")
    second = client.get("/certifications/queue?page=2").get_data(as_text=True)
    assert len(re.findall(r">Ready \d\d<", second)) == 5
    assert "Ready 52" in second and "Ready 56" in second
    assert client.get("/certifications/queue?page=3").status_code == 404
    team = client.get("/certifications/queue?team=sre").get_data(as_text=True)
    assert "55 waiting" in team
    assert "Nobody is waiting" in client.get("/certifications/queue?team=ops").get_data(
        as_text=True
    )
