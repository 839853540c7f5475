"""Practice forms: all through FlaskForm (CSRF). A lab's answers are read by the checkpoint
types (`lms.practice.checkpoints`), a review's points by `read_scores`."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.practice import checkpoints as kinds


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token (start, ask for a hint)."""


class LabWorkForm(FlaskForm):
    """A draft's page: the answers are read by the checkpoint types (CSRF checked here)."""


class ReviewForm(FlaskForm):
    """A trainer's decision; the points per criterion are read by `read_scores`."""

    feedback = TextAreaField(
        "Overall comment to the learner", validators=[Optional(), Length(max=5000)]
    )


class EvidenceForm(FlaskForm):
    """Log (or correct) a piece of evidence."""

    kind = SelectField("Kind", validators=[DataRequired()])
    happened_on = DateField("Date it happened", validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    reference = StringField(
        "Reference",
        validators=[DataRequired(), Length(max=300)],
        description="A change id, incident id, ticket or link that shows it happened.",
    )
    description = TextAreaField("What you did", validators=[Optional(), Length(max=5000)])
    file = FileField(
        "Attachment (optional)",
        description="A PDF, an image or a plain text file.",
    )


class DecideEvidenceForm(FlaskForm):
    """A supervisor's verification of one entry."""

    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])


def score_field(checkpoint_id: str, index: int) -> str:
    """The form field of one rubric criterion's points."""
    return f"score-{checkpoint_id}-{index}"


def comment_field(checkpoint_id: str, index: int) -> str:
    """The form field of one rubric criterion's comment."""
    return f"comment-{checkpoint_id}-{index}"


def read_scores(snapshots: list[dict[str, Any]], form) -> dict[str, list[dict[str, Any]]]:
    """Points and comments per criterion of each review checkpoint (blank points: None)."""
    scores = {}
    for snapshot in snapshots:
        if kinds.kind_of(snapshot).machine_checked:
            continue
        criteria = []
        for index, _ in enumerate(snapshot["rubric"]):
            raw = (form.get(score_field(snapshot["id"], index)) or "").strip()
            points = int(raw) if raw.lstrip("-").isdigit() else None
            comment = (form.get(comment_field(snapshot["id"], index)) or "").strip()[:2000]
            criteria.append({"points": points, "comment": comment})
        scores[snapshot["id"]] = criteria
    return scores
