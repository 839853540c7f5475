"""Question types: one class per type, in a registry keyed by the type name (pure code).

Each class knows, for its type, how to validate a definition (the pydantic model of the
quiz file), the display order of what it serves, its public view (what a learner may see
of an open attempt: never the key), how to read its answer from a posted form and show it
back, whether an answer is one the served question allows, how to grade it, and how to
describe an answer and the key on a review page.

Questions arrive as the plain dicts stored in an attempt's snapshot (shaped like the quiz
YAML, already validated). No Flask, no database here.
"""

from __future__ import annotations

import random
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from lms.assessment.rules import (
    MAX_TEXT,
    SCORINGS,
    ZERO,
    Grade,
    clamp,
    is_text,
    normalize_text,
    option_weights,
    parse_number,
    text_list,
    within,
)
from lms.content.schema import quizzes as schema

SHORT_MAX = 500  # characters a short answer may have (the input's maxlength says so too)
NUMBER_MAX = 50  # characters a numeric answer may have


def field_name(question_id: str, index: int | None = None) -> str:
    """The form field name of a question (or of one row of a matching/ordering question)."""
    return f"q-{question_id}" if index is None else f"q-{question_id}-{index}"


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _fmt(number: float) -> str:
    return f"{number:g}"


def _unit(question: dict) -> str:
    return f" {question['unit']}" if question.get("unit") else ""


def is_blank(response: Any) -> bool:
    """True when a response means "not answered"."""
    return response is None or response == "" or response == [] or response == {}


@dataclass(frozen=True)
class ReadAnswer:
    """One question's answer read from a form: the response, or an error and what was typed."""

    response: Any = None
    error: str | None = None
    raw: Any = None


class QuestionType(ABC):
    """The behaviour every question type shares; subclasses fill in their own."""

    name: ClassVar[str]
    model: ClassVar[type[BaseModel]]
    template: ClassVar[str]

    # --- definition ---------------------------------------------------------------------

    @classmethod
    def validate(cls, definition: Mapping) -> BaseModel:
        """Check a definition against the type's schema (pydantic ValidationError if bad)."""
        return cls.model.model_validate(dict(definition))

    @classmethod
    def display_order(cls, question: dict, seed: int, shuffle: bool) -> list[str]:
        """What is served in which order (option ids, right texts or items); [] if nothing."""
        return []

    # --- what a learner sees ------------------------------------------------------------

    @classmethod
    def public_view(cls, question: dict, order: list[str]) -> dict:
        """What a learner may see of the question while the attempt is open (no key)."""
        return {
            "id": question["id"],
            "type": cls.name,
            "template": cls.template,
            "prompt": question["prompt"],
            "points": question.get("points", 1),
            "name": field_name(question["id"]),
        } | cls._public_fields(question, order)

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        return {}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        """Read the answer from a posted form (a MultiDict); blank means unanswered."""
        return ReadAnswer(_text(form.get(field_name(question["id"]))))

    @classmethod
    def shown_value(cls, question: dict, order: list[str], response: Any) -> Any:
        """The saved response in the shape the question's form partial shows it."""
        return "" if response is None else str(response)

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        """Why a response may not be stored for the question as served (None: it may)."""
        return None

    # --- grading and review -------------------------------------------------------------

    @classmethod
    @abstractmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        """Grade a response (a malformed one grades 0 and never raises)."""

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        """The learner's (non-blank) response as lines of plain text."""
        return [str(response)]

    @classmethod
    @abstractmethod
    def describe_key(cls, question: dict) -> list[str]:
        """The right answer as lines of plain text."""


QUESTION_TYPES: dict[str, type[QuestionType]] = {}


def _register(cls: type[QuestionType]) -> type[QuestionType]:
    QUESTION_TYPES[cls.name] = cls
    return cls


def _served_options(question: dict, order: list[str]) -> list[str]:
    return list(order) or [o["id"] for o in question["options"]]


class _Choice(QuestionType):
    @classmethod
    def display_order(cls, question: dict, seed: int, shuffle: bool) -> list[str]:
        ids = [o["id"] for o in question["options"]]
        if shuffle:
            random.Random(f"{seed}:{question['id']}").shuffle(ids)
        return ids

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        texts = {o["id"]: o["text"] for o in question["options"]}
        served = _served_options(question, order)
        return {"options": [{"id": oid, "text": texts[oid]} for oid in served if oid in texts]}

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        texts = {o["id"]: o["text"] for o in question["options"]}
        chosen = response if isinstance(response, list) else [response]
        return [texts.get(str(c), str(c)) for c in chosen]

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        return [o["text"] for o in question["options"] if o.get("correct")]


@_register
class SingleChoice(_Choice):
    """One option of several is right."""

    name = "single"
    model = schema.SingleQuestion
    template = "assessment/questions/single.html"

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None or response in _served_options(question, order):
            return None
        return "Choose one of the options shown."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        ids = {o["id"]: bool(o.get("correct")) for o in question["options"]}
        if not is_text(response) or response not in ids:
            return ZERO
        return Grade(1.0, True) if ids[response] else Grade(0.0, False, (f"wrong:{response}",))


@_register
class MultipleChoice(_Choice):
    """Several options may be right; the learner is told how many to choose."""

    name = "multiple"
    model = schema.MultipleQuestion
    template = "assessment/questions/multiple.html"

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        choose = sum(1 for o in question["options"] if o.get("correct"))
        return super()._public_fields(question, order) | {"choose": choose}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        chosen = [v for v in dict.fromkeys(form.getlist(field_name(question["id"]))) if v]
        return ReadAnswer(chosen or None)

    @classmethod
    def shown_value(cls, question: dict, order: list[str], response: Any) -> Any:
        return set(response or [])

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None:
            return None
        served = _served_options(question, order)
        if (
            isinstance(response, list)
            and len(response) <= len(served)
            and len(set(response)) == len(response)
            and all(isinstance(c, str) and c in served for c in response)
        ):
            return None
        return "Choose among the options shown."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        chosen = text_list(response)
        right = {o["id"] for o in question["options"] if o.get("correct")}
        weights = option_weights(question)
        if chosen is None or not set(chosen) <= weights.keys():
            return ZERO
        picked = set(chosen)
        feedback = tuple(sorted(f"missed:{i}" for i in right - picked)) + tuple(
            sorted(f"wrong:{i}" for i in picked - right)
        )
        exact = picked == right
        if scoring == "partial":
            return Grade(clamp(sum(weights[i] for i in picked) / 100), exact, feedback)
        return Grade(1.0 if exact else 0.0, exact, feedback)


@_register
class TrueFalse(QuestionType):
    """A statement that is true or false."""

    name = "true_false"
    model = schema.TrueFalseQuestion
    template = "assessment/questions/true_false.html"

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None or isinstance(response, bool) or response in ("true", "false"):
            return None
        return "Choose True or False."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        if isinstance(response, str) and len(response) <= MAX_TEXT:
            response = {"true": True, "false": False}.get(response.strip().casefold())
        if not isinstance(response, bool):
            return ZERO
        ok = response is bool(question["answer"])
        return Grade(1.0 if ok else 0.0, ok)

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        return ["True" if str(response).strip().casefold() == "true" else "False"]

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        return ["True" if question["answer"] else "False"]


def _numeric_spec(spec: dict, unit: str) -> str:
    if spec.get("range") is not None:
        low, high = spec["range"]
        return f"from {_fmt(low)} to {_fmt(high)}{unit}"
    value = spec.get("value", spec.get("answer"))
    tolerance = spec.get("tolerance") or 0
    return f"{_fmt(value)}{unit}" + (f" (± {_fmt(tolerance)})" if tolerance else "")


def _too_long(value: str | None, limit: int) -> ReadAnswer | None:
    if value is not None and len(value) > limit:
        return ReadAnswer(error=f"Keep the answer under {limit} characters.", raw=value[:limit])
    return None


@_register
class Numeric(QuestionType):
    """A number: exact, within a tolerance, in a range, or the best of weighted answers."""

    name = "numeric"
    model = schema.NumericQuestion
    template = "assessment/questions/numeric.html"

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        return {"unit": question.get("unit"), "max_length": NUMBER_MAX}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        value = _text(form.get(field_name(question["id"])))
        too_long = _too_long(value, NUMBER_MAX)
        if too_long is not None:
            return too_long
        if value is not None and parse_number(value) is None:
            return ReadAnswer(
                error="Enter a number, with a point for decimals (for example 12.5).", raw=value
            )
        return ReadAnswer(value)

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None:
            return None
        too_long = isinstance(response, str) and len(response) > NUMBER_MAX
        if not too_long and parse_number(response) is not None:  # a number, or one as text
            return None
        return "Enter a number, with a point for decimals (for example 12.5)."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        x = parse_number(response)
        if x is None:
            return ZERO
        if question.get("answers"):
            weights = [float(a.get("weight", 100)) for a in question["answers"] if within(x, a)]
            score = clamp(max(weights, default=0) / 100)
            return Grade(score, score >= 1.0)
        ok = within(x, question)
        return Grade(1.0 if ok else 0.0, ok)

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        return [f"{response}{_unit(question)}"]

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        unit = _unit(question)
        if question.get("answers"):
            return [
                _numeric_spec(a, unit)
                + ("" if a.get("weight", 100) >= 100 else f": {a['weight']:g}%")
                for a in question["answers"]
                if a.get("weight", 100) > 0
            ]
        return [_numeric_spec(question, unit)]


def _spaced(text: str) -> str:
    """NFKC-normalize and collapse whitespace, keeping capitals."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@_register
class ShortText(QuestionType):
    """A short text: one of the accepted answers (optionally weighted) or a pattern match."""

    name = "short"
    model = schema.ShortQuestion
    template = "assessment/questions/short.html"

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        return {"max_length": SHORT_MAX}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        value = _text(form.get(field_name(question["id"])))
        return _too_long(value, SHORT_MAX) or ReadAnswer(value)

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None or (isinstance(response, str) and len(response) <= SHORT_MAX):
            return None
        return f"Keep the answer under {SHORT_MAX} characters."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        if not is_text(response) or not response.strip():
            return ZERO
        exact_case = bool(question.get("case_sensitive"))
        normal = _spaced if exact_case else normalize_text
        given = normal(response)
        best = 0.0
        for item in question.get("accepted") or []:
            text, weight = (item, 100) if isinstance(item, str) else (item["text"], item["weight"])
            if normal(text) == given:
                best = max(best, float(weight))
        pattern = question.get("pattern")
        if pattern:
            flags = 0 if exact_case else re.IGNORECASE
            if re.fullmatch(pattern, _spaced(response), flags):
                best = 100.0
        score = clamp(best / 100)
        return Grade(score, score >= 1.0)

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        lines = []
        for item in question.get("accepted") or []:
            if isinstance(item, str):
                lines.append(item)
            elif item.get("weight", 100) > 0:
                weight = item.get("weight", 100)
                lines.append(item["text"] + ("" if weight >= 100 else f" ({weight:g}%)"))
        if question.get("pattern"):
            lines.append(f"any answer matching the pattern {question['pattern']}")
        if question.get("case_sensitive"):
            lines.append("(capitals must match)")
        return lines


@_register
class Matching(QuestionType):
    """Match each left text to a right text; the right texts are served shuffled, with the
    distractors (right texts that match nothing, always wrong) among them."""

    name = "matching"
    model = schema.MatchingQuestion
    template = "assessment/questions/matching.html"

    @classmethod
    def display_order(cls, question: dict, seed: int, shuffle: bool) -> list[str]:
        # Always shuffled: the authored order would line each right text up with its left.
        authored = [p["right"] for p in question["pairs"]]
        rights = authored + list(question.get("distractors") or ())
        random.Random(f"{seed}:{question['id']}").shuffle(rights)
        if len(rights) >= 2 and rights[: len(authored)] == authored:
            rights = rights[1:] + rights[:1]
        return rights

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        rows = [
            {"label": pair["left"], "name": field_name(question["id"], i)}
            for i, pair in enumerate(question["pairs"])
        ]
        return {"rows": rows, "choices": list(order)}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        chosen = {
            pair["left"]: value
            for i, pair in enumerate(question["pairs"])
            if (value := _text(form.get(field_name(question["id"], i))))
        }
        return ReadAnswer(chosen or None)

    @classmethod
    def shown_value(cls, question: dict, order: list[str], response: Any) -> Any:
        return response if isinstance(response, dict) else {}

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None:
            return None
        lefts = {p["left"] for p in question["pairs"]}
        served = set(order) or cls._choices(question)
        if isinstance(response, dict) and all(
            k in lefts and isinstance(v, str) and v in served for k, v in response.items()
        ):
            return None
        return "Choose each match from the list shown."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        pairs = {p["left"]: p["right"] for p in question["pairs"]}
        rights = cls._choices(question)  # a distractor chosen is wrong, not malformed
        if (
            not isinstance(response, dict)
            or not 0 < len(response) <= len(pairs)
            or not all(k in pairs and is_text(v) and v in rights for k, v in response.items())
        ):
            return ZERO
        wrong = tuple(f"wrong:{left}" for left in pairs if response.get(left) != pairs[left])
        score = clamp((len(pairs) - len(wrong)) / len(pairs))
        return Grade(score, not wrong, wrong)

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        if not isinstance(response, dict):
            return [str(response)]
        return [
            f"{p['left']} → {response[p['left']]}"
            for p in question["pairs"]
            if p["left"] in response
        ]

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        return [f"{p['left']} → {p['right']}" for p in question["pairs"]] + [
            f"Matches nothing: {text}" for text in question.get("distractors") or ()
        ]

    @staticmethod
    def _choices(question: dict) -> set[str]:
        """Every right-hand choice: the pairs' right texts and the distractors."""
        return {p["right"] for p in question["pairs"]} | set(question.get("distractors") or ())


@_register
class Ordering(QuestionType):
    """Put items (authored in the right order) back in order; served shuffled."""

    name = "ordering"
    model = schema.OrderingQuestion
    template = "assessment/questions/ordering.html"

    @classmethod
    def display_order(cls, question: dict, seed: int, shuffle: bool) -> list[str]:
        # Always shuffled, and never served in the right order when there are 3 or more.
        items = list(question["items"])
        order = items[:]
        random.Random(f"{seed}:{question['id']}").shuffle(order)
        if len(items) >= 3 and order == items:
            order = order[1:] + order[:1]
        return order

    @classmethod
    def _public_fields(cls, question: dict, order: list[str]) -> dict:
        rows = [
            {"label": item, "name": field_name(question["id"], k)} for k, item in enumerate(order)
        ]
        return {"rows": rows, "positions": list(range(1, len(order) + 1))}

    @classmethod
    def read(cls, question: dict, order: list[str], form: Any) -> ReadAnswer:
        qid, n = question["id"], len(order)
        positions = {k: _text(form.get(field_name(qid, k))) for k in range(n)}
        given = {k: p for k, p in positions.items() if p is not None}
        if not given:
            return ReadAnswer(None)
        numbers = {k: int(p) for k, p in given.items() if p.isdigit() and 1 <= int(p) <= n}
        if len(numbers) < n or len(set(numbers.values())) < n:
            return ReadAnswer(
                error=f"Give each item a different position from 1 to {n}.", raw=positions
            )
        return ReadAnswer([order[k] for k in sorted(numbers, key=numbers.__getitem__)])

    @classmethod
    def shown_value(cls, question: dict, order: list[str], response: Any) -> Any:
        if isinstance(response, dict):  # raw positions sent back with an error
            return {int(k): v for k, v in response.items()}
        if isinstance(response, list):
            where = {item: i + 1 for i, item in enumerate(response)}
            return {k: str(where[item]) for k, item in enumerate(order) if item in where}
        return {}

    @classmethod
    def refusal(cls, question: dict, order: list[str], response: Any) -> str | None:
        if response is None:
            return None
        served = list(order) or list(question["items"])
        if isinstance(response, list) and sorted(map(str, response)) == sorted(served):
            return None
        return f"Give each item a different position from 1 to {len(served)}."

    @classmethod
    def grade(cls, question: dict, response: Any, scoring: str) -> Grade:
        items = list(question["items"])
        given = text_list(response)
        if given is None or sorted(given) != sorted(items):
            return ZERO
        if given == items:
            return Grade(1.0, True)
        misplaced = tuple(
            f"misplaced:{i}" for i, (a, b) in enumerate(zip(given, items, strict=True)) if a != b
        )
        return Grade(clamp((len(items) - len(misplaced)) / len(items)), False, misplaced)

    @classmethod
    def describe_response(cls, question: dict, response: Any) -> list[str]:
        if not isinstance(response, list):
            return [str(response)]
        return [f"{i}. {item}" for i, item in enumerate(response, start=1)]

    @classmethod
    def describe_key(cls, question: dict) -> list[str]:
        return [f"{i}. {item}" for i, item in enumerate(question["items"], start=1)]


# --- the registry's entry points ---------------------------------------------------------------


def question_type(question: Mapping) -> type[QuestionType]:
    """The class of a question's type (KeyError for an unknown type)."""
    return QUESTION_TYPES[question["type"]]


def grade(question: dict, response: Any, scoring: str = "all_or_nothing") -> Grade:
    """Grade a response with the class of the question's type (KeyError if none)."""
    if scoring not in SCORINGS:
        raise ValueError(f"unknown scoring {scoring!r}")
    return question_type(question).grade(question, response, scoring)


def option_order(question: dict, seed: int, shuffle: bool) -> list[str]:
    """Display order: option ids (single/multiple), right texts and distractors (matching) or
    items (ordering).

    Matching and ordering are always shuffled (their authored order would give the answer
    away): the right texts of a matching question are never shown in the order of their left
    texts, and an ordering question with 3+ items is never shown in its correct order.
    """
    return question_type(question).display_order(question, seed, shuffle)


def public_view(question: dict, order: list[str]) -> dict:
    """What a learner may see of a served question: prompt, options in served order, no key."""
    return question_type(question).public_view(question, order)


def refusal(question: dict, order: list[str], response: Any) -> str | None:
    """Why a response may not be stored for the question as served (None: it may)."""
    return question_type(question).refusal(question, order, response)


def describe_response(question: dict, response: Any) -> list[str]:
    """The learner's response as lines of plain text (empty list: not answered)."""
    if is_blank(response):
        return []
    return question_type(question).describe_response(question, response)


def describe_key(question: dict) -> list[str]:
    """The right answer as lines of plain text."""
    return question_type(question).describe_key(question)
