"""Moodle XML question banks: import into the quiz format of the contract, and export.

Parsing goes through defusedxml with DTDs, entities and external references refused, so a
billion-laughs file or one reaching for a local file stops with a clear error. Question text
and feedback in HTML become sanitized Markdown; option texts become plain text. Categories
become topics, `generalfeedback` the explanation (per-answer feedback is appended to it, as
for GIFT), a valid-slug `idnumber` the question id. Embedded images (`@@PLUGINFILE@@` with a
base64 `<file>`) are returned to be stored beside the quiz, or reported as skipped. Types the
contract cannot hold (essay, cloze, calculated, description, random, ...) are listed by
question name and skipped.

Export writes what Moodle's XML importer reads back: one category per topic, text in
Markdown format, fractions in percent, `idnumber` set to the question id.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from lms.content.bank_files import BankFileError, check_xml_encoding
from lms.content.gift import (
    MAX_OPTIONS,
    NO_EXPLANATION,
    matching_problem,
    numeric_fields,
    slugify,
    unique_id,
)
from lms.content.html_markdown import html_to_markdown, html_to_text, looks_like_html

MAX_IMAGE_BYTES = 5 * 1024 * 1024
_IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]+)")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*([\"'])(.*?)\1", re.IGNORECASE | re.DOTALL)
_UNSUPPORTED = {
    "essay": "essay (graded by hand)",
    "multianswer": "cloze (embedded answers)",
    "calculated": "calculated",
    "calculatedsimple": "calculated (simple)",
    "calculatedmulti": "calculated multichoice",
    "description": "description (not a question)",
    "random": "random question",
    "randomsamatch": "random short-answer matching",
}


class MoodleXmlError(BankFileError):
    """A file that is not a Moodle XML question bank we are willing to read."""


class _Skip(Exception):
    """A question the contract cannot hold; the message says why."""


@dataclass(frozen=True)
class MoodleResult:
    """Questions converted from Moodle XML, the (name, reason) of those skipped, (name, note)
    remarks on what changed on the way, and images to store ({relative path: bytes})."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------


def _parse(raw: bytes) -> ElementTree.Element:
    """The document's root, parsed with everything dangerous refused."""
    check_xml_encoding(raw)
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MoodleXmlError(
            "the XML declares a DTD, entities or external references "
            f"({type(exc).__name__}); a Moodle export has none, so it was refused unread."
        ) from None
    except ElementTree.ParseError as exc:
        raise MoodleXmlError(f"not well-formed XML: {exc}.") from None
    except (LookupError, ValueError) as exc:
        raise MoodleXmlError(f"the XML cannot be decoded: {exc}.") from None
    if root.tag != "quiz":
        raise MoodleXmlError(
            f"the root element is <{root.tag}>, not <quiz>: not a Moodle XML bank."
        )
    return root


def _text(element: ElementTree.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _clean(value: float) -> int | float:
    value = round(value, 7)
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


def _fraction(answer: ElementTree.Element) -> float:
    try:
        return _number(answer.get("fraction", "0"))
    except ValueError:
        raise _Skip(f"fraction {answer.get('fraction')!r} is not a number") from None


def _category(path: str) -> str | None:
    parts = [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", path)]
    parts = [p for p in parts if p]
    if not parts or parts[-1] in ("$course$", "$system$", "$module$", "$cat1$", "$cat2$"):
        return None
    return None if parts[-1] == "top" and len(parts) > 1 else parts[-1]


class _Reader:
    """Reads one question's texts, keeping its images and remarks."""

    def __init__(self, name: str, qid: str, image_dir: str | None, result: MoodleResult):
        self.name, self.qid, self.image_dir, self.result = name, qid, image_dir, result

    def _files(self, element: ElementTree.Element) -> dict[str, bytes]:
        files = {}
        for item in element.findall("file"):
            name = item.get("name") or ""
            try:
                files[name] = base64.b64decode(item.text or "", validate=False)
            except (binascii.Error, ValueError):
                self.note(f"image {name!r} is not valid base64: skipped")
        return files

    def _store(self, name: str, data: bytes) -> str | None:
        suffix = PurePosixPath(name).suffix.lower()
        if self.image_dir is None:
            self.note(f"image {name!r} skipped (images are stored only when writing to a file)")
            return None
        if suffix not in _IMAGE_TYPES:
            self.note(f"file {name!r} skipped (not a PNG, JPEG, GIF or WebP image)")
            return None
        if len(data) > MAX_IMAGE_BYTES:
            self.note(f"image {name!r} skipped (over {MAX_IMAGE_BYTES // 1048576} MiB)")
            return None
        stem = slugify(PurePosixPath(name).stem) or "image"
        path = f"{self.image_dir}/{self.qid}-{stem}{suffix}"
        self.result.images[path] = data
        return path

    def _images(self, html: str, files: dict[str, bytes]) -> str:
        def replace(match: re.Match[str]) -> str:
            tag = match.group(0)
            found = _PLUGINFILE.search(tag)
            if not found:
                return tag
            name = unquote(found.group(1))
            data = files.get(name)
            path = self._store(name, data) if data is not None else None
            if data is None:
                self.note(f"image {name!r} is referenced but not embedded: skipped")
            if path is None:
                alt = _ALT.search(tag)
                return f"[image: {alt.group(2)}]" if alt and alt.group(2).strip() else ""
            return tag.replace(found.group(0), path)

        return _IMG_TAG.sub(replace, html)

    def markdown(self, element: ElementTree.Element | None) -> str:
        """A question text or feedback element as Markdown (HTML converted, images kept)."""
        if element is None:
            return ""
        text, fmt = _text(element), element.get("format", "html")
        if fmt == "html" or (fmt == "moodle_auto_format" and looks_like_html(text)):
            text = html_to_markdown(self._images(text, self._files(element)))
        return text.strip()

    def plain(self, element: ElementTree.Element | None) -> str:
        """An answer or subquestion text as plain text (images in it are dropped)."""
        if element is None:
            return ""
        text, fmt = _text(element), element.get("format", "")
        if element.find("file") is not None or _IMG_TAG.search(text):
            self.note("an image in an option or item was dropped (options are plain text)")
        if fmt == "html" or (fmt == "moodle_auto_format" and looks_like_html(text)):
            return html_to_text(text)
        return text

    def note(self, message: str) -> None:
        self.result.notes.append((self.name, message))


def _feedback(read: _Reader, label: str, answer: ElementTree.Element, notes: list[str]) -> None:
    if text := read.markdown(answer.find("feedback")):
        notes.append(f'Option "{label}": {text}')


def _multichoice(question: ElementTree.Element, read: _Reader, notes: list[str]) -> dict:
    answers = question.findall("answer")
    if not 2 <= len(answers) <= MAX_OPTIONS:
        raise _Skip(f"{len(answers)} options (the contract allows 2..{MAX_OPTIONS})")
    single = _text(question, "single").lower() in ("true", "1")
    fractions = [_fraction(a) for a in answers]
    texts = [read.plain(a) for a in answers]
    if not all(texts):
        raise _Skip("an option has no text")
    full = [f >= 100 for f in fractions]
    kind = "single" if single and sum(full) == 1 else "multiple"
    if single and not any(full):
        raise _Skip("no option is worth 100%")
    if single and kind == "multiple":
        read.note("one answer among several full-credit ones was enough in Moodle; here it is "
                  "a multiple-answer question, graded with the options' weights")  # fmt: skip
    weighted = kind == "multiple" or any(0 < f < 100 or f < 0 for f in fractions)
    options = []
    for index, (answer, text, fraction) in enumerate(zip(answers, texts, fractions, strict=True)):
        option: dict = {"id": chr(ord("a") + index), "text": text}
        if (fraction >= 100) if kind == "single" else fraction > 0:
            option["correct"] = True
        if weighted:
            option["weight"] = _clean(max(-100.0, min(100.0, fraction)))
        options.append(option)
        _feedback(read, text, answer, notes)
    if not any(o.get("correct") for o in options):
        raise _Skip("no option earns credit")
    if _text(question, "shuffleanswers").lower() in ("false", "0"):
        read.note("Moodle kept the options in order; here the quiz's shuffle setting decides")
    return {"type": kind, "options": options}


def _truefalse(question: ElementTree.Element, read: _Reader, notes: list[str]) -> dict:
    right = None
    for answer in question.findall("answer"):
        value = _text(answer).lower()
        if value not in ("true", "false"):
            raise _Skip(f"true/false answer {value!r}")
        if _fraction(answer) >= 100:
            right = value == "true"
        _feedback(read, value.capitalize(), answer, notes)
    if right is None:
        raise _Skip("neither true nor false is worth 100%")
    return {"type": "true_false", "answer": right}


def _wildcard_pattern(texts: list[str]) -> str:
    alternatives = [".*".join(re.escape(part) for part in text.split("*")) for text in texts]
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _shortanswer(question: ElementTree.Element, read: _Reader, notes: list[str]) -> dict:
    accepted: list = []
    wildcards: list[str] = []
    answers = [(a, read.plain(a), _fraction(a)) for a in question.findall("answer")]
    weighted = any(f != 100 for _, text, f in answers if "*" not in text)
    for answer, text, fraction in answers:
        if not text:
            raise _Skip("an accepted answer is empty")
        if "*" in text and fraction <= 0:
            # Moodle uses these only to give feedback to wrong answers.
            if feedback := read.markdown(answer.find("feedback")):
                label = "Any other answer" if text == "*" else f'Answers like "{text}"'
                notes.append(f"{label}: {feedback}")
            continue
        if "*" in text:
            if fraction < 100:
                raise _Skip(f"wildcard answer {text!r} worth {_clean(fraction)}% (only 100% fits)")
            wildcards.append(text)
        else:
            weight = _clean(max(-100.0, min(100.0, fraction)))
            accepted.append({"text": text, "weight": weight} if weighted else text)
        _feedback(read, text, answer, notes)
    if not accepted and not wildcards:
        raise _Skip("no accepted answer")
    fields: dict = {"type": "short", "accepted": accepted}
    if wildcards:
        fields["pattern"] = _wildcard_pattern(wildcards)
    if _text(question, "usecase") in ("1", "true"):
        fields["case_sensitive"] = True
    return fields


def _numerical(question: ElementTree.Element, read: _Reader, notes: list[str]) -> dict:
    answers = []
    for answer in question.findall("answer"):
        text, fraction = _text(answer), _fraction(answer)
        feedback = read.markdown(answer.find("feedback"))
        if text in ("*", ""):
            if fraction > 0:
                raise _Skip("a catch-all answer (*) that earns credit")
            if feedback:
                notes.append(f"Any other answer: {feedback}")
            continue
        try:
            value = _clean(_number(text))
            tolerance = _clean(abs(_number(_text(answer, "tolerance") or "0")))
        except ValueError:
            raise _Skip(f"not a number: {text!r}") from None
        answers.append({"value": value, "tolerance": tolerance, "weight": _clean(fraction)})
        if feedback:
            label = f"{text} ± {_fmt(tolerance)}" if tolerance else text
            notes.append(f'Option "{label}": {feedback}')
    if not answers:
        raise _Skip("no numeric answer")
    if not any(a["weight"] >= 100 for a in answers):
        raise _Skip("no numeric answer is worth 100%")
    if any(not -100 <= a["weight"] <= 100 for a in answers):
        raise _Skip("a numeric answer's fraction is outside -100..100")
    fields = {"type": "numeric", **numeric_fields(answers)}
    units = question.findall("units/unit")
    base = [u for u in units if _text(u, "multiplier") in ("1", "1.0", "1.0000000")]
    if base and _text(base[0], "unit_name"):
        fields["unit"] = _text(base[0], "unit_name")
    if len(units) > len(base[:1]):
        read.note("only the base unit is kept (other units and their multipliers are not)")
    return fields


def _matching(question: ElementTree.Element, read: _Reader) -> dict:
    pairs, distractors = [], []
    for sub in question.findall("subquestion"):
        left, right = read.plain(sub), _text(sub, "answer/text")
        if not right:
            continue  # Moodle ignores a subquestion with no answer
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    if problem := matching_problem(pairs, distractors):
        raise _Skip(problem)
    fields: dict = {"type": "matching", "pairs": pairs}
    if distractors:
        fields["distractors"] = distractors
    return fields


def _ordering(question: ElementTree.Element, read: _Reader) -> dict:
    answers = question.findall("answer")
    with contextlib.suppress(_Skip):  # the fraction is the item's position
        answers = sorted(answers, key=_fraction)
    items = [read.plain(a) for a in answers]
    if not all(items):
        raise _Skip("an item has no text")
    if not 3 <= len(items) <= 8:
        raise _Skip(f"{len(items)} items (the contract allows 3..8)")
    if len(set(items)) < len(items):
        raise _Skip("duplicate items")
    return {"type": "ordering", "items": items}


def _points(question: ElementTree.Element, read: _Reader) -> int | None:
    text = _text(question, "defaultgrade")
    try:
        grade = _number(text) if text else 1.0
    except ValueError:
        return None
    points = max(1, round(grade))
    if points != grade:
        read.note(f"default mark {text} rounded to {points} point(s)")
    return points if points != 1 else None


def parse_moodle_xml(
    raw: bytes, *, default_topic: str = "general", image_dir: str | None = None
) -> MoodleResult:
    """Convert a Moodle XML bank; images go under `image_dir` (None: skipped and noted).

    Raises MoodleXmlError (a BankFileError) for a file that is not a safe Moodle XML bank.
    """
    root = _parse(raw)
    result = MoodleResult()
    topic, seen = default_topic, set()
    for number, question in enumerate(root.findall("question"), start=1):
        kind = question.get("type", "")
        if kind == "category":
            topic = _category(_text(question, "category/text")) or default_topic
            continue
        name = _text(question, "name/text") or f"question {number}"
        if kind in _UNSUPPORTED or kind not in _TYPES:
            label = _UNSUPPORTED.get(kind, kind or "no type")
            result.skipped.append((name, f"type {label} cannot be represented"))
            continue
        id_number = _text(question, "idnumber")
        base = id_number if id_number and slugify(id_number) == id_number else ""
        qid = unique_id(base or slugify(name) or f"q-{number}", seen)
        read = _Reader(name, qid, image_dir, result)
        notes: list[str] = []
        try:
            fields = _TYPES[kind](question, read, notes)
            prompt = read.markdown(question.find("questiontext"))
            if not prompt:
                raise _Skip("empty question text")
        except _Skip as skip:
            seen.discard(qid)
            result.skipped.append((name, str(skip)))
            continue
        general = read.markdown(question.find("generalfeedback"))
        explanation = "\n\n".join(filter(None, [general, *notes])) or NO_EXPLANATION
        entry = {"id": qid, "type": fields.pop("type"), "topic": topic, "prompt": prompt}
        entry |= fields
        entry["explanation"] = explanation
        if (points := _points(question, read)) is not None:
            entry["points"] = points
        result.questions.append(entry)
    return result


_TYPES = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": lambda question, read, notes: _matching(question, read),
    "ordering": lambda question, read, notes: _ordering(question, read),
}


# --- writing ---------------------------------------------------------------------------------


def _sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str):
    element = ElementTree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _text_element(parent: ElementTree.Element, tag: str, text: str, fmt: str = "markdown"):
    element = _sub(parent, tag, format=fmt)
    _sub(element, "text", text)
    return element


def _fmt(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _answer(parent, fraction: float, text: str, fmt: str = "plain_text", feedback: bool = True):
    answer = _sub(parent, "answer", fraction=_fmt(fraction), format=fmt)
    _sub(answer, "text", text)
    if feedback:
        _text_element(answer, "feedback", "")
    return answer


def _wildcards_of(pattern: str) -> list[str] | None:
    """The Moodle wildcard answers a pattern was built from (None: not such a pattern)."""
    body = pattern[3:-1] if pattern.startswith("(?:") and pattern.endswith(")") else pattern
    texts = []
    for alternative in body.split("|"):
        parts = [re.sub(r"\\(.)", r"\1", part) for part in alternative.split(".*")]
        if ".*".join(re.escape(part) for part in parts) != alternative:
            return None
        texts.append("*".join(parts))
    return texts if _wildcard_pattern(texts) == pattern else None


def _write_choice(element, question: dict) -> None:
    options = question["options"]
    single = question["type"] == "single"
    n_right = sum(1 for o in options if o.get("correct"))
    n_wrong = len(options) - n_right
    _sub(element, "single", "true" if single else "false")
    _sub(element, "shuffleanswers", "true")
    _sub(element, "answernumbering", "abc")
    for option in options:
        if option.get("weight") is not None:
            fraction = 100 if single and option.get("correct") else option["weight"]
        elif option.get("correct"):
            fraction = 100 if single else 100 / n_right
        else:
            fraction = 0 if single or not n_wrong else -100 / n_wrong
        _answer(element, round(fraction, 5), option["text"])


def _write_numeric(element, question: dict) -> None:
    if question.get("answers"):
        specs = question["answers"]
    elif question.get("range") is not None:
        specs = [{"range": question["range"], "weight": 100}]
    else:
        specs = [{"value": question["answer"], "tolerance": question.get("tolerance") or 0}]
    for spec in specs:
        if spec.get("range") is not None:
            low, high = spec["range"]
            value, tolerance = (low + high) / 2, (high - low) / 2
        else:
            value, tolerance = spec["value"], spec.get("tolerance") or 0
        answer = _answer(element, spec.get("weight", 100), _fmt(value), "moodle_auto_format")
        _sub(answer, "tolerance", _fmt(tolerance))
    if question.get("unit"):
        units = _sub(element, "units")
        unit = _sub(units, "unit")
        _sub(unit, "multiplier", "1")
        _sub(unit, "unit_name", question["unit"])
    _sub(element, "unitgradingtype", "0")
    _sub(element, "unitpenalty", "0.1000000")
    _sub(element, "showunits", "3")
    _sub(element, "unitsleft", "0")


def _write_short(element, question: dict) -> bool:
    _sub(element, "usecase", "1" if question.get("case_sensitive") else "0")
    for item in question.get("accepted") or []:
        text, weight = (item, 100) if isinstance(item, str) else (item["text"], item["weight"])
        _answer(element, weight, text, "moodle_auto_format")
    if question.get("pattern"):
        wildcards = _wildcards_of(question["pattern"])
        if wildcards is None:
            return False
        for text in wildcards:
            _answer(element, 100, text, "moodle_auto_format")
    return True


def _write_question(quiz: ElementTree.Element, question: dict) -> bool:
    kind = question["type"]
    moodle_type = {
        "single": "multichoice",
        "multiple": "multichoice",
        "true_false": "truefalse",
        "numeric": "numerical",
        "short": "shortanswer",
        "matching": "matching",
        "ordering": "ordering",
    }[kind]
    element = ElementTree.Element("question", type=moodle_type)
    name = _sub(element, "name")
    _sub(name, "text", question["id"])
    _text_element(element, "questiontext", question["prompt"])
    explanation = question.get("explanation") or ""
    _text_element(element, "generalfeedback", "" if explanation == NO_EXPLANATION else explanation)
    _sub(element, "defaultgrade", _fmt(question.get("points", 1)))
    _sub(element, "penalty", "0")
    _sub(element, "hidden", "0")
    _sub(element, "idnumber", question["id"])
    if kind in ("single", "multiple"):
        _write_choice(element, question)
    elif kind == "true_false":
        right = bool(question["answer"])
        _answer(element, 100 if right else 0, "true", "moodle_auto_format")
        _answer(element, 0 if right else 100, "false", "moodle_auto_format")
    elif kind == "numeric":
        _write_numeric(element, question)
    elif kind == "short":
        if not _write_short(element, question):
            return False
    elif kind == "matching":
        _sub(element, "shuffleanswers", "true")
        sides = [(p["left"], p["right"]) for p in question["pairs"]]
        sides += [("", text) for text in question.get("distractors") or []]
        for left, right in sides:
            sub = _text_element(element, "subquestion", left, "plain_text")
            answer = _sub(sub, "answer")
            _sub(answer, "text", right)
    elif kind == "ordering":
        _sub(element, "layouttype", "VERTICAL")
        _sub(element, "selecttype", "ALL")
        _sub(element, "selectcount", "0")
        _sub(element, "gradingtype", "ABSOLUTE_POSITION")
        _sub(element, "showgrading", "SHOW")
        _sub(element, "numberingstyle", "none")
        for position, item in enumerate(question["items"], start=1):
            _answer(element, position, item, feedback=False)
    quiz.append(element)
    return True


def dump_moodle_xml(questions: list[dict]) -> tuple[str, list[str]]:
    """Write questions as Moodle XML; returns (text, ids of questions it cannot represent)."""
    quiz = ElementTree.Element("quiz")
    skipped, topic = [], None
    for question in questions:
        if question["topic"] != topic:
            topic = question["topic"]
            category = ElementTree.SubElement(quiz, "question", type="category")
            _sub(_sub(category, "category"), "text", "$course$/top/" + topic.replace("/", "//"))
        if not _write_question(quiz, question):
            skipped.append(question["id"])
    ElementTree.indent(quiz)
    body = ElementTree.tostring(quiz, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", skipped
