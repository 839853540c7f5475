"""Every page: one h1, a main landmark and skip link, and a label for every form control."""

import re
from html.parser import HTMLParser

import pytest

from lms.accounts.models import Role

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


class PageAudit(HTMLParser):
    """Collects the facts the checks below need from one HTML page."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.main_ids = []
        self.label_for = set()
        self.controls = []  # (tag, id, has aria-label)
        self.fieldsets = 0
        self.legends = 0
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main_ids.append(attrs.get("id"))
        elif tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
                return
            labelled = "aria-label" in attrs or "aria-labelledby" in attrs
            self.controls.append((tag, attrs.get("id"), labelled))


def audit(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    return page


PAGES = {
    "learner": [
        "/home", "/onboarding/", "/library", "/library/production-operations-runbook",
        "/search?q=rollback", "/modules/", "/modules/daily-operations", "/labs/",
        "/labs/ex-2-2-metric-interpretation", "/quizzes", "/quizzes/architecture-quiz",
        "/account/password", "/my/labs", "/my/evidence", "/account/notifications",
        "/password/forgot",
    ],
    "admin": [
        "/admin/users", "/admin/users/new", "/admin/roster", "/admin/audit", "/people/",
        "/onboarding/team", "/reports/quizzes", "/reports/quizzes/architecture-quiz",
        "/reviews", "/evidence/to-verify",
    ],
}  # fmt: skip
CASES = [(role, url) for role, urls in PAGES.items() for url in urls]


def check(html: str, url: str) -> None:
    page = audit(html)
    assert page.html_lang == "en", url
    assert page.h1 == 1, f"{url}: {page.h1} h1 elements"
    assert page.main_ids == ["main"], url
    assert 'href="#main"' in html, url
    unlabelled = [
        (tag, control_id)
        for tag, control_id, aria in page.controls
        if not aria and control_id not in page.label_for
    ]
    assert unlabelled == [], f"{url}: controls without a label: {unlabelled}"
    assert page.legends == page.fieldsets, url


@pytest.mark.parametrize("role, url", CASES)
def test_pages_are_labelled_and_landmarked(client, make_user, login, role, url):
    login(make_user(role=Role.ADMIN if role == "admin" else Role.LEARNER))
    response = client.get(url)
    assert response.status_code == 200, url
    check(response.get_data(as_text=True), url)


def test_login_page(client):
    check(client.get("/login").get_data(as_text=True), "/login")


def test_an_attempt_in_progress(client, make_user, login):
    login(make_user())
    response = client.post("/quizzes/architecture-quiz/start")
    url = response.headers["Location"]
    assert re.search(r"/attempts/\d+$", url)
    html = client.get(url).get_data(as_text=True)
    check(html, url)
    assert audit(html).fieldsets == 20  # one fieldset with a legend per question


def test_a_lab_draft_its_review_and_the_verification_queue(client, make_user, login):
    trainer = make_user(role=Role.TRAINER)
    learner = make_user(mentor_email=trainer.email)
    login(learner)
    url = client.post("/labs/lab-deploy-to-production/start").headers["Location"]
    html = client.get(url).get_data(as_text=True)
    check(html, url)
    assert audit(html).fieldsets == 7  # one fieldset with a legend per checkpoint
    client.post(
        "/my/evidence",
        data={"kind": "deployment", "happened_on": "2026-01-05", "title": "t", "reference": "r"},
    )
    submission_id = url.rsplit("/", 1)[1]
    from lms.extensions import db
    from lms.practice.models import LabSubmission

    db.session.get(LabSubmission, int(submission_id)).status = "submitted"
    db.session.commit()
    client.post("/logout")
    login(trainer)
    for page_url in (
        f"/reviews/{submission_id}",
        "/evidence/to-verify",
        f"/people/{learner.id}/practice",
    ):
        response = client.get(page_url)
        assert response.status_code == 200, page_url
        check(response.get_data(as_text=True), page_url)
