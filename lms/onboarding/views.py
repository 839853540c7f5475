"""Onboarding pages: my plan, one hire's plan, every hire's plan, assigning tracks."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.onboarding import service
from lms.onboarding.forms import AssignTrackForm, RemoveTrackForm, ReplaceTrackForm, TickForm
from lms.onboarding.html import plan_rows
from lms.permissions import allowed, require, require_learner_access
from lms.timeutil import today
from lms.web import commit_or_report, page_count, page_number

onboarding_bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")
onboarding_bp.add_app_template_global(plan_rows)


@onboarding_bp.route("/")
@login_required
def my_plan():
    """The learner's whole plan, week by week."""
    catalog, day = current_catalog(), today()
    plans = service.own_plans(catalog, day, current_user._get_current_object())
    return render_template("onboarding/plan.html", plans=plans, person=current_user, own=True,
                           ongoing=service.recurring_tracks(catalog), today=day)  # fmt: skip


@onboarding_bp.route("/<track_id>/items", methods=["POST"])
@login_required
def tick(track_id: str):
    """Tick or untick a task (or lab) of one's own plan."""
    form = TickForm()
    if form.validate_on_submit():
        done = form.done.data == "1"
        commit_or_report(
            None,
            lambda: service.set_item_done(
                current_user, track_id, form.item.data, current_catalog(), done
            ),
        )
    else:
        flash("That did not work. Reload the page and try again.", "danger")
    back = request.form.get("back")
    return redirect(url_for("core.home") if back == "home" else url_for("onboarding.my_plan"))


@onboarding_bp.route("/people/<int:user_id>")
@login_required
def person_plan(user_id: int):
    """One hire's plan, for them, their mentor, their manager and the training team."""
    person = require_learner_access(current_user, accounts.get_user(user_id))
    day = today()
    plans = service.plans_for(current_catalog(), day, [person.id])
    change_forms = {}
    if allowed(current_user, "assign_tracks"):
        change_forms = {
            plan.track.id: (_replace_form(plan.track.id, plan.assignment.start_date),
                            RemoveTrackForm(prefix=f"remove-{plan.track.id}"))
            for plan in plans
        }  # fmt: skip
    return render_template("onboarding/plan.html", plans=plans, person=person,
                           own=person.id == current_user.id, change_forms=change_forms,
                           today=day)  # fmt: skip


def _replace_form(track_id: str, start=None) -> ReplaceTrackForm:
    form = ReplaceTrackForm(prefix=f"replace-{track_id}")
    form.track.choices = [
        SelectChoice(t.id, t.title) for t in service.weekly_tracks(current_catalog())
    ]
    if request.method == "GET":
        form.track.data = form.track.data or track_id
        form.start_date.data = form.start_date.data or start
    return form


@onboarding_bp.route("/people/<int:user_id>/tracks/<track_id>/replace", methods=["POST"])
@login_required
@require("assign_tracks")
def replace_track(user_id: int, track_id: str):
    """Put another track in place of one of a person's tracks (audited)."""
    person = require_learner_access(current_user, accounts.get_user(user_id))
    form = _replace_form(track_id)
    if form.validate_on_submit():
        ok, _ = commit_or_report(
            form,
            lambda: service.replace_track(
                person, track_id, form.track.data, form.start_date.data, current_catalog(),
                actor=current_user,
            ),
        )  # fmt: skip
        if ok:
            flash(f"{person.name} now follows {form.track.data} from "
                  f"{form.start_date.data:%a %d %b %Y}.", "success")  # fmt: skip
    for name, errors in form.errors.items():
        label = form[name].label.text if name in form else "Form"
        flash(f"{label}: {' '.join(errors)}", "danger")
    return redirect(url_for("onboarding.person_plan", user_id=person.id))


@onboarding_bp.route("/people/<int:user_id>/tracks/<track_id>/remove", methods=["POST"])
@login_required
@require("assign_tracks")
def remove_track(user_id: int, track_id: str):
    """Take a track off a person's plans (audited); what they did stays recorded."""
    person = require_learner_access(current_user, accounts.get_user(user_id))
    form = RemoveTrackForm(prefix=f"remove-{track_id}")
    if not form.validate_on_submit():
        flash("That did not work. Reload the page and try again.", "danger")
    else:
        ok, _ = commit_or_report(
            None, lambda: service.remove_track(person, track_id, actor=current_user)
        )
        if ok:
            flash(f"Removed {track_id} from {person.name}'s plans.", "success")
    return redirect(url_for("onboarding.person_plan", user_id=person.id))


def _assign_form() -> AssignTrackForm:
    form = AssignTrackForm()
    form.track.choices = [
        SelectChoice(t.id, t.title) for t in service.weekly_tracks(current_catalog())
    ]
    if not form.start_date.data and request.method == "GET":
        form.start_date.data = today()
    return form


@onboarding_bp.route("/team")
@login_required
@require("assign_tracks")
def team():
    """Every hire's plan, newest start first: current week, percent done, overdue items."""
    return _team_page(_assign_form())


def _team_page(form: AssignTrackForm, status: int = 200):
    search = request.args.get("q", "").strip()[:100]
    page = page_number()
    plans, total = service.team_plans(current_catalog(), today(), search=search, page=page)
    pages = page_count(total, service.TEAM_PAGE_SIZE, page)
    return render_template(
        "onboarding/team.html", plans=plans, total=total, page=page, pages=pages,
        search=search, form=form,
    ), status  # fmt: skip


@onboarding_bp.route("/assign", methods=["POST"])
@login_required
@require("assign_tracks")
def assign():
    """Assign a track to a person from a start date."""
    form = _assign_form()
    if form.validate_on_submit():
        ok, person = commit_or_report(
            form,
            lambda: service.assign_track_by_email(
                form.email.data,
                form.track.data,
                form.start_date.data,
                current_catalog(),
                actor=current_user,
            ),
        )
        if ok:
            flash(f"Assigned {form.track.data} to {person.email} from {form.start_date.data}.",
                  "success")  # fmt: skip
            return redirect(url_for("onboarding.team"))
    return _team_page(form, 400)
