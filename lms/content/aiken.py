"""Aiken (the plain multiple-choice format people type by hand) import, with strict rules.

A question is one line of text, then its options, each on its own line as a capital letter
in order from A, a full stop or a closing bracket, a space and the text (`A. text` or
`A) text`), then `ANSWER: X` naming one of the options. Questions are separated by blank
lines (or simply follow the ANSWER line). Every malformed question is reported with the line
it starts on and the reason; the lines up to the next blank or ANSWER line are passed over and
the rest of the file still imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lms.content.gift import MAX_OPTIONS, NO_EXPLANATION

_OPTION = re.compile(r"^([A-Z])[.)](?:[ \t]+(.*))?$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$")


@dataclass(frozen=True)
class AikenResult:
    """Questions converted from an Aiken file and the (line, reason) of those skipped."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


class _Malformed(Exception):
    """A rule of the format is broken; the message says which."""


@dataclass
class _Draft:
    line: int
    prompt: str
    options: list[str] = field(default_factory=list)

    def add_option(self, letter: str, text: str | None) -> None:
        expected = chr(ord("A") + len(self.options))
        if letter != expected:
            raise _Malformed(f"option {letter} where option {expected} was expected")
        if not text or not text.strip():
            raise _Malformed(f"option {letter} has no text")
        if len(self.options) == MAX_OPTIONS:
            raise _Malformed(f"more than {MAX_OPTIONS} options (the contract allows 2..8)")
        self.options.append(text.strip())

    def finish(self, answer: str, number: int) -> dict:
        if len(self.options) < 2:
            raise _Malformed(f"{len(self.options)} option(s): at least A and B are needed")
        letter = answer.strip()
        if not re.fullmatch(r"[A-Z]", letter):
            raise _Malformed(f"ANSWER must be one capital letter, not {letter!r}")
        index = ord(letter) - ord("A")
        if index >= len(self.options):
            raise _Malformed(f"ANSWER {letter} names no option (the options are A to "
                             f"{chr(ord('A') + len(self.options) - 1)})")  # fmt: skip
        if len(set(self.options)) < len(self.options):
            raise _Malformed("two options have the same text")
        options: list[dict] = []
        for position, text in enumerate(self.options):
            option: dict = {"id": chr(ord("a") + position), "text": text}
            if position == index:
                option["correct"] = True
            options.append(option)
        return {
            "id": f"q-{number}",
            "type": "single",
            "topic": "",
            "prompt": self.prompt,
            "options": options,
            "explanation": NO_EXPLANATION,
        }


def parse_aiken(text: str, *, default_topic: str = "general") -> AikenResult:
    """Convert Aiken text to contract-shaped single-choice questions, listing what was skipped."""
    result = AikenResult()
    draft: _Draft | None = None
    broken = False  # passing over the rest of a malformed question

    def fail(line: int, reason: str) -> None:
        nonlocal draft, broken
        result.skipped.append((draft.line if draft else line, reason))
        draft, broken = None, True

    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        answer = _ANSWER.match(line)
        if not line:
            if draft is not None:
                fail(number, "no ANSWER line before the blank line")
            broken = False
            continue
        if broken:
            broken = not answer
            continue
        option = _OPTION.match(line)
        try:
            if draft is None:
                if option or answer:
                    raise _Malformed("an option or ANSWER line with no question text before it")
                draft = _Draft(number, line)
            elif answer:
                question = draft.finish(answer.group(1), len(result.questions) + 1)
                question["topic"] = default_topic
                result.questions.append(question)
                draft = None
            elif option:
                draft.add_option(option.group(1), option.group(2))
            elif draft.options:
                raise _Malformed(f"line {number} is neither an option nor the ANSWER line")
            else:
                raise _Malformed(f"the question text runs on to line {number}: keep it on one line")
        except _Malformed as exc:
            fail(number, str(exc))
            if answer:
                broken = False
    if draft is not None:
        result.skipped.append((draft.line, "no ANSWER line at the end of the file"))
    return result
