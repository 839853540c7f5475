"""Report pages and their CSV downloads.

Route table (blueprint `reports`):

    GET  /people/<user_id>/record                    record            a learner's training record
    GET  /people/<user_id>/record.csv                record_csv        the record as CSV
    GET  /me/record                                  my_record         the signed-in learner's own
    GET  /reports                                    index             the reports a viewer has
    GET  /reports/certifications                     certifications    people × certifications
    GET  /reports/certifications.csv                 certifications_csv
    GET  /reports/certifications/held.svg            held_chart        certificates held by level
    GET  /reports/onboarding                         onboarding        week N of M, who is behind
    GET  /reports/onboarding.csv                     onboarding_csv
    GET  /reports/expirations                        expirations       expiring in 30/60/90 days
    GET  /reports/expirations.csv                    expirations_csv
    GET  /reports/quizzes                            quiz_index        every quiz, pass rate
    GET  /reports/quizzes/<quiz_id>                  quiz              scores, topics, attempts
    GET  /reports/quizzes/<quiz_id>/scores.svg       quiz_chart        score distribution (SVG)
    GET  /reports/quizzes/<quiz_id>/items.csv        quiz_items_csv    item statistics as CSV
    GET  /reports/quizzes/<quiz_id>/attempts.csv     quiz_attempts_csv every graded attempt as CSV

Trainers and admins see everyone; a mentor or manager sees the same people reports limited
to their mentees and reports (`service.scope`); quiz reports are the training team's.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    get_template_attribute,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from lms import timefmt
from lms.accounts import service as accounts
from lms.assessment import statistics
from lms.catalog import current_catalog
from lms.kept import kept
from lms.onboarding import service as onboarding
from lms.permissions import allowed, require, require_learner_access
from lms.reports import charts, service
from lms.reports.csv import csv_response
from lms.timefmt import format_day
from lms.timeutil import today
from lms.web import macro_pattern, url_pattern

reports_bp = Blueprint("reports", __name__)


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _sort(default: str) -> tuple[str, bool]:
    sort = request.args.get("sort", default)[:60]
    return sort, request.args.get("dir") == "desc"


def _team_viewer():
    """The signed-in person, if they may see people reports (staff, mentors, managers)."""
    if not service.has_people(current_user):
        abort(403)
    return current_user._get_current_object()


def _scope(viewer) -> tuple:
    """Whose people a viewer's reports cover, for keeping them: everyone's (None) or the
    viewer's mentees and reports (their id); and where the report's links are mounted."""
    return (None if allowed(viewer, "view_reports") else viewer.id, request.script_root)


def _svg(svg: str) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = charts.CHART_CSP
    return response


def _choices(viewer):
    """Teams, managers, mentors and tracks for the filter forms (three queries)."""
    catalog = current_catalog()
    return {
        **service.filter_choices(viewer),
        "tracks": onboarding.weekly_tracks(catalog),
        "states": service.STATE_ORDER,
    }


# --- 1. training record --------------------------------------------------------------------------


def _record_of(user_id: int):
    learner = require_learner_access(current_user, accounts.get_user(user_id))
    return service.training_record(learner, current_catalog(), today())


@reports_bp.route("/people/<int:user_id>/record")
@login_required
def record(user_id: int):
    """A learner's training record: for them, their mentor, their manager and trainers."""
    record = _record_of(user_id)
    return render_template(
        "reports/record.html", record=record, own=record.learner.id == current_user.id,
        see_attempts=allowed(current_user, "view_attempt", record.learner),
    )  # fmt: skip


@reports_bp.route("/people/<int:user_id>/record.csv")
@login_required
def record_csv(user_id: int):
    """The training record as CSV."""
    record = _record_of(user_id)
    return csv_response(
        f"record-{record.learner.id}.csv", service.RECORD_CSV_HEADER,
        service.record_csv_rows(record, current_catalog()),
    )  # fmt: skip


@reports_bp.route("/me/record")
@login_required
def my_record():
    """The signed-in person's own training record."""
    return record(current_user.id)


# --- overview ------------------------------------------------------------------------------------


@reports_bp.route("/reports")
@login_required
def index():
    """The reports this viewer has, with the headline numbers."""
    viewer = _team_viewer()
    return render_template(
        "reports/index.html", expiring=service.expiry_counts(viewer, today()),
        staff=allowed(viewer, "view_reports"),
    )  # fmt: skip


# --- 2. certification progress -------------------------------------------------------------------


@reports_bp.route("/reports/certifications")
@login_required
def certifications():
    """People × certifications with the pipeline summary and the held-by-level chart."""
    viewer = _team_viewer()
    catalog, day, number = current_catalog(), today(), _page()
    filters = service.parse_filters(request.args)
    sort, descending = _sort("name")
    certifications = catalog.curriculum.certifications

    def shown() -> dict[str, Any]:
        rows, page = service.certification_matrix(
            viewer, catalog, filters, sort=sort, descending=descending, page=number
        )
        return dict(
            page=page, pipeline=service.pipeline(viewer, filters, day),
            lines=_matrix_lines(rows, certifications), **_choices(viewer),
        )  # fmt: skip

    key = ("certifications", _scope(viewer), filters, sort, descending, number, day)
    return render_template(
        "reports/certifications.html", filters=filters, sort=sort, descending=descending,
        certifications=certifications, **kept(key, shown, content=catalog),
        narrowed=_narrowing(url_for("reports.certifications"), filters.as_args()),
    )  # fmt: skip


def _narrowing(path: str, args: dict[str, Any]):
    """A function giving the report's URL with its filters and some more (or other) ones,
    as `url_for(endpoint, **dict(args, **more))` would: the pipeline links some forty."""
    kept = tuple(args.items())

    def narrowed(**more: Any) -> str:
        return _narrowed(path, kept, tuple(more.items()))

    return narrowed


@functools.lru_cache(maxsize=4096)
def _narrowed(path: str, args: tuple, more: tuple) -> str:
    """The report's URL with these arguments, built once (every visit asks the same ones)."""
    return f"{path}?{urlencode({**dict(args), **dict(more)}, safe=URL_SAFE)}"


URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unquoted in a query


# a certification not started, as a matrix cell
NOT_STARTED_CELL = '\n      <td><span class="text-muted small">not started</span></td>\n      '


_MATRIX_SLOTS = ("record", "name", "team", "manager", "start", "cells", "expiry")


def _matrix_lines(rows, certifications) -> list[Markup]:
    """Each row's HTML (the `matrix_row` macro's pattern): the person's record link, name,
    team, manager and dates, and a cell per certification (a page has some 300 cells, and
    drawing each through the template cost more than the rest of the page). A cell is made
    from two halves that depend only on the certification, the state and the counts
    (`_cell_halves`), with the person's id between them; what a person typed is escaped."""
    record = url_pattern("reports.record", ids=("user_id",))
    person = url_pattern("certification.person", ids=("user_id",), texts=("cert_id",))
    badge = get_template_attribute("reports/_macros.html", "state_badge")
    badges = _Badges(badge)
    links = [(c.id, *person.format(user_id="\0", cert_id=c.id).split("\0")) for c in certifications]
    pattern = macro_pattern("reports/_certifications.html", "matrix_row", _MATRIX_SLOTS)
    lines = []
    for row in rows:
        user_id, cells, parts = str(row.person.id), row.cells, []
        for cert_id, head, tail in links:
            cell = cells.get(cert_id)
            if cell is None:
                parts.append(NOT_STARTED_CELL)
                continue
            first, second = _cell_halves(head, tail, badges[cell.state], *cell[3:6])
            parts += (first, user_id, second)
        team, manager = row.person.team, row.manager_name
        lines.append(
            Markup(
                pattern.format(
                    record=escape(record.format(user_id=user_id)), name=escape(row.person.name),
                    team=escape(team) if team else "—", manager=escape(manager) if manager else "—",
                    start=_day(row.person.start_date), expiry=_day(row.earliest_expiry),
                    cells="".join(parts),
                )
            )
        )  # fmt: skip
    return lines


def _day(day) -> str:
    """A date as the report shows it ("—" for none)."""
    return format_day(day) if day else "—"


class _Badges(dict):
    """Each state's badge, drawn by the macro the first time the page shows it."""

    def __init__(self, macro) -> None:
        super().__init__()
        self.macro = macro

    def __missing__(self, state: str) -> str:
        drawn = self[state] = str(self.macro(state))
        return drawn


@functools.lru_cache(maxsize=4096)
def _cell_halves(
    head: str, tail: str, badge: str, met: int, total: int, renewing: bool
) -> tuple[str, str]:
    """A matrix cell's HTML before and after the person's id in its link (a few hundred kinds
    at most: six certifications, seven states, their counts), kept across requests."""
    text = f"{'renewal ' if renewing else ''}{met} of {total}"
    return (
        f'\n      <td><a href="{escape(head)}',
        f'{escape(tail)}">{badge} <span class="small">{escape(text)}</span></a></td>\n      ',
    )


MATRIX_HEADER_PEOPLE = ("name", "email", "team", "manager", "start_date")


@reports_bp.route("/reports/certifications.csv")
@login_required
def certifications_csv():
    """The whole matrix (every page) as CSV: state, met of total and expiry per certification."""
    viewer = _team_viewer()
    catalog = current_catalog()
    filters = service.parse_filters(request.args)
    sort, descending = _sort("name")
    rows, _ = service.certification_matrix(
        viewer, catalog, filters, sort=sort, descending=descending, size=None
    )
    certs = catalog.curriculum.certifications
    header = [*MATRIX_HEADER_PEOPLE]
    for c in certs:
        header += [f"{c.id} state", f"{c.id} met", f"{c.id} of", f"{c.id} expires_on"]

    def lines():
        for row in rows:
            p = row.person
            values = [p.name, p.email, p.team, row.manager_name, p.start_date]
            for c in certs:
                cell = row.cells.get(c.id)
                values += (
                    [cell.state, cell.met, cell.total, cell.expires_on]
                    if cell
                    else ["not_started", 0, len(c.requires), None]
                )
            yield values

    return csv_response("certification-progress.csv", header, lines())


@reports_bp.route("/reports/certifications/held.svg")
@login_required
def held_chart():
    """Certificates held by level at each of the last twelve month ends."""
    viewer = _team_viewer()
    filters = service.parse_filters(request.args)
    ends = service.month_ends(today())
    spans = service.certificate_spans(viewer, filters, ends[0].replace(day=1))
    return _svg(charts.held_chart_svg(ends, service.held_by_month(spans, ends)))


# --- 3. onboarding status ------------------------------------------------------------------------


@reports_bp.route("/reports/onboarding")
@login_required
def onboarding_status():
    """Everyone on a weekly track: week N of M, done, due, overdue, days behind."""
    viewer = _team_viewer()
    catalog, day, number = current_catalog(), today(), _page()
    filters = service.parse_filters(request.args)
    sort, descending = _sort("behind")

    def shown() -> dict[str, Any]:
        found = service.onboarding_page(
            viewer, catalog, day, filters, number, sort=sort, descending=descending
        )
        record = url_pattern("reports.record", ids=("user_id",))
        plan = url_pattern("onboarding.person_plan", ids=("user_id",))
        return dict(
            lines=_onboarding_lines(found.rows, record, plan), page=found.page,
            behind=found.behind, behind_count=found.behind_count, record_url=record,
            plan_url=plan, **_choices(viewer),
        )  # fmt: skip

    key = ("onboarding", _scope(viewer), filters, sort, descending, number, day)
    return render_template(
        "reports/onboarding.html", filters=filters, sort=sort, descending=descending,
        **kept(key, shown, content=catalog),
    )  # fmt: skip


_ONBOARDING_SLOTS = ("record_href", "name", "team", "track", "mentor", "start", "week",
                     "plan_href", "done", "total", "due", "overdue_class", "overdue",
                     "days_behind")  # fmt: skip


def _onboarding_lines(rows, record: str, plan: str) -> list[Markup]:
    """The report's rows as HTML: one row pattern and two url patterns, and each distinct
    date and track written once, not once a row."""
    pattern = macro_pattern("reports/_onboarding.html", "onboarding_row", _ONBOARDING_SLOTS)
    late = get_template_attribute("reports/_onboarding.html", "overdue_class")()
    days: dict[Any, Markup] = {}
    tracks: dict[str, Markup] = {}
    lines = []
    for r in rows:
        person = r.person
        if r.start not in days:
            days[r.start] = escape(format_day(r.start))
        if r.track.id not in tracks:
            tracks[r.track.id] = escape(r.track.title)
        week = "not started" if r.week == 0 else f"{r.week} of {r.weeks}"
        lines.append(
            Markup(
                pattern.format(
                    record_href=record.format(user_id=person.id), name=escape(person.name),
                    team=escape(person.team or "—"), track=tracks[r.track.id],
                    mentor=escape(r.mentor_name or "—"), start=days[r.start], week=week,
                    plan_href=plan.format(user_id=person.id), done=r.done, total=r.total,
                    due=r.due, overdue_class=late if r.overdue else "", overdue=r.overdue,
                    days_behind=r.days_behind,
                )
            )
        )  # fmt: skip
    return lines


ONBOARDING_HEADER = (
    "name", "email", "team", "mentor", "track", "start_date", "week", "of_weeks", "done",
    "total", "due", "overdue", "days_behind",
)  # fmt: skip


@reports_bp.route("/reports/onboarding.csv")
@login_required
def onboarding_csv():
    """The onboarding status of everyone shown (every page) as CSV."""
    viewer = _team_viewer()
    filters = service.parse_filters(request.args)
    sort, descending = _sort("behind")
    rows = service.onboarding_status(
        viewer, current_catalog(), today(), filters, sort=sort, descending=descending
    )
    lines = (
        (
            r.person.name,
            r.person.email,
            r.person.team,
            r.mentor_name,
            r.track.title,
            r.start,
            r.week,
            r.weeks,
            r.done,
            r.total,
            r.due,
            r.overdue,
            r.days_behind,
        )  # fmt: skip
        for r in rows
    )
    return csv_response("onboarding-status.csv", ONBOARDING_HEADER, lines)


# --- 4. expirations ------------------------------------------------------------------------------


def _window() -> tuple[int, bool]:
    value = request.args.get("within", "90")
    if value == "expired":
        return 0, True
    return (int(value) if value in ("30", "60", "90") else 90), False


@reports_bp.route("/reports/expirations")
@login_required
def expirations():
    """Certificates expiring within 30, 60 or 90 days, or expired in the last 90."""
    viewer = _team_viewer()
    within, expired = _window()
    day, number = today(), _page()

    def shown() -> dict[str, Any]:
        counts = service.expiry_counts(viewer, day)
        rows, page = service.expirations(
            viewer, day, within=within, expired=expired, page=number, counts=counts
        )
        lines = _expiry_lines(
            rows, expired, url_pattern("reports.record", ids=("user_id",)),
            url_pattern("certification.person", ids=("user_id",), texts=("cert_id",)),
        )  # fmt: skip
        return dict(lines=lines, page=page, counts=counts)

    key = ("expirations", _scope(viewer), within, expired, number, day)
    return render_template(
        "reports/expirations.html", within=within, expired=expired,
        **kept(key, shown, content=current_catalog()),
    )  # fmt: skip


_EXPIRY_SLOTS = ("record_href", "name", "manager", "person_href", "title", "code", "expires",
                 "days")  # fmt: skip


def _expiry_lines(rows, expired: bool, record: str, person: str) -> list[Markup]:
    """The report's rows as HTML: one row pattern, two url patterns, each date written once."""
    pattern = macro_pattern("reports/_expirations.html", "expiry_row", _EXPIRY_SLOTS)
    days: dict[Any, str] = {}
    lines = []
    for r in rows:
        certificate, holder = r.certificate, r.holder
        expires = certificate.expires_on
        if expires not in days:
            days[expires] = format_day(expires)
        lines.append(
            Markup(
                pattern.format(
                    record_href=record.format(user_id=holder.id), name=escape(holder.name),
                    manager=escape(r.manager_name or "—"),
                    person_href=escape(
                        person.format(user_id=holder.id, cert_id=certificate.certification_id)
                    ),
                    title=escape(certificate.title), code=escape(certificate.code),
                    expires=days[expires], days=-r.days_left if expired else r.days_left,
                )
            )
        )  # fmt: skip
    return lines


EXPIRY_HEADER = (
    "holder", "email", "manager", "certification", "level", "code", "issued_on", "expires_on",
    "days_left",
)  # fmt: skip


@reports_bp.route("/reports/expirations.csv")
@login_required
def expirations_csv():
    """The chosen expiry window as CSV."""
    viewer = _team_viewer()
    within, expired = _window()
    rows, _ = service.expirations(viewer, today(), within=within, expired=expired, size=None)
    lines = (
        (
            r.holder.name,
            r.holder.email,
            r.manager_name,
            r.certificate.title,
            r.certificate.level,
            r.certificate.code,
            r.certificate.issued_on,
            r.certificate.expires_on,
            r.days_left,
        )  # fmt: skip
        for r in rows
    )
    name = "expired.csv" if expired else f"expiring-{within}-days.csv"
    return csv_response(name, EXPIRY_HEADER, lines)


# --- 5. quiz reports -----------------------------------------------------------------------------


def _quiz_or_404(quiz_id: str):
    quiz = current_catalog().quizzes.get(quiz_id)
    if quiz is None:
        abort(404)
    return quiz


@reports_bp.route("/reports/quizzes")
@login_required
@require("view_reports")
def quiz_index():
    """Every quiz with its submitted attempts and pass rate."""
    totals = statistics.quiz_totals()
    quizzes = sorted(current_catalog().quizzes.values(), key=lambda q: q.title)
    rows = [(quiz, totals.get(quiz.id, statistics.NO_ATTEMPTS)) for quiz in quizzes]
    return render_template("reports/quizzes.html", rows=rows)


class AttemptRow(NamedTuple):
    """An attempt as the quiz report lists it: links and texts ready to draw."""

    record_href: str
    name: str
    review_href: str
    number: int
    submitted: str
    score: str
    passed: bool | None


def _attempt_rows(attempts) -> list[AttemptRow]:
    """The page's attempts with their links (one url pattern each) and their times and scores
    written out here, in the organisation's zone read once, not by a filter call per cell."""
    record = url_pattern("reports.record", ids=("user_id",))
    review = url_pattern("assessment.attempt", ids=("attempt_id",))
    tz = timefmt.zone()
    return [
        AttemptRow(
            record.format(user_id=person.id),
            person.name,
            review.format(attempt_id=a.id),
            a.number,
            timefmt.format_when(a.submitted_at, tz) if a.submitted_at else "",
            "—" if a.percent is None else f"{a.percent:.0f}%",
            a.passed,
        )
        for a, person in attempts
    ]


def _statistics_tables(quiz, report: statistics.QuizReport) -> tuple[Markup, Markup]:
    """The results by topic and the questions' table, as drawn by `_drawn_tables`."""
    macros = (
        get_template_attribute("reports/_quiz_tables.html", "topics_table"),
        get_template_attribute("reports/_quiz_tables.html", "items_table"),
    )
    return _drawn_tables(quiz.id, quiz.content_hash, tuple(report.items), *macros)


@functools.lru_cache(maxsize=64)
def _drawn_tables(
    quiz_id: str, content_hash: str, items: tuple, topics_table, items_table
) -> tuple[Markup, Markup]:
    """The tables drawn once per version of the quiz, item statistics and templates (a
    reloaded template is a new macro), and kept by those, as charts are by their numbers:
    they change only when an attempt is graded, not with the attempts' page."""
    quiz = current_catalog().quizzes[quiz_id]
    report = statistics.QuizReport(statistics.NO_ATTEMPTS, [], list(items))
    return (
        topics_table(service.topic_results(quiz, report)),
        items_table(service.item_rows(quiz, report)),
    )


@reports_bp.route("/reports/quizzes/<quiz_id>")
@login_required
@require("view_reports")
def quiz(quiz_id: str):
    """A quiz's attempts, pass rate, score distribution, topics and per-question statistics."""
    quiz = _quiz_or_404(quiz_id)
    passed = {"yes": True, "no": False}.get(request.args.get("passed", ""))
    number = _page()

    def shown() -> dict:
        report = statistics.quiz_report(quiz.id)
        attempts, page = service.quiz_attempts(quiz.id, report.totals, page=number, passed=passed)
        topics_table, items_table = _statistics_tables(quiz, report)
        return {"report": report, "topics_table": topics_table, "items_table": items_table,
                "attempts": _attempt_rows(attempts), "page": page}  # fmt: skip

    # the same for everyone who may view reports: kept while the database is unchanged
    key = ("quiz report", quiz.id, passed, number, request.script_root)
    return render_template(
        "reports/quiz.html", quiz=quiz, passed=request.args.get("passed", ""),
        **kept(key, shown, content=current_catalog()),
    )  # fmt: skip


@reports_bp.route("/reports/quizzes/<quiz_id>/scores.svg")
@login_required
@require("view_reports")
def quiz_chart(quiz_id: str):
    """The score distribution as an SVG bar chart (no scripts)."""
    quiz = _quiz_or_404(quiz_id)
    return _svg(charts.score_chart_svg(statistics.quiz_report(quiz.id)))


@reports_bp.route("/reports/quizzes/<quiz_id>/items.csv")
@login_required
@require("view_reports")
def quiz_items_csv(quiz_id: str):
    """The per-question statistics as CSV."""
    quiz = _quiz_or_404(quiz_id)
    rows = service.item_rows(quiz, statistics.quiz_report(quiz.id))
    return csv_response(
        f"{quiz.id}-items.csv", service.ITEMS_CSV_HEADER, service.items_csv_rows(rows)
    )


@reports_bp.route("/reports/quizzes/<quiz_id>/attempts.csv")
@login_required
@require("view_reports")
def quiz_attempts_csv(quiz_id: str):
    """Every graded attempt of the quiz as CSV."""
    quiz = _quiz_or_404(quiz_id)
    attempts, _ = service.quiz_attempts(quiz.id, size=None)
    lines = (
        (u.name, u.email, a.number, a.submitted_at, round(a.percent or 0, 1), a.passed, a.id)
        for a, u in attempts
    )
    return csv_response(f"{quiz.id}-attempts.csv", service.ATTEMPTS_CSV_HEADER, lines)


# --- 6. home: mentors' and managers' people ------------------------------------------------------


@reports_bp.app_context_processor
def _home_people():
    """`people_overview()` for the home page partial (computed only when it is included)."""

    def people_overview():
        if not current_user.is_authenticated:
            return None
        return service.people_overview(current_user, current_catalog(), today())

    return {"people_overview": people_overview}
