"""Plan item rows written in Python (lms/onboarding/html.py): escaped, linked, ticked."""

import re
from datetime import date

from lms.onboarding.html import plan_rows
from lms.onboarding.rules import ItemState, PlanItem

TODAY = date(2026, 11, 25)


def _rows(app, states, **kwargs) -> list[str]:
    with app.test_request_context("/onboarding/"):
        html = str(plan_rows(states, today=TODAY, **kwargs))
    return re.findall(r"<li .*?</li>", html, re.S)


def test_rows_link_each_kind_escape_what_content_says_and_show_the_due_day(app):
    states = [
        ItemState(PlanItem("doc:production-operations-runbook", "Runbook <b>", 1), TODAY, "due"),
        ItemState(PlanItem("module:m1", "Module & more", 1, note="<i>note</i>"), TODAY, "done"),
        ItemState(PlanItem("lab:lab-1", "A lab", 2), date(2026, 11, 24), "overdue"),
        ItemState(PlanItem("task:meet", 'Meet "them"', 2), date(2026, 12, 8), "upcoming"),
    ]
    doc, module, lab, task = _rows(app, states, own=False, tick_url=None)
    assert '<a href="/library/production-operations-runbook">Runbook &lt;b&gt;</a>' in doc
    assert 'data-state="due"' in doc and "· due today" in doc and ">Read<" in doc
    assert '<a href="/modules/m1">Module &amp; more</a>' in module
    assert "&lt;i&gt;note&lt;/i&gt;" in module and "text-bg-success" in module
    assert '<a href="/labs/lab-1">A lab</a>' in lab and "· due yesterday" in lab
    assert "Meet &#34;them&#34;" in task and "<a " not in task and "<form" not in task
    assert "Tue 8 Dec" in task


def test_only_ones_own_tasks_get_a_tick_form_with_the_token_and_the_way_back(app):
    states = [
        ItemState(PlanItem("task:meet", "Meet <them>", 1), TODAY, "due"),
        ItemState(PlanItem("task:read", "Read", 1), TODAY, "done"),
        ItemState(PlanItem("doc:production-operations-runbook", "Runbook", 1), TODAY, "due"),
    ]
    open_task, done_task, doc = _rows(app, states, own=True, tick_url="/t?x=1&y=2", back="home")
    assert 'action="/t?x=1&amp;y=2"' in open_task
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', open_task)
    assert 'name="item" value="task:meet"' in open_task and 'name="back" value="home"' in open_task
    assert 'name="done" value="1"' in open_task and "Mark done" in open_task
    assert 'visually-hidden">: Meet &lt;them&gt;' in open_task
    assert 'name="done" value="0"' in done_task and "Untick" in done_task
    assert "<form" not in doc
