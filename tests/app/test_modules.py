"""The module list and reader: sections marked read, progress, completion."""

import pytest
from sqlalchemy import select

from lms.catalog import current_catalog
from lms.extensions import db
from lms.learning.models import SectionRead


@pytest.fixture
def learner(make_user, login):
    user = make_user(email="reader@example.com")
    login(user)
    return user


def test_module_list_groups_by_level(client, learner):
    html = client.get("/modules/").get_data(as_text=True)
    assert html.index("Associate") < html.index("Professional") < html.index("Expert")
    assert "Module 1: Production System Architecture" in html
    assert "0 of 7 modules complete" in html


def test_reader_shows_each_section_with_a_button(client, learner):
    module = current_catalog().modules["daily-operations"]
    html = client.get("/modules/daily-operations").get_data(as_text=True)
    for section in module.sections:
        assert f'id="{section.slug}"' in html
    assert html.count("Mark as read") == len(module.sections)
    assert f"0 of {len(module.sections)} sections read" in html


def test_marking_sections_read_updates_progress(client, learner):
    module = current_catalog().modules["daily-operations"]
    first = module.sections[0].slug
    response = client.post(f"/modules/daily-operations/sections/{first}", data={"read": "1"})
    assert response.status_code == 302
    assert response.location.endswith(f"/modules/daily-operations#mark-{first}")
    client.post(f"/modules/daily-operations/sections/{first}", data={"read": "1"})
    rows = db.session.scalars(select(SectionRead.section_slug)).all()
    assert rows == [first]
    html = client.get("/modules/daily-operations").get_data(as_text=True)
    assert f"1 of {len(module.sections)} sections read" in html
    client.post(f"/modules/daily-operations/sections/{first}", data={"read": "0"})
    assert db.session.scalars(select(SectionRead)).all() == []


def test_all_sections_read_is_not_complete_without_the_quiz(client, learner):
    module = current_catalog().modules["daily-operations"]
    for section in module.sections:
        client.post(f"/modules/daily-operations/sections/{section.slug}", data={"read": "1"})
    html = client.get("/modules/daily-operations").get_data(as_text=True)
    assert "Module complete" not in html
    assert "Quiz: not passed yet" in html


def test_unknown_module_or_section(client, learner):
    assert client.get("/modules/nope").status_code == 404
    assert client.post("/modules/nope/sections/x", data={"read": "1"}).status_code == 404
    response = client.post(
        "/modules/daily-operations/sections/no-such-section",
        data={"read": "1"},
        follow_redirects=True,
    )
    assert b"That section does not exist." in response.data
    assert db.session.scalars(select(SectionRead)).all() == []


def test_bad_read_value_changes_nothing(client, learner):
    slug = current_catalog().modules["daily-operations"].sections[0].slug
    client.post(f"/modules/daily-operations/sections/{slug}", data={"read": "yes"})
    assert db.session.scalars(select(SectionRead)).all() == []


def test_marks_left_by_a_removed_section_do_not_count(client, learner):
    """A section renamed or removed in the content must not count towards completion."""
    db.session.add_all(
        [
            SectionRead(user_id=learner.id, module_id="daily-operations", section_slug="gone"),
            SectionRead(
                user_id=learner.id, module_id="production-security", section_slug="lab-exercises"
            ),
        ]
    )
    db.session.commit()
    total = len(current_catalog().modules["daily-operations"].sections)
    html = client.get("/modules/daily-operations").get_data(as_text=True)
    assert f"0 of {total} sections read" in html


def test_progress_bar_shows_the_real_fraction_and_counts_the_quiz(client, learner):
    module = current_catalog().modules["daily-operations"]
    total = len(module.sections) + 1  # the sections and the quiz
    first = module.sections[0].slug
    client.post(f"/modules/daily-operations/sections/{first}", data={"read": "1"})
    html = client.get("/modules/").get_data(as_text=True)
    assert f'max="{total}" value="1"' in html
    assert f"1 of {total} steps done ({100 // total}%)" in html
    assert 'class="progress-bar w-0"' not in html


def test_mark_as_read_confirms_beside_the_button_and_offers_the_next_item(client, learner):
    from datetime import date

    from lms.onboarding.service import assign_track

    assign_track(learner, "new-hire", date.today(), current_catalog())
    db.session.commit()
    module = current_catalog().modules["daily-operations"]
    first, second = module.sections[0].slug, module.sections[1].slug
    client.post(f"/modules/daily-operations/sections/{first}", data={"read": "1"})
    html = client.get("/modules/daily-operations").get_data(as_text=True)
    region = html[html.index(f'id="mark-{first}"') :]
    region = region[: region.index("<section") if "<section" in region else None]
    status = region[region.index('role="status"') :][:600]
    assert "Marked read." in status and "Next in your plan:" in status
    # the note is said once, beside that button only
    assert html.count("Marked read.") == 1
    assert "Marked read." not in client.get("/modules/daily-operations").get_data(as_text=True)
    assert f'id="mark-{second}"' in html


def test_marking_a_document_read_returns_to_the_button(client, learner):
    response = client.post("/library/training-materials/read", data={"read": "1"})
    assert response.location.endswith("/library/training-materials#mark-read")
    html = client.get("/library/training-materials").get_data(as_text=True)
    status = html[html.index('id="mark-document"') :][:1500]
    assert "Marked read." in status
