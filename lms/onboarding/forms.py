"""Onboarding forms: assign, replace or remove a track; tick a task."""

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, SelectField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length


class AssignTrackForm(FlaskForm):
    """Assign a track to a person from a start date (trainers)."""

    email = EmailField("Person's email", validators=[DataRequired(), Email(), Length(max=254)])
    track = SelectField("Track", validators=[DataRequired()])
    start_date = DateField("Start date", validators=[InputRequired()])


class ReplaceTrackForm(FlaskForm):
    """Replace one of a person's tracks by another, from a start date (trainers)."""

    track = SelectField("Replace with", validators=[DataRequired()])
    start_date = DateField("from", validators=[InputRequired()])


class RemoveTrackForm(FlaskForm):
    """Take a track off a person's plans (trainers); only the CSRF token travels."""


class TickForm(FlaskForm):
    """Tick (done=1) or untick (done=0) an item of one's own plan."""

    item = HiddenField(validators=[DataRequired(), Length(max=200)])
    done = HiddenField(validators=[AnyOf(["0", "1"])])
