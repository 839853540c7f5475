"""Lab checkpoint types: one class each, in a registry keyed by the type name.

Each type knows its public view (what the learner may see: never the answer), how to read
its answer from a posted form, how to grade it, and how to describe the expected answer
for a reviewer. Templates receive public views only, so an answer cannot reach a learner
by accident. Checkpoints are the content schema's models, rebuilt from the submission's
snapshot by `load`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import TypeAdapter

from lms.content.schema.labs import Checkpoint

MAX_TEXT = 2000  # a short answer
MAX_REVIEW_TEXT = 20000  # a written answer for a trainer
_ADAPTER: TypeAdapter = TypeAdapter(Checkpoint)


def load(snapshot: dict[str, Any]):
    """The checkpoint model of a stored snapshot dict."""
    return _ADAPTER.validate_python(snapshot)


def snapshot(checkpoint) -> dict[str, Any]:
    """The plain dict of a checkpoint, as stored in a submission."""
    return checkpoint.model_dump(mode="json", exclude_none=True)


def field_name(checkpoint_id: str) -> str:
    """The form field of a checkpoint's answer (files of a review checkpoint add `-files`)."""
    return f"cp-{checkpoint_id}"


@dataclass(frozen=True)
class Reading:
    """An answer read from a form: the value to store (None: unanswered), or an error."""

    value: Any = None
    error: str | None = None


def _text(form, name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def parse_number(text: str) -> float | None:
    """A number typed by a person ("1,5" and "1 500" too), or None."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class CheckpointType(ABC):
    """What every checkpoint type provides."""

    name: ClassVar[str]
    machine_checked: ClassVar[bool] = True

    def public(self, checkpoint) -> dict[str, Any]:
        """What a learner may see of the checkpoint (never the answer)."""
        return {"id": checkpoint.id, "type": self.name, "prompt": checkpoint.prompt}

    def read(self, checkpoint, form) -> Reading:
        """Read the answer from the posted form (a MultiDict)."""
        value = _text(form, field_name(checkpoint.id))
        if value is not None and len(value) > MAX_TEXT:
            return Reading(value[:MAX_TEXT], f"Keep the answer under {MAX_TEXT} characters.")
        return Reading(value)

    @abstractmethod
    def grade(self, checkpoint, answer: Any) -> bool | None:
        """True or False for a machine-checked answer; None when a trainer decides."""

    @abstractmethod
    def describe_answer(self, checkpoint) -> str:
        """The expected answer in words, for the reviewer and after the decision."""

    def describe_response(self, checkpoint, answer: Any) -> str:
        """The learner's answer in words."""
        return "" if answer is None else str(answer)


class ChoiceType(CheckpointType):
    """One of the options."""

    name = "choice"

    def public(self, checkpoint) -> dict[str, Any]:
        """The prompt and the options."""
        return {**super().public(checkpoint), "options": list(checkpoint.options)}

    def read(self, checkpoint, form) -> Reading:
        """The chosen option; anything not among the options is refused."""
        value = _text(form, field_name(checkpoint.id))
        if value is not None and value not in checkpoint.options:
            return Reading(None, "Choose one of the options.")
        return Reading(value)

    def grade(self, checkpoint, answer: Any) -> bool:
        """Right when the chosen option is the answer."""
        return answer == checkpoint.answer

    def describe_answer(self, checkpoint) -> str:
        """The right option."""
        return checkpoint.answer


class NumberType(CheckpointType):
    """A number within the tolerance of the answer, in the checkpoint's unit."""

    name = "number"

    def public(self, checkpoint) -> dict[str, Any]:
        """The prompt and the unit (the tolerance would hint at the answer's size)."""
        return {**super().public(checkpoint), "unit": checkpoint.unit}

    def read(self, checkpoint, form) -> Reading:
        """A number; words are refused with an example of what is expected."""
        value = _text(form, field_name(checkpoint.id))
        if value is None:
            return Reading(None)
        if parse_number(value) is None:
            return Reading(None, "Enter a number, with a point for decimals (for example 12.5).")
        return Reading(value)

    def grade(self, checkpoint, answer: Any) -> bool:
        """Right when within the tolerance (plus rounding noise)."""
        number = parse_number(str(answer)) if answer is not None else None
        if number is None:
            return False
        return abs(number - checkpoint.answer) <= checkpoint.tolerance + 1e-9

    def describe_answer(self, checkpoint) -> str:
        """The answer, its tolerance and unit."""
        answer = f"{checkpoint.answer:g}"
        if checkpoint.tolerance:
            answer += f" ± {checkpoint.tolerance:g}"
        return f"{answer} {checkpoint.unit}" if checkpoint.unit else answer

    def describe_response(self, checkpoint, answer: Any) -> str:
        """The number typed, with the unit."""
        if answer is None:
            return ""
        return f"{answer} {checkpoint.unit}" if checkpoint.unit else str(answer)


class PatternType(CheckpointType):
    """A short text answer the checkpoint's pattern must match."""

    name = "pattern"

    def grade(self, checkpoint, answer: Any) -> bool:
        """Right when the checkpoint's pattern matches the answer."""
        return answer is not None and checkpoint.matches(str(answer))

    def describe_answer(self, checkpoint) -> str:
        """An example of a right answer: the model answer, else the first accepted one."""
        return f"for example: {checkpoint.accepted[0]}"


class ReviewType(CheckpointType):
    """A written answer and files, scored by a trainer against the rubric."""

    name = "review"
    machine_checked = False

    def public(self, checkpoint) -> dict[str, Any]:
        """The prompt, the rubric (criteria are what is asked for) and the points to pass."""
        return {
            **super().public(checkpoint),
            "rubric": [{"criterion": r.criterion, "points": r.points} for r in checkpoint.rubric],
            "pass_points": checkpoint.pass_points,
            "total_points": sum(r.points for r in checkpoint.rubric),
        }

    def read(self, checkpoint, form) -> Reading:
        """The written answer (files are read by the service from the request's files)."""
        value = _text(form, field_name(checkpoint.id))
        if value is not None and len(value) > MAX_REVIEW_TEXT:
            return Reading(
                value[:MAX_REVIEW_TEXT], f"Keep the answer under {MAX_REVIEW_TEXT} characters."
            )
        return Reading(value)

    def grade(self, checkpoint, answer: Any) -> None:
        """A trainer decides."""
        return None

    def describe_answer(self, checkpoint) -> str:
        """The points needed to pass."""
        total = sum(r.points for r in checkpoint.rubric)
        return f"at least {checkpoint.pass_points} of {total} rubric points"


REGISTRY: dict[str, CheckpointType] = {
    kind.name: kind() for kind in (ChoiceType, NumberType, PatternType, ReviewType)
}


def kind_of(checkpoint) -> CheckpointType:
    """The type object of a checkpoint model (or snapshot dict)."""
    name = checkpoint["type"] if isinstance(checkpoint, dict) else checkpoint.type
    return REGISTRY[name]


def public_views(snapshots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public views of a submission's checkpoints, in order."""
    return [kind_of(s).public(load(s)) for s in snapshots]
