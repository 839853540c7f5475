"""Pages run a fixed number of SQL queries however many people, sections or items exist."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.extensions import db
from lms.learning.models import DocumentRead, SectionRead
from lms.onboarding.models import PlanItemDone, TrackAssignment
from tests.content_tree import add_bulk, copy_content

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def bulk_tree(tmp_path_factory):
    return add_bulk(copy_content(tmp_path_factory.mktemp("bulk")), 200)


@pytest.fixture
def app_config(bulk_tree):
    return {
        "LMS_CONTENT_DIR": str(bulk_tree),
        "LMS_NOW": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    }


def populate(make_user, n: int, viewer_id: int) -> None:
    """n hires on the bulk track (the viewer first); the viewer reads n sections, ticks n tasks."""
    bulk = current_catalog().modules["bulk-module"]
    ids = [viewer_id] + [make_user(email=f"hire{n}-{i}@example.com").id for i in range(n - 1)]
    rows = []
    for number, user_id in enumerate(ids):
        count = n if number == 0 else 1
        rows.append(TrackAssignment(user_id=user_id, track_id="bulk", start_date=MONDAY))
        rows.append(DocumentRead(user_id=user_id, doc_id="training-materials"))
        rows += [
            SectionRead(user_id=user_id, module_id="bulk-module", section_slug=s.slug)
            for s in bulk.sections[:count]
        ]
        rows += [
            PlanItemDone(user_id=user_id, track_id="bulk", item_key=f"task:task-{i}")
            for i in range(count)
        ]
    db.session.add_all(rows)
    db.session.commit()


def queries(client, count_queries, url: str) -> int:
    with count_queries() as statements:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize(
    "url",
    ["/home", "/modules/bulk-module", "/onboarding/", "/onboarding/team", "/library",
     "/library/training-materials", "/modules/"],
)  # fmt: skip
def test_query_count_does_not_grow(client, login, make_user, count_queries, url):
    trainer = make_user(email="trainer@example.com", role=Role.TRAINER)
    hire_id = make_user(email="hire@example.com").id
    populate(make_user, 1, hire_id)
    login(trainer if url == "/onboarding/team" else "hire@example.com")
    few = queries(client, count_queries, url)
    for model in (TrackAssignment, DocumentRead, SectionRead, PlanItemDone):
        db.session.execute(delete(model))
    db.session.commit()
    populate(make_user, 200, hire_id)
    assert queries(client, count_queries, url) == few


@pytest.mark.parametrize(
    "url, most",
    [("/modules/", 2), ("/modules/bulk-module", 2), ("/library", 2), ("/quizzes", 2),
     ("/home", 7), ("/onboarding/", 5)],
)  # fmt: skip
def test_learner_pages_read_their_progress_in_one_query(
    client, login, make_user, count_queries, url, most
):
    """The signed-in user, then one union of documents read, sections read and quizzes passed
    (the home page adds its plan, labs and notices)."""
    hire_id = make_user(email="hire@example.com").id
    populate(make_user, 20, hire_id)
    login("hire@example.com")
    assert queries(client, count_queries, url) <= most


@pytest.mark.parametrize(
    "url, counted_afresh, from_stored_row", [("/home", 7, 4), ("/onboarding/", 5, 2)]
)
def test_own_plan_read_from_its_stored_row(
    client, login, make_user, count_queries, url, counted_afresh, from_stored_row
):
    """With a current stored row, the person's plan is laid out from it: the reading, labs and
    ticks are not read (the plan, labs waiting for review aside, is the same: see
    test_plan_summaries)."""
    from lms.onboarding import service as onboarding
    from lms.onboarding.models import PlanProgress

    hire = make_user(email="hire@example.com")
    db.session.add(TrackAssignment(user_id=hire.id, track_id="new-hire", start_date=MONDAY))
    db.session.add(DocumentRead(user_id=hire.id, doc_id="training-materials"))
    db.session.commit()
    login("hire@example.com")
    assert queries(client, count_queries, url) == counted_afresh
    onboarding.refresh_progress([hire.id], current_catalog())
    db.session.commit()
    assert db.session.get(PlanProgress, (hire.id, "new-hire")) is not None
    assert queries(client, count_queries, url) == from_stored_row
