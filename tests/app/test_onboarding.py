"""Onboarding: assigning tracks (page, CLI, roster), the plan pages, ticking tasks."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.onboarding.models import PlanItemDone, PlanProgress, TrackAssignment

TODAY = date(2026, 11, 25)  # a Wednesday
MONDAY = date(2026, 11, 23)


@pytest.fixture
def app_config():
    return {"LMS_NOW": datetime(2026, 11, 25, 10, 0, tzinfo=UTC)}


@pytest.fixture
def trainer(make_user):
    return make_user(email="trainer@example.com", role=Role.TRAINER)


@pytest.fixture
def hire(make_user):
    return make_user(email="hire@example.com", name="Hana Hire")


def assignments():
    return db.session.execute(select(TrackAssignment.track_id, TrackAssignment.start_date)).all()


def test_trainer_assigns_a_track_and_sees_it_on_the_team_page(client, login, trainer, hire):
    login(trainer)
    response = client.post(
        "/onboarding/assign",
        data={"email": "HIRE@example.com", "track": "new-hire", "start_date": "2026-11-23"},
    )
    assert response.status_code == 302
    assert assignments() == [("new-hire", MONDAY)]
    html = client.get("/onboarding/team").get_data(as_text=True)
    assert "Hana Hire" in html and "Week 1 of 4" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "ghost@example.com"}, b"No user with the email ghost@example.com"),
        ({"track": "ongoing"}, b"Not a valid choice"),
        ({"track": "no-such-track"}, b"Not a valid choice"),
        ({"start_date": "23/11/2026"}, b"Not a valid date value"),
        ({"email": ""}, b"This field is required"),
    ],
    ids=["unknown email", "recurring track", "unknown track", "bad date", "empty email"],
)
def test_bad_assignment_shows_error_and_writes_nothing(client, login, trainer, hire, data, message):
    login(trainer)
    form = {"email": "hire@example.com", "track": "new-hire", "start_date": "2026-11-23", **data}
    response = client.post("/onboarding/assign", data=form)
    assert response.status_code == 400
    assert message in response.data
    assert assignments() == []


def test_learners_cannot_assign(client, login, hire):
    login(hire)
    data = {"email": "hire@example.com", "track": "sre", "start_date": "2026-11-23"}
    assert client.post("/onboarding/assign", data=data).status_code == 403
    assert client.get("/onboarding/team").status_code == 403
    assert assignments() == []


def test_cli_assign(runner, hire):
    result = runner.invoke(args=["onboarding", "assign", "hire@example.com", "sre", "--start",
                                 "2026-11-23"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert assignments() == [("sre", MONDAY)]
    result = runner.invoke(args=["onboarding", "assign", "hire@example.com", "nope", "--start",
                                 "2026-11-23"])  # fmt: skip
    assert result.exit_code == 1 and "No weekly track 'nope'" in result.output


def test_roster_track_column_assigns_plans(client, login, make_user):
    login(make_user(email="admin@example.com", role=Role.ADMIN))
    csv = (
        "email,name,role,team,manager_email,mentor_email,start_date,track\n"
        "new1@example.com,New One,learner,SRE,,,2026-11-23,new-hire\n"
        "new2@example.com,New Two,learner,SRE,,,2026-11-23,\n"
    )
    client.post("/admin/roster/import", data={"content": csv})
    assert assignments() == [("new-hire", MONDAY)]
    # the import counts the new plans at once (Team plans and the report read the counts)
    assert db.session.scalars(select(PlanProgress.track_id)).all() == ["new-hire"]
    client.post("/admin/roster/import", data={"content": csv})  # again: nothing changes
    assert db.session.scalar(select(func.count(TrackAssignment.id))) == 1
    bad = csv.replace(",new-hire", ",no-such-track")
    preview = client.post(
        "/admin/roster",
        data={"roster": (io.BytesIO(bad.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    assert b"Row 2: track: no onboarding track with the id" in preview.data


def assign(hire, track="new-hire", start=MONDAY):
    from lms.catalog import current_catalog
    from lms.onboarding.service import assign_track

    assign_track(hire, track, start, current_catalog())
    db.session.commit()


def test_home_shows_this_week_and_the_next_thing(client, login, hire):
    assign(hire)
    login(hire)
    html = client.get("/home").get_data(as_text=True)
    assert "Week 1 of 4" in html
    assert "This week: Training materials and system architecture" in html
    assert "Next:" in html
    # day-1 items are overdue on Wednesday; the training materials are due Friday
    assert "Overdue" in html and "Due" in html


def test_home_before_the_start_date(client, login, hire):
    assign(hire, start=TODAY + timedelta(days=5))
    login(hire)
    html = client.get("/home").get_data(as_text=True)
    assert "Starts Mon 30 Nov" in html
    assert "This plan starts Mon 30 Nov" in html


def test_reading_a_document_ticks_the_item(client, login, hire):
    assign(hire)
    login(hire)
    client.post("/library/training-materials/read", data={"read": "1"})
    html = client.get("/onboarding/").get_data(as_text=True)
    row = html[html.index('href="/library/training-materials"') - 400 :][:500]
    assert "Done" in row


def test_learner_ticks_tasks_but_not_documents(client, login, hire):
    assign(hire)
    login(hire)
    client.post("/onboarding/new-hire/items", data={"item": "task:get-access", "done": "1"})
    client.post("/onboarding/new-hire/items", data={"item": "doc:training-materials", "done": "1"})
    client.post("/onboarding/new-hire/items", data={"item": "task:not-in-plan", "done": "1"})
    response = client.post(
        "/onboarding/sre/items", data={"item": "task:log-deployments", "done": "1"},
        follow_redirects=True,
    )  # fmt: skip
    assert b"That item is not in your plan." in response.data
    assert db.session.scalars(select(PlanItemDone.item_key)).all() == ["task:get-access"]


def test_plan_page_of_another_person(client, login, make_user, hire):
    assign(hire)
    mentor = make_user(email="mentor@example.com", role=Role.MENTOR)
    hire.mentor_id = mentor.id
    db.session.commit()
    other = make_user(email="other@example.com")
    login(other)
    assert client.get(f"/onboarding/people/{hire.id}").status_code == 404
    client.post("/logout")
    login(mentor)
    html = client.get(f"/onboarding/people/{hire.id}").get_data(as_text=True)
    assert "Hana Hire&#39;s onboarding plan" in html
    assert "Mark done" not in html  # only the learner ticks their own tasks


def test_team_page_lists_overdue_items(client, login, trainer, hire):
    assign(hire, track="sre", start=MONDAY - timedelta(weeks=2))
    login(trainer)
    html = client.get("/onboarding/team").get_data(as_text=True)
    assert "Week 3 of 4" in html
    assert "text-bg-danger" in html  # overdue count badge


def test_plan_page_lists_the_ongoing_track(client, login, hire):
    login(hire)
    html = client.get("/onboarding/").get_data(as_text=True)
    assert "no onboarding plan yet" in html
    for heading in ("Every month", "Every quarter", "Every year"):
        assert heading in html
    assert "Annual certification review" in html
    # six-month certificates come up twice a year, so renewal is checked every quarter
    assert "Renew any certification that expires within three months" in html


def test_team_page_pages_and_searches(client, login, trainer, make_user):
    for i in range(55):
        person = make_user(email=f"cohort{i:02d}@example.com", name=f"Cohort {i:02d}")
        assign(person, start=MONDAY - timedelta(days=i))
    login(trainer)
    html = client.get("/onboarding/team").get_data(as_text=True)
    assert "55 plans, newest start first; page 1 of 2." in html
    assert "Cohort 00" in html and "Cohort 54" not in html
    html = client.get("/onboarding/team?page=2").get_data(as_text=True)
    assert "Cohort 54" in html and "Cohort 00" not in html
    html = client.get("/onboarding/team?q=cohort07").get_data(as_text=True)
    assert "1 plan matching" in html and "Cohort 07" in html and "Cohort 08" not in html


def test_roster_refuses_a_recurring_track(client, login, make_user):
    login(make_user(email="admin@example.com", role=Role.ADMIN))
    csv = (
        "email,name,role,team,manager_email,mentor_email,start_date,track\n"
        "new1@example.com,New One,learner,SRE,,,2026-11-23,ongoing\n"
    )
    response = client.post("/admin/roster/import", data={"content": csv})
    assert b"Row 2: track: no onboarding track with the id &#39;ongoing&#39;" in response.data
    assert assignments() == []


def test_this_week_is_sorted_by_due_date(client, login, hire):
    assign(hire)
    login(hire)
    html = client.get("/home").get_data(as_text=True)
    week = html[html.index('class="list-group this-week"') :]
    week = week[: week.index("</ul>")]
    dues = re.findall(r"· due (\w+(?: \d+ \w+)?)", week)
    order = {"yesterday": -1, "today": 0, "tomorrow": 1}
    days = [order.get(d) if d in order else int(d.split()[1]) - TODAY.day for d in dues]
    assert len(days) > 3 and days == sorted(days)


def test_a_second_track_does_not_hide_the_first_ones_overdue_items(client, login, hire):
    assign(hire, track="sre", start=MONDAY - timedelta(weeks=2))
    assign(hire, track="new-hire", start=MONDAY)
    login(hire)
    html = client.get("/home").get_data(as_text=True)
    assert html.count('class="card my-3 home-plan"') == 2
    assert "Week 3 of 4" in html and "Week 1 of 4" in html
    assert "Overdue from earlier weeks" in html  # the SRE track's weeks 1 and 2


def test_home_lists_the_oldest_five_items_overdue_from_earlier_weeks(client, login, hire):
    assign(hire, start=MONDAY - timedelta(weeks=3))  # weeks 1 to 3 of 4 are all overdue
    login(hire)
    html = client.get("/home").get_data(as_text=True)
    earlier = html[html.index('class="list-group overdue-earlier"') :]
    earlier = earlier[: earlier.index("</ul>")]
    assert earlier.count('class="list-group-item') == 5
    overdue = int(re.search(r"(\d+) overdue</span>", html).group(1))
    this_week = html[html.index('class="list-group this-week"') :]
    this_week = this_week[: this_week.index("</ul>")].count('data-state="overdue"')
    more = overdue - this_week - 5
    assert more > 0 and f"and {more} more overdue from earlier weeks" in html
    assert 'href="/onboarding/#track-new-hire">see them on your plan' in html
    plan = client.get("/onboarding/").get_data(as_text=True)
    assert plan.count('data-state="overdue"') == overdue


def test_due_dates_read_relative_to_today(client, login, hire):
    assign(hire)
    login(hire)
    html = client.get("/onboarding/").get_data(as_text=True)
    assert "· due yesterday" in html or "· due today" in html
    assert "· due Fri 27 Nov" in html and "started Mon 23 Nov 2026" in html


def test_trainer_replaces_and_removes_a_track_and_both_are_audited(client, login, trainer, hire):
    from lms.audit import AuditEvent

    assign(hire, track="new-hire")
    login(trainer)
    html = client.get(f"/onboarding/people/{hire.id}").get_data(as_text=True)
    assert "Replace or remove this track" in html
    response = client.post(
        f"/onboarding/people/{hire.id}/tracks/new-hire/replace",
        data={"replace-new-hire-track": "sre", "replace-new-hire-start_date": "2026-11-16"},
        follow_redirects=True,
    )
    assert b"Hana Hire now follows sre from Mon 16 Nov 2026" in response.data
    assert assignments() == [("sre", date(2026, 11, 16))]
    client.post(f"/onboarding/people/{hire.id}/tracks/sre/remove")
    assert assignments() == []
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.object_type, AuditEvent.payload).order_by(
            AuditEvent.id
        )
    ).all()
    assert [(a, o) for a, o, _ in events][-2:] == [
        ("onboarding.replace", "track_assignment"),
        ("onboarding.remove", "track_assignment"),
    ]
    assert events[-2][2]["from"]["track"] == "new-hire" and events[-1][2]["track"] == "sre"


def test_replacing_with_a_track_already_followed_is_refused(client, login, trainer, hire):
    assign(hire, track="new-hire")
    assign(hire, track="sre")
    login(trainer)
    response = client.post(
        f"/onboarding/people/{hire.id}/tracks/new-hire/replace",
        data={"replace-new-hire-track": "sre", "replace-new-hire-start_date": "2026-11-16"},
        follow_redirects=True,
    )
    assert b"already follows sre" in response.data
    assert sorted(assignments()) == [("new-hire", MONDAY), ("sre", MONDAY)]


def test_only_trainers_change_tracks(client, login, make_user, hire):
    assign(hire)
    mentor = make_user(email="mentor@example.com", role=Role.MENTOR)
    hire.mentor_id = mentor.id
    db.session.commit()
    for person in (hire, mentor):
        login(person)
        assert b"Replace or remove" not in client.get(f"/onboarding/people/{hire.id}").data
        assert (
            client.post(f"/onboarding/people/{hire.id}/tracks/new-hire/remove").status_code == 403
        )
        client.post("/logout")
    assert assignments() == [("new-hire", MONDAY)]


def _assign_inputs(html: str) -> dict[str, str]:
    """The assign form's email and start date inputs, as drawn."""
    return {
        name: re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        for name in ("email", "start_date")
    }


def test_team_page_draws_the_assign_form_empty_on_every_visit(app, client, login, trainer, hire):
    """Team plans draws the empty assign form once per content load and day: a form sent
    back with errors shows what was typed, the next visit an empty one, and the next day
    defaults to that day."""
    login(trainer)
    empty = _assign_inputs(client.get("/onboarding/team").get_data(as_text=True))
    assert 'value="2026-11-25"' in empty["start_date"] and 'value=""' in empty["email"]
    sent = {"email": "ghost@example.com", "track": "sre", "start_date": "2026-12-07"}
    response = client.post("/onboarding/assign", data=sent)
    assert response.status_code == 400
    typed = _assign_inputs(response.get_data(as_text=True))
    assert 'value="ghost@example.com"' in typed["email"]
    assert 'value="2026-12-07"' in typed["start_date"]
    html = client.get("/onboarding/team").get_data(as_text=True)
    assert _assign_inputs(html) == empty and "ghost@example.com" not in html
    app.config["LMS_NOW"] = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    later = _assign_inputs(client.get("/onboarding/team").get_data(as_text=True))
    assert 'value="2026-11-26"' in later["start_date"]


def test_team_count_leaves_out_inactive_people_and_follows_the_search(
    client, login, trainer, make_user
):
    """Team plans counts the plans of active people on weekly tracks, with and without a
    search, as counted from scratch; a page past the last answers 404."""
    login(trainer)
    for n in range(5):
        person = make_user(email=f"p{n}@example.com", name=f"Person {n}")
        data = {"email": person.email, "track": "new-hire", "start_date": "2026-11-23"}
        assert client.post("/onboarding/assign", data=data).status_code == 302
        person.active = n != 3
    db.session.commit()

    def caption(url: str) -> str:
        html = client.get(url).get_data(as_text=True)
        return re.search(r"<caption>(\d+) plans?", html).group(1)

    active = db.session.scalar(
        select(func.count())
        .select_from(TrackAssignment)
        .join(User, User.id == TrackAssignment.user_id)
        .where(User.active.is_(True))
    )
    assert active == 4 and caption("/onboarding/team") == "4"
    assert caption("/onboarding/team?q=person+1") == "1"
    assert "Person 3" not in client.get("/onboarding/team").get_data(as_text=True)
    assert client.get("/onboarding/team?page=2").status_code == 404


def test_team_plans_and_the_report_escape_what_people_typed(client, login, trainer, make_user):
    """Rows filled into a pattern escape names, teams and emails (braces stay as typed)."""
    person = make_user(email="odd@example.com", name='<b>{0} & "Odd"</b>', team="<i>{team}</i>")
    login(trainer)
    data = {"email": person.email, "track": "new-hire", "start_date": "2026-11-02"}
    assert client.post("/onboarding/assign", data=data).status_code == 302
    for url in ("/onboarding/team", "/reports/onboarding"):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;b&gt;{0} &amp; &#34;Odd&#34;&lt;/b&gt;" in html, url
        assert "<b>{0}" not in html and "<i>{team}" not in html, url
    assert "&lt;i&gt;{team}&lt;/i&gt;" in client.get("/reports/onboarding").get_data(as_text=True)
