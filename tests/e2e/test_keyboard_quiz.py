"""A quiz taken with the keyboard alone: start, answer, save, submit."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def tab_to(page: Page, is_target: str, limit: int = 400) -> None:
    """Press Tab until the focused element satisfies the JavaScript test `is_target` (on el)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {is_target})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {is_target}")


def test_a_quiz_with_the_keyboard_alone(page, sign_in):
    sign_in("mentor@example.com")
    page.goto("/quizzes/security-quiz")
    tab_to(page, "el.textContent.trim() === 'Start attempt 1'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("attempt 1")

    # the first radio button of the page: arrow keys pick an option, as in any radio group
    tab_to(page, "el.type === 'radio'")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.name")
    assert page.locator(f'input[name="{chosen}"]:checked').count() == 1

    tab_to(page, "el.textContent.trim() === 'Save answers'")
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-answered")).to_have_text("1")

    tab_to(page, "el.textContent.trim() === 'Submit for grading'")
    page.keyboard.press("Enter")
    # Questions are unanswered: a dialog asks first, with the focus on "Keep answering".
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("questions are still unanswered")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Keep answering"
    tab_to(page, "el.textContent.trim() === 'Submit anyway'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name=re.compile("Score"))).to_be_visible()
