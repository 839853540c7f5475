"""A trainer finds who is behind on onboarding, opens their record, and follows a failed
attempt to its review, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from lms.accounts import service as accounts
from lms.assessment import attempts
from lms.catalog import current_catalog
from lms.extensions import db

pytestmark = pytest.mark.e2e
QUIZ_ID = "troubleshooting-quiz"


@pytest.fixture
def failed_attempt(live_app):
    """The engineer (behind on the SRE track in the demo) has failed a module quiz."""
    with live_app.app_context():
        engineer = accounts.get_by_email("engineer@example.com")
        attempt = attempts.start_attempt(engineer.id, current_catalog().quizzes[QUIZ_ID])
        attempts.submit_attempt(attempt, {})
        db.session.commit()
        attempt_id = attempt.id
        db.session.remove()
    return attempt_id


def test_trainer_follows_who_is_behind_to_a_failed_attempt(page, sign_in, failed_attempt):
    sign_in("trainer@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Onboarding status").click()
    behind = page.locator("section", has=page.get_by_role("heading", name="Who is behind"))
    expect(behind).to_contain_text("Eli Engineer")
    expect(behind).to_contain_text("overdue")
    behind.get_by_role("link", name="Eli Engineer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training record: Eli Engineer")
    attempts_table = page.locator("section", has=page.get_by_role("heading", name="Quiz attempts"))
    row = attempts_table.get_by_role("row").filter(has_text="failed").first
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/attempts/{failed_attempt}$"))
    expect(page.get_by_text("Eli Engineer").first).to_be_visible()
