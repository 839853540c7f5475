"""The one CSV writer for every export: streamed, UTF-8 with a BOM, a header row, ISO dates,
and no cell a spreadsheet would read as a formula.

`rows_to_lines` is a generator: 10,000 rows are written one line at a time, never built
into one string. `csv_response` wraps it in a streamed Flask response.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula: prefix a quote to risky starts."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> str:
    """One value as CSV text: ISO dates and times, yes/no, empty for None; then neutralised.

    Numbers are written as they are (a negative number is a number, not a formula);
    everything else is text and neutralised.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def rows_to_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the CSV text line by line: the BOM and header first, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[str]) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(neutralise(str(name)) for name in header)
    for row in rows:
        yield line(cell(value) for value in row)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as one string (for tests and small files)."""
    return "".join(rows_to_lines(header, rows))


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A streamed download of the rows as `filename`.

    The rows are written as the response is sent, outside the request: they must be plain
    values already loaded (the views query first, then hand over the loaded rows), never
    anything that reaches the database or the request.
    """
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"
    response = Response(
        (line.encode("utf-8") for line in rows_to_lines(header, rows)),
        mimetype="text/csv",
    )
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
