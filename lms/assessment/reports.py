"""Quiz reports as files: the item statistics as CSV rows and the score distribution as SVG.

Plain functions of a quiz and its `QuizReport` (no request, no database), so the views only
send what these build; they can move to `lms/reports/` as they are.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from lms.assessment.rules import ItemStat
from lms.assessment.statistics import QuizReport

FLAG_LABELS = {
    "too_easy": "too easy",
    "too_hard": "too hard",
    "negative_discrimination": "negative discrimination",
    "low_discrimination": "low discrimination",
    "few_responses": "too few responses",
}
CSV_HEADER = ["question_id", "topic", "type", "times_served", "facility", "discrimination", "flags"]
_SCRIPT = re.compile(r"<script\b.*?</script>|<script\b[^>]*/>", re.S)


@dataclass(frozen=True)
class ItemRow:
    """One question's statistics with its (current) definition and readable flags."""

    stat: ItemStat
    question: Any  # the question in the quiz file now, or None if it was removed
    flags: list[str]


def item_rows(quiz: Any, report: QuizReport) -> list[ItemRow]:
    """The report's item statistics beside the quiz's questions, flags in words."""
    by_id = {q.id: q for q in quiz.questions}
    return [
        ItemRow(stat, by_id.get(stat.question_id), [FLAG_LABELS.get(f, f) for f in stat.flags])
        for stat in report.items
    ]


def csv_safe(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def items_csv(quiz: Any, report: QuizReport) -> str:
    """The per-question statistics of a quiz as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in item_rows(quiz, report):
        stat, question = row.stat, row.question
        writer.writerow(
            [
                stat.question_id,
                csv_safe(question.topic) if question else "",
                question.type if question else "",
                stat.times_served,
                f"{stat.facility:.3f}",
                "" if stat.discrimination is None else f"{stat.discrimination:.3f}",
                " ".join(stat.flags),
            ]
        )
    return out.getvalue()


def score_chart_svg(report: QuizReport) -> str:
    """The score distribution as an SVG bar chart, with no script in it."""
    import pygal
    from pygal.style import Style

    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=False,
        show_legend=False,
        width=720,
        height=320,
        title="Scores of submitted attempts (percent)",
        x_title="Score (percent)",
        y_title="Attempts",
        style=Style(background="white", plot_background="white", colors=("#0d6efd",)),
    )
    chart.x_labels = [label for label, _ in report.histogram]
    chart.add("Attempts", [count for _, count in report.histogram])
    # pygal always writes a config <script>; it would never run (an <img> runs no script,
    # and the chart's CSP forbids it), but the chart needs none, so it is left out.
    return _SCRIPT.sub("", chart.render(is_unicode=True))
