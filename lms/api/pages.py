"""The account page's API tokens: make one (shown once), see them, revoke one.

Route table (blueprint `api_tokens`):

    GET  /account/tokens                    tokens   the person's tokens and the form
    POST /account/tokens                    tokens   make a token; its secret is shown once
    POST /account/tokens/<token_id>/revoke  revoke   revoke one of one's own tokens

Blueprint `api_admin` (admins): service tokens for integrations.

    GET  /admin/api-tokens                      service_tokens  every service token, the form
    POST /admin/api-tokens                      service_tokens  make one; shown once
    POST /admin/api-tokens/<token_id>/revoke    revoke_service  revoke a service token
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.accounts import service as accounts
from lms.api import tokens as service
from lms.api.forms import NewTokenForm, RevokeTokenForm, ServiceTokenForm
from lms.api.models import TokenKind
from lms.errors import ServiceError
from lms.permissions import require
from lms.web import commit_or_report

api_tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")
api_admin_bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")


@api_tokens_bp.route("", methods=["GET", "POST"])
@login_required
def tokens():
    """List the person's tokens; make a new one (its secret is shown on this answer only)."""
    form = NewTokenForm()
    made = None
    user = current_user._get_current_object()
    if form.validate_on_submit():
        ok, made = commit_or_report(
            form,
            lambda: service.create_token(
                user, name=form.name.data, scopes=form.scopes.data, days=form.days.data
            ),
        )
        if ok:
            flash("Copy the token now: it is not shown again.", "warning")
    return render_template(
        "api/tokens.html", form=form, made=made, tokens=service.tokens_of(user),
        revoke_form=RevokeTokenForm(),
    )  # fmt: skip


@api_tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens (someone else's answers 404)."""
    token = service.get_token(token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        ok, _ = commit_or_report(None, lambda: service.revoke(token, actor=current_user))
        if ok:
            flash(f"The token {token.name} is revoked.", "success")
    return redirect(url_for("api_tokens.tokens"))


@api_admin_bp.route("", methods=["GET", "POST"])
@login_required
@require("manage_users")
def service_tokens():
    """List every service token; make one for an integration (its secret is shown once)."""
    form = ServiceTokenForm()
    made = None
    if form.validate_on_submit():

        def write():
            person = accounts.get_by_email(form.email.data)
            if person is None:
                raise ServiceError(f"No user with the email {form.email.data}.", "email")
            return service.create_token(
                person, name=form.name.data, scopes=form.scopes.data, days=form.days.data,
                kind=TokenKind.SERVICE, actor=current_user,
            )  # fmt: skip

        ok, made = commit_or_report(form, write)
        if ok:
            flash("Copy the token now: it is not shown again.", "warning")
    return render_template(
        "api/service_tokens.html", form=form, made=made, tokens=service.service_tokens(),
        revoke_form=RevokeTokenForm(),
    )  # fmt: skip


@api_admin_bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
@require("manage_users")
def revoke_service(token_id: int):
    """Revoke a service token."""
    token = service.get_token(token_id)
    if token is None or token.kind != TokenKind.SERVICE:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        ok, _ = commit_or_report(None, lambda: service.revoke(token, actor=current_user))
        if ok:
            flash(f"The service token {token.name} is revoked.", "success")
    return redirect(url_for("api_admin.service_tokens"))
