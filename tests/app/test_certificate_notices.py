"""Certificates expiring, approvals asked for and people ready: digest, home page, calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.certification.models import Approval, Certificate, CertificationProgress
from lms.extensions import db
from lms.notifications import digest
from tests.app.test_notify_run import notify, text_part

TODAY = date(2026, 11, 30)


@pytest.fixture
def app_config(mail_config):
    return {**mail_config, "LMS_NOW": datetime(2026, 11, 30, 6, 0, tzinfo=UTC)}


@pytest.fixture
def people(make_user):
    manager = make_user(email="max@example.com", name="Max Manager")
    holder = make_user(email="eli@example.com", name="Eli Engineer", manager_email=manager.email)
    return manager, holder


def certificate(holder, expires_on: date, cycle: int = 1, **fields) -> Certificate:
    row = Certificate(
        user_id=holder.id, certification_id="associate", cycle=cycle, code=f"CODE-{cycle}",
        issued_on=expires_on - timedelta(days=182), expires_on=expires_on,
        title="DWCP v3 Associate", curriculum_version="v", definition_hash="h", counted={},
        **fields,
    )  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize(
    "days_left, stage",
    [(100, None), (60, "renewal-open"), (31, "renewal-open"), (30, "30-days"), (8, "30-days"),
     (7, "7-days"), (1, "7-days"), (0, "expired"), (-90, "expired"), (-91, None)],
)  # fmt: skip
def test_expiry_stages(days_left, stage):
    assert digest.expiry_stage(TODAY + timedelta(days=days_left), 60, TODAY) == stage


def test_the_holder_and_their_manager_hear_of_an_expiring_certificate_once_per_stage(
    runner, smtp, people
):
    manager, holder = people
    certificate(holder, TODAY + timedelta(days=20))
    notify(runner)
    [to_holder] = smtp.to("eli@example.com")
    assert "CERTIFICATES TO RENEW" in text_part(to_holder)
    assert "DWCP v3 Associate (expires on Sun 20 Dec 2026 (20 days)" in text_part(to_holder)
    assert "https://lms.example/certifications/associate" in text_part(to_holder)
    [to_manager] = smtp.to("max@example.com")
    assert "Eli Engineer: DWCP v3 Associate" in text_part(to_manager)
    assert f"https://lms.example/people/{holder.id}/certifications/associate" in text_part(
        to_manager
    )
    smtp.clear()
    notify(runner)
    assert smtp.messages == []


def test_a_renewed_or_revoked_certificate_is_not_announced(people):
    manager, holder = people
    certificate(holder, TODAY + timedelta(days=5))
    certificate(holder, TODAY + timedelta(days=190), cycle=2)
    found = digest.certificates_expiring(current_catalog(), [holder, manager], TODAY)
    assert found == {}
    certificate(
        holder, TODAY + timedelta(days=5), cycle=3,
        revoked_at=datetime(2026, 11, 1, tzinfo=UTC), revoked_on=date(2026, 11, 1),
    )  # fmt: skip
    assert digest.certificates_expiring(current_catalog(), [holder, manager], TODAY) == {}


def test_approvals_and_ready_people_reach_managers_and_trainers(
    runner, smtp, people, make_user, client, login
):
    manager, holder = people
    make_user(email="tom@example.com", name="Tom Trainer", role=Role.TRAINER)
    db.session.add_all([
        Approval(user_id=holder.id, certification_id="professional", by="manager"),
        CertificationProgress(user_id=holder.id, certification_id="professional",
                              state="eligible", met=7, total=7, due=True, renewing=False),
    ])  # fmt: skip
    db.session.commit()
    notify(runner)
    [to_manager] = smtp.to("max@example.com")
    assert "Eli Engineer: DWCP v3 Professional" in text_part(to_manager)
    assert "https://lms.example/approvals" in text_part(to_manager)
    [to_trainer] = smtp.to("tom@example.com")
    assert "PEOPLE READY TO BE CERTIFIED" in text_part(to_trainer)
    assert "https://lms.example/certifications/queue" in text_part(to_trainer)
    login(manager)
    assert "Approvals waiting for you" in client.get("/home").get_data(as_text=True)


def test_the_calendar_holds_certificate_expiry_dates(client, login, people):
    _, holder = people
    certificate(holder, date(2027, 3, 31))
    login(holder)
    client.post("/account/calendar")
    page = client.get("/account/notifications").get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="', 1)[1].split('"', 1)[0]
    calendar = Calendar.from_ical(client.get(url.removeprefix("https://lms.example")).data)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Certificate expires: DWCP v3 Associate"
    assert event.decoded("DTSTART") == date(2027, 3, 31)
