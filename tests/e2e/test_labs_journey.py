"""A lab submitted with a file, returned, resubmitted and approved; evidence logged and
verified: the engineer, the trainer and the mentor in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from lms.catalog import current_catalog

pytestmark = pytest.mark.e2e

LAB = "lab-troubleshoot-slow-checkout"
PDF = b"%PDF-1.4\n%diagram\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_out(page):
    page.wait_for_load_state()  # leave no stylesheet half-sent by the live server
    page.get_by_role("button", name="Sign out").click()


def nav(page, name):
    page.wait_for_load_state()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def answer_every_checkpoint(page, lab):
    for checkpoint in lab.checkpoints:
        box = page.locator(f"#checkpoint-{checkpoint.id}")
        if checkpoint.type == "choice":
            box.get_by_label(checkpoint.answer, exact=True).check()
        elif checkpoint.type == "number":
            box.get_by_label(re.compile("^Your answer")).fill(f"{checkpoint.answer:g}")
        elif checkpoint.type == "pattern":
            box.get_by_label("Your answer").fill(checkpoint.accepted[0])
        else:
            box.get_by_label("Your answer").fill("Root cause: pool exhaustion; see the file.")
            box.get_by_label("Add files").set_input_files(
                {"name": "timeline.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )


def review(page, lab, points_of, decision, comment=""):
    nav(page, "Reviews")
    row = page.get_by_role("row", name=re.compile(f"Eli Engineer.*{re.escape(lab.title)}"))
    row.get_by_role("link", name=re.compile("^Review")).click()
    expect(page.get_by_role("link", name="timeline.pdf").first).to_be_visible()
    for checkpoint in lab.checkpoints:
        if checkpoint.type == "review":
            for i, criterion in enumerate(checkpoint.rubric):
                page.locator(f"#score-{checkpoint.id}-{i}").fill(str(points_of(criterion)))
    if comment:
        page.get_by_label("Overall comment to the learner").fill(comment)
    page.get_by_role("button", name=decision).click()


def test_lab_submitted_returned_resubmitted_approved_and_the_plan_follows(page, sign_in, live_app):
    with live_app.app_context():
        lab = current_catalog().labs[LAB]
    sign_in("engineer@example.com")
    page.goto(f"/labs/{LAB}")
    page.get_by_role("button", name="Start the lab").click()
    expect(page.get_by_text("time limit 1 hour (advisory")).to_be_visible()
    page.get_by_role("button", name="Show a hint").click()
    expect(page.get_by_text(lab.hints[0])).to_be_visible()
    answer_every_checkpoint(page, lab)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("A trainer will review it")).to_be_visible()
    sign_out(page)

    sign_in("trainer@example.com")
    review(page, lab, lambda c: 0, "Return with comments", "Add the pool metrics graph.")
    expect(page.get_by_text(re.compile("^Returned: "))).to_be_visible()
    sign_out(page)

    sign_in("engineer@example.com")
    nav(page, "My labs")
    row = page.locator(f'tr[data-lab="{LAB}"]')
    expect(row).to_contain_text("Returned")
    row.get_by_role("link", name=re.compile("^Latest")).click()
    expect(page.get_by_text("Add the pool metrics graph.")).to_be_visible()
    page.get_by_role("button", name="Resubmit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("submission 2")
    expect(page.get_by_text("timeline.pdf")).to_be_visible()  # the file came along
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("A trainer will review it")).to_be_visible()
    sign_out(page)

    sign_in("trainer@example.com")
    review(page, lab, lambda c: c.points, "Approve (pass)")
    expect(page.get_by_text(re.compile("^Approved: "))).to_be_visible()
    sign_out(page)

    sign_in("engineer@example.com")
    nav(page, "My plan")
    item = page.locator("li.plan-item", has_text=lab.title)
    expect(item).to_contain_text("Done")
    expect(item.get_by_role("button")).to_have_count(0)  # no self-tick for labs


def test_deployment_logged_and_verified_moves_the_count(page, sign_in):
    sign_in("engineer@example.com")
    nav(page, "My evidence")
    count = page.locator('[data-kind-count="deployment"]')
    expect(count).to_have_text("5 verified")
    page.get_by_label("Kind").select_option(label="Production deployment carried out")
    page.get_by_label("Title").fill("payments canary to 100%")
    page.get_by_label("Reference").fill("CHG-7001")
    page.get_by_label("What you did").fill("Canary 5-25-50-100, no errors.")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("Logged. It now waits for verification.")).to_be_visible()
    sign_out(page)

    sign_in("mentor@example.com")
    expect(
        page.get_by_role("heading", name="Evidence waiting for your verification")
    ).to_be_visible()
    page.get_by_role("link", name="3 pieces of evidence to verify").click()
    page.get_by_role("button", name=re.compile(r"^Verify\W+payments canary to 100%")).click()
    expect(page.get_by_text("Verified: payments canary to 100%")).to_be_visible()
    sign_out(page)

    sign_in("engineer@example.com")
    nav(page, "My evidence")
    expect(page.locator('[data-kind-count="deployment"]')).to_have_text("6 verified")
