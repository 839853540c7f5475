"""The one CSV writer: BOM, header, ISO dates, formula neutralisation, line by line."""

import csv
import io
from datetime import UTC, date, datetime
from types import GeneratorType

import pytest

from lms.assessment.statistics import QuizReport, QuizTotals
from lms.reports.charts import held_chart_svg, score_chart_svg, whole_number_labels
from lms.reports.csv import BOM, cell, csv_text, neutralise, rows_to_lines
from lms.reports.service import held_by_month, month_ends, topics_from_sums


@pytest.mark.parametrize("risky", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(risky):
    assert neutralise(risky) == "'" + risky
    assert cell(risky) == "'" + risky


def test_plain_text_numbers_and_dates():
    assert neutralise("Ada") == "Ada"
    assert cell(None) == "" and cell(True) == "yes" and cell(False) == "no"
    assert cell(3) == "3" and cell(-0.25) == "-0.25"  # numbers we compute stay numbers
    assert cell(date(2026, 3, 2)) == "2026-03-02"
    assert cell(datetime(2026, 3, 2, 9, 5, tzinfo=UTC)) == "2026-03-02T09:05:00+00:00"


def test_bom_header_and_rows_parse_back():
    rows = [('=HYPERLINK("http://x")', date(2026, 1, 31), 4), ('Bo, "quoted"', None, 0)]
    text = csv_text(["name", "when", "n"], rows)
    assert text.startswith(BOM + "name,when,n\r\n")
    parsed = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert parsed[1] == ['\'=HYPERLINK("http://x")', "2026-01-31", "4"]
    assert parsed[2] == ['Bo, "quoted"', "", "0"]


def test_lines_are_yielded_one_at_a_time():
    produced = []

    def rows():
        for i in range(3):
            produced.append(i)
            yield (i,)

    lines = rows_to_lines(["i"], rows())
    assert isinstance(lines, GeneratorType)
    assert next(lines) == BOM + "i\r\n" and produced == []
    assert next(lines) == "0\r\n" and produced == [0]


def test_month_ends_and_certificates_held_per_month():
    ends = month_ends(date(2026, 3, 15), months=3)
    assert ends == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)]
    spans = [
        (1, date(2025, 12, 1), date(2026, 2, 10), None, 2),  # expires mid-February
        (2, date(2026, 2, 1), date(2027, 2, 1), date(2026, 3, 1), 1),  # revoked in March
        (1, date(2026, 3, 10), date(2027, 3, 10), None, 1),
    ]
    assert held_by_month(spans, ends) == {1: [2, 0, 1], 2: [0, 1, 0]}


def test_topic_means_from_question_sums():
    results = topics_from_sums({"q1": "dns", "q2": "dns", "q3": "tls"}, [
        ("q1", 4, 4.0), ("q2", 4, 0.0), ("q3", 2, 2.0), ("gone", 1, 0.0),
    ])  # fmt: skip
    assert [(r.topic, r.answers, r.mean) for r in results] == [
        ("(removed questions)", 1, 0.0), ("dns", 8, 0.5), ("tls", 2, 1.0),
    ]  # fmt: skip


def test_count_axis_is_whole_numbers():
    assert whole_number_labels(0) == [0, 1]
    assert whole_number_labels(3) == [0, 1, 2, 3]
    labels = whole_number_labels(47)
    assert all(isinstance(v, int) for v in labels) and labels[-1] >= 47 and len(labels) <= 7


def test_a_chart_is_drawn_again_exactly_when_a_number_in_it_changes():
    """Charts are kept by the numbers they draw: the same counts give the kept drawing, a
    changed count a new one that shows it."""
    ends = [date(2026, month, 28) for month in range(1, 13)]
    held = {1: [3] * 12, None: [1] * 12}
    first = held_chart_svg(ends, held)
    assert held_chart_svg(ends, {None: [1] * 12, 1: [3] * 12}) is first
    changed = held_chart_svg(ends, {1: [3] * 11 + [40], None: [1] * 12})
    assert changed is not first and ">40<" in changed and ">40<" not in first
    report = QuizReport(QuizTotals(2, 1, 2, 50.0), [("0-9", 1), ("90-100", 1)], [])
    bars = score_chart_svg(report)
    assert score_chart_svg(report) is bars
    more = QuizReport(QuizTotals(3, 2, 3, 60.0), [("0-9", 1), ("90-100", 2)], [])
    assert score_chart_svg(more) != bars
