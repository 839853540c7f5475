"""Practice pages: doing a lab, the trainers' review queue, evidence and its verification.

Route table (blueprint `practice`):

    POST /labs/<lab_id>/start              start           open a draft (or resume it)
    POST /labs/<lab_id>/hint               hint            reveal the lab's next hint
    GET  /submissions/<id>                 submission      answer a draft, or see a result
    POST /submissions/<id>                 save            save the draft, or submit it
    GET  /my/labs                          my_labs         the learner's state on every lab
    GET  /my/evidence                      my_evidence     the learner's evidence, by kind
    POST /my/evidence                      log_evidence    log a piece of evidence
    GET  /evidence/<id>/edit               edit_evidence   correct a rejected entry
    POST /evidence/<id>/edit               correct         send the corrected entry again
    POST /evidence/<id>/decide             decide_evidence verify or reject (supervisors)
    GET  /evidence/to-verify               verify_queue    evidence waiting for the viewer
    GET  /people/<user_id>/practice        person          a learner's labs and evidence
    GET  /reviews                          reviews         submissions waiting, oldest first
    GET  /reviews/<id>                     review          checkpoints beside the answers
    POST /reviews/<id>                     decide          approve or return
    GET  /artifacts/<id>                   artifact        an uploaded file (if allowed)
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.kept import kept
from lms.permissions import allowed, require, require_learner_access
from lms.practice import checkpoints as kinds
from lms.practice import rules, service
from lms.practice.forms import (
    ActionForm,
    DecideEvidenceForm,
    EvidenceForm,
    LabWorkForm,
    ReviewForm,
    comment_field,
    read_scores,
    score_field,
)
from lms.practice.models import EvidenceStatus, LabSubmission
from lms.practice.storage import current_storage, served_inline
from lms.timefmt import format_when, zone
from lms.timeutil import as_utc, today
from lms.web import commit_or_report, macro_pattern, page_count, page_number, url_pattern

practice_bp = Blueprint("practice", __name__)


@practice_bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """A file size in bytes, KB or MB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"


def limits() -> service.Limits:
    """The configured upload limits."""
    config = current_app.config
    return service.Limits(
        per_file=int(config["UPLOAD_MAX_FILE_MB"] * service.MB),
        per_submission=int(config["UPLOAD_MAX_SUBMISSION_MB"] * service.MB),
    )


def _read_uploads(names: dict[str, str | None]) -> list[service.Upload]:
    """Files posted under the given field names (field -> checkpoint id), read once."""
    uploads = []
    for field, checkpoint_id in names.items():
        for storage in request.files.getlist(field):
            if storage and storage.filename:
                data = storage.read(limits().per_file + 1)
                uploads.append(service.Upload(checkpoint_id, storage.filename, data))
    return uploads


def _lab_or_404(lab_id: str):
    return current_catalog().labs.get(lab_id) or abort(404)


# --- doing a lab -------------------------------------------------------------------------------


@practice_bp.route("/labs/<lab_id>/start", methods=["POST"])
@login_required
def start(lab_id: str):
    """Open a draft of the lab (a resubmission starts from the last returned answers)."""
    lab = _lab_or_404(lab_id)
    if not ActionForm().validate_on_submit():
        flash("The form expired. Try again.", "danger")
        return redirect(url_for("labs.lab", lab_id=lab.id))
    ok, draft = commit_or_report(None, lambda: service.start_lab(current_user, lab))
    if not ok:
        return redirect(url_for("labs.lab", lab_id=lab.id))
    return redirect(url_for("practice.submission", submission_id=draft.id))


@practice_bp.route("/labs/<lab_id>/hint", methods=["POST"])
@login_required
def hint(lab_id: str):
    """Reveal the lab's next hint; the reviewer will see that it was used."""
    lab = _lab_or_404(lab_id)
    if ActionForm().validate_on_submit():
        commit_or_report(None, lambda: service.request_hint(current_user, lab))
    back = request.form.get("submission", type=int)
    if back:
        return redirect(url_for("practice.submission", submission_id=back, _anchor="hints"))
    return redirect(url_for("labs.lab", lab_id=lab.id, _anchor="hints"))


def _submission_or_404(submission_id: int) -> LabSubmission:
    """The submission if the viewer may see its learner; 404 otherwise."""
    submission = service.get_submission(submission_id) or abort(404)
    require_learner_access(current_user, accounts.get_user(submission.user_id))
    return submission


@practice_bp.route("/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    """Answer a draft (its learner), or see a submission and its outcome."""
    submission = _submission_or_404(submission_id)
    if submission.is_draft and submission.user_id == current_user.id:
        return _render_work(submission, LabWorkForm())
    return _render_result(submission)


def _hint_texts(lab, used: list[int]) -> list[str]:
    return [lab.hints[n - 1] for n in used if lab and n <= len(lab.hints)]


def _render_work(submission, form, errors=None, status=200):
    lab = current_catalog().labs.get(submission.lab_id)
    used = service.hints_used(submission.user_id, submission.lab_id)
    files = service.artifacts_of([submission.id]).get(submission.id, [])
    values = dict(submission.answers)
    if errors:  # show what was typed, not what was saved before
        values = {s["id"]: request.form.get(kinds.field_name(s["id"]), "")
                  for s in submission.checkpoints}  # fmt: skip
    return render_template(
        "practice/work.html", submission=submission, form=form, lab=lab,
        checkpoints=kinds.public_views(submission.checkpoints), values=values,
        errors=errors or {}, files=files, hints=_hint_texts(lab, used),
        hints_left=(len(lab.hints) - len(used)) if lab else 0, field_name=kinds.field_name,
        limits=limits(), action_form=ActionForm(),
        advisory_end=as_utc(submission.started_at) + timedelta(minutes=submission.time_limit),
    ), status  # fmt: skip


def _answer_rows(submission, staff: bool):
    """Each checkpoint with the learner's answer and its result; the expected answer for
    trainers and once passed, the explanation once the submission is decided."""
    show_key = staff or submission.status == "passed"
    show_explanation = staff or submission.is_decided
    files = service.artifacts_of([submission.id]).get(submission.id, [])
    rows = []
    for number, snapshot in enumerate(submission.checkpoints, start=1):
        checkpoint = kinds.load(snapshot)
        kind = kinds.kind_of(snapshot)
        answer = submission.answers.get(snapshot["id"])
        rows.append({
            "number": number,
            "public": kind.public(checkpoint),
            "answer": kind.describe_response(checkpoint, answer),
            "files": [f for f in files if f.checkpoint_id == snapshot["id"]],
            "right": (submission.results or {}).get(snapshot["id"]),
            "scores": (submission.scores or {}).get(snapshot["id"]),
            "points": rules.review_points(submission.scores, snapshot["id"]),
            "key": kind.describe_answer(checkpoint) if show_key else None,
            "explanation": snapshot.get("explanation") if show_explanation else None,
        })  # fmt: skip
    return rows


def _render_result(submission):
    staff = allowed(current_user, "review_labs")
    lab = current_catalog().labs.get(submission.lab_id)
    history = service.submissions_of(submission.user_id, submission.lab_id)
    verdict = rules.outcome(submission.checkpoints, submission.results or {}, submission.scores)
    return render_template(
        "practice/result.html", submission=submission, lab=lab, history=history,
        rows=_answer_rows(submission, staff), verdict=verdict,
        learner=accounts.get_user(submission.user_id), own=submission.user_id == current_user.id,
        hints=_hint_texts(lab, service.hints_used(submission.user_id, submission.lab_id)),
        action_form=ActionForm(),
    )  # fmt: skip


@practice_bp.route("/submissions/<int:submission_id>", methods=["POST"])
@login_required
def save(submission_id: int):
    """Save the draft's answers and files; with action=submit, send it."""
    submission = service.get_submission(submission_id)
    if submission is None or submission.user_id != current_user.id:
        abort(404)
    form = LabWorkForm()
    if not form.validate_on_submit():
        flash("The form expired. Your answers were not saved; try again.", "danger")
        return redirect(url_for("practice.submission", submission_id=submission.id))
    if not submission.is_draft:
        flash("This submission was sent already; it can no longer change.", "warning")
        return redirect(url_for("practice.submission", submission_id=submission.id))
    reviewed = [s["id"] for s in submission.checkpoints if s["type"] == "review"]
    uploads = _read_uploads({f"{kinds.field_name(cp)}-files": cp for cp in reviewed})
    remove = [int(v) for v in request.form.getlist("remove") if v.isdigit()]
    ok, result = commit_or_report(
        None,
        lambda: service.save_draft(
            submission, request.form, uploads, current_storage(), limits(), remove
        ),
    )
    if ok and result.errors:
        flash("Some answers need fixing; nothing was saved.", "danger")
        return _render_work(submission, form, result.errors, 400)
    if not ok:
        return _render_work(submission, form, {"": "not saved"}, 400)
    if request.form.get("action") != "submit":
        flash("Draft saved.", "success")
        return redirect(url_for("practice.submission", submission_id=submission.id))
    ok, sent = commit_or_report(None, lambda: service.submit(submission))
    if ok:
        flash(_sent_message(sent), "success" if sent.status != "returned" else "warning")
    return redirect(url_for("practice.submission", submission_id=submission.id))


def _sent_message(submission) -> str:
    return {
        "submitted": "Submitted. A trainer will review it; it shows as “in review” meanwhile.",
        "passed": "Submitted and passed.",
        "returned": "Submitted, but some answers are not right: see what failed below.",
    }[str(submission.status)]


# --- a learner's pages -------------------------------------------------------------------------


def _lab_rows(catalog, summaries):
    """Every lab in order with the learner's state on it."""
    labs = sorted(catalog.labs.values(), key=lambda lab: (lab.kind != "hands-on", lab.number))
    return [
        {"lab": lab, "summary": summaries.get(lab.id),
         "state": summaries[lab.id].state if lab.id in summaries else rules.NOT_STARTED}
        for lab in labs
    ]  # fmt: skip


def _evidence_groups(catalog, entries, artifacts):
    """Entries by kind, in curriculum order, with verified and pending counts."""
    groups = []
    for kind, label in service.evidence_kinds(catalog).items():
        mine = [e for e in entries if e.kind == kind]
        groups.append({
            "kind": kind, "label": label, "entries": mine,
            "verified": sum(1 for e in mine if e.status == EvidenceStatus.VERIFIED),
            "pending": sum(1 for e in mine if e.status == EvidenceStatus.PENDING),
        })  # fmt: skip
    return groups


def _person_context(person):
    catalog = current_catalog()
    summaries = service.lab_summaries([person.id])[person.id]
    entries = service.evidence_of(person.id)
    artifacts = service.evidence_artifacts([e.id for e in entries])
    return {
        "person": person, "lab_rows": _lab_rows(catalog, summaries),
        "groups": _evidence_groups(catalog, entries, artifacts), "artifacts": artifacts,
        "state_labels": rules.STATE_LABELS,
    }  # fmt: skip


@practice_bp.route("/my/labs")
@login_required
def my_labs():
    """The learner's state on every lab: not started, draft, in review, returned, passed."""
    return render_template("practice/labs.html", own=True, **_person_context(current_user))


def _evidence_form() -> EvidenceForm:
    form = EvidenceForm()
    form.kind.choices = list(service.evidence_kinds(current_catalog()).items())
    if request.method == "GET" and not form.happened_on.data:
        form.happened_on.data = today()
    if request.method == "GET" and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]  # from a certification's "Log evidence" link
    return form


@practice_bp.route("/my/evidence")
@login_required
def my_evidence():
    """The learner's evidence by kind, with counts and states, and the form to log more."""
    return _render_evidence(_evidence_form())


def _render_evidence(form, status=200):
    return render_template(
        "practice/evidence.html", own=True, form=form, limits=limits(),
        **_person_context(current_user),
    ), status  # fmt: skip


def _entry(form) -> service.EvidenceInput:
    return service.EvidenceInput(
        form.kind.data, form.happened_on.data, form.title.data, form.reference.data,
        form.description.data or "",
    )  # fmt: skip


@practice_bp.route("/my/evidence", methods=["POST"])
@login_required
def log_evidence():
    """Log a piece of evidence for the mentor (or manager, or trainers) to verify."""
    form = _evidence_form()
    if form.validate_on_submit():
        uploads = _read_uploads({"file": None})
        ok, _ = commit_or_report(
            form,
            lambda: service.log_evidence(
                current_user, _entry(form), current_catalog(), today(), uploads,
                current_storage(), limits(),
            ),
        )  # fmt: skip
        if ok:
            flash("Logged. It now waits for verification.", "success")
            return redirect(url_for("practice.my_evidence"))
    return _render_evidence(form, 400)


def _own_evidence_or_404(evidence_id: int):
    evidence = service.get_evidence(evidence_id)
    if evidence is None or evidence.user_id != current_user.id:
        abort(404)
    return evidence


@practice_bp.route("/evidence/<int:evidence_id>/edit")
@login_required
def edit_evidence(evidence_id: int):
    """Correct a rejected entry (its learner only)."""
    evidence = _own_evidence_or_404(evidence_id)
    form = _evidence_form()
    if request.method == "GET":
        form.process(obj=evidence)
        form.kind.choices = list(service.evidence_kinds(current_catalog()).items())
    return _render_edit(evidence, form)


def _render_edit(evidence, form, status=200):
    return render_template(
        "practice/evidence_edit.html", evidence=evidence, form=form, limits=limits()
    ), status


@practice_bp.route("/evidence/<int:evidence_id>/edit", methods=["POST"])
@login_required
def correct(evidence_id: int):
    """Send a corrected entry for verification again."""
    evidence = _own_evidence_or_404(evidence_id)
    form = _evidence_form()
    if form.validate_on_submit():
        uploads = _read_uploads({"file": None})
        ok, _ = commit_or_report(
            form,
            lambda: service.correct_evidence(
                evidence, current_user, _entry(form), current_catalog(), today(), uploads,
                current_storage(), limits(),
            ),
        )  # fmt: skip
        if ok:
            flash("Corrected and sent for verification again.", "success")
            return redirect(url_for("practice.my_evidence"))
    return _render_edit(evidence, form, 400)


@practice_bp.route("/people/<int:user_id>/practice")
@login_required
def person(user_id: int):
    """A learner's labs and evidence, for their mentor, manager and the training team."""
    learner = require_learner_access(current_user, accounts.get_user(user_id))
    return render_template(
        "practice/person.html", own=learner.id == current_user.id, form=DecideEvidenceForm(),
        may_decide=service.may_decide_evidence(current_user, learner),
        **_person_context(learner),
    )  # fmt: skip


# --- verification ------------------------------------------------------------------------------


@practice_bp.route("/evidence/to-verify")
@login_required
def verify_queue():
    """Evidence waiting for the viewer's verification, oldest first (a manager may have the
    learner role: the queue holds only the entries of the viewer's own people)."""
    page = page_number()
    waiting, total = service.verification_queue(current_user, page)
    pages = page_count(total, service.QUEUE_PAGE_SIZE, page)
    artifacts = service.evidence_artifacts([row.Evidence.id for row in waiting])
    return render_template(
        "practice/verify.html", waiting=waiting, total=total, page=page, pages=pages,
        artifacts=artifacts, kinds=service.evidence_kinds(current_catalog()),
        decide_url=url_pattern("practice.decide_evidence", ids=("evidence_id",)),
        person_url=url_pattern("practice.person", ids=("user_id",)),
    )  # fmt: skip


@practice_bp.route("/evidence/<int:evidence_id>/decide", methods=["POST"])
@login_required
def decide_evidence(evidence_id: int):
    """Verify or reject an entry (the learner's mentor, manager or a trainer)."""
    evidence = service.get_evidence(evidence_id) or abort(404)
    learner = require_learner_access(current_user, accounts.get_user(evidence.user_id))
    if not service.may_decide_evidence(current_user, learner):
        abort(403)
    form = DecideEvidenceForm()
    if form.validate_on_submit():
        verify = request.form.get("decision") == "verify"
        ok, _ = commit_or_report(
            None,
            lambda: service.decide_evidence(
                evidence, current_user, verify, form.comment.data or ""
            ),
        )
        if ok:
            flash(f"{'Verified' if verify else 'Rejected'}: {evidence.title} ({learner.name}).",
                  "success")  # fmt: skip
    else:
        flash("That did not work. Reload the page and try again.", "danger")
    back = request.form.get("back")
    if back == "person":
        return redirect(url_for("practice.person", user_id=learner.id))
    return redirect(url_for("practice.verify_queue"))


# --- the review queue --------------------------------------------------------------------------


@practice_bp.route("/reviews")
@login_required
@require("review_labs")
def reviews():
    """Submissions waiting for a trainer, oldest first; filter by lab, team and learner."""
    lab_id = request.args.get("lab", "").strip()[:100] or None
    team = request.args.get("team", "").strip()[:120] or None
    learner = request.args.get("learner", "").strip()[:100] or None
    page = page_number()
    catalog = current_catalog()

    def shown() -> dict:
        waiting, total = service.review_queue(lab_id=lab_id, team=team, learner=learner, page=page)
        pages = page_count(total, service.QUEUE_PAGE_SIZE, page)
        return {"lines": _review_lines(waiting), "total": total, "pages": pages,
                "teams": service.queue_teams()}  # fmt: skip

    # the same for every reviewer: kept while the database is unchanged (lms.kept)
    key = ("review queue", lab_id, team, learner, page, request.script_root)
    return render_template(
        "practice/reviews.html", page=page, labs=catalog.labs, lab_id=lab_id, team=team,
        learner=learner, **kept(key, shown, content=catalog),
        filters={k: v for k, v in (("lab", lab_id), ("team", team), ("learner", learner)) if v},
    )  # fmt: skip


_REVIEW_SLOTS = ("id", "when", "name", "team", "lab", "resubmission", "href")


def _review_lines(waiting) -> list[Markup]:
    """Each waiting submission's row (the `review_row` macro's pattern, fifty to a page, one
    macro call), learners' names and teams escaped, the zone read once."""
    review = url_pattern("practice.review", ids=("submission_id",))
    pattern = macro_pattern("practice/_reviews.html", "review_row", _REVIEW_SLOTS)
    badge = macro_pattern("practice/_reviews.html", "resubmission", ("number",))
    tz = zone()
    return [
        Markup(
            pattern.format(
                id=s.id,
                when=format_when(s.submitted_at, tz) if s.submitted_at else "",
                name=escape(s.name),
                team=escape(s.team) if s.team else "—",
                lab=escape(s.lab_title),
                href=escape(review.format(submission_id=s.id)),
                resubmission=badge.format(number=s.number) if s.number > 1 else "",
            )
        )  # fmt: skip
        for s in waiting
    ]


def _review_page(submission, form, status=200):
    lab = current_catalog().labs.get(submission.lab_id)
    history = service.submissions_of(submission.user_id, submission.lab_id)
    return render_template(
        "practice/review.html", submission=submission, lab=lab, form=form,
        rows=_answer_rows(submission, True), learner=accounts.get_user(submission.user_id),
        hints=_hint_texts(lab, service.hints_used(submission.user_id, submission.lab_id)),
        history=history, score_field=score_field, comment_field=comment_field,
        posted=request.form if request.method == "POST" else {},
    ), status  # fmt: skip


@practice_bp.route("/reviews/<int:submission_id>")
@login_required
@require("review_labs")
def review(submission_id: int):
    """A submission's checkpoints beside the learner's answers, the rubric and the decision."""
    submission = service.get_submission(submission_id) or abort(404)
    if submission.is_draft:
        abort(404)
    return _review_page(submission, ReviewForm())


@practice_bp.route("/reviews/<int:submission_id>", methods=["POST"])
@login_required
@require("review_labs")
def decide(submission_id: int):
    """Approve or return a waiting submission (once, whoever clicks first)."""
    submission = service.get_submission(submission_id) or abort(404)
    if submission.is_draft:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _review_page(submission, form, 400)
    approve = request.form.get("decision") == "approve"
    scores = read_scores(submission.checkpoints, request.form)
    ok, _ = commit_or_report(
        form,
        lambda: service.decide(submission, current_user, scores, form.feedback.data or "", approve),
    )
    if not ok:
        return _review_page(service.get_submission(submission_id), form, 409)
    flash(f"{'Approved' if approve else 'Returned'}: {submission.lab_title} "
          f"(submission {submission.number}).", "success")  # fmt: skip
    return redirect(url_for("practice.reviews"))


# --- artifacts ---------------------------------------------------------------------------------


@practice_bp.route("/artifacts/<int:artifact_id>")
@login_required
def artifact(artifact_id: int):
    """An uploaded file, for the people allowed to see its learner; never run by the browser."""
    found = service.get_artifact(artifact_id) or abort(404)
    require_learner_access(current_user, accounts.get_user(found.user_id))
    try:
        data = current_storage().read(found.storage_key)
    except KeyError:
        abort(404)
    inline = served_inline(found.content_type)
    response = Response(data, mimetype=found.content_type)
    response.headers.set(
        "Content-Disposition", "inline" if inline else "attachment", filename=found.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Nothing in the file may run; PDF viewers refuse to work in a sandbox, images do not care.
    sandbox = "" if found.content_type == "application/pdf" else "; sandbox"
    response.headers["Content-Security-Policy"] = f"default-src 'none'{sandbox}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
