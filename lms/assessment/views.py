"""Quiz pages: the quiz list, a quiz, taking and reviewing an attempt.

Route table (blueprint `assessment`):

    GET  /quizzes                                  quizzes       the quiz list
    GET  /quizzes/<quiz_id>                        quiz          settings, history, start
    POST /quizzes/<quiz_id>/start                  start         start or resume an attempt
    GET  /attempts/<attempt_id>                    attempt       take it (open) or its result
    POST /attempts/<attempt_id>                    save          save answers, or submit

Quiz reports are in lms/reports/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import (
    Blueprint,
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
from lms.accounts import service as accounts
from lms.assessment import attempts, questions, rules
from lms.assessment.forms import (
    AttemptForm,
    ConfirmSubmitForm,
    StartForm,
    display_values,
    read_responses,
)
from lms.assessment.models import QuizAttempt
from lms.catalog import current_catalog, item_url
from lms.permissions import allowed
from lms.timefmt import format_when, local, zone
from lms.timeutil import as_utc, utcnow
from lms.transaction import unit_of_work
from lms.web import commit_or_report

assessment_bp = Blueprint("assessment", __name__)


def _quiz_or_404(quiz_id: str):
    quiz = current_catalog().quizzes.get(quiz_id)
    if quiz is None:
        abort(404)
    return quiz


def _when(moment: datetime | None) -> str:
    return format_when(moment, zone()) if moment else ""


# --- learners: quizzes -------------------------------------------------------------------------


@assessment_bp.route("/quizzes")
@login_required
def quizzes():
    """Every quiz, module quizzes by module number then exams, with the learner's standing."""
    module_quizzes, exams = attempts.quiz_rows(current_catalog(), current_user.id)
    if any(row.time_is_up for row in module_quizzes + exams):
        with unit_of_work():
            attempts.close_expired(user_id=current_user.id)
        module_quizzes, exams = attempts.quiz_rows(current_catalog(), current_user.id)
    return render_template("assessment/quizzes.html", module_quizzes=module_quizzes, exams=exams)


@assessment_bp.route("/quizzes/<quiz_id>")
@login_required
def quiz(quiz_id: str):
    """A quiz's settings, the learner's attempts, and Start/Resume (or when it next opens)."""
    quiz = _quiz_or_404(quiz_id)
    mine = attempts.attempts_of(current_user.id, quiz.id)
    if attempts.expired(mine):
        with unit_of_work():
            attempts.close_expired(user_id=current_user.id, quiz_id=quiz.id)
        mine = attempts.attempts_of(current_user.id, quiz.id)
    state = attempts.quiz_state(quiz, mine)
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
    ok, attempt = commit_or_report(None, lambda: attempts.start_attempt(current_user.id, quiz))
    if not ok:
        return redirect(url_for("assessment.quiz", quiz_id=quiz.id))
    return redirect(url_for("assessment.attempt", attempt_id=attempt.id))


# --- attempts ----------------------------------------------------------------------------------


def _attempt_or_404(attempt_id: int) -> tuple[QuizAttempt, object]:
    """The attempt and its learner, if the viewer may see it (`view_attempt`); else 404."""
    attempt = attempts.get_attempt(attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id == current_user.id:
        learner = current_user
    else:
        learner = accounts.get_user(attempt.user_id)
    if not allowed(current_user, "view_attempt", learner):
        abort(404)
    return attempt, learner


@assessment_bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Take an open attempt, or see a graded one (with the review its quiz allows)."""
    attempt, learner = _attempt_or_404(attempt_id)
    if attempt.is_open and attempts.time_is_up(attempt):
        with unit_of_work():
            attempts.close_expired(user_id=attempt.user_id, quiz_id=attempt.quiz_id)
    if attempt.is_open:
        if attempt.user_id != current_user.id:
            answers = attempts.answers_of(attempt)
            return render_template(
                "assessment/in_progress.html",
                attempt=attempts.open_attempt_view(attempt),
                answered=sum(1 for row in answers if not questions.is_blank(row.response)),
                total=len(answers),
                learner=learner,
            )
        return _render_take(attempt, AttemptForm())
    quiz = current_catalog().quizzes.get(attempt.quiz_id)
    review = attempts.review_attempt(attempt, quiz, current_user.id, learner.name)
    return render_template(
        "assessment/result.html", review=review, quiz=quiz, links=_study_links(review)
    )


@dataclass(frozen=True)
class StudyLink:
    """Where a weak topic or a question is taught, as a link."""

    url: str
    label: str


def _study_links(review: attempts.AttemptReview) -> dict[rules.Source, StudyLink]:
    """Links to the documents and module sections the review's sources name (if they exist)."""
    catalog = current_catalog()
    sources = {s for topic in review.topics for s in topic.sources}
    sources |= {item.source for item in review.items if item.source is not None}
    links = {}
    for source in sources:
        items = catalog.documents if source.kind == "doc" else catalog.modules
        page, url = items.get(source.item_id), item_url(source.kind, source.item_id)
        if page is None or url is None:
            continue
        label = page.title
        if source.section:
            titles = {s.slug: s.title for s in getattr(page, "sections", ())}
            label += " › " + titles.get(source.section, source.section.replace("-", " "))
            url += "#" + source.section
        links[source] = StudyLink(url, label)
    return links


def _render_take(attempt: QuizAttempt, form: AttemptForm, read=None):
    """The attempt page: only the public view of each served question reaches the template."""
    answers = attempts.answers_of(attempt)
    responses = {row.question_id: row.response for row in answers}
    errors = {}
    if read is not None:
        responses.update(read.responses)
        responses.update(read.raw)
        errors = read.errors
    seconds_left = None
    if attempt.deadline_at is not None:
        seconds_left = max(0, int((as_utc(attempt.deadline_at) - utcnow()).total_seconds()))
    answered = sum(1 for value in responses.values() if not questions.is_blank(value))
    shown = attempts.open_attempt_view(attempt)
    return render_template(
        "assessment/take.html",
        attempt=shown,
        form=form,
        questions=shown.questions,
        values=display_values(attempt.questions, attempt.option_orders or {}, responses),
        errors=errors,
        seconds_left=seconds_left,
        answered=answered,
    )


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@assessment_bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int):
    """Save the answers on the page (Save, or autosave), or save and submit (Submit).

    Submitting with questions unanswered first saves the answers and asks to confirm
    (a page without JavaScript, a dialog with it); `confirm=1` says the learner has.
    The confirmation page's button (`action=submit_saved`) submits what is saved.
    """
    attempt, _ = _attempt_or_404(attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    form = AttemptForm()
    if not form.validate_on_submit():
        if _wants_json():
            return jsonify(error="The form expired. Reload the page."), 400
        flash("The form expired. Your last answers were not saved; reload and try again.", "danger")
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    action = request.form.get("action")
    if action == "submit_saved":
        ok, outcome = commit_or_report(None, lambda: attempts.submit_attempt(attempt, {}))
        return _after_write(attempt, ok, outcome, submitting=True, read=None)
    read = read_responses(attempt.questions, attempt.option_orders or {}, request.form)
    submitting = action == "submit" and not read.errors
    unanswered = attempts.unanswered_numbers(attempt, read.responses) if submitting else []
    if unanswered and request.form.get("confirm") != "1" and attempt.is_open:
        ok, outcome = commit_or_report(None, lambda: attempts.save_answers(attempt, read.responses))
        if not ok or outcome.closed:
            return _after_write(attempt, ok, outcome, submitting=False, read=read)
        return render_template(
            "assessment/confirm_submit.html",
            attempt=attempts.open_attempt_view(attempt),
            unanswered=unanswered,
            form=ConfirmSubmitForm(),
        )
    write = attempts.submit_attempt if submitting else attempts.save_answers
    ok, outcome = commit_or_report(None, lambda: write(attempt, read.responses))
    return _after_write(attempt, ok, outcome, submitting=submitting, read=read)


def _after_write(attempt: QuizAttempt, ok: bool, outcome, *, submitting: bool, read):
    """Answer a save or submit: JSON for autosave, else a redirect or the page with errors."""
    here = url_for("assessment.attempt", attempt_id=attempt.id)
    if not ok:
        return redirect(here)
    if _wants_json():
        return jsonify(
            saved=outcome.saved,
            closed=outcome.closed,
            errors=read.errors if read else {},
            result_url=here,
        )
    if outcome.late:
        flash(
            f"Time was up at {_when(attempt.deadline_at)}: answers sent after it were not "
            "counted. The attempt was graded with the answers saved before.",
            "warning",
        )
        return redirect(here)
    if outcome.closed:
        if submitting:
            flash("Your attempt is submitted and graded.", "success")
        return redirect(here)
    if read is not None and read.errors:
        message = "Some answers need fixing (marked below); the others are saved."
        if request.form.get("action") == "submit":
            message = "Not submitted yet: fix the marked answers, then submit again."
        flash(message, "danger")
        return _render_take(attempt, AttemptForm(), read)
    saved_at = local(utcnow(), zone())
    flash(f"Saved at {saved_at:%H:%M:%S} {saved_at.tzname()}.", "success")
    return redirect(here)
