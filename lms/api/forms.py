"""Forms of the API token page (every POST through a FlaskForm, CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.api.tokens import MAX_DAYS, NAME_MAX, SCOPES


class ScopeField(SelectMultipleField):
    """Scopes as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewTokenForm(FlaskForm):
    """Make a personal access token."""

    name = StringField(
        "Name", validators=[DataRequired(), Length(max=NAME_MAX)],
        description="What the token is for, e.g. 'team dashboard'.",
    )  # fmt: skip
    scopes = ScopeField("Scopes", choices=[SelectChoice(s, f"{s}: {t}") for s, t in SCOPES.items()])
    days = IntegerField(
        "Expires after (days)", default=90, validators=[NumberRange(min=1, max=MAX_DAYS)]
    )


class ServiceTokenForm(FlaskForm):
    """Make a service token for an integration (admins)."""

    email = EmailField(
        "Acts as (email)", validators=[DataRequired(), Length(max=254)],
        description="The account the integration acts as; its permissions apply.",
    )  # fmt: skip
    name = StringField("Name", validators=[DataRequired(), Length(max=NAME_MAX)])
    scopes = ScopeField("Scopes", choices=[SelectChoice(s, f"{s}: {t}") for s, t in SCOPES.items()])
    days = IntegerField(
        "Expires after (days)", validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
        description="Leave empty for a token that does not expire (revoke it when done).",
    )  # fmt: skip


class RevokeTokenForm(FlaskForm):
    """A button that revokes a token: only the CSRF token travels."""


__all__ = ["NewTokenForm", "RevokeTokenForm", "ServiceTokenForm"]
