"""Account forms: every POST goes through one of these (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from lms.accounts.models import Role
from lms.accounts.service import NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, TEAM_MAX

PASSWORD_ADVICE = (
    f"At least {PASSWORD_MIN} characters, hard to guess: not a common password, and not "
    "containing the person's name or email address."
)
ROLE_CHOICES = [SelectChoice(role.value, role.value.capitalize()) for role in Role]


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=PASSWORD_ADVICE,
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class UserForm(FlaskForm):
    """Create or edit a user (admin)."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Display name", validators=[DataRequired(), Length(max=NAME_MAX)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.LEARNER.value)
    team = StringField("Team", validators=[Optional(), Length(max=TEAM_MAX)])
    manager_email = EmailField("Manager's email", validators=[Optional(), Email(), Length(max=254)])
    mentor_email = EmailField("Mentor's email", validators=[Optional(), Email(), Length(max=254)])
    start_date = DateField("Start date", validators=[Optional()])


class NewUserForm(UserForm):
    """Create a user, with a first password."""

    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"{PASSWORD_ADVICE} Give it to the person privately.",
    )


class ResetPasswordForm(FlaskForm):
    """Set someone else's password (admin)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=PASSWORD_ADVICE,
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
