"""Reference documents and training modules: Markdown with YAML front matter."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, Self

from pydantic import Field, model_validator

from lms.content.markdown import Section, split_sections
from lms.content.schema.base import Audience, Minutes, Page, Percent, Slug, Text, fail
from lms.content.text import StoredText


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

    # computed once per loaded module and kept on it: pages read the sections of every module,
    # so a cache shared by all modules (and smaller than the catalogue) would thrash
    @cached_property
    def _split(self) -> tuple[str | StoredText, tuple[Section, ...]]:
        return split_sections(self.body)

    @property
    def intro(self) -> str:
        """Markdown before the first `##` heading."""
        intro = self._split[0]
        return intro if type(intro) is str else str(intro)

    @property
    def sections(self) -> tuple[Section, ...]:
        """The `##` sections in order, each with slug, title and Markdown body."""
        return self._split[1]

    @cached_property
    def section_slugs(self) -> frozenset[str]:
        """The slugs of the `##` sections."""
        return frozenset(section.slug for section in self.sections)
