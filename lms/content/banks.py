"""Question banks in: one entry point for GIFT, Moodle XML and Aiken, used by the CLI and the
trainers' upload page, and the content check of the quiz YAML they produce (no Flask here)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lms.content.bank_files import MAX_BANK_BYTES, BankFileError, decode_text
from lms.content.loader import load_content

FORMATS = {"gift": "GIFT", "moodle-xml": "Moodle XML", "aiken": "Aiken"}
SUFFIXES = {".gift": "gift", ".xml": "moodle-xml", ".aiken": "aiken"}


@dataclass(frozen=True)
class BankImport:
    """What a bank file gave: questions, what was skipped and why, remarks, images to store.

    `skipped` and `notes` are (where, message) pairs: `where` is "line N" for the text
    formats and the question's name for Moodle XML.
    """

    format: str
    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)


def guess_format(filename: str, raw: bytes) -> str:
    """The bank format a file name (or, failing that, its first bytes) suggests."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<quiz")):
        return "moodle-xml"
    # A .txt file is GIFT (Moodle exports GIFT as .txt) unless it reads like Aiken.
    if re.search(rb"^ANSWER\s*:\s*[A-Z]\s*$", raw, re.MULTILINE) and b"{" not in raw:
        return "aiken"
    return "gift"


def read_bank(
    raw: bytes,
    fmt: str,
    *,
    default_topic: str = "general",
    image_dir: str | None = None,
    limit: int = MAX_BANK_BYTES,
) -> BankImport:
    """Convert a bank file's bytes; raises BankFileError for a file that cannot be read."""
    # The parsers are imported when a bank is read, not when the app starts.
    from lms.content.aiken import parse_aiken
    from lms.content.gift import parse_gift
    from lms.content.moodle_xml import parse_moodle_xml

    if fmt == "moodle-xml":
        result = parse_moodle_xml(raw, default_topic=default_topic, image_dir=image_dir)
        return BankImport(
            fmt,
            result.questions,
            [(f'"{name}"', reason) for name, reason in result.skipped],
            [(f'"{name}"', note) for name, note in result.notes],
            result.images,
        )
    if fmt not in ("gift", "aiken"):
        raise BankFileError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = decode_text(raw, limit=limit)
    parse = parse_gift if fmt == "gift" else parse_aiken
    parsed = parse(text, default_topic=default_topic)
    skipped = [(f"line {line}", reason) for line, reason in parsed.skipped]
    return BankImport(fmt, parsed.questions, skipped)


def quiz_title(quiz_id: str) -> str:
    """A readable default title from a quiz id."""
    return quiz_id.replace("-", " ").capitalize()


def valid_quiz_id(quiz_id: str) -> bool:
    """Whether a quiz id is a lowercase slug."""
    from lms.content.gift import slugify

    return bool(quiz_id) and slugify(quiz_id) == quiz_id


def quiz_document(quiz_id: str, title: str | None, questions: list[dict]) -> str:
    """The quiz YAML for imported questions."""
    from lms.content.gift import to_quiz_yaml

    return to_quiz_yaml(quiz_id, title or quiz_title(quiz_id), questions)


def content_check(quiz_id: str, document: str) -> list[str]:
    """Run the content check on a quiz YAML alone (in a scratch folder); its problems."""
    with tempfile.TemporaryDirectory(prefix="lms-bank-") as folder:
        root = Path(folder)
        (root / "curriculum.yml").write_text("{}\n", encoding="utf-8")
        (root / "quizzes").mkdir()
        (root / "quizzes" / f"{quiz_id}.yml").write_text(document, encoding="utf-8")
        return [str(problem) for problem in load_content(root).problems]


@dataclass(frozen=True)
class BankPreview:
    """What importing a bank would give: the import itself, the quiz YAML and its check."""

    bank: BankImport
    quiz_id: str
    document: str
    problems: list[str]

    @property
    def format_name(self) -> str:
        """The format's readable name."""
        return FORMATS[self.bank.format]


def preview_bank(
    raw: bytes, fmt: str, quiz_id: str, title: str | None = None, *, limit: int = MAX_BANK_BYTES
) -> BankPreview:
    """Import a bank without storing anything (images are noted as skipped) and check the
    quiz it makes; raises BankFileError for a file that cannot be read."""
    bank = read_bank(raw, fmt, limit=limit)
    if not bank.questions:
        return BankPreview(bank, quiz_id, "", ["no question in the file could be converted"])
    document = quiz_document(quiz_id, title, bank.questions)
    return BankPreview(bank, quiz_id, document, content_check(quiz_id, document))
