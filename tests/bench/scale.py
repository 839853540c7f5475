"""Time the heaviest pages on PostgreSQL at the design's scale (not part of the test suite).

    .venv/bin/python -m tests.bench.scale [--learners 10000] [--attempts-per-learner 5]
                                          [--only PART-OF-A-URL]

Starts a throw-away PostgreSQL, migrates it, fills it with learners, onboarding
plans, reading marks and submitted quiz attempts of 20 answers each (10,000
learners x 5 attempts = a million answers), labs, evidence, certificates and
certification progress (a mentor and a manager for each hundred learners), then
requests each page several times through the app and prints the median time and
the number of SQL queries.
"""

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import event, insert, text, update

from lms import create_app
from lms.accounts.models import User
from lms.assessment.models import AttemptAnswer, QuizAttempt
from lms.assessment.statistics import rebuild_question_stats, rebuild_quiz_totals
from lms.catalog import current_catalog
from lms.certification import service as certification_service
from lms.certification.models import Certificate, CertificationProgress
from lms.extensions import db
from lms.learning.models import DocumentRead, SectionRead
from lms.onboarding import service as onboarding
from lms.onboarding.models import TrackAssignment
from lms.practice.models import Evidence, LabSubmission
from tests.conftest import base_config
from tests.pgserver import throwaway_postgres

PASSWORD = "bench-password-1"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def fill(learners: int, attempts_per_learner: int) -> None:
    """Bulk-insert the data set (core inserts, in chunks)."""
    from lms.accounts.service import hash_password

    content = current_catalog()
    hashed = hash_password(PASSWORD)
    users = [
        {"email": f"learner{i}@example.com", "name": f"Learner {i}", "password_hash": hashed,
         "role": "learner", "active": True, "created_at": NOW}
        for i in range(learners)
    ]  # fmt: skip
    users.append({"email": "trainer@example.com", "name": "Trainer", "password_hash": hashed,
                  "role": "trainer", "active": True, "created_at": NOW})  # fmt: skip
    db.session.execute(insert(User), users)
    ids = list(db.session.scalars(text("SELECT id FROM \"user\" WHERE role = 'learner'")))
    rng = random.Random(1)
    start = date(2026, 11, 2)
    starts = [start + timedelta(days=rng.randrange(28)) for _ in ids]
    db.session.execute(
        insert(TrackAssignment),
        [{"user_id": i, "track_id": "new-hire", "start_date": day, "assigned_at": NOW}
         for i, day in zip(ids, starts, strict=True)],
    )  # fmt: skip
    docs = list(content.documents)
    db.session.execute(
        insert(DocumentRead),
        [{"user_id": i, "doc_id": d, "read_at": NOW} for i in ids for d in rng.sample(docs, 3)],
    )
    module = content.modules["production-system-architecture"]
    db.session.execute(
        insert(SectionRead),
        [{"user_id": i, "module_id": module.id, "section_slug": s.slug, "read_at": NOW}
         for i in ids for s in module.sections[: rng.randrange(len(module.sections) + 1)]],
    )  # fmt: skip
    quiz = content.quizzes["architecture-quiz"]
    pool = [q.model_dump(exclude_none=True) for q in quiz.questions]
    for chunk in range(0, len(ids), 500):
        attempts = []
        for user_id in ids[chunk : chunk + 500]:
            for number in range(1, attempts_per_learner + 1):
                served = rng.sample(pool, 20)
                attempts.append({
                    "user_id": user_id, "quiz_id": quiz.id, "number": number,
                    "status": "submitted", "seed": rng.randrange(2**31),
                    "content_hash": quiz.content_hash, "questions": served, "option_orders": {},
                    "quiz_title": quiz.title, "review": quiz.review, "pass_score": quiz.pass_score,
                    "multiple_scoring": quiz.multiple_scoring, "started_at": NOW,
                    "submitted_at": NOW, "ended_by": "learner",
                    "percent": float(rng.randrange(0, 101, 5)), "passed": rng.random() < 0.6,
                })  # fmt: skip
        rows = db.session.execute(
            insert(QuizAttempt).returning(QuizAttempt.id, QuizAttempt.questions), attempts
        ).all()
        db.session.execute(
            insert(AttemptAnswer),
            [{"attempt_id": attempt_id, "question_id": q["id"], "position": k, "points": 1,
              "response": None, "score": float(rng.random() < 0.7)}
             for attempt_id, served in rows for k, q in enumerate(served)],
        )  # fmt: skip
        db.session.commit()
    fill_practice_and_certificates(ids, rng, hashed)
    # the attempts went in directly, so build the statistics' running totals as a rebuild would
    rebuild_quiz_totals()
    rebuild_question_stats()
    # and count the onboarding plans as the events that went around them would have
    onboarding.refresh_all_progress(content)
    # and the certification pipeline's stored counts from the progress rows
    certification_service.recount_pipeline()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def fill_practice_and_certificates(ids: list[int], rng: random.Random, hashed: str) -> None:
    """Mentors and managers (one of each per hundred learners), two labs and three pieces of
    evidence per learner, certificates (issued over the past two years, some expiring within
    90 days) and a certification progress row per learner and certification."""
    content = current_catalog()
    staff = []
    for n in range(len(ids) // 100 or 1):
        for kind in ("mentor", "manager"):
            staff.append({"email": f"{kind}{n}@example.com", "name": f"{kind.title()} {n}",
                          "password_hash": hashed, "role": "mentor" if kind == "mentor"
                          else "learner", "active": True, "created_at": NOW})  # fmt: skip
    db.session.execute(insert(User), staff)
    mentors = list(db.session.scalars(text("SELECT id FROM \"user\" WHERE email LIKE 'mentor%'")))
    managers = list(db.session.scalars(text("SELECT id FROM \"user\" WHERE email LIKE 'manager%'")))
    db.session.execute(
        update(User),
        [{"id": user_id, "mentor_id": mentors[k // 100 % len(mentors)],
          "manager_id": managers[k // 100 % len(managers)], "team": f"Team {k % 20}",
          "start_date": date(2026, 11, 2) - timedelta(days=k % 700)}
         for k, user_id in enumerate(ids)],
    )  # fmt: skip
    labs = list(content.labs.values())[:2]
    db.session.execute(
        insert(LabSubmission),
        [{"user_id": i, "lab_id": lab.id, "number": 1,
          "status": rng.choice(["passed", "submitted", "returned"]), "lab_title": lab.title,
          "content_hash": "bench", "time_limit": 60, "checkpoints": [], "answers": {},
          "started_at": NOW, "submitted_at": NOW}
         for i in ids for lab in labs],
    )  # fmt: skip
    kinds = [k.id for k in content.curriculum.evidence_kinds]
    db.session.execute(
        insert(Evidence),
        [{"user_id": i, "kind": rng.choice(kinds), "happened_on": date(2026, 10, 1 + n),
          "title": f"Evidence {n}", "reference": f"REF-{i}-{n}", "description": "",
          "status": rng.choice(["pending", "verified"]), "logged_at": NOW}
         for i in ids for n in range(3)],
    )  # fmt: skip
    certifications = content.curriculum.certifications
    today = NOW.date()
    certificates, progress = [], []
    for i in ids:
        for certification in certifications:
            roll = rng.random()
            if roll < 0.3:
                issued = today - timedelta(days=rng.randrange(730))
                expires = issued + timedelta(days=365)
                certificates.append({
                    "user_id": i, "certification_id": certification.id, "cycle": 1,
                    "code": f"B-{i}-{certification.id}", "issued_on": issued,
                    "expires_on": expires, "issued_at": NOW, "title": certification.title,
                    "level": certification.level, "curriculum_version": "bench",
                    "definition_hash": "bench", "counted": {}, "note": "",
                })  # fmt: skip
                state = "certified" if expires > today else "expired"
            else:
                state = rng.choice(["not_started", "in_progress", "in_progress", "ready"])
                expires = None
            total = len(certification.requires)
            progress.append({
                "user_id": i, "certification_id": certification.id, "state": state,
                "met": total if state in ("certified", "ready") else rng.randrange(total),
                "total": total, "due": state == "ready", "renewing": False,
                "expires_on": expires, "updated_at": NOW,
            })  # fmt: skip
    for chunk in range(0, len(certificates), 5000):
        db.session.execute(insert(Certificate), certificates[chunk : chunk + 5000])
    for chunk in range(0, len(progress), 5000):
        db.session.execute(insert(CertificationProgress), progress[chunk : chunk + 5000])
    db.session.commit()


def time_pages(app, engine, pages: list[tuple[str, str]], repeat: int = 5) -> None:
    """Print the median time and the query count of each page (each request in its own
    app context, as in production)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    for who, url in pages:
        client = app.test_client()
        client.post("/login", data={"email": who, "password": PASSWORD})
        timings = []
        for _ in range(repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()  # a streamed CSV is written as it is read
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        median = statistics.median(timings) * 1000
        print(f"{url:45} {median:8.1f} ms  {len(statements):3} queries  ({who})")
    event.remove(engine, "before_cursor_execute", count)


PAGES = [
    ("learner7@example.com", "/home"),
    ("learner7@example.com", "/modules/"),
    ("learner7@example.com", "/modules/production-system-architecture"),
    ("learner7@example.com", "/quizzes"),
    ("learner7@example.com", "/quizzes/architecture-quiz"),
    ("trainer@example.com", "/onboarding/team"),
    ("trainer@example.com", "/certifications/queue"),
    ("trainer@example.com", "/reviews"),
    ("trainer@example.com", "/evidence/to-verify"),
    ("trainer@example.com", "/reports/quizzes"),
    ("trainer@example.com", "/reports/quizzes/architecture-quiz"),
    ("trainer@example.com", "/admin/users"),
    ("trainer@example.com", "/reports"),
    ("trainer@example.com", "/reports/onboarding"),
    ("trainer@example.com", "/reports/certifications"),
    ("trainer@example.com", "/reports/certifications?sort=cert:associate&dir=desc"),
    ("trainer@example.com", "/reports/certifications/held.svg"),
    ("trainer@example.com", "/reports/expirations"),
    ("trainer@example.com", "/people/LEARNER7/record"),
    ("trainer@example.com", "/reports/onboarding.csv"),
    ("trainer@example.com", "/reports/certifications.csv"),
    ("mentor3@example.com", "/home"),
    ("mentor3@example.com", "/reports/onboarding"),
    ("manager3@example.com", "/reports/certifications"),
]


def main() -> None:
    """Fill a throw-away PostgreSQL and time the pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--attempts-per-learner", type=int, default=5)
    parser.add_argument("--only", default="", help="time only the pages whose URL has this")
    args = parser.parse_args()
    with throwaway_postgres() as url:
        config = {**base_config(url), "TESTING": False, "LMS_NOW": NOW}
        app = create_app(config)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            fill(args.learners, args.attempts_per_learner)
            answers = db.session.scalar(text("SELECT count(*) FROM attempt_answer"))
            print(f"filled {args.learners} learners, {answers} answers "
                  f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
            db.session.remove()
            engine = db.engine
        with app.app_context():
            learner7 = db.session.scalar(
                text("SELECT id FROM \"user\" WHERE email = 'learner7@example.com'")
            )
            db.session.remove()
        pages = [
            (who, url.replace("LEARNER7", str(learner7))) for who, url in PAGES if args.only in url
        ]
        time_pages(app, engine, pages)
        engine.dispose()


if __name__ == "__main__":
    main()
