"""The engineer takes a module quiz in Chromium: fails, waits out the cooldown, passes.

Time is the live app's clock (tests/e2e/conftest.py): the test moves it past the cooldown.
"""

import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.extensions import db
from lms.learning.models import SectionRead

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
QUIZ_ID = "architecture-quiz"
MODULE_ID = "production-system-architecture"
KEY = {
    q["id"]: q
    for q in yaml.safe_load((ROOT / "quizzes" / f"{QUIZ_ID}.yml").read_text())["questions"]
}


def question_of(field_name: str) -> dict:
    """The key's question a form field belongs to (`q-ID` or `q-ID-ROW`)."""
    for qid in sorted(KEY, key=len, reverse=True):
        if field_name == f"q-{qid}" or re.fullmatch(rf"q-{re.escape(qid)}-\d+", field_name):
            return KEY[qid]
    raise AssertionError(f"no question for field {field_name}")


def answer_with_the_key(page: Page) -> int:
    """Answer every question on the attempt page right, as a keyboard-and-mouse user would."""
    fieldsets = page.locator("fieldset.quiz-question")
    count = fieldsets.count()
    for index in range(count):
        fieldset = fieldsets.nth(index)
        question = question_of(fieldset.locator("input, select").first.get_attribute("name"))
        name, kind = f"q-{question['id']}", question["type"]
        if kind in ("single", "multiple"):
            for option in question["options"]:
                if option.get("correct"):
                    fieldset.locator(f'input[name="{name}"][value="{option["id"]}"]').check()
        elif kind == "true_false":
            value = "true" if question["answer"] else "false"
            fieldset.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "numeric":
            value = question["answer"] if "answer" in question else question["range"][0]
            fieldset.get_by_label(re.compile("Your answer")).fill(f"{value:g}")
        elif kind == "short":
            fieldset.get_by_label("Your answer").fill(question["accepted"][0])
        elif kind == "matching":
            for i, pair in enumerate(question["pairs"]):
                fieldset.locator(f'select[name="{name}-{i}"]').select_option(pair["right"])
        elif kind == "ordering":
            selects = fieldset.locator("select")
            for k in range(selects.count()):
                select = selects.nth(k)
                item = fieldset.locator(f'label[for="{select.get_attribute("id")}"]').inner_text()
                select.select_option(str(question["items"].index(item.strip()) + 1))
    return count


def test_engineer_fails_waits_passes_and_completes_the_module(page, sign_in, live_app, clock):
    sign_in("engineer@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quizzes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    page.get_by_role("link", name=re.compile("Module 1 quiz")).click()

    # First attempt: submitted blank (after the confirmation it asks for), so it fails.
    page.get_by_role("button", name=re.compile(r"Start attempt \d")).click()
    expect(page.locator("#quiz-time-left")).to_be_visible()
    expect(page.locator("fieldset.quiz-question")).to_have_count(20)
    page.get_by_role("button", name="Submit for grading").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("20 questions are still unanswered.")
    dialog.get_by_role("button", name="Keep answering").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Submit for grading").click()
    dialog.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Score"))).to_contain_text(
        "not passed"
    )

    # The quiz page says when the next attempt opens.
    page.get_by_role("link", name=re.compile("Back to the quiz")).click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Your next attempt opens (today|tomorrow) at \d\d:\d\d UTC\.")
    )
    expect(page.get_by_role("button", name=re.compile("Start attempt"))).to_have_count(0)

    # After the cooldown, the second attempt is answered from the key and passes.
    clock.advance(minutes=61)
    page.reload()
    page.get_by_role("button", name=re.compile(r"Start attempt \d")).click()
    assert answer_with_the_key(page) == 20
    expect(page.locator("#quiz-autosave")).to_contain_text("Saved at")  # quiz.js autosaves
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text(re.compile(r"Saved at \d\d:\d\d:\d\d UTC"))).to_be_visible()
    expect(page.locator("#quiz-answered")).to_have_text("20")
    page.get_by_role("button", name="Submit for grading").click()
    result = page.get_by_role("heading", level=2, name=re.compile("Score"))
    expect(result).to_contain_text("Score 100%")
    expect(result).to_contain_text("passed")
    expect(page.get_by_role("heading", name="Review")).to_be_visible()

    # With every section read, the module page shows the module complete.
    with live_app.app_context():
        engineer = accounts.get_by_email("engineer@example.com")
        module = current_catalog().modules[MODULE_ID]
        existing = set(
            db.session.scalars(
                select(SectionRead.section_slug).where(
                    SectionRead.user_id == engineer.id, SectionRead.module_id == MODULE_ID
                )
            )
        )
        db.session.add_all(
            SectionRead(user_id=engineer.id, module_id=MODULE_ID, section_slug=section.slug)
            for section in module.sections
            if section.slug not in existing
        )
        db.session.commit()
        db.session.remove()
    page.goto(f"/modules/{MODULE_ID}")
    expect(page.get_by_text("Module complete", exact=True)).to_be_visible()
