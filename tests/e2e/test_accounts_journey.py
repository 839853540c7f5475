"""Journeys through the real pages in Chromium: sign in, user list, wrong password."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_new_hire_signs_in_and_sees_home(page, sign_in):
    sign_in("newhire@example.com")
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Nia Newhire")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)


def test_trainer_sees_the_user_list(page, sign_in):
    sign_in("trainer@example.com")
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Manage").click()
    main_nav.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Users")
    table = page.get_by_role("table")
    for email in ("newhire@example.com", "engineer@example.com", "mentor@example.com"):
        expect(table).to_contain_text(email)


def test_wrong_password_shows_the_one_message(page, sign_in):
    sign_in("newhire@example.com", "not-the-password")
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))


def test_keyboard_only_sign_in_and_skip_link(page):
    page.goto("/login")
    # the email field has focus on arrival, so a keyboard user can type at once
    page.keyboard.type("mentor@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-pass-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Mira Mentor")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_sign_out(page, sign_in):
    sign_in("engineer@example.com")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
