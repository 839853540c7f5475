"""Password links, invitations, mail settings, unsubscribe and the calendar feed.

Route table (blueprint `notifications`):

    GET  POST /password/forgot                forgot_password     ask for a reset link
    GET       /password/forgot/sent           forgot_sent         the same answer for any address
    GET  POST /password/reset/<reset_token>   reset_password      choose a new password
    GET  POST /invitation/<invitation_token>  accept_invitation   choose a first password
    POST      /admin/users/<id>/invite        invite_user         an admin sends an invitation
    GET  POST /account/notifications          settings            reminder emails, calendar link
    POST      /account/calendar               new_calendar_link   a new feed link (old one dies)
    POST      /account/calendar/stop          stop_calendar       no feed at all
    GET       /calendar/<feed_token>.ics      calendar_feed       the private iCalendar feed
    GET  POST /unsubscribe/<unsubscribe_token> unsubscribe         reminder emails off, from a mail
"""

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

from lms.accounts import service as accounts
from lms.catalog import current_catalog
from lms.extensions import limiter
from lms.notifications import mail, service
from lms.notifications.forms import (
    ButtonForm,
    ForgotPasswordForm,
    ReminderSettingsForm,
    SetPasswordForm,
)
from lms.permissions import allowed, require
from lms.timeutil import today
from lms.web import commit_or_report

notifications_bp = Blueprint("notifications", __name__)


def _reset_account_key() -> str:
    return "reset-account:" + accounts.normalize_email(request.form.get("email", ""))


# --- forgot password, reset and invitation links ----------------------------------------


@notifications_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"],
    key_func=_reset_account_key,
    methods=["POST"],
)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ok, row = commit_or_report(form, lambda: service.request_password_reset(form.email.data))
        if ok and row is not None:
            mail.deliver_now([row.id])
        return redirect(url_for("notifications.forgot_sent"))
    return render_template("notifications/forgot.html", form=form)


@notifications_bp.route("/password/forgot/sent")
def forgot_sent():
    """Say what happens next, without saying whether the address has an account."""
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    return render_template("notifications/forgot_sent.html", hours=hours)


def _set_password_page(token: str, purpose: str, template: str):
    check = service.check_link_token(token, purpose)
    if check.user is None:
        return render_template(
            "notifications/link_refused.html",
            purpose=purpose,
            problem=check.problem,
            message=service.LINK_PROBLEMS[check.problem],
        ), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        ok, user = commit_or_report(
            form, lambda: service.use_link(token, purpose, form.password.data)
        )
        if ok:
            flash(f"Your password is set. Sign in as {user.email}.", "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=check.user, token=token)


@notifications_bp.route("/password/reset/<reset_token>", methods=["GET", "POST"])
def reset_password(reset_token: str):
    """Choose a new password through a reset link."""
    return _set_password_page(reset_token, service.RESET, "notifications/reset.html")


@notifications_bp.route("/invitation/<invitation_token>", methods=["GET", "POST"])
def accept_invitation(invitation_token: str):
    """Choose a first password through an invitation link."""
    return _set_password_page(invitation_token, service.INVITATION, "notifications/invitation.html")


@notifications_bp.route("/admin/users/<int:user_id>/invite", methods=["POST"])
@login_required
@require("manage_users")
def invite_user(user_id: int):
    """Send someone an invitation to set their password (recorded in the audit log)."""
    user = accounts.get_user(user_id)
    if user is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        ok, row = commit_or_report(None, lambda: service.invite(user, actor=current_user))
        if ok:
            mail.deliver_now([row.id])
            days = current_app.config["INVITATION_DAYS"]
            flash(f"Invitation sent to {user.email}; the link works for {days:g} days.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- own settings: reminder emails and the calendar feed --------------------------------


@notifications_bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """Turn reminder emails on or off; see, renew or stop the calendar feed link."""
    form = ReminderSettingsForm()
    if form.validate_on_submit():
        wanted = form.reminder_emails.data
        ok, _ = commit_or_report(form, lambda: service.set_reminder_emails(current_user, wanted))
        if ok:
            flash("Reminder emails are " + ("on." if wanted else "off."), "success")
            return redirect(url_for("notifications.settings"))
    elif request.method == "GET":
        form.reminder_emails.data = service.wants_reminders(current_user)
    token = service.calendar_token(current_user)
    feed_url = mail.external_url("notifications.calendar_feed", feed_token=token) if token else None
    return render_template(
        "notifications/settings.html", form=form, feed_url=feed_url, button=ButtonForm(),
        has_plan=allowed(current_user, "follow_own_plan"),
    )  # fmt: skip


@notifications_bp.route("/account/calendar", methods=["POST"])
@login_required
def new_calendar_link():
    """Make a new calendar link; the previous one stops working."""
    if ButtonForm().validate_on_submit():
        had = service.calendar_token(current_user) is not None
        ok, _ = commit_or_report(None, lambda: service.new_calendar_token(current_user))
        if ok:
            flash(
                "New calendar link made; the old one no longer works."
                if had
                else "Calendar link made: add it to your calendar.",
                "success",
            )
    return redirect(url_for("notifications.settings"))


@notifications_bp.route("/account/calendar/stop", methods=["POST"])
@login_required
def stop_calendar():
    """Turn the calendar feed off; its link answers 404."""
    if ButtonForm().validate_on_submit():
        ok, _ = commit_or_report(None, lambda: service.stop_calendar(current_user))
        if ok:
            flash("Calendar feed turned off.", "success")
    return redirect(url_for("notifications.settings"))


@notifications_bp.route("/calendar/<feed_token>.ics")
@limiter.exempt
def calendar_feed(feed_token: str):
    """The private feed of a learner's plan due dates (no sign-in: the token is the key)."""
    user = service.user_for_calendar(feed_token)
    if user is None:
        abort(404)
    body = service.calendar_feed(user, current_catalog(), today())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="training-plan.ics"'
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@notifications_bp.route("/unsubscribe/<unsubscribe_token>", methods=["GET", "POST"])
def unsubscribe(unsubscribe_token: str):
    """Turn reminder emails off from the link in a digest (no sign-in needed)."""
    user = service.user_for_unsubscribe(unsubscribe_token)
    if user is None:
        abort(404)
    form = ButtonForm()
    done = False
    if form.validate_on_submit():
        done, _ = commit_or_report(None, lambda: service.set_reminder_emails(user, False))
    return render_template("notifications/unsubscribe.html", form=form, user=user, done=done)
