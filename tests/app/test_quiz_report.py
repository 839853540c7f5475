"""Quiz reports for the training team: totals, chart, item statistics, CSV, query counts."""

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.assessment import attempts, rules, statistics
from lms.assessment.models import BAND_FIELDS, SUBMITTED, QuizAttempt, QuizTotal
from lms.catalog import current_catalog
from lms.extensions import db

QUIZ = "architecture-quiz"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"LMS_NOW": NOW}


@pytest.fixture
def trainer(make_user, login):
    user = make_user(role=Role.TRAINER)
    login(user)
    return user


def right_answer(question: dict, order: list[str]):
    """The response that scores 1 for a question dict."""
    kind = question["type"]
    if kind == "single":
        return next(o["id"] for o in question["options"] if o.get("correct"))
    if kind == "multiple":
        return [o["id"] for o in question["options"] if o.get("correct")]
    if kind == "true_false":
        return question["answer"]
    if kind == "numeric":
        return question.get("answer", (question.get("range") or [0])[0])
    if kind == "short":
        accepted = question.get("accepted") or ["?"]
        return accepted[0] if isinstance(accepted[0], str) else accepted[0]["text"]
    if kind == "matching":
        return {p["left"]: p["right"] for p in question["pairs"]}
    return list(question["items"])


def add_attempts(count: int, seed: int = 1) -> None:
    """Submitted attempts by `count` learners, each right on a random share of questions."""
    rng = random.Random(seed)
    quiz = current_catalog().quizzes[QUIZ]
    users = [
        User(email=f"l{seed}-{i}@example.com", name=f"L {i}", password_hash="x")
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    for user in users:
        attempt = attempts.start_attempt(user.id, quiz, now=NOW)
        skill = rng.random()
        responses = {
            q["id"]: right_answer(q, attempt.option_orders[q["id"]])
            for q in attempt.questions
            if rng.random() < skill
        }
        attempts.submit_attempt(attempt, responses, now=NOW + timedelta(minutes=5))
    db.session.commit()


def test_reports_need_view_reports(client, make_user, login):
    login(make_user())
    for url in (
        "/reports/quizzes",
        f"/reports/quizzes/{QUIZ}",
        f"/reports/quizzes/{QUIZ}/scores.svg",
        f"/reports/quizzes/{QUIZ}/items.csv",
    ):
        assert client.get(url).status_code == 403, url


def test_nav_shows_reports_to_staff_only(client, make_user, login, trainer):
    assert 'href="/reports"' in client.get("/quizzes").get_data(as_text=True)


def test_index_lists_every_quiz_with_attempts_and_pass_rate(client, trainer):
    add_attempts(8)
    html = client.get("/reports/quizzes").get_data(as_text=True)
    for quiz in current_catalog().quizzes.values():
        assert quiz.title in html
    totals = statistics.quiz_totals()[QUIZ]
    assert totals.attempts == 8 and totals.learners == 8
    assert f"{totals.pass_rate * 100:.0f}%" in html


def test_quiz_report_page_chart_and_csv(client, trainer):
    add_attempts(12)
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert "12</a> by 12 learners" in html
    assert f'<img class="img-fluid border" src="/reports/quizzes/{QUIZ}/scores.svg"' in html
    assert 'alt="Bar chart of attempts per score band: 0-10%:' in html
    chart = client.get(f"/reports/quizzes/{QUIZ}/scores.svg")
    assert chart.mimetype == "image/svg+xml"
    assert (
        chart.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    )
    svg = chart.get_data(as_text=True)
    assert "<svg" in svg and "<script" not in svg
    table = client.get(f"/reports/quizzes/{QUIZ}/items.csv")
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    report = statistics.quiz_report(QUIZ)
    assert len(rows) == len(report.items) > 0
    assert sum(int(r["times_served"]) for r in rows) == 12 * 20
    for row in rows:
        assert 0 <= float(row["facility"]) <= 1


def test_report_totals_histogram_and_items_match_the_attempts(trainer):
    add_attempts(30, seed=3)
    report = statistics.quiz_report(QUIZ)
    assert report.totals.attempts == 30 == sum(count for _, count in report.histogram)
    assert [label for label, _ in report.histogram][0] == "0-10"
    assert all(stat.times_served >= 1 for stat in report.items)
    flagged = {flag for stat in report.items for flag in stat.flags}
    assert flagged <= {
        "too_easy",
        "too_hard",
        "negative_discrimination",
        "low_discrimination",
        "few_responses",
    }


def test_empty_report(client, trainer):
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert "No submitted attempts yet." in html
    assert client.get(f"/reports/quizzes/{QUIZ}/scores.svg").status_code == 200
    assert client.get("/reports/quizzes/nope").status_code == 404


def test_report_pages_run_the_same_queries_at_1_and_200_attempts(
    client, login, trainer, count_queries
):
    def queries() -> dict[str, int]:
        login(trainer)
        counts = {}
        for url in (
            "/reports/quizzes",
            f"/reports/quizzes/{QUIZ}",
            f"/reports/quizzes/{QUIZ}/scores.svg",
            f"/reports/quizzes/{QUIZ}/items.csv",
            f"/reports/quizzes/{QUIZ}/attempts.csv",
        ):
            with count_queries() as statements:
                response = client.get(url)
                response.get_data()  # a streamed CSV runs its queries as it is read
                assert response.status_code == 200
            counts[url] = len(statements)
        return counts

    add_attempts(1, seed=10)
    few = queries()
    add_attempts(199, seed=11)
    assert queries() == few
    assert max(few.values()) <= 8  # the quiz page: totals, histogram, items, topics, attempts


def test_sql_item_sums_match_the_pure_statistics(app):
    """The report's SQL aggregation gives what the pure function gives from raw rows."""
    from sqlalchemy import select

    from lms.assessment import rules
    from lms.assessment.models import AttemptAnswer

    add_attempts(25, seed=3)
    rows = db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.score)
    ).all()
    expected = rules.item_statistics(rows)
    got = statistics.quiz_report(QUIZ).items
    assert [s.question_id for s in got] == [s.question_id for s in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.times_served == theirs.times_served
        assert mine.facility == pytest.approx(theirs.facility)
        if theirs.discrimination is None:
            assert mine.discrimination is None
        else:
            assert mine.discrimination == pytest.approx(theirs.discrimination, abs=1e-9)
        assert mine.flags == theirs.flags
    assert any(s.discrimination is not None for s in got)


def test_running_sums_equal_a_rebuild_from_the_answers(app, runner):
    """Sums added attempt by attempt at grading equal those recomputed from the answers."""
    from sqlalchemy import select

    from lms.assessment.models import QuestionStat

    def snapshot():
        rows = db.session.scalars(select(QuestionStat).order_by(QuestionStat.question_id))
        return [(r.question_id, r.served, round(r.score_sum, 9), r.paired, round(r.xy, 9))
                for r in rows]  # fmt: skip

    add_attempts(12, seed=5)
    incremental = snapshot()
    assert incremental and sum(row[1] for row in incremental) == 12 * 20
    result = runner.invoke(args=["quiz", "rebuild-stats"])
    assert result.exit_code == 0 and "Rebuilt statistics" in result.output
    db.session.expire_all()
    assert snapshot() == incremental


def test_attempts_list_counts_what_the_totals_count(client, trainer):
    """The list holds every graded attempt the totals count (a learner who left too), and
    passed plus not passed make all, page by page."""
    add_attempts(60)
    leaver = db.session.scalar(db.select(User).where(User.email == "l1-0@example.com"))
    leaver.active = False
    db.session.commit()
    totals = statistics.quiz_report(QUIZ).totals
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert f"<p>{totals.attempts} attempts." in html and html.count("#1</a>") == 50
    last = client.get(f"/reports/quizzes/{QUIZ}?page=2").get_data(as_text=True)
    assert last.count("#1</a>") == 10 and "L 0</a>" in html + last

    def listed(passed: str) -> int:
        page = client.get(f"/reports/quizzes/{QUIZ}?passed={passed}").get_data(as_text=True)
        count = int(page.split('id="attempts"')[1].split("<p>")[1].split(" attempt")[0])
        return count

    assert listed("yes") == totals.passed
    assert listed("no") == totals.attempts - totals.passed
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/quizzes/{QUIZ}/attempts.csv").text)))
    assert len(rows) == 1 + totals.attempts


def totals_from_the_attempts() -> dict[str, dict]:
    """Each quiz's totals counted afresh from its submitted attempts, in Python."""
    counted: dict[str, dict] = {}
    rows = db.session.execute(
        select(QuizAttempt.quiz_id, QuizAttempt.user_id, QuizAttempt.percent, QuizAttempt.passed)
        .where(QuizAttempt.status == SUBMITTED)
    )  # fmt: skip
    for quiz_id, user_id, percent, passed in rows:
        quiz = counted.setdefault(
            quiz_id, {"attempts": 0, "passed": 0, "learners": set(), "percents": []}
        )
        quiz["attempts"] += 1
        quiz["passed"] += bool(passed)
        quiz["learners"].add(user_id)
        quiz["percents"].append(percent)
    return {
        quiz_id: {
            "attempts": quiz["attempts"],
            "passed": quiz["passed"],
            "learners": len(quiz["learners"]),
            "scored": len(quiz["percents"]),
            "percent_sum": pytest.approx(sum(quiz["percents"]), rel=1e-12),
            "bands": rules.score_histogram(quiz["percents"]),
        }
        for quiz_id, quiz in counted.items()
    }


def stored_totals() -> dict[str, dict]:
    """The running totals as stored, in the shape `totals_from_the_attempts` gives."""
    db.session.expire_all()
    return {
        row.quiz_id: {
            "attempts": row.attempts,
            "passed": row.passed,
            "learners": row.learners,
            "scored": row.scored,
            "percent_sum": row.percent_sum,
            "bands": list(
                zip(statistics.BAND_LABELS, (getattr(row, b) for b in BAND_FIELDS), strict=True)
            ),
        }
        for row in db.session.scalars(select(QuizTotal))
    }


def test_stored_totals_equal_a_count_from_the_attempts(client, trainer):
    """The totals added to attempt by attempt at grading (passes and fails, a learner's second
    attempt, an attempt closed at its deadline, an open one, a learner who left) equal those
    counted from the attempts, and what `quiz rebuild-stats` recomputes; the report shows them."""
    quiz = current_catalog().quizzes[QUIZ]
    assert stored_totals() == {}
    add_attempts(9, seed=21)
    assert {t["passed"] for t in stored_totals().values()} != {0}  # some passed, some failed
    assert stored_totals() == totals_from_the_attempts()

    first = db.session.scalar(db.select(User).where(User.email == "l21-0@example.com"))
    later = NOW + timedelta(hours=3)  # past the quiz's cooldown: a second attempt
    again = attempts.start_attempt(first.id, quiz, now=later)
    attempts.submit_attempt(again, {}, now=later + timedelta(minutes=1))  # nothing right: fails
    attempts.start_attempt(  # left open: not counted
        db.session.scalar(db.select(User.id).where(User.email == "l21-1@example.com")),
        quiz,
        now=later,
    )
    attempts.start_attempt(  # runs out of time: graded when closed
        db.session.scalar(db.select(User.id).where(User.email == "l21-2@example.com")),
        quiz,
        now=later,
    )
    db.session.commit()
    closed = attempts.close_expired(
        quiz_id=QUIZ, now=later + timedelta(minutes=quiz.time_limit, seconds=31)
    )
    assert closed == 2  # both of those ran out of time
    fresh = attempts.start_attempt(first.id, quiz, now=later + timedelta(hours=2))
    db.session.commit()
    assert db.session.get(QuizAttempt, fresh.id).status == "open"  # open: not counted
    leaver = db.session.get(User, first.id)
    leaver.active = False
    db.session.commit()

    expected = totals_from_the_attempts()[QUIZ]
    assert expected["attempts"] == 12 and expected["learners"] == 9
    assert stored_totals() == totals_from_the_attempts()

    report = statistics.quiz_report(QUIZ)
    assert (report.totals.attempts, report.totals.passed, report.totals.learners) == (
        12, expected["passed"], 9,
    )  # fmt: skip
    assert report.totals.mean_percent == pytest.approx(stored_totals()[QUIZ]["percent_sum"] / 12)
    assert report.histogram == expected["bands"]
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert "12</a> by 9 learners" in html
    assert f"{expected['passed']}</a> of 12, pass mark 80%" in html
    assert f'<dd class="col-sm-9">{report.totals.mean_percent:.1f}%</dd>' in html
    alt = "; ".join(f"{label}%: {count}" for label, count in expected["bands"])
    assert f"attempts per score band: {alt}." in html
    assert "<p>12 attempts." in html
    index = client.get("/reports/quizzes").get_data(as_text=True)
    assert '#attempts">12</a></td>\n      <td class="text-end">9</td>' in index

    incremental = stored_totals()
    db.session.execute(db.delete(QuizTotal))
    db.session.commit()
    assert statistics.rebuild_quiz_totals() == 1
    db.session.commit()
    assert stored_totals() == incremental


def test_question_tables_follow_the_statistics(client, trainer):
    """The topics and questions tables, drawn once per quiz version and statistics, change as
    soon as an attempt is graded, and show a question no longer in the quiz apart."""
    import re

    from lms.assessment.models import QuestionStat

    def served() -> int:
        html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
        questions = html.split(">Questions</h2>")[1]
        return sum(int(n) for n in re.findall(r'<td class="text-end">(\d+)</td>\n', questions))

    add_attempts(3, seed=31)
    assert served() == 3 * 20
    add_attempts(2, seed=32)
    assert served() == 5 * 20
    db.session.add(QuestionStat(quiz_id=QUIZ, question_id="gone-question", served=4, score_sum=1))
    db.session.commit()
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert '<code>gone-question</code> <span class="text-muted">(no longer in the quiz)' in html
    assert '<tr><td>(removed questions)</td><td class="text-end">4</td>' in html
    assert served() == 5 * 20 + 4
