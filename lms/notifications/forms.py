"""Notification forms: every POST goes through one of these (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.accounts.service import PASSWORD_MAX, PASSWORD_MIN


class ForgotPasswordForm(FlaskForm):
    """Ask for a link to reset one's password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    """Choose a password through an invitation or reset link."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class ReminderSettingsForm(FlaskForm):
    """Turn reminder emails on or off."""

    reminder_emails = BooleanField("Email me a daily digest of what is due, overdue or waiting")


class ButtonForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
