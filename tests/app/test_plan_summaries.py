"""Plans counted in SQL (`onboarding.plan_summaries`, what the onboarding report lists for
thousands of people) agree with the plans laid out item by item (`onboarding.plans_for`,
what the hire's own plan page shows), on varied progress and on both databases."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from lms import events
from lms.accounts.models import Role, User
from lms.assessment.models import AttemptStatus, QuizAttempt
from lms.catalog import current_catalog
from lms.extensions import db
from lms.learning import service as learning
from lms.learning.models import DocumentRead, SectionRead
from lms.onboarding import service as onboarding
from lms.onboarding.models import PlanItemDone, PlanProgress, TrackAssignment
from lms.practice.models import LabSubmission, SubmissionStatus
from lms.reports import service as reports

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


def _varied_plans(make_user) -> list[User]:
    """24 hires on the weekly tracks with varied progress, one inactive; committed."""
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
    return people


def _expected(plans) -> dict:
    """What each plan laid out item by item counts, as the summaries count it."""
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
    return expected


def _counted(summaries) -> dict:
    return {
        (s.user_id, s.track_id): (s.start, s.week, s.weeks, s.done, s.total, s.due, s.overdue,
                                  s.days_behind)
        for s in summaries
    }  # fmt: skip


def test_counts_in_sql_match_the_plans_laid_out(app, make_user):
    catalog = current_catalog()
    people = _varied_plans(make_user)
    ids = [p.id for p in people]
    summaries = onboarding.plan_summaries(catalog, TODAY, select(User.id).where(User.id.in_(ids)))
    plans = onboarding.plans_for(catalog, TODAY, ids)
    assert len(summaries) == len(plans) == len(people) - 1
    got = _counted(summaries)
    assert got == _expected(plans)
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


# --- the stored rows (PlanProgress) --------------------------------------------------------------


def _stored_rows() -> dict:
    return {
        (row.user_id, row.track_id): (row.layout, row.done, row.open_items, row.first_due)
        for row in db.session.scalars(select(PlanProgress))
    }


def test_stored_counts_match_the_plans_laid_out(app, make_user):
    """Rows written by a refresh count the same as the plans laid out item by item; a plan
    without a current row (never counted, or counted against other content) is counted
    afresh, so the answer stays right."""
    catalog = current_catalog()
    people = _varied_plans(make_user)
    ids = [p.id for p in people]
    plans = onboarding.plans_for(catalog, TODAY, ids)
    assert onboarding.refresh_all_progress(catalog) == len(people)  # the inactive one too
    db.session.commit()
    in_sql = select(User).where(User.id.in_(ids))

    def stored():
        return _counted(s for s, _ in onboarding.stored_summaries(catalog, TODAY, in_sql))

    assert stored() == _expected(plans)
    # other content, or no row at all: counted afresh
    db.session.execute(
        update(PlanProgress).where(PlanProgress.user_id == ids[2]).values(layout="before")
    )
    db.session.execute(delete(PlanProgress).where(PlanProgress.user_id == ids[3]))
    assert stored() == _expected(plans)
    # and only the plans of one track when asked
    track = plans[0].track.id
    only = onboarding.stored_summaries(catalog, TODAY, in_sql, track)
    assert {s.track_id for s, _ in only} == {track}


def test_team_lines_match_the_plans_laid_out(app, make_user):
    """Team plans reads stored rows: the same overdue items, week, done and next item as the
    plan laid out item by item (and the same again for a plan without a current row)."""
    catalog = current_catalog()
    people = _varied_plans(make_user)
    onboarding.refresh_all_progress(catalog)
    db.session.execute(delete(PlanProgress).where(PlanProgress.user_id == people[4].id))
    db.session.commit()
    plans = {
        (p.user.id, p.track.id): p.week_plan
        for p in onboarding.plans_for(catalog, TODAY, [p.id for p in people])
    }
    lines, total = onboarding.team_plans(catalog, TODAY)
    assert total == len(lines) == len(plans)
    for line in lines:
        wp, c = plans[line.user.id, line.track.id], line.counts
        assert c.overdue_titles == tuple(s.item.title for s in wp.overdue)
        assert c.overdue == len(wp.overdue)
        assert c.next_title == (wp.next_item.item.title if wp.next_item else None)
        assert (c.current_week, c.week_count, c.start) == (wp.current_week, wp.week_count, wp.start)
        assert (c.done, c.total, c.percent) == (wp.done, wp.total, wp.percent)
    assert {bool(line.counts.overdue) for line in lines} == {True, False}


@pytest.mark.parametrize("overdue_only", [False, True])
def test_report_sorted_in_sql_as_in_python(app, make_user, overdue_only):
    """The report page sorts and pages in SQL; every sort gives the order the rows sorted in
    Python give, and the same people behind."""
    catalog = current_catalog()
    people = _varied_plans(make_user)
    teams = ["Ops", "dev", None]
    for n, person in enumerate(people):
        person.team = teams[n % 3]
        person.mentor_id = people[(n * 7) % len(people)].id if n % 4 else None
    db.session.commit()
    onboarding.refresh_all_progress(catalog)
    db.session.commit()
    viewer = make_user(role=Role.TRAINER)
    filters = reports.Filters(overdue_only=overdue_only)
    for sort in reports.ONBOARDING_SORTS:
        for descending in (False, True):
            rows = reports.onboarding_status(
                viewer, catalog, TODAY, filters, sort=sort, descending=descending
            )
            page = reports.onboarding_page(
                viewer, catalog, TODAY, filters, 1, sort=sort, descending=descending
            )
            assert page.rows == rows, (sort, descending)
            behind = sorted((r for r in rows if r.overdue), key=reports.ONBOARDING_SORTS["behind"])
            assert (page.behind, page.behind_count) == (behind[:5], len(behind))
    # a plan counted against other content: the page counts every plan afresh, as before
    db.session.execute(
        update(PlanProgress).where(PlanProgress.user_id == people[5].id).values(layout="before")
    )
    rows = reports.onboarding_status(viewer, catalog, TODAY, filters)
    assert reports.onboarding_page(viewer, catalog, TODAY, filters, 1).rows == rows


def test_events_keep_the_stored_rows_in_step(app, make_user):
    """Whatever changes a plan refreshes its stored row: assigning, reading (and unreading),
    ticking, replacing and removing a track."""
    catalog = current_catalog()
    person = make_user()
    track = onboarding.weekly_tracks(catalog)[0]
    other = onboarding.weekly_tracks(catalog)[1]
    items = [i for _, _, week in onboarding.plan_items(track, catalog) for i in week]

    def fresh() -> dict:
        stored = _stored_rows()
        onboarding.refresh_progress([person.id], catalog)
        return stored

    onboarding.assign_track(person, track.id, TODAY - timedelta(days=9), catalog)
    assert fresh() == _stored_rows() and len(_stored_rows()) == 1
    doc = next(i for i in items if i.kind == "doc")
    learning.set_document_read(person, catalog, doc.ref, True)
    assert fresh() == _stored_rows()
    (before,) = _stored_rows().values()
    module = next(i for i in items if i.kind == "module")
    for section in catalog.modules[module.ref].sections:
        learning.set_section_read(person, catalog, module.ref, section.slug, True)
    assert fresh() == _stored_rows()
    learning.set_section_read(person, catalog, module.ref, section.slug, False)
    assert fresh() == _stored_rows()
    task = next((i for i in items if i.kind == "task"), None)
    if task is not None:
        onboarding.set_item_done(person, track.id, task.key, catalog, True)
        assert fresh() == _stored_rows()
    learning.set_document_read(person, catalog, doc.ref, False)
    assert fresh() == _stored_rows()
    (after,) = _stored_rows().values()
    assert after[1] == before[1] - 1 + (task is not None)
    # a passed quiz completes a module; a lab waits for review, then passes
    quizzed = [i for i in items if i.kind == "module" and catalog.modules[i.ref].quiz]
    labs = [i for i in items if i.kind == "lab"]
    assert quizzed and labs  # the shipped track has both
    module = catalog.modules[quizzed[0].ref]
    for section in module.sections:
        learning.set_section_read(person, catalog, module.id, section.slug, True)
    attempt = _attempt(person.id, module.quiz, 1, passed=True)
    db.session.add(attempt)
    db.session.flush()
    events.quiz_graded.send(user_id=person.id, attempt=attempt)
    assert fresh() == _stored_rows()
    submission = _lab(person.id, labs[0].ref, 1, SubmissionStatus.SUBMITTED)
    db.session.add(submission)
    db.session.flush()
    events.lab_submitted.send(user_id=person.id, submission=submission)
    assert fresh() == _stored_rows()
    submission.status = SubmissionStatus.PASSED
    db.session.flush()
    events.lab_reviewed.send(user_id=person.id, submission=submission)
    assert fresh() == _stored_rows()
    (latest,) = _stored_rows().values()
    assert latest[1] == after[1] + 2
    onboarding.replace_track(person, track.id, other.id, TODAY, catalog)
    assert set(_stored_rows()) == {(person.id, other.id)}
    assert fresh() == _stored_rows()
    onboarding.remove_track(person, other.id)
    assert _stored_rows() == {}


def test_report_and_team_queries_do_not_grow(app, client, login, make_user, count_queries):
    """With stored rows, the report and Team plans ask a fixed number of questions."""
    catalog = current_catalog()
    trainer = make_user(role=Role.TRAINER)
    login(trainer)
    track = onboarding.weekly_tracks(catalog)[0]

    def hires(n: int) -> None:
        for _ in range(n):
            person = make_user()
            onboarding.assign_track(person, track.id, TODAY - timedelta(days=n), catalog)
        db.session.commit()

    def queries(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = ["/reports/onboarding", "/reports/onboarding?sort=overdue&overdue=1&page=2",
            "/onboarding/team"]  # fmt: skip
    hires(2)
    few = [queries(url) for url in urls]
    hires(60)
    assert [queries(url) for url in urls] == few
    # the report: the user, the database's stamp (lms.kept), the page with its totals, the
    # filter menus, and the five furthest behind when the page does not start with them;
    # Team plans: the user, the stamp, then the page with its count
    assert few[0] <= 5 and few[1] <= 6 and few[2] == 3
    # opened again with nothing committed: the user and the stamp
    assert [queries(url) for url in urls] == [2, 2, 2]


def test_migration_backfills_the_stored_rows(tmp_path):
    """Upgrading past 0014_onboarding counts the plans that exist, as a refresh would."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lms import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/old.sqlite"))
    with app.app_context():
        upgrade(revision="0013")
        track = onboarding.weekly_tracks(current_catalog())[0]
        doc = next(
            i for _, _, week in onboarding.plan_items(track, current_catalog()) for i in week
            if i.kind == "doc"
        )  # fmt: skip
        with db.engine.begin() as connection:
            connection.execute(
                text('INSERT INTO "user" (id, email, name, password_hash, role, active, '
                     "created_at, session_version) VALUES (1, 'a@example.com', 'A', 'x', "
                     "'learner', 1, :now, 1)"),
                {"now": NOW.isoformat()},
            )  # fmt: skip
            connection.execute(
                text("INSERT INTO track_assignment (user_id, track_id, start_date, assigned_at) "
                     "VALUES (1, :track, :start, :now)"),
                {"track": track.id, "start": TODAY.isoformat(), "now": NOW.isoformat()},
            )  # fmt: skip
            connection.execute(
                text("INSERT INTO document_read (user_id, doc_id, read_at) VALUES (1, :doc, :now)"),
                {"doc": doc.ref, "now": NOW.isoformat()},
            )
        upgrade()
        migrated = _stored_rows()
        onboarding.refresh_all_progress(current_catalog())
        assert migrated == _stored_rows()
        assert [row[1] for row in migrated.values()] == [1]
        db.session.remove()
        db.engine.dispose()


def test_refresh_command(app, make_user, runner):
    catalog = current_catalog()
    people = _varied_plans(make_user)
    result = runner.invoke(args=["onboarding", "refresh"])
    assert result.exit_code == 0, result.output
    assert f"Counted {len(people)} plans." in result.output
    assert len(_stored_rows()) == len(people)
    plans = onboarding.plans_for(catalog, TODAY, [p.id for p in people])
    in_sql = select(User).where(User.id.in_([p.id for p in people]))
    summaries = onboarding.stored_summaries(catalog, TODAY, in_sql)
    assert _counted(s for s, _ in summaries) == _expected(plans)


@pytest.mark.parametrize("viewer_role", ["trainer", "mentor"])
def test_report_pages_are_the_rows_sorted_in_python(app, make_user, monkeypatch, viewer_role):
    """Each page of the report (one statement: the page and its totals) holds the rows
    sorted in Python from that page's offset; a page past the last shows the last, for a
    trainer and for a mentor (who sees their mentees only)."""
    monkeypatch.setattr(reports, "PAGE_SIZE", 4)
    catalog = current_catalog()
    people = _varied_plans(make_user)
    viewer = make_user(role=Role.TRAINER if viewer_role == "trainer" else Role.LEARNER)
    if viewer_role == "mentor":
        for person in people[::2]:
            person.mentor_id = viewer.id
    db.session.commit()
    onboarding.refresh_all_progress(catalog)
    db.session.commit()
    filters = reports.Filters()
    for sort in ("behind", "name"):
        rows = reports.onboarding_status(viewer, catalog, TODAY, filters, sort=sort)
        pages = -(-len(rows) // 4)
        assert pages > 2
        for number in (0, 1, 2, pages, pages + 1, 99):
            found = reports.onboarding_page(viewer, catalog, TODAY, filters, number, sort=sort)
            shown = min(max(number, 1), pages)
            assert (found.page.number, found.page.total) == (shown, len(rows))
            assert found.rows == rows[(shown - 1) * 4 : shown * 4], (sort, number)
            behind = sorted((r for r in rows if r.overdue), key=reports.ONBOARDING_SORTS["behind"])
            assert (found.behind, found.behind_count) == (behind[:5], len(behind))


def test_own_plans_from_stored_rows_match_the_plans_laid_out(app, make_user, count_queries):
    """Home and My plan lay a person's plans out from the stored rows (one query) where the
    rows tell every item's state; from the reading, labs and ticks where they cannot (a lab
    waiting for review, no row, a row of another layout). The same plans either way."""
    catalog = current_catalog()
    people = [p for p in _varied_plans(make_user) if p.active]
    onboarding.refresh_all_progress(catalog)
    db.session.execute(delete(PlanProgress).where(PlanProgress.user_id == people[4].id))
    db.session.execute(
        update(PlanProgress).where(PlanProgress.user_id == people[5].id).values(layout="before")
    )
    db.session.commit()
    laid_out = {p.user.id: p for p in onboarding.plans_for(catalog, TODAY, [p.id for p in people])}
    from_rows = 0
    for person in people:
        with count_queries() as statements:
            (plan,) = onboarding.own_plans(catalog, TODAY, person)
        assert plan.week_plan == laid_out[person.id].week_plan, person.name
        assert plan.track.id == laid_out[person.id].track.id
        waiting = any(s.state == "in_review" for s in plan.week_plan.items)
        counted_afresh = waiting or person in (people[4], people[5])
        assert (len(statements) == 1) is not counted_afresh, person.name
        from_rows += not counted_afresh
    assert 5 < from_rows < len(people) - 5  # both ways were taken, often
