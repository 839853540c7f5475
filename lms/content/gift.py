"""GIFT (Moodle's quiz text format) import and export for the quiz format of the contract.

Import follows what Moodle's own GIFT importer accepts: question types are told apart the
way Moodle tells them (`#` numeric, `~` choice, `=` with `->` matching, T/TRUE/F/FALSE, else
short answer, so `{One}` is a short answer), format markers (`[html]`, `[moodle]`, `[plain]`,
`[markdown]`) are read on the question text, on each answer and on each feedback, and
`// [id:...]` comments give the question id. It produces question dicts shaped like the quiz
YAML (`questions:` entries). What the contract cannot hold (essays, descriptions, ...) is
skipped and listed with its line number. Per-answer feedback has no place in the contract,
so it is appended to the explanation. Two extensions of the contract are produced: numeric
`answers` (several weighted answers) and short `accepted` entries written as `{text, weight}`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from lms.content.html_markdown import html_to_markdown, html_to_text

NO_EXPLANATION = "No explanation was given in the imported file."
BLANK = "_____"
MAX_OPTIONS = 8
_ESCAPABLE = "~=#{}:\\"
# Escaped characters are swapped for private-use code points while parsing, so that the
# structural characters left in the text are all unescaped ones.
_HIDE = {c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
_FORMAT_TAG = re.compile(r"^\[(markdown|html|plain|moodle)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ID_COMMENT = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_CATCH_ALL = "*"


class _Skip(Exception):
    """A question that cannot be represented in the contract."""


@dataclass(frozen=True)
class GiftResult:
    """Questions converted from a GIFT file and the (line, reason) of those skipped."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Answer:
    mark: str  # "=" (right) or "~" (wrong, unless weighted)
    text: str  # escapes still hidden, format marker still on
    weight: float | None
    feedback: str  # escapes still hidden, format marker still on


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


def unique_id(base: str, seen: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is not in `seen` yet (then added to it)."""
    qid, n = base, 2
    while qid in seen:
        qid, n = f"{base}-{n}", n + 1
    seen.add(qid)
    return qid


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


def _formatted(raw: str, default: str) -> tuple[str, str]:
    """Split a leading format marker off a (hidden-escape) text: (text, format)."""
    raw = raw.strip()
    if tag := _FORMAT_TAG.match(raw):
        return raw[tag.end() :], tag.group(1)
    return raw, default


def _markdown(raw: str, default: str) -> str:
    """Question text or feedback as Markdown: HTML is sanitized and converted."""
    text, kind = _formatted(raw, default)
    return html_to_markdown(_show(text)) if kind == "html" else _show(text)


def _plain(raw: str, default: str) -> str:
    """An option, matching side or accepted answer as plain text (HTML tags dropped)."""
    text, kind = _formatted(raw, default)
    return html_to_text(_show(text)) if kind == "html" else _show(text)


def _blocks(text: str) -> list[tuple[list[tuple[int, str]], list[str]]]:
    """Split at blank lines into (lines with their numbers, // comment lines) per block."""
    blocks: list[tuple[list[tuple[int, str]], list[str]]] = [([], [])]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            blocks.append(([], []))
        elif line.lstrip().startswith("//"):
            blocks[-1][1].append(line)
        else:
            blocks[-1][0].append((number, line))
    return [block for block in blocks if block[0]]


def _id_number(comments: list[str]) -> str:
    """The `[id:...]` a Moodle export writes in a question's comment ('' if none)."""
    found = _ID_COMMENT.search("\n".join(comments))
    return found.group(1).replace("\\]", "]").strip() if found else ""


def _category(line: str) -> str | None:
    path = line.split(":", 1)[1].strip()
    parts = [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", path)]
    parts = [p for p in parts if p]
    if not parts or parts[-1] in ("$course$", "$system$", "$module$"):
        return None
    return None if parts[-1] == "top" and len(parts) > 1 else parts[-1]


# --- parsing -----------------------------------------------------------------------------------


def _pieces(body: str, marks: str) -> list[tuple[str, str]]:
    """Split an answer block at the marks; text before the first mark is an answer of its own
    (as in Moodle), an empty one is dropped. Returns (mark, text) pairs; mark "" for that one."""
    parts = re.split(f"([{re.escape(marks)}])", body)
    pieces = [("", parts[0])] if parts[0].strip() else []
    pieces += list(zip(parts[1::2], parts[2::2], strict=True))
    return pieces


def _answer(mark: str, chunk: str, *, weighted: bool = True) -> _Answer:
    chunk = chunk.strip()
    weight = None
    if weighted and (found := _WEIGHT.match(chunk)):
        weight = _number(found.group(1))
        chunk = chunk[found.end() :]
    text, _, feedback = chunk.partition("#")
    return _Answer(mark, text, weight, feedback)


def _option_feedback(label: str, feedback: str) -> str:
    return f'Option "{label}": {feedback}'


def _choice(body: str, fmt: str, notes: list[str]) -> dict:
    answers = []
    for mark, chunk in _pieces(body, "=~"):
        # Moodle reads no weight after "=": the answer is simply right.
        answers.append(_answer(mark or "~", chunk, weighted=mark != "="))
    if not 2 <= len(answers) <= MAX_OPTIONS:
        raise _Skip(f"{len(answers)} options (the contract allows 2..{MAX_OPTIONS})")
    weighted = any(a.weight is not None for a in answers)
    n_right = sum(1 for a in answers if a.mark == "=")
    kind = "single" if n_right == 1 else "multiple"
    options = []
    for index, answer in enumerate(answers):
        text = _plain(answer.text, fmt)
        if not text:
            raise _Skip("an option has no text")
        option: dict = {"id": chr(ord("a") + index), "text": text}
        if weighted:
            weight = (
                answer.weight if answer.weight is not None else (100 if answer.mark == "=" else 0)
            )
            if not -100 <= weight <= 100:
                raise _Skip(f"weight {_fmt(weight)} outside -100..100")
            if answer.mark == "=" or (kind == "multiple" and weight > 0):
                option["correct"] = True
            option["weight"] = weight
        elif answer.mark == "=":
            option["correct"] = True
        options.append(option)
        if feedback := _markdown(answer.feedback, fmt):
            notes.append(_option_feedback(text, feedback))
    if not any(o.get("correct") for o in options):
        raise _Skip("no correct option")
    return {"type": kind, "options": options}


def _numeric_spec(text: str) -> dict:
    text = _show(text)
    if text.find("..") > 0:
        low, high = (_number(t) for t in text.split("..", 1))
        if low > high:
            raise _Skip(f"empty numeric range {text!r}")
        return {"range": [low, high]}
    value, colon, tolerance = text.partition(":")
    if colon and not value.strip():
        raise ValueError(text)
    tol = _number(tolerance) if tolerance.strip() else 0
    if tol < 0:
        raise _Skip("negative tolerance")
    return {"answer": _number(value), "tolerance": tol}


def _numeric(body: str, fmt: str, notes: list[str]) -> dict:
    body = body.strip()[1:]
    body, tilde, wrong = body.partition("~")
    answers: list[dict] = []
    try:
        for mark, chunk in _pieces(body, "="):
            answer = _answer(mark, chunk)
            label = _show(answer.text)
            weight = 100 if answer.weight is None else answer.weight
            feedback = _markdown(answer.feedback, fmt)
            if label == _CATCH_ALL:
                if weight > 0:
                    raise _Skip("a numeric catch-all answer (*) that earns credit")
                if feedback:
                    notes.append(f"Any other answer: {feedback}")
                continue
            spec = _numeric_spec(answer.text)
            if "answer" in spec:
                spec = {"value": spec["answer"], "tolerance": spec["tolerance"]}
            answers.append({**spec, "weight": weight})
            if feedback:
                notes.append(_option_feedback(label, feedback))
    except ValueError as exc:
        raise _Skip(f"not a number: {_show(str(exc))!r}") from None
    if tilde and (feedback := _markdown(wrong.partition("#")[2], fmt)):
        notes.append(f"Any other answer: {feedback}")
    if not answers:
        raise _Skip("no numeric answer")
    if not any(a["weight"] >= 100 for a in answers):
        raise _Skip("no numeric answer is worth 100%")
    return {"type": "numeric", **numeric_fields(answers)}


def _true_false(body: str, fmt: str, notes: list[str]) -> dict:
    value, *feedback = body.split("#", 2)
    answer = _TRUE_FALSE[value.strip()]
    # GIFT: the first feedback is for a wrong answer, the second for a right one.
    for given, text in zip((not answer, answer), feedback, strict=False):
        if text := _markdown(text, fmt):
            notes.append(_option_feedback("True" if given else "False", text))
    return {"type": "true_false", "answer": answer}


def _short(body: str, fmt: str, notes: list[str]) -> dict:
    answers = [_answer(mark, chunk) for mark, chunk in _pieces(body, "=")]
    if not answers:
        raise _Skip("no accepted answer")
    weighted = any(a.weight is not None for a in answers)
    accepted: list = []
    for answer in answers:
        text = _plain(answer.text, fmt)
        if not text:
            raise _Skip("an accepted answer is empty")
        weight = 100 if answer.weight is None else answer.weight
        if not -100 <= weight <= 100:
            raise _Skip(f"weight {_fmt(weight)} outside -100..100")
        accepted.append({"text": text, "weight": weight} if weighted else text)
        if feedback := _markdown(answer.feedback, fmt):
            notes.append(_option_feedback(text, feedback))
    return {"type": "short", "accepted": accepted}


def _matching(body: str, fmt: str) -> dict:
    pairs, distractors = [], []
    for _, chunk in _pieces(body, "="):
        left, arrow, right = chunk.partition("->")
        if not arrow:
            raise _Skip("a matching answer lacks '->'")
        # As in Moodle, the right side is plain text with no feedback or format marker.
        right = _show(right)
        if not right:
            raise _Skip("a matching answer has an empty right side")
        left = _plain(left, fmt)
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    if problem := matching_problem(pairs, distractors):
        raise _Skip(problem)
    question: dict = {"type": "matching", "pairs": pairs}
    if distractors:
        question["distractors"] = distractors
    return question


def matching_problem(pairs: list[dict], distractors: list[str]) -> str | None:
    """Why pairs and distractors cannot make a matching question of the contract (or None)."""
    if not 2 <= len(pairs) <= MAX_OPTIONS:
        return f"{len(pairs)} pairs (the contract allows 2..{MAX_OPTIONS})"
    if len(distractors) > MAX_OPTIONS:
        return f"{len(distractors)} distractors (the contract allows up to {MAX_OPTIONS})"
    for side in ("left", "right"):
        if len({p[side] for p in pairs}) < len(pairs):
            return f"duplicate {side} texts in matching pairs"
    rights = {p["right"] for p in pairs}
    if len(set(distractors)) < len(distractors) or rights & set(distractors):
        return "a distractor repeats a right text"
    return None


def numeric_fields(answers: list[dict]) -> dict:
    """Numeric question fields from weighted answers ({value, tolerance} or {range}, weight):
    one full-credit answer is written plainly, several as `answers`."""
    if len(answers) == 1 and answers[0]["weight"] == 100:
        only = answers[0]
        if "range" in only:
            return {"range": only["range"]}
        fields = {"answer": only["value"]}
        if only.get("tolerance"):
            fields["tolerance"] = only["tolerance"]
        return fields
    return {"answers": answers}


def _answer_block(body: str, fmt: str, notes: list[str]) -> dict:
    """Tell the question type apart the way Moodle's importer does, then parse it."""
    stripped = body.strip()
    if not stripped:
        raise _Skip("essay question (empty answer block)")
    if stripped.startswith("#"):
        return _numeric(stripped, fmt, notes)
    if "~" in stripped:
        return _choice(stripped, fmt, notes)
    if "=" in stripped and "->" in stripped:
        return _matching(stripped, fmt)
    if stripped.split("#", 1)[0].strip() in _TRUE_FALSE:
        return _true_false(stripped, fmt, notes)
    return _short(stripped, fmt, notes)


def _question(text: str, topic: str) -> tuple[str, dict]:
    """Parse one question (escapes already hidden); return (title, question dict)."""
    title = ""
    if text.startswith("::"):
        title, separator, rest = text[2:].partition("::")
        text = rest.strip() if separator else title
        title = title if separator else ""
    start, end = text.find("{"), text.find("}")
    if start < 0 and end < 0:
        raise _Skip("description (no answer block)")
    if start < 0 or end < start or "{" in text[start + 1 : end]:
        raise _Skip("unbalanced braces")
    before, body, after = text[:start], text[start + 1 : end], text[end + 1 :]
    if "{" in after or "}" in after:
        raise _Skip("more than one answer block")
    body, _, general = body.rpartition("####") if "####" in body else (body, "", "")
    prompt_raw = before + BLANK + after if after.strip() else before
    prompt_raw, fmt = _formatted(prompt_raw, "moodle")
    notes: list[str] = []
    fields = _answer_block(body, fmt, notes)
    prompt = html_to_markdown(_show(prompt_raw)) if fmt == "html" else _show(prompt_raw)
    if not prompt:
        raise _Skip("empty question text")
    general_text = _markdown(general, fmt)
    explanation = "\n\n".join(filter(None, [general_text, *notes])) or NO_EXPLANATION
    question = {"id": "", "type": fields.pop("type"), "topic": topic, "prompt": prompt}
    return _show(title), {**question, **fields, "explanation": explanation}


def parse_gift(text: str, *, default_topic: str = "general") -> GiftResult:
    """Convert GIFT text to contract-shaped question dicts, listing what was skipped."""
    result = GiftResult()
    topic, seen = default_topic, set()
    for block, comments in _blocks(text.removeprefix("\ufeff")):
        if block[0][1].strip().startswith("$CATEGORY:"):
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
        id_number = _id_number(comments)
        base = id_number if slugify(id_number) == id_number and id_number else ""
        base = base or slugify(title) or f"q-{len(result.questions) + 1}"
        question["id"] = unique_id(base, seen)
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
    if question["type"] == "single" and weighted:
        # Moodle reads "=" as the one right answer and "~%w%" as partial credit beside it.
        return " ".join(
            _weighted("=", None, o["text"])
            if o.get("correct")
            else _weighted("~", o.get("weight") or None, o["text"])
            for o in options
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
        distractors = question.get("distractors") or []
        if any("->" in text for text in distractors):
            return None
        return " ".join(
            [f"={_escape(p['left'])} -> {_escape(p['right'])}" for p in question["pairs"]]
            + [f"= -> {_escape(text)}" for text in distractors]
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
