"""`notify run` against a real SMTP server: one digest a day, nothing twice, failures retried."""

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.extensions import db
from lms.notifications import service as notifications
from lms.notifications.models import NotificationLog, OutboxMessage, OutboxStatus
from lms.onboarding import service as onboarding
from tests.smtpserver import free_port

MONDAY = date(2026, 11, 23)


class Clock:
    """The app's clock (LMS_NOW), set by the test."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def next_day(self) -> None:
        """Move one day on."""
        self.moment += timedelta(days=1)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))  # Monday of week 2


@pytest.fixture
def app_config(mail_config, clock):
    return {**mail_config, "LMS_NOW": clock}


@pytest.fixture
def people(make_user):
    """A mentor, and a new hire in week 2 of the new-hire track with nothing done."""
    mentor = make_user(email="mira@example.com", name="Mira Mentor", role=Role.MENTOR)
    hire = make_user(email="nia@example.com", name="Nia Newhire", mentor_email=mentor.email)
    bystander = make_user(email="sam@example.com", name="Sam Nothingdue")
    onboarding.assign_track(hire, "new-hire", MONDAY, current_catalog())
    db.session.commit()
    return mentor, hire, bystander


def week_one_items() -> int:
    """How many items week 1 of the new-hire track has (all overdue in week 2)."""
    track = next(t for t in current_catalog().curriculum.tracks if t.id == "new-hire")
    return len(track.weeks[0].items)


def notify(runner) -> str:
    result = runner.invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def text_part(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(("html",)).get_content()


def test_digest_arrives_with_both_parts_headers_and_links(runner, smtp, people):
    mentor, hire, _ = people
    output = notify(runner)
    assert "2 digest(s) queued" in output and "2 message(s) sent, 0 failed" in output

    [digest] = smtp.to("nia@example.com")
    overdue = week_one_items()
    assert digest["Subject"] == f"Needs your attention: {overdue} overdue, 4 due soon"
    assert digest["From"] == "DWCP Training <training@lms.example>"
    assert digest["Date"].datetime == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert digest["Message-ID"].endswith("@lms.example>")
    assert digest["List-Unsubscribe"].strip().startswith("<https://lms.example/unsubscribe/")
    text, html = text_part(digest), html_part(digest)
    # Week 1 is overdue; week 2's days 1-3 are due today to Wednesday; day 4 is not yet.
    for title, link in [
        ("Training Materials", "https://lms.example/library/training-materials"),
        ("Module 1: Production System Architecture",
         "https://lms.example/modules/production-system-architecture"),
        ("Production Operations Runbook",
         "https://lms.example/library/production-operations-runbook"),
        ("2.1 Morning Checklist", "https://lms.example/labs/ex-2-1-morning-checklist"),
    ]:  # fmt: skip
        assert title in text and link in text
        assert f'href="{link}"' in html
    assert "Metric Interpretation" not in text  # due Thursday: more than two days away
    assert "https://lms.example/home" in text
    assert "<h1" in html and "Needs your attention" in html

    [summary] = smtp.to("mira@example.com")
    assert f"Nia Newhire: {overdue} overdue items" in text_part(summary)
    assert f"https://lms.example/onboarding/people/{hire.id}" in text_part(summary)
    assert smtp.to("sam@example.com") == []


def test_a_second_run_the_same_day_sends_nothing(runner, smtp, people):
    notify(runner)
    assert len(smtp.messages) == 2
    output = notify(runner)
    assert "0 digest(s) queued" in output and "0 message(s) sent" in output
    assert len(smtp.messages) == 2


def test_next_day_only_what_is_new_and_the_weekly_summary_once(runner, smtp, people, clock):
    notify(runner)
    smtp.clear()
    clock.next_day()  # Tuesday: Monday's two documents are newly overdue, Thursday's lab due soon
    notify(runner)
    [digest] = smtp.to("nia@example.com")
    text = text_part(digest)
    assert digest["Subject"] == "Needs your attention: 2 overdue, 1 due soon"
    assert "Production Operations Runbook" in text and "overdue since Mon 30 Nov" in text
    assert "2.2 Metric Interpretation" in text
    assert "Training Materials" not in text  # announced yesterday
    assert smtp.to("mira@example.com") == []  # the weekly summary went out on Monday


def test_an_unreachable_server_leaves_the_message_failed_and_the_next_run_sends_it(
    app, runner, smtp, people
):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    output = notify(runner)
    assert "0 message(s) sent, 2 failed" in output
    failed = db.session.scalars(select(OutboxMessage)).all()
    assert {m.status for m in failed} == {OutboxStatus.FAILED}
    assert all(m.attempts == 1 and "Connection" in m.last_error for m in failed)
    assert smtp.messages == []

    app.config["MAIL_PORT"] = smtp.port
    output = notify(runner)
    assert "0 digest(s) queued" in output and "2 message(s) sent, 0 failed" in output
    assert len(smtp.to("nia@example.com")) == 1 and len(smtp.to("mira@example.com")) == 1
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}
    notify(runner)
    assert len(smtp.messages) == 2


def test_turned_off_reminders_send_nothing_but_the_home_page_still_shows(
    runner, smtp, people, client, login
):
    _, hire, _ = people
    notifications.set_reminder_emails(hire, False)
    db.session.commit()
    assert "1 turned off" in notify(runner)
    assert smtp.to("nia@example.com") == []
    logged = select(NotificationLog).where(NotificationLog.user_id == hire.id)
    assert db.session.scalar(logged) is None
    login(hire)
    page = client.get("/home").get_data(as_text=True)
    assert "Needs your attention" in page and "Production Operations Runbook" in page


def test_unsubscribe_link_from_the_digest_turns_reminders_off(runner, smtp, people, client):
    _, hire, _ = people
    notify(runner)
    [digest] = smtp.to("nia@example.com")
    path = digest["List-Unsubscribe"].strip()[1:-1].removeprefix("https://lms.example")
    page = client.get(path)
    assert page.status_code == 200 and b"Turn reminder emails off" in page.data
    assert b"Reminder emails are off" in client.post(path).data
    assert not notifications.wants_reminders(hire)
    assert client.get("/unsubscribe/not-a-token").status_code == 404


def test_without_a_server_messages_are_written_to_the_instance_outbox(
    app, runner, people, tmp_path
):
    app.config["MAIL_SERVER"] = ""
    app.instance_path = str(tmp_path)
    assert "2 message(s) sent" in notify(runner)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    for file in files:
        message = message_from_bytes(file.read_bytes(), policy=default)
        assert message.get_content_type() == "multipart/alternative"
        assert "needs your attention" in text_part(message) and "<h1" in html_part(message)


def test_evidence_and_labs_waiting_reach_their_deciders_once(
    runner, smtp, people, make_user, client, login
):
    from lms.practice.models import Evidence, LabSubmission, SubmissionStatus

    mentor, hire, _ = people
    make_user(email="tom@example.com", name="Tom Trainer", role=Role.TRAINER)
    db.session.add_all([
        Evidence(user_id=hire.id, kind="deployment", happened_on=date(2026, 11, 27),
                 title="Deployed checkout v2", reference="CHG-1", verifier_id=mentor.id),
        LabSubmission(user_id=hire.id, lab_id="ex-1-1-architecture-walkthrough", number=1,
                      status=SubmissionStatus.SUBMITTED, lab_title="Architecture Walkthrough",
                      content_hash="h", time_limit=60, checkpoints=[],
                      submitted_at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC)),
    ])  # fmt: skip
    db.session.commit()
    notify(runner)
    [to_mentor] = smtp.to("mira@example.com")
    text = text_part(to_mentor)
    assert to_mentor["Subject"] == "Needs your attention: 1 overdue, 1 to verify"
    assert "Nia Newhire: Deployed checkout v2" in text
    assert "https://lms.example/evidence/to-verify" in text
    [to_trainer] = smtp.to("tom@example.com")
    submission_id = db.session.scalar(select(LabSubmission.id))
    assert "Nia Newhire: Architecture Walkthrough" in text_part(to_trainer)
    assert f"https://lms.example/reviews/{submission_id}" in text_part(to_trainer)
    assert "Deployed checkout v2" not in text_part(to_trainer)  # the mentor verifies it

    login(mentor)
    home = client.get("/home").get_data(as_text=True)
    assert "Evidence waiting for your verification" in home and "Deployed checkout v2" in home

    smtp.clear()
    notify(runner)
    assert smtp.messages == []


def test_a_returned_lab_is_announced_until_the_rework_starts(runner, smtp, people, clock):
    from lms.practice.models import LabSubmission, SubmissionStatus

    _, hire, _ = people
    lab = "ex-1-2-dependency-mapping"
    returned = LabSubmission(
        user_id=hire.id, lab_id=lab, number=1, status=SubmissionStatus.RETURNED,
        lab_title="Dependency Mapping", content_hash="h", time_limit=60, checkpoints=[],
        decided_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    db.session.add(returned)
    db.session.commit()
    notify(runner)
    text = text_part(smtp.to("nia@example.com")[0])
    assert "LABS RETURNED TO YOU FOR REWORK" in text and "Dependency Mapping" in text
    assert f"https://lms.example/submissions/{returned.id}" in text

    db.session.add(
        LabSubmission(user_id=hire.id, lab_id=lab, number=2, status=SubmissionStatus.DRAFT,
                      lab_title="Dependency Mapping", content_hash="h", time_limit=60,
                      checkpoints=[])
    )  # fmt: skip
    db.session.commit()
    catalog = current_catalog()
    from lms.notifications import digest

    sections = digest.attention_for(catalog, hire, clock().date())
    assert "returned" not in [s.name for s in sections]
