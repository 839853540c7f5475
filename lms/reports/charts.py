"""Report charts as SVG (pygal), with pygal's <script> left out: the pages need none and
the CSP forbids it."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from datetime import date

from lms.assessment.statistics import QuizReport

_SCRIPT = re.compile(r"<script\b.*?</script>|<script\b[^>]*/>", re.S)
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _pygal():
    """pygal, without the import hook it adds for its map plugins (which we do not use): the
    hook answers every later import in the process with an ImportWarning."""
    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _style():
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997"),
    )


def whole_number_labels(highest: int, steps: int = 5) -> list[int]:
    """Y-axis labels for counts: whole numbers from 0 to at least `highest`, at most ~6."""
    step = max(1, -(-highest // steps))
    return list(range(0, max(highest, 1) + step, step))


def _render(chart) -> str:
    # pygal always writes a config <script>; it would never run in an <img>, but it is
    # left out all the same.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


# A chart is a pure function of the numbers it draws, and drawing one with pygal costs
# milliseconds: each is kept (a few dozen, least recently drawn dropped), keyed by those
# numbers, so a chart is drawn again only when a count in it changes.
CHARTS_KEPT = 64


def score_chart_svg(report: QuizReport) -> str:
    """The score distribution as a bar chart; the axis counts whole attempts."""
    return _score_chart(tuple((label, count) for label, count in report.histogram))


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _score_chart(histogram: tuple[tuple[str, int], ...]) -> str:
    pygal = _pygal()
    counts = [count for _, count in histogram]
    chart = pygal.Bar(
        js=[], disable_xml_declaration=False, show_legend=False, width=720, height=320,
        title="Scores of submitted attempts (percent)", x_title="Score (percent)",
        y_title="Attempts", style=_style(), value_formatter=lambda v: f"{v:.0f}",
    )  # fmt: skip
    chart.x_labels = [label for label, _ in histogram]
    chart.y_labels = whole_number_labels(max(counts, default=0))
    chart.add("Attempts", counts)
    return _render(chart)


def held_chart_svg(ends: Sequence[date], held: dict[int | None, list[int]]) -> str:
    """Certificates held at each month's end, one line per level (specialist ones, which
    have no level, on a line of their own)."""
    levels = sorted(held, key=lambda lv: (lv is None, lv or 0))
    return _held_chart(tuple(ends), tuple((level, tuple(held[level])) for level in levels))


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _held_chart(ends: tuple[date, ...], held: tuple[tuple[int | None, tuple[int, ...]], ...]):
    pygal = _pygal()
    chart = pygal.Line(
        js=[], disable_xml_declaration=False, width=720, height=320,
        title="Certificates held, by level, at each month's end", y_title="Certificates",
        style=_style(), legend_at_bottom=True, value_formatter=lambda v: f"{v:.0f}",
    )  # fmt: skip
    chart.x_labels = [end.strftime("%Y-%m") for end in ends]
    chart.y_labels = whole_number_labels(max((max(v) for _, v in held), default=0))
    for level, counts in held:
        chart.add("Specialist" if level is None else f"Level {level}", list(counts))
    if not held:  # pygal cannot draw a line chart without a series
        chart.add("No certificates", [0] * len(ends))
    return _render(chart)
