"""Onboarding pages: my plan, one hire's plan, every hire's plan, assigning tracks."""

from datetime import date

from flask import (
    Blueprint,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from jinja2.filters import do_truncate
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.kept import kept
from lms.onboarding import service
from lms.onboarding.forms import AssignTrackForm, RemoveTrackForm, ReplaceTrackForm, TickForm
from lms.onboarding.html import plan_rows
from lms.permissions import allowed, require, require_learner_access
from lms.timefmt import format_day
from lms.timeutil import today
from lms.web import commit_or_report, macro_pattern, page_count, page_number, url_pattern

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
    catalog, day = current_catalog(), today()

    def shown() -> dict:
        plans, total = service.team_plans(catalog, day, search=search, page=page)
        pages = page_count(total, service.TEAM_PAGE_SIZE, page)
        return {"rows": _team_rows(plans), "total": total, "pages": pages}

    found = kept(("team plans", search, page, day, request.script_root), shown, content=catalog)
    return render_template(
        "onboarding/team.html", page=page, search=search, form=form,
        assign_fields=_assign_fields(form), **found,
    ), status  # fmt: skip


_empty_assign_fields: tuple = (None, None, None)  # catalog, day, the fields drawn empty


def _assign_fields(form: AssignTrackForm) -> Markup:
    """The assign form's fields as HTML. Empty (a GET), they read only the tracks and the day,
    so they are drawn once per content load and day; a form sent back is drawn as it came."""
    global _empty_assign_fields
    draw = get_template_attribute("onboarding/_team.html", "assign_fields")
    if request.method != "GET":
        return draw(form)
    catalog, day = current_catalog(), today()
    if _empty_assign_fields[0] is not catalog or _empty_assign_fields[1] != day:
        _empty_assign_fields = (catalog, day, draw(form))
    return _empty_assign_fields[2]


_ROW_SLOTS = ("href", "name", "email", "overdue", "where", "percent", "done", "total",
              "next_title", "track", "start")  # fmt: skip


def _team_rows(plans: list[service.PlanLine]) -> list[Markup]:
    """Team plans' rows as HTML: one row pattern and one url pattern, and each distinct date,
    week label, track and list of overdue items written once, not once a row."""
    row = macro_pattern("onboarding/_team.html", "team_row", _ROW_SLOTS)
    href = url_pattern("onboarding.person_plan", ids=("user_id",))
    week_label = get_template_attribute("onboarding/_plan.html", "week_label")
    overdue_cell = get_template_attribute("onboarding/_team.html", "overdue_cell")
    env = current_app.jinja_env
    labels: dict[tuple, Markup] = {}
    days: dict[date, Markup] = {}
    tracks: dict[str, Markup] = {}
    cells: dict[tuple, Markup] = {}
    rows = []
    for plan in plans:
        c, user = plan.counts, plan.user
        key = (c.current_week, c.week_count, c.start)
        if key not in labels:
            labels[key] = week_label(c)
        if c.start not in days:
            days[c.start] = escape(format_day(c.start))
        if plan.track.id not in tracks:
            tracks[plan.track.id] = escape(plan.track.title)
        late = (c.overdue, c.overdue_titles)
        if late not in cells:
            cells[late] = overdue_cell(c.overdue, do_truncate(env, ", ".join(c.overdue_titles), 80))
        rows.append(
            Markup(
                row.format(
                    href=href.format(user_id=user.id), name=escape(user.name),
                    email=escape(user.email), overdue=cells[late], where=labels[key],
                    percent=c.percent, done=c.done, total=c.total,
                    next_title=escape(c.next_title or "All done"), track=tracks[plan.track.id],
                    start=days[c.start],
                )
            )
        )  # fmt: skip
    return rows


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
