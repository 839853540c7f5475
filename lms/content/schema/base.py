"""What every content model shares: strict models, source files, slugs and error helpers."""

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
)
from pydantic_core import PydanticCustomError

from lms.content.text import StoredText

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
    _body: str | StoredText = PrivateAttr(default="")

    @classmethod
    def from_source(
        cls, data: Any, *, source_path: str, raw: bytes = b"", content_hash: str = "",
        body: str = "",
    ) -> Self:  # fmt: skip
        """Validate `data` and attach the file's path, sha256 of `raw` (or the `content_hash`
        of the file, when the caller has it already) and Markdown body."""
        item = cls.model_validate(data)
        item._source_path = source_path
        item._content_hash = content_hash or hashlib.sha256(raw).hexdigest()
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
        body = self._body
        return body if type(body) is str else str(body)

    @property
    def stored_body(self) -> StoredText | None:
        """The body when it is kept in a file rather than in memory (a module of a kept
        load, see lms.content.cache), else None."""
        body = self._body
        return None if type(body) is str else body
