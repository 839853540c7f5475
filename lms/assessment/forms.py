"""Quiz forms: the CSRF-checked form of an attempt page, and reading its answers.

Field names never carry the answer key: choices are named by option id, matching rows by
the left item's authored position (their values are the shuffled right texts), ordering
rows by their displayed (shuffled) position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from lms.assessment.rules import MAX_TEXT, parse_number


class AttemptForm(FlaskForm):
    """An attempt page's form; the answers are read by `read_responses` (CSRF checked here)."""


class StartForm(FlaskForm):
    """Start or resume an attempt: only the CSRF token travels."""


def field_name(question_id: str, index: int | None = None) -> str:
    """The form field name of a question (or of one row of a matching/ordering question)."""
    return f"q-{question_id}" if index is None else f"q-{question_id}-{index}"


@dataclass
class ReadResponses:
    """Responses read from a form: valid ones to save, errors and raw values by question id."""

    responses: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def read_responses(
    questions: list[dict], option_orders: dict[str, list[str]], form: MultiDict
) -> ReadResponses:
    """Read every served question's response from the posted form (blank means unanswered)."""
    read = ReadResponses()
    for question in questions:
        qid, kind = question["id"], question["type"]
        name = field_name(qid)
        if kind in ("single", "true_false"):
            read.responses[qid] = _text(form.get(name))
        elif kind == "multiple":
            chosen = [v for v in dict.fromkeys(form.getlist(name)) if v]
            read.responses[qid] = chosen or None
        elif kind in ("numeric", "short"):
            value = _text(form.get(name))
            if value is not None and len(value) > MAX_TEXT:
                read.errors[qid] = f"Keep the answer under {MAX_TEXT} characters."
                read.raw[qid] = value[:MAX_TEXT]
            elif kind == "numeric" and value is not None and parse_number(value) is None:
                read.errors[qid] = "Enter a number, with a point for decimals (for example 12.5)."
                read.raw[qid] = value
            else:
                read.responses[qid] = value
        elif kind == "matching":
            pairs = question["pairs"]
            chosen = {
                pair["left"]: value
                for i, pair in enumerate(pairs)
                if (value := _text(form.get(field_name(qid, i))))
            }
            read.responses[qid] = chosen or None
        elif kind == "ordering":
            _read_ordering(question, option_orders.get(qid, []), form, read)
    return read


def _read_ordering(question: dict, shown: list[str], form: MultiDict, read: ReadResponses) -> None:
    qid, n = question["id"], len(shown)
    positions = {k: _text(form.get(field_name(qid, k))) for k in range(n)}
    given = {k: p for k, p in positions.items() if p is not None}
    if not given:
        read.responses[qid] = None
        return
    numbers = {k: int(p) for k, p in given.items() if p.isdigit() and 1 <= int(p) <= n}
    if len(numbers) < n or len(set(numbers.values())) < n:
        read.errors[qid] = f"Give each item a different position from 1 to {n}."
        read.raw[qid] = positions
        return
    read.responses[qid] = [shown[k] for k in sorted(numbers, key=numbers.__getitem__)]


def display_values(
    questions: list[dict], option_orders: dict[str, list[str]], responses: dict[str, Any]
) -> dict[str, Any]:
    """What each input shows: saved responses, in the shape the attempt template expects."""
    shown: dict[str, Any] = {}
    for question in questions:
        qid, kind = question["id"], question["type"]
        value = responses.get(qid)
        if kind == "multiple":
            shown[qid] = set(value or [])
        elif kind == "ordering":
            if isinstance(value, dict):  # raw positions sent back with an error
                shown[qid] = {int(k): v for k, v in value.items()}
            elif isinstance(value, list):
                where = {item: i + 1 for i, item in enumerate(value)}
                shown[qid] = {
                    k: str(where[item])
                    for k, item in enumerate(option_orders.get(qid, []))
                    if item in where
                }
            else:
                shown[qid] = {}
        elif kind == "matching":
            shown[qid] = value if isinstance(value, dict) else {}
        else:
            shown[qid] = "" if value is None else str(value)
    return shown
