"""The new hire's first journey and a trainer assigning a plan, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_new_hire_reads_the_first_document_of_week_1(page, sign_in):
    sign_in("newhire@example.com")
    expect(page.get_by_role("heading", name=re.compile(r"Week 1 of 4"))).to_be_visible()
    this_week = page.locator("ul.this-week")  # sorted by due date: the reading is due Friday
    first = this_week.locator("li", has_text="Training Materials")
    expect(first).not_to_contain_text("Done")
    first.get_by_role("link", name="Training Materials").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Training Materials")
    page.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    expect(page.get_by_text("You have read this document.")).to_be_visible()
    # the note beside the button, in a live region, offers the next item of the plan
    status = page.locator("#mark-document [role=status]")
    expect(status).to_contain_text("Marked read.")
    expect(status).to_contain_text("Next in your plan:")
    expect(page.get_by_role("button", name=re.compile(r"^Mark as unread"))).to_be_focused()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    first = page.locator("ul.this-week li", has_text="Training Materials")
    expect(first).to_contain_text("Done")


def test_trainer_assigns_a_track_and_sees_it(page, sign_in):
    sign_in("trainer@example.com")
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Manage").click()
    main_nav.get_by_role("link", name="Team plans").click()
    page.get_by_label("Person's email").fill("mentor@example.com")
    page.get_by_label("Track", exact=True).select_option(label="New hire fast track (2 weeks)")
    page.get_by_label("Start date").fill("2026-11-23")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Assigned new-hire-2-week to mentor@example.com")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Mira Mentor"))
    expect(row).to_contain_text("New hire fast track (2 weeks)")
    expect(row).to_contain_text("Mon 23 Nov 2026")
