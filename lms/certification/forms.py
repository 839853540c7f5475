"""Certification forms: issue, decline, revoke, ask for and decide approvals (CSRF on all)."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from lms.certification.service import REASON_MAX


class IssueForm(FlaskForm):
    """A trainer issues a certificate, with an optional note."""

    note = TextAreaField(
        "Note on the certificate (optional)", validators=[Optional(), Length(max=REASON_MAX)]
    )


class DeclineForm(FlaskForm):
    """A trainer declines to issue for now, with the reason the learner will read."""

    reason = TextAreaField(
        "Reason the learner will see", validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class RevokeForm(FlaskForm):
    """A trainer revokes a certificate, with a reason (kept in the audit log)."""

    reason = TextAreaField(
        "Reason for revoking", validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class AskForm(FlaskForm):
    """A button that sends a request: only the CSRF token travels."""


class DecideForm(FlaskForm):
    """A manager or mentor approves or declines a request, with a comment."""

    decision = StringField(validators=[AnyOf(["approve", "decline"])])  # the pressed button
    comment = StringField("Comment", validators=[Optional(), Length(max=REASON_MAX)])
