"""The library, a document page, marking it read, search, and hostile Markdown."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import DocumentRead
from tests.content_tree import copy_content

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def learner(make_user, login):
    user = make_user(email="reader@example.com")
    login(user)
    return user


def test_library_arranges_documents_by_audience_task_and_symptom(client, learner):
    html = client.get("/library").get_data(as_text=True)
    for heading in ("I need to…", "By symptom", "By audience", "All documents"):
        assert heading in html
    assert "…respond to an incident" in html
    assert "Service is down" in html
    assert "New hires" in html
    assert html.count('href="/library/') >= 9


def test_each_symptom_links_to_the_section_that_answers_it(client, learner):
    html = client.get("/library").get_data(as_text=True)
    url = "/library/metrics-interpretation-guide#high-latency-diagnosis"
    assert f'<a class="symptom-start" href="{url}">Start here: High latency diagnosis</a>' in html
    assert html.count('class="symptom-start"') == 7
    page = client.get("/library/metrics-interpretation-guide").get_data(as_text=True)
    assert 'id="high-latency-diagnosis"' in page


def test_document_page_shows_toc_metadata_and_modules(client, learner):
    html = client.get("/library/production-operations-runbook").get_data(as_text=True)
    assert "Production critical" in html
    assert 'href="#daily-operations"' in html  # table of contents
    assert "When to use it" in html
    assert 'href="/modules/daily-operations"' in html  # modules that use it
    assert "Mark as read" in html


def test_mark_document_read_and_unread(client, learner):
    response = client.post("/library/training-materials/read", data={"read": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(DocumentRead.doc_id)) == "training-materials"
    client.post("/library/training-materials/read", data={"read": "1"})  # twice: still one row
    assert len(db.session.scalars(select(DocumentRead)).all()) == 1
    assert "You have read this document." in client.get("/library/training-materials").text
    client.post("/library/training-materials/read", data={"read": "0"})
    assert db.session.scalars(select(DocumentRead)).all() == []


def test_unknown_document_is_404(client, learner):
    assert client.get("/library/no-such-doc").status_code == 404
    assert client.post("/library/no-such-doc/read", data={"read": "1"}).status_code == 404


def test_search_ranks_and_highlights(client, learner):
    html = client.get("/search?q=connection+pool+exhausted").get_data(as_text=True)
    assert "results for" in html
    assert "<mark>" in html
    first = html.index('class="fw-semibold"')
    assert "Database connection pool exhausted" in html[first : first + 400]


def test_search_escapes_the_query_and_snippets(client, learner):
    html = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_labs_pages_show_checkpoints_but_never_answers(client, learner):
    html = client.get("/labs/ex-5-1-query-optimization").get_data(as_text=True)
    assert "Checkpoints" in html
    assert "A number" in html
    assert "tolerance" not in html
    assert client.get("/labs/").status_code == 200


HOSTILE = """---
id: hostile
title: Hostile
order: 10
audience: [sre]
classification: internal
summary: Tries everything.
when_to_use: [Never]
---
## Attack

<script>alert('x')</script>
<img src=x onerror="alert('img')">
<iframe src="https://evil.example.com"></iframe>
<svg onload="alert('svg')"><circle r="1"/></svg>
<a href="javascript:alert('a')">click</a>
[md link](javascript:alert('md'))
[data](data:text/html;base64,PHNjcmlwdD4=)
<div onclick="alert('div')">div</div>
"""


@pytest.fixture
def app_config(request, tmp_path):
    if request.node.get_closest_marker("hostile") is None:
        return {}
    tree = copy_content(tmp_path / "hostile")
    (tree / "docs" / "hostile.md").write_text(HOSTILE)
    return {"LMS_CONTENT_DIR": str(tree)}


@pytest.mark.hostile
def test_hostile_markdown_comes_out_clean_through_the_real_page(client, learner):
    html = client.get("/library/hostile").get_data(as_text=True)
    body = html[html.index("<hr>") :]
    for bad in ("<script>alert", "onerror", "<iframe", "<svg", "onload", "javascript:", "data:text",
                "onclick"):  # fmt: skip
        assert bad not in body, bad
    assert "click" in body and "md link" in body


def test_bad_read_value_is_reported_and_changes_nothing(client, learner):
    response = client.post(
        "/library/training-materials/read", data={"read": "yes"}, follow_redirects=True
    )
    assert "That did not work. Reload the page and try again." in response.text
    assert db.session.scalars(select(DocumentRead)).all() == []


def test_search_answers_the_person_in_trouble(client, learner):
    html = client.get("/search?q=checkout+is+slow").get_data(as_text=True)
    first = html.index('class="fw-semibold"')
    assert "High API latency" in html[first : first + 600]
    assert "Top 20 of" in html  # the count says it is capped


def test_search_reads_past_one_typo(client, learner):
    html = client.get("/search?q=latncy").get_data(as_text=True)
    assert "<strong>latency</strong> (you typed “latncy”)" in html
    assert "<mark>latency</mark>" in html.lower() or "<mark>Latency</mark>" in html


@pytest.mark.parametrize("query", ["", "zzqx+wvvk"])
def test_empty_or_fruitless_search_offers_the_symptoms(client, learner, query):
    html = client.get(f"/search?q={query}").get_data(as_text=True)
    assert "Start from the symptom" in html and "High latency" in html


def test_a_long_document_keeps_its_contents_in_reach(client, learner):
    html = client.get("/library/production-operations-runbook").get_data(as_text=True)
    assert 'id="contents"' in html and 'class="card doc-toc"' in html
    sections = html.count("<h2 id=")
    assert sections > 5
    assert html.count('href="#contents">Back to contents</a>') == sections
    css = (REPO_ROOT / "static/css/app.css").read_text()
    assert ".doc-toc { position: sticky;" in css
