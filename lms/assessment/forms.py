"""Quiz forms: the CSRF-checked forms of the attempt pages, and reading a posted attempt.

Field names never carry the answer key: choices are named by option id, matching rows by
the left item's authored position (their values are the shuffled right texts), ordering
rows by their displayed (shuffled) position. Each question type reads its own fields
(`lms.assessment.questions`); an answer that is not one the served question allows is an
error for that question, never a response to store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from lms.assessment.questions import field_name, question_type

__all__ = ["AttemptForm", "StartForm", "field_name", "read_responses", "display_values"]


class AttemptForm(FlaskForm):
    """An attempt page's form; the answers are read by `read_responses` (CSRF checked here)."""


class StartForm(FlaskForm):
    """Start or resume an attempt: only the CSRF token travels."""


@dataclass
class ReadResponses:
    """Responses read from a form: valid ones to save, errors and raw values by question id."""

    responses: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def read_responses(
    questions: list[dict], option_orders: dict[str, list[str]], form: MultiDict
) -> ReadResponses:
    """Read every served question's response from the posted form (blank means unanswered)."""
    read = ReadResponses()
    for question in questions:
        qid, kind = question["id"], question_type(question)
        order = option_orders.get(qid, [])
        answer = kind.read(question, order, form)
        error = answer.error or kind.refusal(question, order, answer.response)
        if error is None:
            read.responses[qid] = answer.response
        else:
            read.errors[qid] = error
            if answer.raw is not None:
                read.raw[qid] = answer.raw
    return read


def display_values(
    questions: list[dict], option_orders: dict[str, list[str]], responses: dict[str, Any]
) -> dict[str, Any]:
    """What each input shows: saved responses, in the shape the question partials expect."""
    return {
        question["id"]: question_type(question).shown_value(
            question, option_orders.get(question["id"], []), responses.get(question["id"])
        )
        for question in questions
    }


class ConfirmSubmitForm(FlaskForm):
    """Submit an attempt with questions unanswered, after being told how many."""
