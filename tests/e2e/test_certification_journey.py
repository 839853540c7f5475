"""A new hire earns Associate through the real pages: both modules read and their quizzes
passed, three labs passed (one approved by the trainer), and the certificate appears on
its own, with its expiry date."""

import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.certification.rules import add_months
from lms.extensions import db
from lms.timefmt import format_day
from lms.timeutil import today
from tests.e2e.test_labs_journey import answer_every_checkpoint, sign_out

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-fresh-passphrase-2026"
MODULES = {
    "production-system-architecture": "architecture-quiz",
    "daily-operations": "daily-operations-quiz",
}
MACHINE_CHECKED = ("ex-1-1-architecture-walkthrough", "ex-2-1-morning-checklist")
REVIEWED = "ex-1-2-dependency-mapping"


@pytest.fixture
def asha(live_app):
    """A new hire with an account and a password, and nothing done yet."""
    with live_app.app_context():
        accounts.create_user(email="asha@example.com", name="Asha Achiever", password=PASSWORD)
        db.session.commit()
        db.session.remove()
    return "asha@example.com"


def answer_quiz(page, quiz_id: str) -> None:
    """Answer every question of the attempt page right from the quiz file's key."""
    key = yaml.safe_load((ROOT / "quizzes" / f"{quiz_id}.yml").read_text())["questions"]
    by_id = {q["id"]: q for q in key}
    fieldsets = page.locator("fieldset.quiz-question")
    for index in range(fieldsets.count()):
        fieldset = fieldsets.nth(index)
        name = fieldset.locator("input, select").first.get_attribute("name")
        qid = next(q for q in sorted(by_id, key=len, reverse=True)
                   if name == f"q-{q}" or re.fullmatch(rf"q-{re.escape(q)}-\d+", name))  # fmt: skip
        question, field = by_id[qid], f"q-{qid}"
        kind = question["type"]
        if kind in ("single", "multiple"):
            for option in question["options"]:
                if option.get("correct"):
                    fieldset.locator(f'input[name="{field}"][value="{option["id"]}"]').check()
        elif kind == "true_false":
            value = "true" if question["answer"] else "false"
            fieldset.locator(f'input[name="{field}"][value="{value}"]').check()
        elif kind == "numeric":
            value = question["answer"] if "answer" in question else question["range"][0]
            fieldset.get_by_label(re.compile("Your answer")).fill(f"{value:g}")
        elif kind == "short":
            accepted = question["accepted"][0]
            fieldset.get_by_label("Your answer").fill(
                accepted if isinstance(accepted, str) else accepted["text"]
            )
        elif kind == "matching":
            for i, pair in enumerate(question["pairs"]):
                fieldset.locator(f'select[name="{field}-{i}"]').select_option(pair["right"])
        elif kind == "ordering":
            selects = fieldset.locator("select")
            for k in range(selects.count()):
                select = selects.nth(k)
                label = fieldset.locator(f'label[for="{select.get_attribute("id")}"]')
                select.select_option(str(question["items"].index(label.inner_text().strip()) + 1))


def test_a_new_hire_earns_associate_through_the_pages(page, sign_in, live_app, asha):
    with live_app.app_context():
        catalog = current_catalog()
        labs = {lab_id: catalog.labs[lab_id] for lab_id in (*MACHINE_CHECKED, REVIEWED)}
        expires = format_day(add_months(today(), 6))
    sign_in(asha, PASSWORD)
    page.goto("/certifications/associate")
    expect(page.get_by_role("heading", name="Requirements: 0 of 5 met")).to_be_visible()

    for module_id, quiz_id in MODULES.items():
        page.goto(f"/modules/{module_id}")
        while page.get_by_role("button", name=re.compile("^Mark as read")).count():
            page.get_by_role("button", name=re.compile("^Mark as read")).first.click()
            page.wait_for_load_state()
        page.goto(f"/quizzes/{quiz_id}")
        page.get_by_role("button", name=re.compile(r"Start attempt \d")).click()
        answer_quiz(page, quiz_id)
        page.get_by_role("button", name="Submit for grading").click()
        expect(page.get_by_role("heading", level=2, name=re.compile("Score"))).to_contain_text(
            "Score 100%"
        )
        page.goto(f"/modules/{module_id}")
        expect(page.get_by_text("Module complete", exact=True)).to_be_visible()

    for lab_id, lab in labs.items():
        page.goto(f"/labs/{lab_id}")
        page.get_by_role("button", name="Start the lab").click()
        answer_every_checkpoint(page, lab)
        page.get_by_role("button", name="Submit").click()
        page.wait_for_load_state()
    page.goto("/certifications/associate")
    expect(page.get_by_role("heading", name="Requirements: 4 of 5 met")).to_be_visible()
    expect(page.get_by_text("2 of 3")).to_be_visible()  # the reviewed lab is still waiting
    sign_out(page)

    sign_in("trainer@example.com")
    page.goto("/reviews")
    row = page.get_by_role(
        "row", name=re.compile(f"Asha Achiever.*{re.escape(labs[REVIEWED].title)}")
    )
    row.get_by_role("link", name=re.compile("^Review")).click()
    for checkpoint in labs[REVIEWED].checkpoints:
        if checkpoint.type == "review":
            for i, criterion in enumerate(checkpoint.rubric):
                page.locator(f"#score-{checkpoint.id}-{i}").fill(str(criterion.points))
    page.get_by_role("button", name="Approve (pass)").click()
    expect(page.get_by_text(re.compile("^Approved: "))).to_be_visible()
    sign_out(page)

    sign_in(asha, PASSWORD)
    page.goto("/certifications")
    card = page.locator("section.card", has_text="DWCP v3 Associate")
    expect(card).to_contain_text(f"Certified until {expires}")
    page.get_by_role("link", name="DWCP v3 Associate").click()
    expect(page.get_by_text("automatically", exact=True)).to_be_visible()  # no trainer issued it
