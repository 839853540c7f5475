"""Labs and exercises, with machine-checked and trainer-reviewed checkpoints."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from lms.content.schema.base import Minutes, Model, Page, Regex, Slug, Text, fail, unique


class _Checkpoint(Model):
    id: Slug
    prompt: Text
    explanation: str | None = None


class ChoiceCheckpoint(_Checkpoint):
    """Machine-checked: the answer is one of the options."""

    type: Literal["choice"]
    options: list[Text] = Field(min_length=2)
    answer: Text

    @field_validator("options")
    @classmethod
    def _unique_options(cls, value: list[str]) -> list[str]:
        unique(value, str, "option")
        return value

    @model_validator(mode="after")
    def _answer_in_options(self) -> Self:
        if self.answer not in self.options:
            raise fail(f"answer {self.answer!r} is not one of the options", "answer")
        return self


class NumberCheckpoint(_Checkpoint):
    """Machine-checked: a number within `tolerance` of `answer`."""

    type: Literal["number"]
    answer: float
    tolerance: float = Field(default=0, ge=0)
    unit: str | None = None


class PatternCheckpoint(_Checkpoint):
    """Machine-checked: the answer, normalised, contains a match of `pattern`.

    `example` (the model answer) and `accept` list answers that must match, `reject` wrong
    or negated answers that must not; all are verified when the content loads, so a
    pattern cannot quietly accept "not X".
    """

    type: Literal["pattern"]
    pattern: Regex
    accept: list[Text] = []
    reject: list[Text] = Field(min_length=2)
    example: str | None = None

    @staticmethod
    def normalise(text: str) -> str:
        """Fold an answer for matching: lowercase, typographic quotes plain, one space."""
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        return " ".join(text.lower().split())

    def matches(self, text: str) -> bool:
        """Whether `text` is a right answer: the pattern is found in the normalised text.

        `re.search`, case-insensitive; `^` and `$` anchor the whole (normalised) answer.
        """
        return re.search(self.pattern, self.normalise(text), re.IGNORECASE) is not None

    @property
    def accepted(self) -> list[str]:
        """Every answer the checkpoint must accept: `accept`, then `example`."""
        return [*self.accept, *([self.example] if self.example is not None else [])]

    @model_validator(mode="after")
    def _examples_hold(self) -> Self:
        if not self.accepted:
            raise fail("needs at least one accepted answer (accept or example)", "accept")
        for index, answer in enumerate(self.accept):
            if not self.matches(answer):
                raise fail(
                    f"accepted answer {answer!r} does not match the pattern", f"accept.{index}"
                )
        if self.example is not None and not self.matches(self.example):
            raise fail("example does not match the pattern", "example")
        for index, answer in enumerate(self.reject):
            if self.matches(answer):
                raise fail(f"rejected answer {answer!r} matches the pattern", f"reject.{index}")
        return self


class RubricItem(Model):
    """One criterion of a trainer-scored checkpoint."""

    criterion: Text
    points: int = Field(gt=0)


class ReviewCheckpoint(_Checkpoint):
    """Scored by a trainer against the rubric."""

    type: Literal["review"]
    rubric: list[RubricItem] = Field(min_length=1)
    pass_points: int = Field(ge=0)

    @model_validator(mode="after")
    def _pass_points_reachable(self) -> Self:
        total = sum(item.points for item in self.rubric)
        if self.pass_points > total:
            raise fail(
                f"pass_points {self.pass_points} exceeds the rubric total {total}", "pass_points"
            )
        return self


Checkpoint = Annotated[
    ChoiceCheckpoint | NumberCheckpoint | PatternCheckpoint | ReviewCheckpoint,
    Field(discriminator="type"),
]


class Lab(Page):
    """A hands-on lab or exercise (labs/<id>.md)."""

    id: Slug
    title: Text
    kind: Literal["hands-on", "exercise"]
    number: Text
    module: Slug | None = None
    objective: Text
    time_limit: Minutes
    steps: list[Text] = Field(min_length=1)
    pass_criteria: list[Text] = Field(min_length=1)
    checkpoints: list[Checkpoint] = Field(min_length=1)
    # Shown one at a time, only when the learner asks; the reviewer sees which were used.
    hints: list[Text] = []

    @field_validator("checkpoints")
    @classmethod
    def _unique_checkpoints(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda checkpoint: checkpoint.id, "checkpoint id", "id")
        return value
