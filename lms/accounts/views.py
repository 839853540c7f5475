"""Sign-in, own account, user administration, roster import, audit log, people pages."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms import audit
from lms.accounts import service
from lms.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    NewUserForm,
    ResetPasswordForm,
    UserForm,
)
from lms.accounts.models import Role, User
from lms.extensions import limiter
from lms.permissions import require, require_learner_access
from lms.practice import service as practice
from lms.transaction import unit_of_work
from lms.web import commit_or_report, is_safe_next, page_count, page_number

auth_bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
people_bp = Blueprint("people", __name__, url_prefix="/people")

USERS_PAGE_SIZE = 50


def load_user(session_id: str) -> User | None:
    """Return the signed-in user from the session's id, unless that session was revoked."""
    return service.user_for_session(session_id)


def _login_failed(response) -> bool:
    """Only failed sign-ins count against the throttle."""
    return response.status_code != 302


def _login_account_key() -> str:
    return "login-account:" + service.normalize_email(request.form.get("email", ""))


# --- sign in and own account ------------------------------------------------------------


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work():
            user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("core.home"))
        form.password.errors = ["Wrong email or password."]
    return render_template("accounts/login.html", form=form)


@auth_bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (a POST, so a link elsewhere cannot sign you out)."""
    if ConfirmForm().validate_on_submit():
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _current_password_wrong(response) -> bool:
    """Only a wrong current password counts against the password page's throttle."""
    return g.get("current_password_wrong", False)


def _password_account_key() -> str:
    return f"password-account:{getattr(current_user, 'id', None)}"


@auth_bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=lambda: f"password-address:{get_remote_address()}",
    methods=["POST"],
    deduct_when=_current_password_wrong,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_password_account_key,
    methods=["POST"],
    deduct_when=_current_password_wrong,
)
def change_password():
    """Change one's own password (the current-password check is throttled like sign-in)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        ok, _ = commit_or_report(
            form,
            lambda: service.change_own_password(
                current_user, form.current_password.data, form.new_password.data
            ),
        )
        g.current_password_wrong = not ok and bool(form.current_password.errors)
        if ok:
            _stay_signed_in(current_user._get_current_object())
            flash("Your password is changed. Your other sessions are signed out.", "success")
            return redirect(url_for("core.home"))
    return render_template("accounts/password.html", form=form)


@auth_bp.route("/account/sessions", methods=["POST"])
@login_required
def sign_out_others():
    """Sign out every other browser and remembered device; this one stays signed in."""
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object()
        ok, _ = commit_or_report(None, lambda: service.sign_out_other_sessions(user))
        if ok:
            _stay_signed_in(user)
            flash("Every other session is signed out.", "success")
    return redirect(url_for("auth.change_password"))


def _stay_signed_in(user: User) -> None:
    """Sign this browser in again under the user's new session version (and keep remember-me)."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


# --- user administration ----------------------------------------------------------------


@admin_bp.route("/users")
@login_required
@require("view_roster")
def users():
    """List and search users."""
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    page = page_number()
    rows, total = service.search_users(query, role or None, page=page, per_page=USERS_PAGE_SIZE)
    return render_template(
        "admin/users.html", rows=rows, total=total, query=query, role=role, page=page,
        pages=page_count(total, USERS_PAGE_SIZE, page), roles=[r.value for r in Role],
        confirm=ConfirmForm(),
    )  # fmt: skip


@admin_bp.route("/users/new", methods=["GET", "POST"])
@login_required
@require("manage_users")
def new_user():
    """Create a user."""
    form = NewUserForm()
    if form.validate_on_submit() and _person_is_valid(form):
        ok, user = commit_or_report(
            form,
            lambda: service.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=form.role.data,
                team=form.team.data,
                manager_email=form.manager_email.data,
                mentor_email=form.mentor_email.data,
                start_date=form.start_date.data,
                actor=current_user,
            ),  # fmt: skip
        )
        if ok:
            flash(f"Created {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


def _person_is_valid(form: UserForm) -> bool:
    """Check the form's person with the roster's rules (the ones the CSV import and the API
    use); put each problem beside its field. True when there is none."""
    from lms.roster import service as roster

    start = form.start_date.data
    problems = roster.check_person_fields(
        {
            "email": form.email.data or "", "name": form.name.data or "",
            "role": form.role.data or "", "team": form.team.data or "",
            "manager_email": form.manager_email.data or "",
            "mentor_email": form.mentor_email.data or "",
            "start_date": start.isoformat() if start else "",
        }
    )  # fmt: skip
    for field_name, message in problems:
        field = getattr(form, field_name or "", None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "danger")
    return not problems


def _user_or_404(user_id: int) -> User:
    user = service.get_user(user_id)
    if user is None:
        abort(404)
    return user


@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@require("manage_users")
def edit_user(user_id: int):
    """Edit a user's details and role; reset their password; deactivate them."""
    user = _user_or_404(user_id)
    form = UserForm()
    if request.method == "GET":
        people = {u.id: u.email for u in service.users_by_id([user.manager_id, user.mentor_id])}
        form.process(
            obj=user,
            role=user.role.value,
            manager_email=people.get(user.manager_id, ""),
            mentor_email=people.get(user.mentor_id, ""),
        )
    if form.validate_on_submit() and _person_is_valid(form):
        ok, changed = commit_or_report(
            form,
            lambda: service.update_user(
                user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                team=form.team.data,
                manager_email=form.manager_email.data,
                mentor_email=form.mentor_email.data,
                start_date=form.start_date.data,
                actor=current_user,
            ),  # fmt: skip
        )
        if ok:
            flash(f"Saved {user.email}: {', '.join(changed) or 'no changes'}.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user,
        reset_form=ResetPasswordForm(prefix="reset"), confirm=ConfirmForm(),
    )  # fmt: skip


@admin_bp.route("/users/<int:user_id>/password", methods=["POST"])
@login_required
@require("manage_users")
def reset_password(user_id: int):
    """Set a user's password (recorded in the audit log)."""
    user = _user_or_404(user_id)
    form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        ok, _ = commit_or_report(
            None, lambda: service.set_password(user, form.password.data, actor=current_user)
        )
        if ok:
            flash(f"Password set for {user.email}.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(f"Password not changed: {error}", "danger")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
@require("manage_users")
def toggle_active(user_id: int):
    """Deactivate an active user, or reactivate a deactivated one."""
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        make_active = not user.active
        ok, _ = commit_or_report(
            None, lambda: service.set_active(user, make_active, actor=current_user)
        )
        if ok:
            state = "reactivated" if make_active else "deactivated"
            flash(f"{user.email} is {state}.", "success")
    return redirect(url_for("admin.users"))


@admin_bp.route("/audit")
@login_required
@require("view_audit_log")
def audit_log():
    """Show recent privileged actions."""
    action = request.args.get("action", "").strip()[:64] or None
    return render_template(
        "admin/audit.html", events=audit.recent_events(action=action), action=action
    )


# --- people -----------------------------------------------------------------------------


@people_bp.route("/")
@login_required
@require("view_mentees")
def mentees():
    """The people a mentor or manager looks after (everyone, for staff)."""
    people = service.people_overseen_by(current_user)
    summary = practice.people_summary([person.id for person in people])
    return render_template("people/list.html", people=people, summary=summary)


@people_bp.route("/<int:user_id>")
@login_required
def profile(user_id: int):
    """One learner's profile, for themself, their mentor, their manager and staff."""
    learner = require_learner_access(current_user, service.get_user(user_id))
    people = {u.id: u for u in service.users_by_id([learner.manager_id, learner.mentor_id])}
    return render_template(
        "people/profile.html", learner=learner,
        manager=people.get(learner.manager_id), mentor=people.get(learner.mentor_id),
    )  # fmt: skip
