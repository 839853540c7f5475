"""Quiz pages: the quiz list, a quiz, taking and reviewing an attempt, and quiz reports.

Route table (blueprint `assessment`):

    GET  /quizzes                                  quizzes       the quiz list
    GET  /quizzes/<quiz_id>                        quiz          settings, history, start
    POST /quizzes/<quiz_id>/start                  start         start or resume an attempt
    GET  /attempts/<attempt_id>                    attempt       take it (open) or its result
    POST /attempts/<attempt_id>                    save          save answers, or submit
    GET  /reports/quizzes                          report_index  every quiz: attempts, pass rate
    GET  /reports/quizzes/<quiz_id>                report        one quiz: distribution, items
    GET  /reports/quizzes/<quiz_id>/scores.svg     report_chart  score distribution (SVG)
    GET  /reports/quizzes/<quiz_id>/items.csv      report_csv    item statistics as CSV
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms import events
from lms.assessment import service
from lms.assessment.forms import (
    AttemptForm,
    StartForm,
    display_values,
    field_name,
    read_responses,
)
from lms.assessment.models import QuizAttempt
from lms.assessment.review import describe_key, describe_response
from lms.catalog import current_catalog
from lms.permissions import allowed, require
from lms.timeutil import as_utc, utcnow
from lms.transaction import unit_of_work
from lms.web import commit_or_report

assessment_bp = Blueprint("assessment", __name__)
_SCRIPT = re.compile(r"<script\b.*?</script>|<script\b[^>]*/>", re.S)

FLAG_LABELS = {
    "too_easy": "too easy",
    "too_hard": "too hard",
    "negative_discrimination": "negative discrimination",
    "low_discrimination": "low discrimination",
    "few_responses": "too few responses",
}


def _quiz_or_404(quiz_id: str):
    quiz = current_catalog().quizzes.get(quiz_id)
    if quiz is None:
        abort(404)
    return quiz


def _when(moment: datetime | None) -> str:
    return as_utc(moment).strftime(service.TIME_FORMAT) if moment else ""


@assessment_bp.app_template_filter("utc")
def utc_filter(moment: datetime | None) -> str:
    """Format a stored moment as "YYYY-MM-DD HH:MM UTC"."""
    return _when(moment)


# --- learners: quizzes -------------------------------------------------------------------------


@assessment_bp.route("/quizzes")
@login_required
def quizzes():
    """Every quiz, module quizzes by module number then exams, with the learner's standing."""
    with unit_of_work():
        service.close_expired(user_id=current_user.id)
    content = current_catalog()
    summaries = service.summaries_for(current_user.id)
    module_quizzes, exams = [], []
    for quiz in content.quizzes.values():
        module = content.modules.get(quiz.module) if quiz.module else None
        summary = summaries.get(quiz.id)
        used = summary.attempts_used if summary else 0
        row = {
            "quiz": quiz,
            "module": module,
            "best": summary.best_percent if summary else None,
            "used": used,
            "left": None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0),
            "open": bool(summary and summary.has_open),
        }
        (module_quizzes if module else exams).append(row)
    module_quizzes.sort(key=lambda r: (r["module"].number, r["quiz"].id))
    exams.sort(key=lambda r: r["quiz"].title)
    return render_template("assessment/quizzes.html", module_quizzes=module_quizzes, exams=exams)


@assessment_bp.route("/quizzes/<quiz_id>")
@login_required
def quiz(quiz_id: str):
    """A quiz's settings, the learner's attempts, and Start/Resume (or when it next opens)."""
    quiz = _quiz_or_404(quiz_id)
    with unit_of_work():
        service.close_expired(user_id=current_user.id, quiz_id=quiz.id)
    state = service.quiz_state(quiz, service.attempts_of(current_user.id, quiz.id))
    module = current_catalog().modules.get(quiz.module) if quiz.module else None
    return render_template(
        "assessment/quiz.html", quiz=quiz, state=state, module=module, form=StartForm(),
        blockers=_start_blockers(quiz.id),
    )  # fmt: skip


def _start_blockers(quiz_id: str) -> list[events.Blocker]:
    """What other areas (certification exams' prerequisites) say must happen first."""
    return events.blockers(
        events.quiz_start_blockers, user=current_user._get_current_object(), quiz_id=quiz_id
    )


@assessment_bp.route("/quizzes/<quiz_id>/start", methods=["POST"])
@login_required
def start(quiz_id: str):
    """Start a new attempt, or resume the open one."""
    quiz = _quiz_or_404(quiz_id)
    if not StartForm().validate_on_submit():
        flash("The form expired. Try again.", "danger")
        return redirect(url_for("assessment.quiz", quiz_id=quiz.id))
    blockers = _start_blockers(quiz.id)
    if blockers:
        flash("This exam cannot start yet: " + "; ".join(b.text for b in blockers), "danger")
        return redirect(url_for("assessment.quiz", quiz_id=quiz.id))
    ok, attempt = commit_or_report(None, lambda: service.start_attempt(current_user.id, quiz))
    if not ok:
        return redirect(url_for("assessment.quiz", quiz_id=quiz.id))
    return redirect(url_for("assessment.attempt", attempt_id=attempt.id))


# --- attempts ----------------------------------------------------------------------------------


def _attempt_or_404(attempt_id: int) -> QuizAttempt:
    """The attempt, if the viewer is its learner or on the training team; 404 otherwise."""
    attempt = service.get_attempt(attempt_id)
    if attempt is None or not (
        attempt.user_id == current_user.id or allowed(current_user, "view_reports")
    ):
        abort(404)
    return attempt


@assessment_bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Take an open attempt, or see a graded one (with the review its quiz allows)."""
    attempt = _attempt_or_404(attempt_id)
    if attempt.is_open and service.time_is_up(attempt):
        with unit_of_work():
            service.close_expired(user_id=attempt.user_id, quiz_id=attempt.quiz_id)
    if attempt.is_open:
        if attempt.user_id != current_user.id:
            answers = service.answers_of(attempt)
            return render_template("assessment/in_progress.html", attempt=attempt, answers=answers)
        return _render_take(attempt, AttemptForm())
    return _render_result(attempt)


def _render_take(attempt: QuizAttempt, form: AttemptForm, read=None):
    answers = service.answers_of(attempt)
    responses = {row.question_id: row.response for row in answers}
    errors = {}
    if read is not None:
        responses.update(read.responses)
        responses.update(read.raw)
        errors = read.errors
    seconds_left = None
    if attempt.deadline_at is not None:
        seconds_left = max(0, int((as_utc(attempt.deadline_at) - utcnow()).total_seconds()))
    answered = sum(1 for value in responses.values() if value not in (None, "", [], {}))
    return render_template(
        "assessment/take.html",
        attempt=attempt,
        form=form,
        values=display_values(attempt.questions, attempt.option_orders, responses),
        errors=errors,
        field_name=field_name,
        seconds_left=seconds_left,
        answered=answered,
    )


def _render_result(attempt: QuizAttempt):
    quiz = current_catalog().quizzes.get(attempt.quiz_id)
    used = len(service.attempts_of(attempt.user_id, attempt.quiz_id))
    owner = attempt.user_id == current_user.id
    show_review = service.review_visible(attempt, quiz, used) or not owner
    items = []
    if show_review:
        answers = service.answers_of(attempt)
        by_id = {q["id"]: q for q in attempt.questions}
        for number, row in enumerate(answers, start=1):
            question = by_id[row.question_id]
            items.append(
                {
                    "number": number,
                    "question": question,
                    "response": describe_response(question, row.response),
                    "key": describe_key(question),
                    "score": row.score or 0.0,
                    "points": row.points,
                }
            )
    return render_template(
        "assessment/result.html",
        attempt=attempt,
        quiz=quiz,
        owner=owner,
        show_review=show_review,
        items=items,
        attempts_used=used,
    )


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@assessment_bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int):
    """Save the answers on the page (Save, or autosave), or save and submit (Submit)."""
    attempt = _attempt_or_404(attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    form = AttemptForm()
    if not form.validate_on_submit():
        if _wants_json():
            return jsonify(error="The form expired. Reload the page."), 400
        flash("The form expired. Your last answers were not saved; reload and try again.", "danger")
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    read = read_responses(attempt.questions, attempt.option_orders, request.form)
    submitting = request.form.get("action") == "submit" and not read.errors
    write = service.submit_attempt if submitting else service.save_answers
    ok, outcome = commit_or_report(None, lambda: write(attempt, read.responses))
    if not ok:
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    if _wants_json():
        return jsonify(
            saved=outcome.saved,
            closed=outcome.closed,
            errors=read.errors,
            result_url=url_for("assessment.attempt", attempt_id=attempt.id),
        )
    if outcome.late:
        flash(
            f"Time was up at {_when(attempt.deadline_at)}: answers sent after it were not "
            "counted. The attempt was graded with the answers saved before.",
            "warning",
        )
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    if outcome.closed:
        if submitting:
            flash("Your attempt is submitted and graded.", "success")
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    if read.errors:
        message = "Some answers need fixing (marked below); the others are saved."
        if request.form.get("action") == "submit":
            message = "Not submitted yet: fix the marked answers, then submit again."
        flash(message, "danger")
        return _render_take(attempt, AttemptForm(), read)
    flash(f"Saved at {utcnow().strftime('%H:%M:%S')} UTC.", "success")
    return redirect(url_for("assessment.attempt", attempt_id=attempt.id))


# --- training team: reports --------------------------------------------------------------------


@assessment_bp.route("/reports/quizzes")
@login_required
@require("view_reports")
def report_index():
    """Every quiz with its submitted attempts and pass rate."""
    totals = service.quiz_totals()
    quizzes = sorted(current_catalog().quizzes.values(), key=lambda q: q.title)
    empty = service.QuizTotals(0, 0, 0, None)
    rows = [(quiz, totals.get(quiz.id, empty)) for quiz in quizzes]
    return render_template("reports/quizzes.html", rows=rows)


def _item_rows(quiz, report) -> list[dict]:
    prompts = {q.id: q for q in quiz.questions}
    return [
        {
            "stat": stat,
            "question": prompts.get(stat.question_id),
            "flags": [FLAG_LABELS.get(f, f) for f in stat.flags],
        }
        for stat in report.items
    ]


@assessment_bp.route("/reports/quizzes/<quiz_id>")
@login_required
@require("view_reports")
def report(quiz_id: str):
    """A quiz's attempts, pass rate, score distribution and per-question statistics."""
    quiz = _quiz_or_404(quiz_id)
    report = service.quiz_report(quiz.id)
    return render_template(
        "reports/quiz.html", quiz=quiz, report=report, items=_item_rows(quiz, report)
    )


@assessment_bp.route("/reports/quizzes/<quiz_id>/scores.svg")
@login_required
@require("view_reports")
def report_chart(quiz_id: str):
    """The score distribution as an SVG bar chart (no scripts)."""
    import pygal
    from pygal.style import Style

    quiz = _quiz_or_404(quiz_id)
    report = service.quiz_report(quiz.id)
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=False,
        show_legend=False,
        width=720,
        height=320,
        title="Scores of submitted attempts (percent)",
        x_title="Score (percent)",
        y_title="Attempts",
        style=Style(background="white", plot_background="white", colors=("#0d6efd",)),
    )
    chart.x_labels = [label for label, _ in report.histogram]
    chart.add("Attempts", [count for _, count in report.histogram])
    # pygal always writes a config <script>; it would never run (an <img> runs no script,
    # and the CSP below forbids it), but the chart needs none, so it is left out.
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@assessment_bp.route("/reports/quizzes/<quiz_id>/items.csv")
@login_required
@require("view_reports")
def report_csv(quiz_id: str):
    """The per-question statistics as CSV."""
    quiz = _quiz_or_404(quiz_id)
    report = service.quiz_report(quiz.id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["question_id", "topic", "type", "times_served", "facility", "discrimination", "flags"]
    )
    for row in _item_rows(quiz, report):
        stat, question = row["stat"], row["question"]
        writer.writerow(
            [
                stat.question_id,
                _csv_safe(question.topic) if question else "",
                question.type if question else "",
                stat.times_served,
                f"{stat.facility:.3f}",
                "" if stat.discrimination is None else f"{stat.discrimination:.3f}",
                " ".join(stat.flags),
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{quiz.id}-items.csv"'},
    )


def _csv_safe(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
