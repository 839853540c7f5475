"""The private calendar feed, the settings page, and "Needs your attention" on the home page."""

import re
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import delete

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.extensions import db
from lms.notifications import digest
from lms.notifications import service as notifications
from lms.onboarding import service as onboarding
from lms.onboarding.models import TrackAssignment
from tests.app.test_notify_run import week_one_items

MONDAY = date(2026, 11, 23)
# 23:30 UTC on Sunday 29 November is already Monday 30 November in Auckland.
NOW = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {
        "LMS_NOW": NOW,
        "LMS_TIMEZONE": "Pacific/Auckland",
        "LMS_BASE_URL": "https://lms.example",
    }


@pytest.fixture
def hire(make_user):
    user = make_user(email="nia@example.com", name="Nia Newhire")
    onboarding.assign_track(user, "new-hire", MONDAY, current_catalog())
    db.session.commit()
    return user


def feed_path(client) -> str:
    """Make (or renew) the calendar link on the settings page and return its path."""
    client.post("/account/calendar")
    page = client.get("/account/notifications").get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert url.startswith("https://lms.example/calendar/") and url.endswith(".ics")
    return url.removeprefix("https://lms.example")


def test_the_feed_holds_every_due_date_of_the_plan(client, login, hire):
    login(hire)
    assert b"Make my calendar link" in client.get("/account/notifications").data
    path = feed_path(client)
    client.post("/logout")  # the feed needs no sign-in: calendar apps have none
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-TIMEZONE"]) == "Pacific/Auckland"
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    [plan] = onboarding.plans_for(current_catalog(), date(2026, 11, 30), [hire.id])
    assert len(events) == plan.week_plan.total
    for state in plan.week_plan.items:
        event = events[f"Due: {state.item.title}"]
        assert event.decoded("DTSTART") == state.due  # an all-day event on the due date
        assert event.decoded("DTEND") == date.fromordinal(state.due.toordinal() + 1)
        assert "Pacific/Auckland" in str(event["DESCRIPTION"])
    assert events["Due: Training Materials"].decoded("DTSTART") == date(2026, 11, 27)
    assert len({str(e["UID"]) for e in events.values()}) == plan.week_plan.total


def test_a_new_link_revokes_the_old_one(client, login, hire):
    login(hire)
    old = feed_path(client)
    new = feed_path(client)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    client.post("/account/calendar/stop")
    assert client.get(new).status_code == 404
    assert b"Make my calendar link" in client.get("/account/notifications").data


def test_unknown_tokens_and_deactivated_people_get_404(client, login, hire):
    assert client.get("/calendar/0123456789abcdef.ics").status_code == 404
    login(hire)
    path = feed_path(client)
    hire.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_the_token_is_stored_hashed(client, login, hire):
    from lms.notifications.models import CalendarFeed

    login(hire)
    token = feed_path(client).removeprefix("/calendar/").removesuffix(".ics")
    feed = db.session.scalar(db.select(CalendarFeed))
    assert token not in (feed.token_hash, feed.nonce)


def test_reminder_emails_can_be_turned_off_and_on(client, login, hire):
    login(hire)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="reminder_emails"', page)
    response = client.post("/account/notifications", data={}, follow_redirects=True)
    assert b"Reminder emails are off." in response.data
    assert not notifications.wants_reminders(hire)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert not re.search(r'<input checked[^>]*name="reminder_emails"', page)
    client.post("/account/notifications", data={"reminder_emails": "y"})
    assert notifications.wants_reminders(hire)


def test_home_shows_what_needs_attention_from_the_same_sources(client, login, hire):
    login(hire)
    page = client.get("/home").get_data(as_text=True)
    assert "Needs your attention" in page
    sections = digest.attention_for(current_catalog(), hire, date(2026, 11, 30))
    assert [s.name for s in sections] == ["plan"]
    # Auckland's Monday: week 1 overdue, Monday to Wednesday of week 2 due soon (4).
    notices = sections[0].notices
    assert [n.label for n in notices] == ["Overdue"] * week_one_items() + ["Due soon"] * 4
    attention = page.split('id="attention-heading"', 1)[1].split("</section>", 1)[0]
    for notice in notices[:5]:  # a short list: the first five, then a link to the plan
        assert notice.text in attention
    assert notices[5].text not in attention
    more = len(notices) - 5
    assert f'and {more} more: <a href="/onboarding/">see them all</a>' in attention


def test_a_mentor_sees_their_peoples_overdue_items(client, login, make_user, hire):
    mentor = make_user(email="mira@example.com", role=Role.MENTOR)
    hire.mentor_id = mentor.id
    db.session.commit()
    login(mentor)
    page = client.get("/home").get_data(as_text=True)
    assert "Your people" in page and f"Nia Newhire: {week_one_items()} overdue items" in page
    assert f'href="/onboarding/people/{hire.id}"' in page


def test_nothing_to_show_means_no_section(client, login, make_user):
    login(make_user())
    assert b"Needs your attention" not in client.get("/home").data


def test_a_source_registered_by_another_area_shows_up(client, login, hire):
    @digest.register_source("test-waiting", "Waiting for you")
    def waiting(catalog, people, today):
        return {p.id: [digest.Notice("lab:x", "2026-11-30", "A lab to review", "core.home")]
                for p in people}  # fmt: skip

    try:
        login(hire)
        page = client.get("/home").get_data(as_text=True)
        assert "Waiting for you" in page and "A lab to review" in page
    finally:
        del digest.SOURCES["test-waiting"]


def test_sources_about_ones_people_are_asked_only_about_mentors_and_managers(make_user, hire):
    mentor = make_user(email="mira@example.com", role=Role.MENTOR)
    make_user(email="mentee@example.com", mentor_email=mentor.email)
    asked: list[list[int]] = []

    @digest.register_source("test-team", "Your people's things", asks=digest.oversees)
    def team(catalog, people, today):
        asked.append([p.id for p in people])
        return {p.id: [digest.Notice("t:1", "p", "A mentee's thing", "core.home")] for p in people}

    try:
        found = digest.notices_for(current_catalog(), [hire, mentor], date(2026, 11, 30))
        assert asked == [[mentor.id]]
        assert "test-team" in [s.name for s in found[mentor.id]]
        assert "test-team" not in [s.name for s in found[hire.id]]
        asked.clear()
        sections = digest.attention_for(current_catalog(), hire, date(2026, 11, 30))
        assert asked == [] and "test-team" not in [s.name for s in sections]
    finally:
        del digest.SOURCES["test-team"]


def _mentees(make_user, n: int, tag: str) -> None:
    for i in range(n):
        person = make_user(email=f"{tag}{i}@example.com", mentor_email="mira@example.com")
        db.session.add(TrackAssignment(user_id=person.id, track_id="new-hire", start_date=MONDAY))
    db.session.commit()


def test_home_query_count_does_not_grow_with_the_people_overseen(
    client, login, make_user, count_queries
):
    mentor = make_user(email="mira@example.com", role=Role.MENTOR)
    mentor_id = mentor.id
    db.session.add(TrackAssignment(user_id=mentor_id, track_id="new-hire", start_date=MONDAY))
    db.session.commit()
    _mentees(make_user, 1, "few")
    login("mira@example.com")

    def count() -> int:
        with count_queries() as statements:
            assert client.get("/home").status_code == 200
        return len(statements)

    few = count()
    db.session.execute(delete(TrackAssignment).where(TrackAssignment.user_id != mentor_id))
    db.session.commit()
    _mentees(make_user, 40, "many")
    assert count() == few


def test_the_evidence_source_is_asked_only_about_those_who_may_decide_evidence(make_user, hire):
    """Learners are not asked (a query fewer on their home page): only a supervisor of the
    learner or a trainer may verify evidence."""
    asks = digest.SOURCES["evidence"].asks
    trainer = make_user(email="tessa@example.com", role=Role.TRAINER)
    mentor = make_user(email="mira@example.com", role=Role.MENTOR)
    assert not asks(hire) and asks(trainer) and not asks(mentor)
    make_user(email="mentee@example.com", mentor_email=mentor.email)
    db.session.expire(mentor)  # the flag is read with the user's row, as each request does
    assert asks(mentor)
