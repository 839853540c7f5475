"""Home page and health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from lms.catalog import content_counts, current_catalog
from lms.extensions import db
from lms.notifications import digest
from lms.onboarding import service as onboarding
from lms.practice import service as practice
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
    """The home page: what needs attention, this week of the plan and the next thing to do."""
    catalog, day = current_catalog(), today()
    plans = onboarding.plans_for(catalog, day, [current_user.id])
    to_verify = practice.waiting_count(current_user)  # mentors, managers (any role), trainers
    attention = digest.attention_for(catalog, current_user, day)
    return render_template(
        "core/home.html", plan=plans[0] if plans else None, to_verify=to_verify,
        attention=attention,
    )  # fmt: skip


@core_bp.route("/healthz")
def healthz():
    """Report whether the app and its database answer, and how much content is loaded."""
    try:
        db.session.execute(text("SELECT 1"))
        database_ok = True
    except Exception:  # noqa: BLE001 - any failure means the database does not answer
        db.session.rollback()
        database_ok = False
    counts = content_counts()
    status = "ok" if database_ok else "degraded"
    return jsonify(status=status, database=database_ok, content=counts), 200 if database_ok else 503
