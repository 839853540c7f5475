"""GIFT (Moodle's quiz text format) import and export for the quiz format of the contract.

Import produces question dicts shaped like the quiz YAML (`questions:` entries). What the
contract cannot hold (essays, descriptions, matching distractors, ...) is skipped and listed
with its line number. Per-answer feedback has no place in the contract, so it is appended to
the explanation. Two extensions of the contract are produced: numeric `answers` (several
weighted answers) and short `accepted` entries written as `{text, weight}`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

NO_EXPLANATION = "No explanation was given in the imported file."
BLANK = "_____"
MAX_OPTIONS = 8
_ESCAPABLE = "~=#{}:\\"
# Escaped characters are swapped for private-use code points while parsing, so that the
# structural characters left in the text are all unescaped ones.
_HIDE = {c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
_FORMAT_TAG = re.compile(r"^\s*\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class _Skip(Exception):
    """A question that cannot be represented in the contract."""


@dataclass(frozen=True)
class GiftResult:
    """Questions converted from a GIFT file and the (line, reason) of those skipped."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Answer:
    mark: str  # "=" or "~"
    text: str
    weight: float | None
    feedback: str


# --- helpers -----------------------------------------------------------------------------------


def _hide_escapes(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char, nxt = text[i], text[i + 1 : i + 2]
        if char == "\\" and nxt in _HIDE:
            out.append(_HIDE[nxt])
            i += 2
        elif char == "\\" and nxt == "n":
            out.append("\n")
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _show(text: str) -> str:
    return text.translate(_SHOW).strip()


def _escape(text: str) -> str:
    out = "".join("\\" + c if c in _ESCAPABLE else c for c in text)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def slugify(text: str) -> str:
    """Lowercase ASCII slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _number(text: str) -> int | float:
    try:
        value = float(_show(text))
    except ValueError:
        raise ValueError(_show(text)) from None
    if not math.isfinite(value):
        raise ValueError(_show(text))
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _html_to_text(text: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    return re.sub(r"</?p[^>]*>", "", text, flags=re.IGNORECASE)


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Split into blocks of (line number, line) at blank lines, dropping // comment lines."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            blocks.append([])
        elif not line.lstrip().startswith("//"):
            blocks[-1].append((number, line))
    return [block for block in blocks if block]


def _category(line: str) -> str | None:
    path = line.split(":", 1)[1].strip()
    parts = [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", path)]
    parts = [p for p in parts if p]
    if not parts or parts[-1] in ("$course$", "$system$", "$module$"):
        return None
    return None if parts[-1] == "top" and len(parts) > 1 else parts[-1]


# --- parsing -----------------------------------------------------------------------------------


def _split_answers(body: str, marks: str) -> list[_Answer]:
    """Split an answer block into answers starting with one of `marks`."""
    pieces = re.split(f"([{re.escape(marks)}])", body)
    if pieces[0].strip():
        raise _Skip(f"text before the first answer: {_show(pieces[0])!r}")
    answers = []
    for mark, chunk in zip(pieces[1::2], pieces[2::2], strict=True):
        chunk = chunk.strip()
        weight = None
        if found := _WEIGHT.match(chunk):
            weight = _number(found.group(1))
            chunk = chunk[found.end() :]
        text, _, feedback = chunk.partition("#")
        answers.append(_Answer(mark, text, weight, _show(feedback)))
    return answers


def _option_feedback(label: str, feedback: str) -> str:
    return f'Option "{label}": {feedback}'


def _choice(answers: list[_Answer], notes: list[str]) -> dict:
    if not 2 <= len(answers) <= MAX_OPTIONS:
        raise _Skip(f"{len(answers)} options (the contract allows 2..{MAX_OPTIONS})")
    weighted = any(a.weight is not None for a in answers)
    n_right = sum(1 for a in answers if a.mark == "=")
    kind = "multiple" if weighted or n_right > 1 else "single"
    options = []
    for index, answer in enumerate(answers):
        text = _show(answer.text)
        if not text:
            raise _Skip("an option has no text")
        option: dict = {"id": chr(ord("a") + index), "text": text}
        if weighted:
            weight = (
                answer.weight if answer.weight is not None else (100 if answer.mark == "=" else 0)
            )
            if not -100 <= weight <= 100:
                raise _Skip(f"weight {weight} outside -100..100")
            if weight > 0:
                option["correct"] = True
            option["weight"] = weight
        elif answer.mark == "=":
            option["correct"] = True
        options.append(option)
        if answer.feedback:
            notes.append(_option_feedback(text, answer.feedback))
    if not any(o.get("correct") for o in options):
        raise _Skip("no correct option")
    return {"type": kind, "options": options}


def _numeric_spec(text: str) -> dict:
    text = _show(text)
    if ".." in text:
        low, high = (_number(t) for t in text.split("..", 1))
        if low > high:
            raise _Skip(f"empty numeric range {text!r}")
        return {"range": [low, high]}
    value, _, tolerance = text.partition(":")
    tol = _number(tolerance) if tolerance.strip() else 0
    if tol < 0:
        raise _Skip("negative tolerance")
    return {"answer": _number(value), "tolerance": tol}


def _numeric(body: str, notes: list[str]) -> dict:
    body = body[1:]
    try:
        if "=" not in body:
            text, _, feedback = body.partition("#")
            spec = _numeric_spec(text)
            if feedback.strip():
                notes.append(_option_feedback(_show(text), _show(feedback)))
            if not spec.get("tolerance"):
                spec.pop("tolerance", None)
            return {"type": "numeric", **spec}
        answers = []
        for answer in _split_answers(body, "="):
            spec = _numeric_spec(answer.text)
            weight = 100 if answer.weight is None else answer.weight
            if "answer" in spec:
                spec = {"value": spec["answer"], "tolerance": spec["tolerance"]}
            answers.append({**spec, "weight": weight})
            if answer.feedback:
                notes.append(_option_feedback(_show(answer.text), answer.feedback))
    except ValueError as exc:
        raise _Skip(f"not a number: {_show(str(exc))!r}") from None
    if not any(a["weight"] >= 100 for a in answers):
        raise _Skip("no numeric answer is worth 100%")
    return {"type": "numeric", "answers": answers}


def _true_false(body: str, notes: list[str]) -> dict:
    value, *feedback = body.split("#")
    answer = _TRUE_FALSE[value.strip().upper()]
    # GIFT: the first feedback is for a wrong answer, the second for a right one.
    for given, text in zip((not answer, answer), feedback, strict=False):
        if _show(text):
            notes.append(_option_feedback("True" if given else "False", _show(text)))
    return {"type": "true_false", "answer": answer}


def _short(answers: list[_Answer], notes: list[str]) -> dict:
    weighted = any(a.weight is not None for a in answers)
    accepted: list = []
    for answer in answers:
        text = _show(answer.text)
        if not text:
            raise _Skip("an accepted answer is empty")
        weight = 100 if answer.weight is None else answer.weight
        accepted.append({"text": text, "weight": weight} if weighted else text)
        if answer.feedback:
            notes.append(_option_feedback(text, answer.feedback))
    return {"type": "short", "accepted": accepted}


def _matching(answers: list[_Answer]) -> dict:
    pairs = []
    for answer in answers:
        left, arrow, right = answer.text.partition("->")
        if not arrow or not _show(right):
            raise _Skip("a matching answer lacks '-> right'")
        if not _show(left):
            raise _Skip("matching distractors (empty left side) are not supported")
        pairs.append({"left": _show(left), "right": _show(right)})
    if not 2 <= len(pairs) <= MAX_OPTIONS:
        raise _Skip(f"{len(pairs)} pairs (the contract allows 2..{MAX_OPTIONS})")
    for side in ("left", "right"):
        if len({p[side] for p in pairs}) < len(pairs):
            raise _Skip(f"duplicate {side} texts in matching pairs")
    return {"type": "matching", "pairs": pairs}


def _answer_block(body: str, notes: list[str]) -> dict:
    stripped = body.strip()
    if not stripped:
        raise _Skip("essay question (empty answer block)")
    if stripped.startswith("#"):
        return _numeric(stripped, notes)
    if stripped.split("#")[0].strip().upper() in _TRUE_FALSE:
        return _true_false(stripped, notes)
    if "~" in stripped:
        return _choice(_split_answers(stripped, "=~"), notes)
    if stripped.startswith("="):
        answers = _split_answers(stripped, "=")
        if any("->" in a.text for a in answers):
            return _matching(answers)
        return _short(answers, notes)
    raise _Skip("unrecognised answer block")


def _question(text: str, topic: str) -> tuple[str, dict]:
    """Parse one question (escapes already hidden); return (title, question dict)."""
    title = ""
    if text.startswith("::") and "::" in text[2:]:
        title, text = text[2:].split("::", 1)
    tag = _FORMAT_TAG.match(text)
    if tag:
        text = text[tag.end() :]
        if tag.group(1).lower() == "html":
            text = _html_to_text(text)
    start = text.find("{")
    if start < 0:
        raise _Skip("description (no answer block)")
    end = text.find("}", start)
    if end < 0 or "{" in text[start + 1 : end]:
        raise _Skip("unbalanced braces")
    before, body, after = text[:start], text[start + 1 : end], text[end + 1 :]
    if "{" in after or "}" in after or "}" in before:
        raise _Skip("more than one answer block")
    body, _, general = body.partition("####")
    notes: list[str] = []
    fields = _answer_block(body, notes)
    prompt = _show(before + BLANK + after) if after.strip() else _show(before)
    if not prompt:
        raise _Skip("empty question text")
    explanation = "\n\n".join(filter(None, [_show(general), *notes])) or NO_EXPLANATION
    question = {"id": "", "type": fields.pop("type"), "topic": topic, "prompt": prompt}
    return _show(title), {**question, **fields, "explanation": explanation}


def parse_gift(text: str, *, default_topic: str = "general") -> GiftResult:
    """Convert GIFT text to contract-shaped question dicts, listing what was skipped."""
    result = GiftResult()
    topic, seen = default_topic, set()
    for block in _blocks(text.removeprefix("\ufeff")):
        if block[0][1].strip().upper().startswith("$CATEGORY:"):
            topic = _category(block[0][1]) or default_topic
            block = block[1:]
            if not block:
                continue
        line_number = block[0][0]
        try:
            body = _hide_escapes("\n".join(line for _, line in block).strip())
            title, question = _question(body, topic)
        except _Skip as skip:
            result.skipped.append((line_number, str(skip)))
            continue
        base = slugify(title) or f"q-{len(result.questions) + 1}"
        qid, n = base, 2
        while qid in seen:
            qid, n = f"{base}-{n}", n + 1
        seen.add(qid)
        question["id"] = qid
        result.questions.append(question)
    return result


# --- export ------------------------------------------------------------------------------------


def _weighted(mark: str, weight: float | None, text: str) -> str:
    prefix = "" if weight is None else f"%{_fmt(weight)}%"
    return f"{mark}{prefix}{_escape(text)}"


def _dump_choice(question: dict) -> str:
    options = question["options"]
    n_right = sum(1 for o in options if o.get("correct"))
    n_wrong = len(options) - n_right
    weighted = any(o.get("weight") is not None for o in options)
    # A multiple without weights but with one right (or no wrong) option would read back as
    # single choice (or short answer): spell out its default weights instead.
    if question["type"] == "multiple" and (weighted or n_right == 1 or n_wrong == 0):
        weights = [
            o["weight"]
            if o.get("weight") is not None
            else (100 / n_right if o.get("correct") else -100 / n_wrong)
            for o in options
        ]
        return " ".join(
            _weighted("~", round(w, 5), o["text"]) for o, w in zip(options, weights, strict=True)
        )
    return " ".join(_weighted("=" if o.get("correct") else "~", None, o["text"]) for o in options)


def _dump_numeric_spec(spec: dict) -> str:
    if spec.get("range") is not None:
        low, high = spec["range"]
        return f"{_fmt(low)}..{_fmt(high)}"
    value = spec.get("value", spec.get("answer"))
    tolerance = spec.get("tolerance") or 0
    return f"{_fmt(value)}:{_fmt(tolerance)}" if tolerance else _fmt(value)


def _dump_answers(question: dict) -> str | None:
    kind = question["type"]
    if kind in ("single", "multiple"):
        return _dump_choice(question)
    if kind == "true_false":
        return "TRUE" if question["answer"] else "FALSE"
    if kind == "numeric":
        if question.get("answers"):
            return "#" + " ".join(
                f"=%{_fmt(a.get('weight', 100))}%{_dump_numeric_spec(a)}"
                for a in question["answers"]
            )
        return "#" + _dump_numeric_spec(question)
    if kind == "short" and question.get("accepted"):
        return " ".join(
            _weighted("=", None, a)
            if isinstance(a, str)
            else _weighted("=", a["weight"], a["text"])
            for a in question["accepted"]
        )
    if kind == "matching":
        if any("->" in p["left"] + p["right"] for p in question["pairs"]):
            return None
        return " ".join(
            f"={_escape(p['left'])} -> {_escape(p['right'])}" for p in question["pairs"]
        )
    return None


def dump_gift(questions: list[dict], *, topic_categories: bool = True) -> tuple[str, list[str]]:
    """Write questions as GIFT; returns (text, ids of questions GIFT cannot represent)."""
    chunks: list[str] = []
    skipped: list[str] = []
    topic = None
    for question in questions:
        answers = _dump_answers(question)
        if answers is None:
            skipped.append(question["id"])
            continue
        if topic_categories and question["topic"] != topic:
            topic = question["topic"]
            chunks.append(f"$CATEGORY: {topic.replace('/', '//')}")
        explanation = question.get("explanation") or ""
        general = "" if explanation in ("", NO_EXPLANATION) else "####" + _escape(explanation)
        block = "{" + answers + general + "}"
        prompt = question["prompt"]
        before, blank, after = prompt.partition(BLANK)
        if blank and after.strip() and BLANK not in after:
            text = f"{_escape(before)}{block}{_escape(after)}"
        else:
            text = f"{_escape(prompt)}{block}"
        chunks.append(f"::{question['id']}::[markdown]{text}")
    return "\n\n".join(chunks) + "\n", skipped


def to_quiz_yaml(quiz_id: str, title: str, questions: list[dict]) -> str:
    """A complete quiz YAML document (contract format) with sensible defaults."""
    weighted = any(
        o.get("weight") is not None
        for q in questions
        if q["type"] == "multiple"
        for o in q["options"]
    )
    document = {
        "id": quiz_id,
        "title": title,
        "pass_score": 80,
        "questions_per_attempt": min(20, len(questions)),
        "shuffle": True,
        "review": "immediately",
        "multiple_scoring": "partial" if weighted else "all_or_nothing",
        "questions": questions,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
