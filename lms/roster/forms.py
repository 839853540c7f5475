"""Roster forms: upload a CSV for preview, then confirm the import."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired


class RosterUploadForm(FlaskForm):
    """Upload a roster CSV for preview."""

    roster = FileField(
        "Roster file (CSV)",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv"], "Upload a .csv file."),
        ],
    )


class RosterConfirmForm(FlaskForm):
    """Confirm an import whose preview was clean; the file's text travels back."""

    content = HiddenField(validators=[DataRequired()])
    filename = HiddenField()
    invite = BooleanField("Invite the new people: email each a link to choose their password")
