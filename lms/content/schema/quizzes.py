"""Quizzes and exams: settings and a pool of questions of seven types."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from lms.content.schema.base import (
    Minutes,
    Model,
    Percent,
    Regex,
    Slug,
    Sourced,
    Text,
    fail,
    unique,
)


class Option(Model):
    """An answer option of a single or multiple choice question."""

    id: Slug
    text: Text
    correct: bool = False
    weight: float | None = Field(default=None, ge=-100, le=100)


SOURCE_RE = re.compile(r"^(?P<kind>doc|module):(?P<id>[^#\s]+)#(?P<anchor>[\w-]+)$")


def _source(value: str) -> str:
    if not SOURCE_RE.match(value):
        raise fail(f"{value!r} is not 'doc:ID#section' or 'module:ID#section'")
    return value


SourceRef = Annotated[str, AfterValidator(_source)]


class _Question(Model):
    id: Slug
    topic: Text
    prompt: Text
    explanation: Text
    points: int = Field(default=1, gt=0)
    source: SourceRef | None = None  # where the answer is taught: doc:ID#anchor or module:ID#slug


def _check_options(options: list[Option]) -> None:
    if not 2 <= len(options) <= 8:
        raise fail(f"needs 2 to 8 options, has {len(options)}")
    unique(options, lambda option: option.id, "option id", "id")


class SingleQuestion(_Question):
    """Exactly one correct option."""

    type: Literal["single"]
    options: list[Option]

    @field_validator("options")
    @classmethod
    def _one_correct(cls, value: list[Option]) -> list[Option]:
        _check_options(value)
        correct = sum(option.correct for option in value)
        if correct != 1:
            raise fail(f"needs exactly one correct option, has {correct}")
        return value


class MultipleQuestion(_Question):
    """One or more correct options."""

    type: Literal["multiple"]
    options: list[Option]

    @field_validator("options")
    @classmethod
    def _some_correct(cls, value: list[Option]) -> list[Option]:
        _check_options(value)
        if not any(option.correct for option in value):
            raise fail("needs at least one correct option")
        return value


class TrueFalseQuestion(_Question):
    """A true or false statement."""

    type: Literal["true_false"]
    answer: bool


def _check_range(value: list[float] | None) -> list[float] | None:
    if value is not None and value[0] > value[1]:
        raise fail("range must be [low, high] with low <= high")
    return value


Range = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_check_range)]


class NumericAnswer(Model):
    """One weighted answer of a numeric question: `value` within `tolerance`, or a `range`."""

    value: float | None = None
    tolerance: float = Field(default=0, ge=0)
    range: Range | None = None
    weight: float = Field(default=100, ge=-100, le=100)

    @model_validator(mode="after")
    def _value_or_range(self) -> Self:
        if (self.value is None) == (self.range is None):
            raise fail("give either value (with optional tolerance) or range", "value")
        if self.range is not None and self.tolerance:
            raise fail("tolerance only applies to value, not range", "tolerance")
        return self


class NumericQuestion(_Question):
    """A number: `answer` within `tolerance`, in the inclusive `range`, or weighted `answers`."""

    type: Literal["numeric"]
    answer: float | None = None
    tolerance: float | None = Field(default=None, ge=0)
    range: list[float] | None = Field(default=None, min_length=2, max_length=2)
    answers: list[NumericAnswer] | None = Field(default=None, min_length=1)
    unit: str | None = None

    @model_validator(mode="after")
    def _answer_or_range(self) -> Self:
        if self.answers is not None:
            if self.answer is not None or self.range is not None or self.tolerance is not None:
                raise fail("give answers, or answer/range, not both", "answers")
            if not any(a.weight >= 100 for a in self.answers):
                raise fail("at least one of the answers must have weight 100", "answers")
            return self
        if (self.answer is None) == (self.range is None):
            raise fail("give either answer (with optional tolerance) or range", "answer")
        if self.range is not None:
            if self.tolerance is not None:
                raise fail("tolerance only applies to answer, not range", "tolerance")
            if self.range[0] > self.range[1]:
                raise fail("range must be [low, high] with low <= high", "range")
        return self


class WeightedText(Model):
    """An accepted short answer worth `weight` percent (from GIFT import)."""

    text: Text
    weight: float = Field(ge=-100, le=100)


class ShortQuestion(_Question):
    """A short text answer: one of `accepted` (text or {text, weight}), or a `pattern` match."""

    type: Literal["short"]
    accepted: list[Text | WeightedText] = []
    pattern: Regex | None = None
    case_sensitive: bool = False  # Moodle's usecase: capitals must match

    @model_validator(mode="after")
    def _has_answer(self) -> Self:
        if not self.accepted and self.pattern is None:
            raise fail("give accepted answers or a pattern", "accepted")
        return self


class Pair(Model):
    """One left/right pair of a matching question."""

    left: Text
    right: Text


class MatchingQuestion(_Question):
    """Match each left text to its right text; `distractors` are extra right texts that match
    nothing (offered among the choices, always wrong)."""

    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2, max_length=8)
    distractors: list[Text] = Field(default=[], max_length=8)

    @field_validator("pairs")
    @classmethod
    def _unique_sides(cls, value: list[Pair]) -> list[Pair]:
        unique(value, lambda pair: pair.left, "left text", "left")
        unique(value, lambda pair: pair.right, "right text", "right")
        return value

    @model_validator(mode="after")
    def _distractors_differ(self) -> Self:
        seen = {pair.right for pair in self.pairs}
        for index, text in enumerate(self.distractors):
            if text in seen:
                raise fail(f"distractor {text!r} repeats a right text", f"distractors.{index}")
            seen.add(text)
        return self


class OrderingQuestion(_Question):
    """Put the items (written in the correct order) back in order."""

    type: Literal["ordering"]
    items: list[Text] = Field(min_length=3, max_length=8)

    @field_validator("items")
    @classmethod
    def _unique_items(cls, value: list[str]) -> list[str]:
        unique(value, str, "item")
        return value


Question = Annotated[
    SingleQuestion
    | MultipleQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | ShortQuestion
    | MatchingQuestion
    | OrderingQuestion,
    Field(discriminator="type"),
]


class Quiz(Sourced):
    """A quiz or exam with its question pool (quizzes/<id>.yml)."""

    id: Slug
    title: Text
    module: Slug | None = None
    pass_score: Percent
    questions_per_attempt: int = Field(ge=1)
    time_limit: Minutes | None = None
    max_attempts: int | None = Field(default=None, ge=1)
    cooldown: int = Field(default=0, ge=0)
    shuffle: bool = True
    spread_topics: bool = False
    review: Literal["immediately", "after_last_attempt", "never"] = "immediately"
    multiple_scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"
    questions: list[Question] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda question: question.id, "question id", "id")
        return value

    @model_validator(mode="after")
    def _pool_large_enough(self) -> Self:
        if self.questions_per_attempt > len(self.questions):
            raise fail(
                f"questions_per_attempt {self.questions_per_attempt} exceeds the pool of "
                f"{len(self.questions)} questions",
                "questions_per_attempt",
            )
        return self
