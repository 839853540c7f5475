"""Reports: who sees whom (trainer, manager, mentor, learner), the numbers against the
database, CSV downloads, and a fixed number of queries at two sizes."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, func, select, update

from lms.accounts.models import Role, User
from lms.assessment import attempts
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate, CertificationProgress
from lms.extensions import db
from lms.onboarding import service as onboarding
from lms.reports.csv import BOM
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
QUIZ = "architecture-quiz"


@pytest.fixture
def app_config():
    return {"LMS_NOW": NOW}


@pytest.fixture
def login(client, login):
    """Sign in as someone else: sign out first (signing in while signed in keeps the first)."""

    def switch(user_or_email):
        client.post("/logout")
        return login(user_or_email)

    return switch


def certificate(user, cert_id: str, expires_on: date, cycle: int = 1, **fields) -> Certificate:
    row = Certificate(
        user_id=user.id, certification_id=cert_id, cycle=cycle,
        code=f"C-{user.id}-{cert_id}-{cycle}", issued_on=expires_on - timedelta(days=365),
        expires_on=expires_on, title=cert_id.title(), level=fields.pop("level", 1),
        curriculum_version="v", definition_hash="h", counted={}, **fields,
    )  # fmt: skip
    db.session.add(row)
    return row


def progress(user, cert_id: str, state: str, met: int, total: int, **fields) -> None:
    db.session.add(
        CertificationProgress(
            user_id=user.id, certification_id=cert_id, state=state, met=met, total=total,
            due=fields.get("due", False), renewing=fields.get("renewing", False),
            expires_on=fields.get("expires_on"),
        )
    )  # fmt: skip


@pytest.fixture
def org(make_user):
    """A trainer, a mentor, a manager (a learner by role) and four learners:
    Ann (mentor and manager), Ben (mentor only), Cat (manager only), Dan (neither)."""
    catalog = current_catalog()
    track = onboarding.weekly_tracks(catalog)[0]
    mentor = make_user(role=Role.MENTOR, name="Mia Mentor")
    manager = make_user(role=Role.LEARNER, name="Max Manager")
    people = {"trainer": make_user(role=Role.TRAINER, name="Tia Trainer"), "mentor": mentor,
              "manager": manager}  # fmt: skip
    for name, has_mentor, has_manager, weeks_ago in (
        ("Ann Alpha", True, True, 3), ("Ben Beta", True, False, 1),
        ("Cat Gamma", False, True, 0), ("Dan Delta", False, False, 2),
    ):  # fmt: skip
        person = make_user(name=name, team="SRE" if has_mentor else "Platform")
        person.mentor_id = mentor.id if has_mentor else None
        person.manager_id = manager.id if has_manager else None
        person.start_date = TODAY - timedelta(weeks=weeks_ago)
        onboarding.assign_track(person, track.id, person.start_date, catalog)
        people[name.split()[0].lower()] = person
    ann, cat, dan = people["ann"], people["cat"], people["dan"]
    attempt = attempts.start_attempt(ann.id, catalog.quizzes[QUIZ])
    attempts.submit_attempt(attempt, {})  # nothing answered: failed
    people["attempt"] = attempt
    # The engine stored Ann's live progress on grading; the rows below stand in for it.
    db.session.execute(delete(CertificationProgress))
    certificate(ann, "associate", TODAY + timedelta(days=20))
    certificate(cat, "associate", TODAY + timedelta(days=50))
    certificate(dan, "associate", TODAY - timedelta(days=10))
    # a specialist certification has no level; renewed below
    certificate(dan, "incident-response", TODAY + timedelta(days=10), level=None)
    certificate(dan, "incident-response", TODAY + timedelta(days=400), cycle=2, level=None)
    progress(ann, "associate", "renewal_open", 2, 2, expires_on=TODAY + timedelta(days=20))
    progress(ann, "professional", "ready", 7, 7, due=True)
    progress(people["ben"], "professional", "in_progress", 3, 7)
    progress(cat, "associate", "certified", 2, 2, expires_on=TODAY + timedelta(days=50))
    progress(dan, "associate", "expired", 0, 2, expires_on=TODAY - timedelta(days=10))
    db.session.flush()
    certification.recount_pipeline()  # the rows went in directly, not through the engine
    db.session.commit()
    return people


REPORTS = ("/reports/onboarding", "/reports/certifications", "/reports/expirations?within=90")
EVERYONE = {"Ann Alpha", "Ben Beta", "Cat Gamma", "Dan Delta"}
SEES = {
    "trainer": EVERYONE,
    "manager": {"Ann Alpha", "Cat Gamma"},
    "mentor": {"Ann Alpha", "Ben Beta"},
}
# Expirations list only people whose current certificate expires within 90 days.
EXPIRING = {"Ann Alpha", "Cat Gamma"}


@pytest.mark.parametrize("viewer", ["trainer", "manager", "mentor"])
def test_each_report_shows_the_viewers_people_only(client, login, org, viewer):
    login(org[viewer])
    for url in REPORTS:
        html = client.get(url).get_data(as_text=True)
        expected = SEES[viewer] & EXPIRING if "expirations" in url else SEES[viewer]
        for name in EVERYONE:
            assert (name in html) == (name in expected), (viewer, url, name)
    for url in ("/reports/onboarding.csv", "/reports/certifications.csv",
                "/reports/expirations.csv?within=90"):  # fmt: skip
        text = client.get(url).get_data(as_text=True)
        expected = SEES[viewer] & EXPIRING if "expirations" in url else SEES[viewer]
        for name in EVERYONE:
            assert (name in text) == (name in expected), (viewer, url, name)


KEPT_REPORTS = ("/reports/onboarding", "/reports/certifications", "/reports/expirations")


def test_kept_reports_stay_each_viewers_own(app, org):
    """Three viewers signed in, then each opens the kept reports twice with nothing
    committed between: each sees their own people every time."""
    clients = {who: app.test_client() for who in SEES}
    for who, client in clients.items():
        client.post("/login", data={"email": org[who].email, "password": PASSWORD})
    for _ in range(2):
        for who, client in clients.items():
            for url in KEPT_REPORTS:
                html = client.get(url).get_data(as_text=True)
                expected = SEES[who] & EXPIRING if "expirations" in url else SEES[who]
                for name in EVERYONE:
                    assert (name in html) == (name in expected), (who, url, name)


def test_a_kept_report_shows_what_was_committed_since(
    client, login, org, count_queries, database_url
):
    """Opened again with nothing committed, a kept report (and Team plans) reads only the
    user and the database's stamp; after a commit by this process or by another connection,
    it shows the change."""
    login(org["trainer"])
    ann_id = org["ann"].id
    urls = (*KEPT_REPORTS, "/onboarding/team", f"/reports/quizzes/{QUIZ}")
    for url in urls:
        assert "Ann Alpha" in client.get(url).get_data(as_text=True)
        with count_queries() as statements:
            assert "Ann Alpha" in client.get(url).get_data(as_text=True)
        assert len(statements) == 2, url
    db.session.get(User, ann_id).name = "Ann Renamed"
    db.session.commit()
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        assert "Ann Renamed" in html and "Ann Alpha" not in html, url
    other = create_engine(database_url)
    try:
        with other.begin() as connection:
            connection.execute(update(User).where(User.id == ann_id).values(name="Ann Moved"))
    finally:
        other.dispose()
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        assert "Ann Moved" in html and "Ann Renamed" not in html, url


def test_learners_without_people_get_no_reports(client, login, org):
    login(org["ann"])
    for url in (*REPORTS, "/reports", "/reports/quizzes"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("viewer", ["ann", "mentor", "manager", "trainer"])
def test_record_is_visible_to_the_learner_mentor_manager_and_trainers(client, login, org, viewer):
    login(org[viewer])
    response = client.get(f"/people/{org['ann'].id}/record")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ann Alpha" in html and "Architecture" in html or "architecture" in html.lower()
    review = f'href="/attempts/{org["attempt"].id}"'
    # Attempt reviews open for the learner and the training team only (view_attempt).
    assert (review in html) == (viewer in ("ann", "trainer"))
    assert client.get(f"/people/{org['ann'].id}/record.csv").status_code == 200


@pytest.mark.parametrize("viewer,other", [("ann", "cat"), ("manager", "ben"), ("mentor", "cat")])
def test_record_of_someone_else_is_404(client, login, org, viewer, other):
    login(org[viewer])
    assert client.get(f"/people/{org[other].id}/record").status_code == 404
    assert client.get(f"/people/{org[other].id}/record.csv").status_code == 404
    assert client.get("/people/999999/record").status_code == 404


def test_my_record_and_the_review_says_whose(client, login, org):
    login(org["ann"])
    assert "My training record" in client.get("/me/record").get_data(as_text=True)
    login(org["trainer"])
    html = client.get(f"/people/{org['ann'].id}/record").get_data(as_text=True)
    assert "failed" in html
    review = client.get(f"/attempts/{org['attempt'].id}").get_data(as_text=True)
    assert "Ann Alpha" in review


def test_onboarding_numbers_match_the_plans(client, login, org):
    login(org["trainer"])
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/onboarding.csv").get_data(as_text=True).removeprefix(BOM)
    )))  # fmt: skip
    by_name = {row["name"]: row for row in rows}
    plans = {p.user.name: p.week_plan for p in onboarding.plans_for(
        current_catalog(), TODAY, [org[k].id for k in ("ann", "ben", "cat", "dan")])}  # fmt: skip
    for name, wp in plans.items():
        row = by_name[name]
        assert int(row["done"]) == wp.done and int(row["overdue"]) == len(wp.overdue)
        assert int(row["of_weeks"]) == wp.week_count
    # Who is behind first: Ann started three weeks ago and has done nothing.
    assert rows[0]["name"] == "Ann Alpha" and int(rows[0]["days_behind"]) > 0
    assert int(by_name["Cat Gamma"]["overdue"]) == 0
    html = client.get("/reports/onboarding").get_data(as_text=True)
    behind = html.index("Who is behind")
    assert html.index("Ann Alpha", behind) < html.index("Dan Delta", behind)


def test_certification_matrix_pipeline_filters_and_sort(client, login, org):
    login(org["trainer"])
    html = client.get("/reports/certifications").get_data(as_text=True)
    assert "renewal open" in html and "2 of 2" in html
    only = client.get("/reports/certifications?state=ready").get_data(as_text=True)
    assert "Ann Alpha" in only and "Ben Beta" not in only
    team = client.get("/reports/certifications?team=platform").get_data(as_text=True)
    assert "Cat Gamma" in team and "Ann Alpha" not in team
    manager = client.get(f"/reports/certifications?manager={org['manager'].id}")
    assert {"Ann Alpha", "Cat Gamma"} <= set(
        name for name in EVERYONE if name in manager.get_data(as_text=True)
    ) and "Ben Beta" not in manager.get_data(as_text=True)
    text = client.get("/reports/certifications.csv?sort=cert:associate&dir=desc").get_data(
        as_text=True
    )
    names = [row["name"] for row in csv.DictReader(io.StringIO(text.removeprefix(BOM)))]
    # Most advanced on Associate first: expired (Dan) ranks after renewal_open (Ann).
    assert names.index("Dan Delta") < names.index("Ann Alpha") < names.index("Ben Beta")
    chart = client.get("/reports/certifications/held.svg")
    assert chart.mimetype == "image/svg+xml" and b"<script" not in chart.data
    assert b"Level 1" in chart.data and b"Specialist" in chart.data  # Incident Response
    ready_count = db.session.scalar(select(func.count()).where(CertificationProgress.due.is_(True)))
    assert ready_count == 1


def test_the_matrix_escapes_what_people_typed(client, login, org, make_user):
    """The matrix's rows are drawn in the view: names, teams and managers are escaped."""
    boss = make_user(name='Bo <b>"Boss"</b>')
    odd = make_user(name="<script>x()</script> & Co", team="R&D <i>", manager_email=boss.email)
    progress(odd, "associate", "in_progress", 1, 2)
    db.session.commit()
    login(org["trainer"])
    html = client.get("/reports/certifications?sort=name&dir=asc").get_data(as_text=True)
    assert "<script>x()" not in html and "&lt;script&gt;x()&lt;/script&gt; &amp; Co" in html
    assert "R&amp;D &lt;i&gt;" in html and "Bo &lt;b&gt;&#34;Boss&#34;&lt;/b&gt;" in html
    assert f'<a href="/people/{odd.id}/certifications/associate">' in html and "1 of 2" in html


def test_the_pipeline_reads_stored_counts_less_the_deactivated(org):
    """Everyone's pipeline comes from the stored counts, without the deactivated people's
    rows, and equals the count a narrowed report makes from the people themselves."""
    from lms.accounts import service as accounts
    from lms.reports import service

    trainer = org["trainer"]
    expected = {
        "associate": {"renewal_open": 1, "certified": 1, "expired": 1},
        "professional": {"ready": 1, "in_progress": 1},
    }
    everyone = service.pipeline(trainer, service.Filters(), TODAY)
    assert everyone.states == expected and everyone.ready == {"associate": 0, "professional": 1}
    assert everyone.held_by_level == [(1, 2), (None, 1)]  # Ann and Cat; Dan's specialist one
    accounts.set_active(org["dan"], False)
    db.session.commit()
    del expected["associate"]["expired"]
    without_dan = service.pipeline(trainer, service.Filters(), TODAY)
    assert without_dan.states == expected and without_dan.held_by_level == [(1, 2)]
    mentees = service.pipeline(org["mentor"], service.Filters(), TODAY)  # Ann and Ben
    assert mentees.states == {
        "associate": {"renewal_open": 1},
        "professional": {"ready": 1, "in_progress": 1},
    }
    team = service.pipeline(trainer, service.Filters(team="Platform"), TODAY)  # Cat (not Dan)
    assert team.states == {"associate": {"certified": 1}} and team.held_by_level == [(1, 1)]


def test_expirations_buckets_and_renewed_certificates(client, login, org):
    login(org["trainer"])
    html30 = client.get("/reports/expirations?within=30").get_data(as_text=True)
    assert "Ann Alpha" in html30 and "Cat Gamma" not in html30
    assert "Dan Delta" not in html30  # his incident-response certificate was renewed
    expired = client.get("/reports/expirations?within=expired").get_data(as_text=True)
    assert "Dan Delta" in expired and "Ann Alpha" not in expired
    assert f'href="/people/{org["dan"].id}/record"' in expired
    index = client.get("/reports").get_data(as_text=True)
    assert "1 in 30 days" in index and "2 in 60" in index and "1 recently expired" in index


def test_quiz_report_lists_attempts_and_topics(client, login, org):
    login(org["trainer"])
    html = client.get(f"/reports/quizzes/{QUIZ}").get_data(as_text=True)
    assert "Results by topic" in html
    assert f'href="/attempts/{org["attempt"].id}"' in html and "Ann Alpha" in html
    failed = client.get(f"/reports/quizzes/{QUIZ}?passed=no").get_data(as_text=True)
    assert "Ann Alpha" in failed
    text = client.get(f"/reports/quizzes/{QUIZ}/attempts.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    assert row["learner"] == "Ann Alpha" and row["passed"] == "no"


def test_csv_cells_cannot_become_formulas(client, login, make_user, org):
    ann = org["ann"]
    ann.name = '=HYPERLINK("http://evil.example","x")'
    ann.team = "+SRE"
    db.session.commit()
    login(org["trainer"])
    for url in ("/reports/onboarding.csv", "/reports/certifications.csv",
                f"/people/{ann.id}/record.csv", "/reports/expirations.csv?within=30",
                f"/reports/quizzes/{QUIZ}/attempts.csv"):  # fmt: skip
        response = client.get(url)
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response.headers["Content-Disposition"]
        raw = response.get_data()
        assert raw.startswith(BOM.encode("utf-8")), url
        cells = [c for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], url
        assert not [c for c in cells if c.startswith("-") and not _is_number(c)], url


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_mentor_home_shows_mentees_and_what_waits(client, login, org):
    login(org["mentor"])
    html = client.get("/home").get_data(as_text=True)
    assert "Your people" in html and "Ann Alpha" in html and "Ben Beta" in html
    assert "Cat Gamma" not in html
    login(org["manager"])
    html = client.get("/home").get_data(as_text=True)
    assert "Your people" in html and "Cat Gamma" in html and "Ben Beta" not in html
    login(org["trainer"])
    assert "Your people" not in client.get("/home").get_data(as_text=True)


def _add_people(make_user, count: int, start: int, mentor) -> None:
    mentor_id = mentor.id
    catalog = current_catalog()
    track = onboarding.weekly_tracks(catalog)[0]
    for i in range(start, start + count):
        person = make_user(name=f"Extra {i}", team="SRE")
        person.mentor_id = mentor_id
        onboarding.assign_track(person, track.id, TODAY - timedelta(weeks=i % 4), catalog)
        progress(person, "associate", "certified", 2, 2, expires_on=TODAY + timedelta(days=i))
        certificate(person, "associate", TODAY + timedelta(days=i))
        attempt = attempts.start_attempt(person.id, current_catalog().quizzes[QUIZ])
        attempts.submit_attempt(attempt, {})
    db.session.flush()
    certification.recount_pipeline()
    db.session.commit()


PAGES = (
    "/reports", "/reports/onboarding", "/reports/onboarding.csv", "/reports/certifications",
    "/reports/certifications.csv", "/reports/certifications/held.svg",
    "/reports/expirations", "/reports/expirations.csv", f"/reports/quizzes/{QUIZ}",
    f"/reports/quizzes/{QUIZ}/attempts.csv", "/home",
)  # fmt: skip


def test_reports_run_the_same_queries_at_two_sizes(client, login, make_user, org, count_queries):
    trainer, mentor, ann_id = org["trainer"].email, org["mentor"].email, org["ann"].id
    mentor_user = org["mentor"]

    def queries(viewer: str) -> dict[str, int]:
        login(viewer)
        counts = {}
        urls = [*PAGES, f"/people/{ann_id}/record", f"/people/{ann_id}/record.csv"]
        if viewer == mentor:
            urls = [url for url in urls if "/quizzes" not in url]
        for url in urls:
            with count_queries() as statements:
                response = client.get(url)
                response.get_data()  # a streamed CSV runs its queries as it is read
                assert response.status_code == 200, url
            counts[url] = len(statements)
        return counts

    _add_people(make_user, 2, 0, mentor_user)
    trainer_few, mentor_few = queries(trainer), queries(mentor)
    mentor_user = db.session.merge(mentor_user)
    _add_people(make_user, 40, 100, mentor_user)
    assert queries(trainer) == trainer_few
    assert queries(mentor) == mentor_few
    # the home page carries other areas too (attention list, plan): bounded, not minimal
    assert max(trainer_few.values()) <= 30 and max(mentor_few.values()) <= 30


@pytest.mark.parametrize("who", ["trainer", "manager", "mentor"])
def test_each_expiry_window_lists_as_many_as_its_count_says(app, org, who):
    """The page takes its total from the window counts: they match the listed certificates."""
    from lms.reports import service
    from lms.timeutil import today

    viewer, day = org[who], today()
    counts = service.expiry_counts(viewer, day)
    for key in ("30", "60", "90", "expired"):
        within, expired = (0, True) if key == "expired" else (int(key), False)
        rows, page = service.expirations(viewer, day, within=within, expired=expired, size=None)
        _, counted = service.expirations(viewer, day, within=within, expired=expired, counts=counts)
        assert counts[key] == len(rows) == page.total == counted.total, (who, key)


def test_a_trainers_queues_and_reports_run_these_few_queries(client, login, org, count_queries):
    """The signed-in user, then: the count beside the page in one statement (queues), the
    window's count reused (expirations), the attempts' count read from the totals (quiz).
    The reports and the queues, opened again with nothing committed since, read the
    database's stamp and nothing else (`lms.kept`)."""
    login(org["trainer"])
    expected = {
        "/reviews": 4,  # the user; the stamp; the page with its count; the teams for the filter
        "/certifications/queue": 3,  # the user; the stamp; the page with its count
        "/reports": 2,
        "/reports/expirations": 4,  # the user; the stamp; the window counts; the page
        # the user; the database's stamp; the filter menus; the count, the page and its
        # progress; the pipeline's stored counts (less the deactivated people's), the people
        # holding a certificate
        "/reports/certifications": 8,
        # the user; the stamp; the page with its totals; the filter menus
        "/reports/onboarding": 4,
        # the user; the stamp; the stored totals with the items; the attempts
        f"/reports/quizzes/{QUIZ}": 4,
    }
    # the user; the stamp
    queues = ("/reviews", "/certifications/queue", f"/reports/quizzes/{QUIZ}")
    again = dict.fromkeys((*KEPT_REPORTS, *queues), 2)

    def counted(urls) -> dict[str, int]:
        found = {}
        for url in urls:
            with count_queries() as statements:
                assert client.get(url).status_code == 200, url
            found[url] = len(statements)
        return found

    assert counted(expected) == expected
    assert counted(again) == again


def test_expirations_rows_escape_names_and_show_the_days(client, login, org):
    org["ann"].name = "Ann <b>Alpha</b> & co"
    db.session.commit()
    login(org["trainer"])
    html = client.get("/reports/expirations?within=30").get_data(as_text=True)
    assert "Ann &lt;b&gt;Alpha&lt;/b&gt; &amp; co" in html and "<b>Alpha" not in html
    row = html[html.index("Ann &lt;b&gt;") :]
    row = row[: row.index("</tr>")]
    assert f'href="/people/{org["ann"].id}/record"' in html
    assert re.search(r'<td class="text-end">\d+</td>$', row.strip())
