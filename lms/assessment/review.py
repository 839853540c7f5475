"""Readable text for a review page: what the learner answered and what the key says (pure)."""

from __future__ import annotations

from typing import Any


def _fmt(number: float) -> str:
    return f"{number:g}"


def _unit(question: dict) -> str:
    return f" {question['unit']}" if question.get("unit") else ""


def describe_response(question: dict, response: Any) -> list[str]:
    """The learner's response as lines of plain text (empty list: not answered)."""
    if response is None or response == "" or response == [] or response == {}:
        return []
    kind = question["type"]
    if kind in ("single", "multiple"):
        texts = {o["id"]: o["text"] for o in question["options"]}
        chosen = response if isinstance(response, list) else [response]
        return [texts.get(str(c), str(c)) for c in chosen]
    if kind == "true_false":
        return ["True" if str(response).strip().casefold() == "true" else "False"]
    if kind == "numeric":
        return [f"{response}{_unit(question)}"]
    if kind == "matching" and isinstance(response, dict):
        return [
            f"{p['left']} → {response[p['left']]}"
            for p in question["pairs"]
            if p["left"] in response
        ]
    if kind == "ordering" and isinstance(response, list):
        return [f"{i}. {item}" for i, item in enumerate(response, start=1)]
    return [str(response)]


def _numeric_spec(spec: dict, unit: str) -> str:
    if spec.get("range") is not None:
        low, high = spec["range"]
        return f"from {_fmt(low)} to {_fmt(high)}{unit}"
    value = spec.get("value", spec.get("answer"))
    tolerance = spec.get("tolerance") or 0
    return f"{_fmt(value)}{unit}" + (f" (± {_fmt(tolerance)})" if tolerance else "")


def describe_key(question: dict) -> list[str]:
    """The right answer as lines of plain text."""
    kind = question["type"]
    if kind in ("single", "multiple"):
        return [o["text"] for o in question["options"] if o.get("correct")]
    if kind == "true_false":
        return ["True" if question["answer"] else "False"]
    if kind == "numeric":
        unit = _unit(question)
        if question.get("answers"):
            return [
                _numeric_spec(a, unit)
                + ("" if a.get("weight", 100) >= 100 else f": {a['weight']:g}%")
                for a in question["answers"]
                if a.get("weight", 100) > 0
            ]
        return [_numeric_spec(question, unit)]
    if kind == "short":
        lines = []
        for item in question.get("accepted") or []:
            if isinstance(item, str):
                lines.append(item)
            elif item.get("weight", 100) > 0:
                weight = item.get("weight", 100)
                lines.append(item["text"] + ("" if weight >= 100 else f" ({weight:g}%)"))
        if question.get("pattern"):
            lines.append(f"any answer matching the pattern {question['pattern']}")
        return lines
    if kind == "matching":
        return [f"{p['left']} → {p['right']}" for p in question["pairs"]]
    if kind == "ordering":
        return [f"{i}. {item}" for i, item in enumerate(question["items"], start=1)]
    return []
