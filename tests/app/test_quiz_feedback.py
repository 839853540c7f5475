"""Feedback on a shipped quiz's result: each weak topic links to the sections that teach it."""

import re
from html import unescape

from lms.assessment import attempts
from lms.catalog import current_catalog
from lms.extensions import db


def test_a_failed_shipped_quiz_links_weak_topics_to_their_sections(client, make_user, login):
    learner = make_user()
    login(learner)
    quiz = current_catalog().quizzes["incident-response-quiz"]
    attempt = attempts.start_attempt(learner.id, quiz)
    attempts.submit_attempt(attempt, {})
    db.session.commit()
    html = unescape(client.get(f"/attempts/{attempt.id}").get_data(as_text=True))
    topics = {q["topic"] for q in attempt.questions}
    assert all(f">{topic}</th>" in html for topic in topics)
    links = set(re.findall(r'href="(/(?:library|modules)/[^"#]+#[^"]+)"', html))
    assert links, "no link to a section"
    sources = {q["source"] for q in attempt.questions}
    for link in links:  # every link is one of the served questions' sources
        kind = "doc" if link.startswith("/library/") else "module"
        item, section = link.split("/", 2)[2].split("#")
        assert f"{kind}:{item}#{section}" in sources, link
