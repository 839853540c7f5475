"""Certification pages: my certifications, one certification's checklist and history,
the trainers' ready queue, issuing, declining, revoking, and approvals.

Route table (blueprint `certification`):

    GET  /certifications                                  mine          every certification
    GET  /certifications/<cert_id>                        detail        my checklist, cycles
    GET  /people/<user_id>/certifications/<cert_id>       person        someone else's
    POST /certifications/<cert_id>/approvals/<by>         ask_approval  ask manager/mentor
    POST /certifications/<cert_id>/ask-again              ask_again     after a decline
    GET  /certifications/queue                            queue         ready for a trainer
    POST /people/<user_id>/certifications/<cert_id>/issue    issue      a trainer issues
    POST /people/<user_id>/certifications/<cert_id>/decline  decline    a trainer declines
    POST /certificates/<certificate_id>/revoke            revoke        a trainer revokes
    GET  /approvals                                       approvals     waiting for me
    POST /approvals/<approval_id>                         decide        approve or decline
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.certification import rules, service
from lms.certification.forms import AskForm, DecideForm, DeclineForm, IssueForm, RevokeForm
from lms.kept import kept
from lms.permissions import allowed, require, require_learner_access
from lms.timefmt import format_day, format_when, zone
from lms.timeutil import today
from lms.web import commit_or_report, macro_pattern, page_count, page_number, url_pattern

certification_bp = Blueprint("certification", __name__)

STATE_LABELS = {
    rules.NOT_STARTED: "Not started",
    rules.IN_PROGRESS: "In progress",
    rules.READY: "Ready",
    rules.CERTIFIED: "Certified",
    rules.RENEWAL_OPEN: "Renewal open",
    rules.EXPIRED: "Expired",
    rules.REVOKED: "Revoked",
}


@certification_bp.app_template_filter("cert_state")
def cert_state(state: str) -> str:
    """A certification state in words."""
    return STATE_LABELS.get(state, state)


@certification_bp.app_template_global()
def action_url(target: str) -> str | None:
    """Where a checklist's next action leads (None for a button handled by the page)."""
    kind, _, item = target.partition(":")
    return {
        "module": lambda: url_for("learning.module", module_id=item),
        "quiz": lambda: url_for("assessment.quiz", quiz_id=item),
        "lab": lambda: url_for("labs.lab", lab_id=item),
        "labs": lambda: url_for("labs.labs"),
        "evidence": lambda: url_for("practice.my_evidence", kind=item),
        "certification": lambda: url_for("certification.detail", cert_id=item),
    }.get(kind, lambda: None)()


def _certification_or_404(cert_id: str):
    for certification in current_catalog().curriculum.certifications:
        if certification.id == cert_id:
            return certification
    abort(404)


@certification_bp.route("/certifications")
@login_required
def mine():
    """Every certification with the learner's state and how many requirements are met."""
    catalog = current_catalog()
    statuses = service.statuses([current_user], catalog, today())[current_user.id]
    rows = [(c, statuses[c.id]) for c in catalog.curriculum.certifications]
    return render_template("certification/mine.html", rows=rows)


def _detail_page(learner, cert_id: str):
    catalog = current_catalog()
    certification = _certification_or_404(cert_id)
    status = service.statuses([learner], catalog, today())[learner.id][certification.id]
    cycles = [
        c
        for c in service.held_certificates([learner.id])[learner.id]
        if c.certification_id == certification.id
    ]
    requires = [
        c for c in catalog.curriculum.certifications
        if any(r.kind == "certification" and r.certification == c.id
               for r in certification.requires)
    ]  # fmt: skip
    first_time = status.requirements
    if status.renewing:
        ctx = service.context(catalog, today(), certification.id)
        facts = service.load_facts([learner], catalog)[learner.id]
        first_time = rules.evaluate_requirements(certification.requires, facts, ctx)
    return render_template(
        "certification/detail.html",
        learner=learner,
        own=learner.id == current_user.id,
        certification=certification,
        status=status,
        first_time=first_time,
        cycles=list(reversed(cycles)),
        prerequisites=requires,
        approvals=[a for a in service.approvals_of(learner.id) if a.certification_id == cert_id],
        decline=service.open_decline(learner.id, certification.id),
        ask=AskForm(),
        issue_form=IssueForm(),
        decline_form=DeclineForm(),
        revoke_form=RevokeForm(),
        may_issue=allowed(current_user, "issue_certificates") and learner.id != current_user.id,
        today_date=today(),
    )


@certification_bp.route("/certifications/<cert_id>")
@login_required
def detail(cert_id: str):
    """The learner's full checklist for one certification, and their history of cycles."""
    return _detail_page(current_user, cert_id)


@certification_bp.route("/people/<int:user_id>/certifications/<cert_id>")
@login_required
def person(user_id: int, cert_id: str):
    """Someone's checklist, for their mentor, manager and the training team."""
    learner = require_learner_access(current_user, accounts.get_user(user_id))
    return _detail_page(learner, cert_id)


def _back_to(learner, cert_id: str):
    if learner.id == current_user.id:
        return redirect(url_for("certification.detail", cert_id=cert_id))
    return redirect(url_for("certification.person", user_id=learner.id, cert_id=cert_id))


@certification_bp.route("/certifications/<cert_id>/approvals/<by>", methods=["POST"])
@login_required
def ask_approval(cert_id: str, by: str):
    """Ask one's manager or mentor for the approval a certification needs."""
    _certification_or_404(cert_id)
    if by not in ("manager", "mentor"):
        abort(404)
    if AskForm().validate_on_submit():
        ok, _ = commit_or_report(
            None, lambda: service.request_approval(current_user, cert_id, by, current_catalog())
        )
        if ok:
            flash(f"Asked your {by} for approval. You will see the answer here.", "success")
    return _back_to(current_user, cert_id)


@certification_bp.route("/certifications/<cert_id>/ask-again", methods=["POST"])
@login_required
def ask_again(cert_id: str):
    """Put oneself back in the trainers' queue after a decline."""
    _certification_or_404(cert_id)
    if AskForm().validate_on_submit():
        ok, _ = commit_or_report(
            None, lambda: service.ask_again(current_user, cert_id, current_catalog())
        )
        if ok:
            flash("You are back in the trainers' queue.", "success")
    return _back_to(current_user, cert_id)


@certification_bp.route("/certifications/queue")
@login_required
@require("issue_certificates")
def queue():
    """People ready for a trainer to issue a certification, longest waiting first."""
    catalog = current_catalog()
    cert_id = request.args.get("certification", "")[:100]
    team = request.args.get("team", "").strip()[:120]
    page = page_number()

    def shown() -> dict:
        rows, total = service.ready_queue(catalog, certification_id=cert_id, team=team, page=page)
        pages = page_count(total, service.QUEUE_PAGE_SIZE, page)
        return {"lines": _ready_lines(rows), "total": total, "pages": pages}

    # the same for every trainer: kept while the database is unchanged (lms.kept)
    key = ("ready queue", cert_id, team, page, request.script_root)
    trainer_issued = [c for c in catalog.curriculum.certifications if c.issue == "trainer"]
    return render_template(
        "certification/queue.html", page=page, cert_id=cert_id, team=team,
        certifications=trainer_issued, **kept(key, shown, content=catalog),
    )  # fmt: skip


_READY_SLOTS = ("href", "name", "team", "certification", "kind", "since")


def _ready_lines(rows) -> list[Markup]:
    """Each ready person's row (the `ready_row` macro's pattern, fifty to a page, one macro
    call), names, teams and titles escaped, the zone read once."""
    person = url_pattern("certification.person", ids=("user_id",), texts=("cert_id",))
    pattern = macro_pattern("certification/_queue.html", "ready_row", _READY_SLOTS)
    tz = zone()
    return [
        Markup(
            pattern.format(
                href=escape(person.format(user_id=row.user.id, cert_id=row.certification.id)),
                name=escape(row.user.name),
                team=escape(row.user.team or ""),
                certification=escape(row.certification.title),
                kind="renewal" if row.progress.renewing else "first issue",
                since=format_when(row.progress.updated_at, tz) if row.progress.updated_at else "",
            )
        )  # fmt: skip
        for row in rows
    ]


def _learner_or_404(user_id: int):
    learner = accounts.get_user(user_id)
    if learner is None:
        abort(404)
    return learner


@certification_bp.route("/people/<int:user_id>/certifications/<cert_id>/issue", methods=["POST"])
@login_required
@require("issue_certificates")
def issue(user_id: int, cert_id: str):
    """Issue a certificate to a person who is ready."""
    learner = _learner_or_404(user_id)
    _certification_or_404(cert_id)
    form = IssueForm()
    if form.validate_on_submit():
        ok, certificate = commit_or_report(
            None,
            lambda: service.issue_by_trainer(
                learner, cert_id, current_catalog(), today(), actor=current_user,
                note=form.note.data or "",
            ),
        )  # fmt: skip
        if ok:
            flash(f"Issued {certificate.title} to {learner.name}, valid until "
                  f"{format_day(certificate.expires_on)}.", "success")  # fmt: skip
    else:
        flash("The note is too long.", "danger")
    return _back_to(learner, cert_id)


@certification_bp.route("/people/<int:user_id>/certifications/<cert_id>/decline", methods=["POST"])
@login_required
@require("issue_certificates")
def decline(user_id: int, cert_id: str):
    """Decline to issue for now, with a reason the learner reads."""
    learner = _learner_or_404(user_id)
    _certification_or_404(cert_id)
    form = DeclineForm()
    if form.validate_on_submit():
        ok, _ = commit_or_report(
            None,
            lambda: service.decline(
                learner, cert_id, form.reason.data, current_catalog(), actor=current_user
            ),
        )
        if ok:
            flash(f"Declined for now; {learner.name} sees your reason.", "info")
    else:
        flash("Give the learner a reason (up to 2,000 characters).", "danger")
    return _back_to(learner, cert_id)


@certification_bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
@require("issue_certificates")
def revoke(certificate_id: int):
    """Revoke a certificate, with a reason; only issuing anew undoes it."""
    certificate = service.certificate_by_id(certificate_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        ok, _ = commit_or_report(
            None,
            lambda: service.revoke(
                certificate.code, form.reason.data, current_catalog(), today(), actor=current_user
            ),
        )
        if ok:
            flash("The certificate is revoked.", "info")
    else:
        flash("Give the reason for revoking (up to 2,000 characters).", "danger")
    learner = accounts.get_user(certificate.user_id)
    return _back_to(learner, certificate.certification_id)


@certification_bp.route("/approvals")
@login_required
def approvals():
    """Approval requests waiting for me as someone's manager or mentor."""
    waiting = service.approvals_waiting_for(current_user)
    titles = {c.id: c.title for c in current_catalog().curriculum.certifications}
    return render_template(
        "certification/approvals.html", waiting=waiting, titles=titles, form=DecideForm()
    )


@certification_bp.route("/approvals/<int:approval_id>", methods=["POST"])
@login_required
def decide(approval_id: int):
    """Approve or decline a request (only the learner's own manager or mentor)."""
    approval = service.get_approval(approval_id)
    learner = accounts.get_user(approval.user_id) if approval else None
    if (
        approval is None
        or learner is None
        or not service.may_decide(approval, learner, current_user)
    ):
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        ok, _ = commit_or_report(
            None,
            lambda: service.decide_approval(
                approval, learner, approve, form.comment.data or "", actor=current_user
            ),
        )
        if ok:
            flash(f"{'Approved' if approve else 'Declined'} {learner.name}'s request.", "success")
    else:
        flash("That did not work. Reload the page and try again.", "danger")
    return redirect(url_for("certification.approvals"))
