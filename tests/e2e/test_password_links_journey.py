"""In Chromium: an admin invites a new person, who sets a password; later they forget it."""

import re

import pytest
from playwright.sync_api import expect

from lms.accounts import service as accounts
from lms.extensions import db

pytestmark = pytest.mark.e2e
LINK = re.compile(r"http://lms\.test(/(?:invitation|password/reset)/\S+)")


@pytest.fixture
def mail_to_smtp(live_app, smtp):
    """Point the live app's mail at the test SMTP server for this test only."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "LMS_BASE_URL")
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_USE_TLS=False,
        LMS_BASE_URL="http://lms.test",
    )  # fmt: skip
    yield smtp
    live_app.config.update(saved)


@pytest.fixture
def newcomer(live_app):
    """An account made without a password, as a roster import makes them."""
    with live_app.app_context():
        user = accounts.create_user(email="omar@example.com", name="Omar Newcomer", password=None)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    yield user_id
    with live_app.app_context():
        accounts.delete_user(accounts.get_user(user_id))
        db.session.commit()
        db.session.remove()


def link_in(smtp, address: str, kind: str) -> str:
    """The `kind` link ("invitation" or "password/reset") in the newest such mail."""
    for message in reversed(smtp.to(address)):
        found = LINK.search(message.get_body(("plain",)).get_content())
        if found and found.group(1).startswith(f"/{kind}/"):
            return found.group(1)
    raise AssertionError(f"no {kind} mail reached {address}")


def choose_password(page, password: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    page.get_by_role("button", name=re.compile("Set")).click()


def test_invitation_then_forgotten_password(
    page, browser, base_url, sign_in, mail_to_smtp, newcomer
):
    smtp = mail_to_smtp
    sign_in("admin@example.com")
    page.goto(f"/admin/users/{newcomer}/edit")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to omar@example.com")).to_be_visible()

    # The newcomer opens the link in their own browser.
    own = browser.new_context(base_url=base_url).new_page()
    own.goto(link_in(smtp, "omar@example.com", "invitation"))
    expect(own.get_by_role("heading", level=1)).to_have_text("Welcome, Omar Newcomer")
    choose_password(own, "my-first-passphrase")
    expect(own.get_by_text("Your password is set.")).to_be_visible()
    own.get_by_label("Email").fill("omar@example.com")
    own.get_by_label("Password").fill("my-first-passphrase")
    own.get_by_role("button", name="Sign in").click()
    expect(own.get_by_role("heading", level=1)).to_contain_text("Welcome, Omar Newcomer")
    own.get_by_role("button", name="Sign out").click()

    # Weeks later: forgotten.
    own.get_by_role("link", name="Forgot password?").click()
    own.get_by_label("Email").fill("omar@example.com")
    own.get_by_role("button", name="Send me a link").click()
    expect(own.get_by_role("heading", level=1)).to_have_text("Check your email")
    reset = link_in(smtp, "omar@example.com", "password/reset")
    assert reset.startswith("/password/reset/")
    own.goto(reset)
    choose_password(own, "my-second-passphrase")
    own.get_by_label("Email").fill("omar@example.com")
    own.get_by_label("Password").fill("my-second-passphrase")
    own.get_by_role("button", name="Sign in").click()
    expect(own.get_by_role("heading", level=1)).to_contain_text("Welcome, Omar Newcomer")

    # Both links are dead now.
    own.goto(reset)
    expect(own.get_by_role("heading", level=1)).to_have_text("This link was already used")
    own.get_by_role("link", name="Ask for a new link").click()
    expect(own.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    own.context.close()
