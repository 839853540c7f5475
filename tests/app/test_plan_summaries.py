"""Plans counted in SQL (`onboarding.plan_summaries`, what the onboarding report lists for
thousands of people) agree with the plans laid out item by item (`onboarding.plans_for`,
what the hire's own plan page shows), on varied progress and on both databases."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.assessment.models import AttemptStatus, QuizAttempt
from lms.catalog import current_catalog
from lms.extensions import db
from lms.learning.models import DocumentRead, SectionRead
from lms.onboarding import service as onboarding
from lms.onboarding.models import PlanItemDone, TrackAssignment
from lms.practice.models import LabSubmission, SubmissionStatus

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def _attempt(user_id: int, quiz_id: str, number: int, passed: bool) -> QuizAttempt:
    return QuizAttempt(
        user_id=user_id, quiz_id=quiz_id, number=number, status=AttemptStatus.SUBMITTED,
        seed=1, content_hash="h", questions=[], option_orders={}, quiz_title=quiz_id,
        review="after", pass_score=80, multiple_scoring="all", passed=passed,
        submitted_at=NOW, percent=100.0 if passed else 10.0,
    )  # fmt: skip


def _lab(user_id: int, lab_id: str, number: int, status: SubmissionStatus) -> LabSubmission:
    return LabSubmission(
        user_id=user_id, lab_id=lab_id, number=number, status=status, lab_title=lab_id,
        content_hash="h", time_limit=60, checkpoints=[],
    )  # fmt: skip


def _progress(rng: random.Random, user: User, track, catalog) -> None:
    """Random progress on the track's items, plus reading the plan does not count."""
    items = {i.key: i for _, _, week in onboarding.plan_items(track, catalog) for i in week}
    for item in items.values():
        roll = rng.random()
        if item.kind == "doc" and roll < 0.5:
            db.session.add(DocumentRead(user_id=user.id, doc_id=item.ref))
        elif item.kind == "module":
            module = catalog.modules[item.ref]
            slugs = sorted(module.section_slugs)[: None if roll < 0.6 else -1]
            for slug in slugs:
                db.session.add(SectionRead(user_id=user.id, module_id=item.ref, section_slug=slug))
            # a mark left behind by a section that no longer exists never counts
            db.session.add(SectionRead(user_id=user.id, module_id=item.ref, section_slug="gone"))
            if module.quiz and rng.random() < 0.7:
                db.session.add(_attempt(user.id, module.quiz, 1, passed=False))
                db.session.add(_attempt(user.id, module.quiz, 2, passed=rng.random() < 0.8))
        elif item.kind == "lab" and roll < 0.6:
            first = SubmissionStatus.RETURNED if rng.random() < 0.5 else SubmissionStatus.PASSED
            db.session.add(_lab(user.id, item.ref, 1, first))
            if first == SubmissionStatus.RETURNED:
                status = rng.choice([SubmissionStatus.SUBMITTED, SubmissionStatus.DRAFT])
                db.session.add(_lab(user.id, item.ref, 2, status))
        elif item.kind == "task" and roll < 0.5:
            db.session.add(PlanItemDone(user_id=user.id, track_id=track.id, item_key=item.key))


def test_counts_in_sql_match_the_plans_laid_out(app, make_user):
    catalog = current_catalog()
    tracks = onboarding.weekly_tracks(catalog)
    rng = random.Random(7)
    people = []
    for n in range(24):
        person = make_user(name=f"Hire {n}")
        track = tracks[n % len(tracks)]
        start = TODAY + timedelta(days=rng.randrange(-60, 10))
        db.session.add(TrackAssignment(user_id=person.id, track_id=track.id, start_date=start))
        if n % 5:  # every fifth hire has done nothing yet
            _progress(rng, person, track, catalog)
        people.append(person)
    # a task ticked on another track never counts on this one
    db.session.add(
        PlanItemDone(user_id=people[0].id, track_id="elsewhere", item_key="task:anything")
    )
    people[1].active = False  # inactive people have no plan in reports
    db.session.commit()

    ids = [p.id for p in people]
    summaries = onboarding.plan_summaries(catalog, TODAY, select(User.id).where(User.id.in_(ids)))
    plans = onboarding.plans_for(catalog, TODAY, ids)
    assert len(summaries) == len(plans) == len(people) - 1
    expected = {}
    for plan in plans:
        wp = plan.week_plan
        overdue = wp.overdue
        expected[(plan.user.id, plan.track.id)] = (
            plan.assignment.start_date,
            min(max(wp.current_week, 0), wp.week_count),
            wp.week_count,
            wp.done,
            wp.total,
            sum(1 for s in wp.items if s.state == "due"),
            len(overdue),
            max(((TODAY - s.due).days for s in overdue), default=0),
        )
    got = {
        (s.user_id, s.track_id): (
            s.start,
            s.week,
            s.weeks,
            s.done,
            s.total,
            s.due,
            s.overdue,
            s.days_behind,
        )  # fmt: skip
        for s in summaries
    }
    assert got == expected
    # the data is varied enough to mean something
    assert {v[3] > 0 for v in got.values()} == {True, False}
    assert {v[6] > 0 for v in got.values()} == {True, False}
    assert any(v[5] for v in got.values())


def test_one_track_only(app, make_user):
    catalog = current_catalog()
    first, second = onboarding.weekly_tracks(catalog)[:2]
    person = make_user()
    for track in (first, second):
        db.session.add(TrackAssignment(user_id=person.id, track_id=track.id, start_date=TODAY))
    db.session.commit()
    people = select(User.id).where(User.id == person.id)
    assert {s.track_id for s in onboarding.plan_summaries(catalog, TODAY, people)} == {
        first.id,
        second.id,
    }
    assert [s.track_id for s in onboarding.plan_summaries(catalog, TODAY, people, second.id)] == [
        second.id
    ]
