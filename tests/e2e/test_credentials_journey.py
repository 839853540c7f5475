"""A certificate checked as people outside would: the holder copies the verification URL
and downloads the PDF; a visitor opens the URL, and types the code into /verify."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_holder_shares_and_a_visitor_verifies(page, sign_in, browser, base_url):
    sign_in("engineer@example.com")
    page.goto("/certifications/associate")
    share = page.get_by_label(re.compile("Verification URL of certificate"))
    url = share.input_value()
    assert re.fullmatch(rf"{base_url}/verify/[A-Z2-7]{{5}}(-[A-Z2-7]{{1,5}}){{5}}", url)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF certificate").click()
    assert download.value.suggested_filename.startswith("associate-1-")

    visitor = browser.new_context(base_url=base_url).new_page()
    visitor.goto(url)
    expect(visitor.locator("#state")).to_have_text("Valid")
    expect(visitor.get_by_text("Eli Engineer")).to_be_visible()
    expect(visitor.get_by_text("engineer@example.com")).to_have_count(0)

    code = url.rsplit("/", 1)[1]
    visitor.goto("/verify")
    visitor.get_by_label(re.compile("Verification code")).fill(code.lower().replace("-", " "))
    visitor.get_by_role("button", name="Check").click()
    expect(visitor).to_have_url(f"{base_url}/verify/{code}")
    expect(visitor.locator("#state")).to_have_text("Valid")
    visitor.context.close()
