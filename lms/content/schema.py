"""Pydantic models for every content kind of the content format contract."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable, Iterable
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lms.content.markdown import Section, split_sections

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EVIDENCE_ID_RE = re.compile(r"^[a-z0-9]+([_-][a-z0-9]+)*$")


def fail(message: str, at: str = "") -> PydanticCustomError:
    """Build a validation error; `at` is a dotted path (below the failing model) it points to."""
    return PydanticCustomError("content", message, {"at": at} if at else None)


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise fail(f"{value!r} is not a lowercase slug (a-z, 0-9 and single hyphens)")
    return value


def _evidence_id(value: str) -> str:
    if not EVIDENCE_ID_RE.match(value):
        raise fail(f"{value!r} is not a lowercase id (a-z, 0-9, '_' or '-')")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise fail(f"invalid regular expression: {exc}") from None
    return value


Slug = Annotated[str, AfterValidator(_slug)]
EvidenceId = Annotated[str, AfterValidator(_evidence_id)]
Text = Annotated[str, Field(min_length=1)]
Regex = Annotated[str, AfterValidator(_regex)]
Minutes = Annotated[int, Field(gt=0)]
Percent = Annotated[int, Field(ge=0, le=100)]
Audience = Literal["sre", "engineering", "managers", "new-hires"]


def unique(items: Iterable[Any], key: Callable[[Any], Hashable], what: str, at: str = "") -> None:
    """Raise a validation error pointing at the first item whose key repeats an earlier one."""
    seen: set[Hashable] = set()
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            raise fail(f"duplicate {what} {value!r}", f"{index}.{at}" if at else str(index))
        seen.add(value)


class Model(BaseModel):
    """Base for all content models: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Sourced(Model):
    """An item loaded from a file: knows its relative source path and content hash."""

    _source_path: str = PrivateAttr(default="")
    _content_hash: str = PrivateAttr(default="")
    _body: str = PrivateAttr(default="")

    @classmethod
    def from_source(cls, data: Any, *, source_path: str, raw: bytes, body: str = "") -> Self:
        """Validate `data` and attach the file's path, sha256 of `raw` and Markdown body."""
        item = cls.model_validate(data)
        item._source_path = source_path
        item._content_hash = hashlib.sha256(raw).hexdigest()
        item._body = body
        return item

    @property
    def source_path(self) -> str:
        """Path of the source file, relative to the content root."""
        return self._source_path

    @property
    def content_hash(self) -> str:
        """sha256 hex digest of the raw source file bytes."""
        return self._content_hash


class Page(Sourced):
    """An item written as Markdown with YAML front matter."""

    @property
    def body(self) -> str:
        """The Markdown body after the front matter."""
        return self._body


# --- documents and modules ---------------------------------------------------------------


class Document(Page):
    """A reference document (docs/<id>.md)."""

    id: Slug
    title: Text
    order: int = Field(ge=1)
    audience: list[Audience] = Field(min_length=1)
    primary_for: list[Audience] = []
    classification: Literal["production-critical", "internal", "internal-training"]
    summary: Text
    when_to_use: list[Text] = Field(min_length=1)
    tasks: list[Slug] = []
    symptoms: list[Slug] = []
    owner: str | None = None
    review_cycle: str | None = None

    @model_validator(mode="after")
    def _primary_within_audience(self) -> Self:
        for index, group in enumerate(self.primary_for):
            if group not in self.audience:
                raise fail(f"{group!r} is not in audience", f"primary_for.{index}")
        return self


class Module(Page):
    """A training module (modules/<id>.md); each `##` heading is a tracked section."""

    id: Slug
    title: Text
    number: int = Field(ge=1)
    level: Literal["associate", "professional", "expert"]
    duration: Minutes
    extra_time: str | None = None
    summary: Text
    objectives: list[Text] = Field(min_length=1)
    documents: list[Slug] = []
    quiz: Slug | None = None
    labs: list[Slug] = []
    pass_score: Percent

    @property
    def intro(self) -> str:
        """Markdown before the first `##` heading."""
        return split_sections(self.body)[0]

    @property
    def sections(self) -> tuple[Section, ...]:
        """The `##` sections in order, each with slug, title and Markdown body."""
        return split_sections(self.body)[1]


# --- labs --------------------------------------------------------------------------------


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
    """Machine-checked: a case-insensitive `re.search` of `pattern`."""

    type: Literal["pattern"]
    pattern: Regex
    example: str | None = None

    @model_validator(mode="after")
    def _example_matches(self) -> Self:
        if self.example is not None and not re.search(self.pattern, self.example, re.IGNORECASE):
            raise fail("example does not match the pattern", "example")
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

    @field_validator("checkpoints")
    @classmethod
    def _unique_checkpoints(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda checkpoint: checkpoint.id, "checkpoint id", "id")
        return value


# --- quizzes -----------------------------------------------------------------------------


class Option(Model):
    """An answer option of a single or multiple choice question."""

    id: Slug
    text: Text
    correct: bool = False
    weight: float | None = Field(default=None, ge=-100, le=100)


class _Question(Model):
    id: Slug
    topic: Text
    prompt: Text
    explanation: Text
    points: int = Field(default=1, gt=0)


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
    """Match each left text to its right text."""

    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2, max_length=8)

    @field_validator("pairs")
    @classmethod
    def _unique_sides(cls, value: list[Pair]) -> list[Pair]:
        unique(value, lambda pair: pair.left, "left text", "left")
        unique(value, lambda pair: pair.right, "right text", "right")
        return value


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


# --- curriculum --------------------------------------------------------------------------


class LibraryTask(Model):
    """An "I need to..." entry of the documentation index."""

    id: Slug
    label: Text


class LibrarySymptom(Model):
    """A "by symptom" entry of the documentation index."""

    id: Slug
    label: Text
    hint: str | None = None


class Library(Model):
    """The documentation index vocabulary."""

    tasks: list[LibraryTask] = []
    symptoms: list[LibrarySymptom] = []

    @field_validator("tasks", "symptoms")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda entry: entry.id, "id", "id")
        return value


class ModuleRequirement(Model):
    """Pass the module (its quiz)."""

    kind: Literal["module"]
    module: Slug


class QuizRequirement(Model):
    """Score at least `min_score` (default: the quiz's pass score) on the quiz."""

    kind: Literal["quiz"]
    quiz: Slug
    min_score: Percent | None = None


class LabsRequirement(Model):
    """Have `count` labs approved: any labs, or from the named ones."""

    kind: Literal["labs"]
    count: int = Field(ge=1)
    labs: list[Slug] | None = None

    @model_validator(mode="after")
    def _count_reachable(self) -> Self:
        if self.labs is not None and self.count > len(self.labs):
            raise fail(f"count {self.count} exceeds the {len(self.labs)} labs named", "count")
        return self


class CertificationRequirement(Model):
    """Hold another certification."""

    kind: Literal["certification"]
    certification: Slug


class EvidenceRequirement(Model):
    """Log `count` pieces of evidence of one kind."""

    kind: Literal["evidence"]
    evidence: EvidenceId
    count: int = Field(default=1, ge=1)


class ApprovalRequirement(Model):
    """Be approved by a manager or a mentor."""

    kind: Literal["approval"]
    by: Literal["manager", "mentor"]


class TenureRequirement(Model):
    """Have been on the platform for `months` months."""

    kind: Literal["tenure"]
    months: int = Field(ge=1)


Requirement = Annotated[
    ModuleRequirement
    | QuizRequirement
    | LabsRequirement
    | CertificationRequirement
    | EvidenceRequirement
    | ApprovalRequirement
    | TenureRequirement,
    Field(discriminator="kind"),
]


class Certification(Model):
    """A certification and what it takes to earn it."""

    id: Slug
    title: Text
    level: int | None = None
    valid_for_months: int = Field(ge=1)
    issue: Literal["automatic", "trainer"]
    description: Text
    requires: list[Requirement] = Field(min_length=1)


class EvidenceKind(Model):
    """A kind of evidence learners can log."""

    id: EvidenceId
    label: Text


class TrackItem(Model):
    """One step of a track: a doc, module or lab by id, or a free task with a title."""

    doc: Slug | None = None
    module: Slug | None = None
    lab: Slug | None = None
    task: Slug | None = None
    title: Text | None = None
    day: int | None = Field(default=None, ge=1, le=5)
    note: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        targets = [name for name in ("doc", "module", "lab", "task") if getattr(self, name)]
        if len(targets) != 1:
            raise fail("needs exactly one of doc, module, lab or task")
        if self.task and not self.title:
            raise fail("a task needs a title", "title")
        return self


class Week(Model):
    """A numbered week of a track."""

    number: int = Field(ge=1)
    title: Text
    items: list[TrackItem] = Field(min_length=1)


class Recurring(Model):
    """Items repeated on a schedule (for ongoing tracks)."""

    every: Literal["monthly", "quarterly", "annually"]
    items: list[TrackItem] = Field(min_length=1)


class Track(Model):
    """A learning track: either numbered weeks or recurring items."""

    id: Slug
    title: Text
    description: Text
    weeks: list[Week] | None = Field(default=None, min_length=1)
    recurring: list[Recurring] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _weeks_or_recurring(self) -> Self:
        if (self.weeks is None) == (self.recurring is None):
            raise fail("needs either weeks or recurring (not both)", "weeks")
        unique(self.weeks or [], lambda week: week.number, "week number", "number")
        groups: list[tuple[str, list[TrackItem]]] = [
            *((f"weeks.{i}", week.items) for i, week in enumerate(self.weeks or [])),
            *((f"recurring.{i}", group.items) for i, group in enumerate(self.recurring or [])),
        ]
        seen: set[str] = set()
        for prefix, items in groups:
            for index, item in enumerate(items):
                if item.task in seen:
                    raise fail(f"duplicate task id {item.task!r}", f"{prefix}.items.{index}.task")
                if item.task:
                    seen.add(item.task)
        return self

    @property
    def items(self) -> list[TrackItem]:
        """Every item of the track in order."""
        groups = self.weeks or self.recurring or []
        return [item for group in groups for item in group.items]


class Curriculum(Model):
    """curriculum.yml: library vocabulary, certifications, evidence kinds and tracks."""

    library: Library = Library()
    certifications: list[Certification] = []
    evidence_kinds: list[EvidenceKind] = []
    tracks: list[Track] = []

    @field_validator("certifications", "evidence_kinds", "tracks")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda item: item.id, "id", "id")
        return value
