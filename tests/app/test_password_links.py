"""Invitations and password resets: single-use, expiring, signed links, delivered by SMTP."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.accounts import service as accounts
from lms.accounts.models import Role
from lms.audit import AuditEvent
from lms.extensions import db
from lms.notifications import service as notifications
from lms.notifications.models import OutboxMessage
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase"
LINK = re.compile(r"https://lms\.example(/(?:password/reset|invitation)/[A-Za-z0-9._-]+)")


class Clock:
    def __init__(self):
        self.moment = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.moment


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app_config(mail_config, clock):
    return {**mail_config, "LMS_NOW": clock}


def link_in(message) -> str:
    """The path of the set-password link in a message (same in both parts)."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    path = LINK.search(text).group(1)
    assert f'href="https://lms.example{path}"' in html
    return path


def ask_reset(client, email):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def set_password(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def test_sign_in_page_links_to_forgot_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot password?" in page


def test_reset_by_email_then_sign_in_with_the_new_password(client, smtp, make_user, login):
    user = make_user(email="ana@example.com", name="Ana")
    page = ask_reset(client, "ANA@example.com ")
    assert b"Check your email" in page.data
    [message] = smtp.to("ana@example.com")
    assert message["Subject"] == "Reset your DWCP Training password"
    assert "List-Unsubscribe" not in message  # essential mail
    path = link_in(message)
    form = client.get(path)
    assert form.status_code == 200 and b"ana@example.com" in form.data
    response = set_password(client, path)
    assert response.status_code == 302 and response.location == "/login"
    assert login("ana@example.com", NEW_PASSWORD).location == "/home"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == user.id))
    assert {"user.password_reset_requested", "user.password_reset_by_link"} <= set(actions)


def test_unknown_address_gets_the_same_answer_and_no_mail(client, smtp, make_user):
    make_user(email="ana@example.com")
    known = client.post("/password/forgot", data={"email": "ana@example.com"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"})
    known.close()  # the mail goes once the answer is out
    unknown.close()
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known.headers.get("Set-Cookie") == unknown.headers.get("Set-Cookie")
    assert client.get(known.location).data == client.get(unknown.location).data  # one page for both
    assert [m["To"] for m in smtp.messages] == ["User 1 <ana@example.com>"]


def test_a_used_link_is_refused_with_a_clear_page(client, smtp, make_user):
    make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    path = link_in(smtp.messages[0])
    assert set_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 400
    assert b"This link was already used" in again.data
    assert b'href="/password/forgot"' in again.data
    assert set_password(client, path, "yet-another-passphrase").status_code == 400


def test_a_link_expires_after_two_hours(client, smtp, make_user, clock):
    make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    path = link_in(smtp.messages[0])
    clock.moment += timedelta(hours=2, minutes=-1)
    assert client.get(path).status_code == 200
    clock.moment += timedelta(minutes=2)
    response = client.get(path)
    assert response.status_code == 400 and b"This link has expired" in response.data
    assert set_password(client, path).status_code == 400


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "eyJ1Ijo5OTksInAiOiJ4In0" + t[t.index(".") :],  # payload swapped
        lambda t: "not-a-token",
    ],
    ids=["signature", "payload", "garbage"],
)
def test_a_tampered_link_is_refused(client, smtp, make_user, tamper):
    make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    path = link_in(smtp.messages[0])
    prefix, token = path.rsplit("/", 1)
    response = client.get(f"{prefix}/{tamper(token)}")
    assert response.status_code == 400 and b"This link is not valid" in response.data


def test_a_reset_link_for_one_purpose_is_not_an_invitation(client, smtp, make_user):
    make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    token = link_in(smtp.messages[0]).rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 400


def test_any_password_change_kills_earlier_links(client, smtp, make_user, login):
    user = make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    path = link_in(smtp.messages[0])
    accounts.change_own_password(user, PASSWORD, "changed-on-the-account-page")
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400 and b"already used" in response.data


def test_a_new_password_must_follow_the_rules(client, smtp, make_user):
    make_user(email="ana@example.com")
    ask_reset(client, "ana@example.com")
    path = link_in(smtp.messages[0])
    short = set_password(client, path, "short")
    assert short.status_code == 200 and b"between 12 and 256 characters" in short.data
    differ = set_password(client, path, NEW_PASSWORD, "something-else-entirely")
    assert b"The passwords differ." in differ.data


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_forgot_password_is_rate_limited_per_account(client):
    statuses = [
        client.post("/password/forgot", data={"email": "nobody@example.com"}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert client.post("/password/forgot", data={"email": "else@example.com"}).status_code == 302


def test_admin_invites_from_the_user_page(client, smtp, make_user, login):
    admin = make_user(email="admin@example.com", role=Role.ADMIN)
    person = accounts.create_user(email="omar@example.com", name="Omar Okafor", password=None)
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/users/{person.id}/edit").get_data(as_text=True)
    assert f'action="/admin/users/{person.id}/invite"' in page
    response = client.post(f"/admin/users/{person.id}/invite", follow_redirects=True)
    assert b"Invitation sent to omar@example.com" in response.data
    [message] = smtp.to("omar@example.com")
    assert message["Subject"] == "You have an account on DWCP Training"
    path = link_in(message)
    assert path.startswith("/invitation/")
    client.post("/logout")
    assert b"Welcome, Omar Okafor" in client.get(path).data
    assert set_password(client, path).status_code == 302
    assert login("omar@example.com", NEW_PASSWORD).location == "/home"
    assert client.get(path).status_code == 400
    invite = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.invite"))
    assert invite.actor_id == admin.id and invite.target_id == person.id


def test_only_admins_invite(client, make_user, login):
    trainer = make_user(role=Role.TRAINER)
    person = make_user()
    login(trainer)
    assert client.post(f"/admin/users/{person.id}/invite").status_code == 403
    assert db.session.scalar(select(OutboxMessage)) is None


def test_an_invitation_lasts_seven_days(client, smtp, make_user, clock):
    person = make_user(email="new@example.com")
    notifications.invite(person)
    db.session.commit()
    token = notifications.make_link_token(person, notifications.INVITATION)
    clock.moment += timedelta(days=6, hours=23)
    assert client.get(f"/invitation/{token}").status_code == 200
    clock.moment += timedelta(hours=2)
    assert b"This link has expired" in client.get(f"/invitation/{token}").data


ROSTER = (
    "email,name,role,team,manager_email,mentor_email,start_date\n"
    "ana@example.com,Ana,learner,SRE,,,2026-12-07\n"
    "bo@example.com,Bo,learner,SRE,,,2026-12-07\n"
)


def test_roster_import_invites_the_new_people_when_asked(client, smtp, make_user, login):
    make_user(email="bo@example.com", name="Bo")  # already has an account: not invited
    login(make_user(email="admin@example.com", role=Role.ADMIN))
    response = client.post(
        "/admin/roster/import", data={"content": ROSTER, "invite": "y"}, follow_redirects=True
    )
    assert b"1 invitation(s) sent" in response.data
    assert [m["To"] for m in smtp.messages] == ["Ana <ana@example.com>"]
    assert link_in(smtp.messages[0]).startswith("/invitation/")


def test_roster_import_without_the_option_sends_nothing(client, smtp, make_user, login):
    login(make_user(email="admin@example.com", role=Role.ADMIN))
    client.post("/admin/roster/import", data={"content": ROSTER})
    assert smtp.messages == []
    assert accounts.get_by_email("ana@example.com") is not None


def test_users_import_invite_from_the_command_line(runner, smtp, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    result = runner.invoke(args=["users", "import", str(roster), "--invite"])
    assert result.exit_code == 0, result.output
    assert "Invited 2 new people" in result.output
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "Ana <ana@example.com>",
        "Bo <bo@example.com>",
    ]
