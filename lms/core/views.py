"""Home page and health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.catalog import content_counts, current_catalog
from lms.core import health
from lms.notifications import digest
from lms.onboarding import service as onboarding
from lms.timeutil import today

core_bp = Blueprint("core", __name__)


@core_bp.route("/")
def index():
    """Send people to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    return redirect(url_for("auth.login"))


@core_bp.route("/home")
@login_required
def home():
    """Home: what needs attention, this week of each of the person's plans, their role's work."""
    catalog, day, person = current_catalog(), today(), current_user._get_current_object()
    plans = onboarding.own_plans(catalog, day, person)
    with onboarding.plans_known(catalog, day, [person.id], plans):
        attention = digest.attention_for(catalog, person, day)
    return render_template("core/home.html", plans=plans, attention=attention, today=day)


@core_bp.route("/healthz")
def healthz():
    """Say whether the app can serve: the database answers, is migrated and takes writes.

    200 with status "ok", or 503 with status "failing" and `failed` naming the first check
    that failed: "unreachable", "file gone", "not migrated" or "read-only".
    """
    result = health.check()
    return jsonify(
        status="failing" if result.failed else "ok",
        failed=result.failed,
        checks=result.checks,
        database=result.checks["database"] == "ok",
        content=content_counts(),
    ), 503 if result.failed else 200
