"""Forms of the API token page (every POST through a FlaskForm, CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange
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


class RevokeTokenForm(FlaskForm):
    """A button that revokes a token: only the CSRF token travels."""


__all__ = ["NewTokenForm", "RevokeTokenForm"]
