"""curriculum.yml: library vocabulary, evidence kinds, certifications and tracks."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from lms.content.schema.base import EvidenceId, Model, Percent, Slug, Sourced, Text, fail, unique


class LibraryTask(Model):
    """An "I need to..." entry of the documentation index."""

    id: Slug
    label: Text


SECTION_LINK_RE = re.compile(r"^doc:(?P<doc>[a-z0-9]+(?:-[a-z0-9]+)*)#(?P<anchor>[\w-]+)$")


class LibrarySymptom(Model):
    """A "by symptom" entry of the documentation index.

    `see` is the section that answers it, as `doc:ID#anchor` (a `##` or `###` heading).
    """

    id: Slug
    label: Text
    hint: str | None = None
    see: str | None = None

    @field_validator("see")
    @classmethod
    def _section_link(cls, value: str | None) -> str | None:
        if value is not None and not SECTION_LINK_RE.match(value):
            raise fail(f"{value!r} is not a section link of the form doc:ID#anchor")
        return value

    @property
    def see_doc(self) -> str | None:
        """The document id of `see`, if any."""
        match = SECTION_LINK_RE.match(self.see or "")
        return match["doc"] if match else None

    @property
    def see_anchor(self) -> str | None:
        """The heading anchor of `see`, if any."""
        match = SECTION_LINK_RE.match(self.see or "")
        return match["anchor"] if match else None


class Library(Model):
    """The documentation index vocabulary."""

    tasks: list[LibraryTask] = []
    symptoms: list[LibrarySymptom] = []

    @field_validator("tasks", "symptoms")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda entry: entry.id, "id", "id")
        return value


class _Requirement(Model):
    """What every requirement kind shares: whether it must be met before the exam starts."""

    before_exam: bool = False


class ModuleRequirement(_Requirement):
    """Complete the module (every section read and its quiz passed)."""

    kind: Literal["module"]
    module: Slug


class QuizRequirement(_Requirement):
    """Score at least `min_score` (default: the quiz's pass score) on the quiz."""

    kind: Literal["quiz"]
    quiz: Slug
    min_score: Percent | None = None


class LabsRequirement(_Requirement):
    """Have `count` labs approved: any labs, or from the named ones."""

    kind: Literal["labs"]
    count: int = Field(ge=1)
    labs: list[Slug] | None = None

    @model_validator(mode="after")
    def _count_reachable(self) -> Self:
        if self.labs is not None and self.count > len(self.labs):
            raise fail(f"count {self.count} exceeds the {len(self.labs)} labs named", "count")
        return self


class CertificationRequirement(_Requirement):
    """Hold another certification, valid on the day it is checked."""

    kind: Literal["certification"]
    certification: Slug


class EvidenceRequirement(_Requirement):
    """Have `count` pieces of evidence of one kind verified."""

    kind: Literal["evidence"]
    evidence: EvidenceId
    count: int = Field(default=1, ge=1)


class ApprovalRequirement(_Requirement):
    """Be approved by a manager or a mentor."""

    kind: Literal["approval"]
    by: Literal["manager", "mentor"]


class TenureRequirement(_Requirement):
    """Have been with the organisation for `months` months (from the person's start date)."""

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
    """A certification: what it takes to earn it, how long it lasts, what renewing takes.

    `exam` names the quiz that is its certification exam: that quiz cannot be started
    until the requirements marked `before_exam` are met. `renew` lists what must be done
    again to renew (results counted since the certificate being renewed was issued;
    without it, renewing takes the first-time requirements again); renewal opens
    `renewal_window_days` before the expiry date.
    """

    id: Slug
    title: Text
    level: int | None = None
    valid_for_months: int = Field(ge=1)
    renewal_window_days: int = Field(default=60, ge=1, le=366)
    issue: Literal["automatic", "trainer"]
    description: Text
    exam: Slug | None = None
    requires: list[Requirement] = Field(min_length=1)
    renew: list[Requirement] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exam_is_required(self) -> Self:
        quizzes = [r.quiz for r in self.requires if isinstance(r, QuizRequirement)]
        if self.exam is not None and self.exam not in quizzes:
            raise fail(f"exam {self.exam!r} is not one of the quizzes it requires", "exam")
        for index, requirement in enumerate(self.requires):
            if requirement.before_exam and self.exam is None:
                raise fail("before_exam needs the certification's exam", f"requires.{index}")
        return self

    @property
    def renewal_requirements(self) -> list:
        """What renewing takes: `renew`, or the first-time requirements when none is given."""
        return self.renew if self.renew is not None else self.requires

    @property
    def definition_hash(self) -> str:
        """sha256 of this certification's definition: changes whenever any field does."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


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


class GlossaryEntry(Model):
    """A canonical name of the production world and the variants content must not use."""

    term: Text
    avoid: list[Text] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _variants_differ(self) -> Self:
        for index, variant in enumerate(self.avoid):
            if variant.strip().lower() == self.term.strip().lower():
                raise fail(f"{variant!r} is the term itself", f"avoid.{index}")
        unique(self.avoid, lambda variant: variant.strip().lower(), "variant")
        return self


class SearchSettings(Model):
    """How search reads a query: `synonyms` are groups of words or phrases that mean the
    same to the person searching (["slow", "latency"]); any one finds the others."""

    synonyms: list[list[Annotated[str, Field(min_length=1, max_length=60)]]] = []

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for number, group in enumerate(value, start=1):
            if len(group) < 2:
                raise fail(f"synonym group {number} needs at least two entries", "synonyms")
        return value


class Curriculum(Sourced):
    """curriculum.yml: library vocabulary, certifications, evidence kinds and tracks.

    Its `content_hash` is the version of these definitions: a certificate records the
    version it was issued under.
    """

    library: Library = Library()
    search: SearchSettings = SearchSettings()
    certifications: list[Certification] = []
    evidence_kinds: list[EvidenceKind] = []
    tracks: list[Track] = []
    glossary: list[GlossaryEntry] = []

    @field_validator("glossary")
    @classmethod
    def _variant_in_one_entry(cls, value: list[GlossaryEntry]) -> list[GlossaryEntry]:
        owner: dict[str, str] = {}
        for index, entry in enumerate(value):
            for v_index, variant in enumerate(entry.avoid):
                key = variant.strip().lower()
                if key in owner and owner[key] != entry.term:
                    message = f"{variant!r} is also avoided for {owner[key]!r}"
                    raise fail(message, f"{index}.avoid.{v_index}")
                owner[key] = entry.term
        return value

    @field_validator("certifications", "evidence_kinds", "tracks")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        unique(value, lambda item: item.id, "id", "id")
        return value
