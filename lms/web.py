"""Helpers views share: commit a request's writes (or say why not), safe redirects, and the
input guards every route gets (bounded ids and page numbers, no NUL bytes)."""

from collections.abc import Callable
from types import SimpleNamespace
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, flash, get_template_attribute, request, url_for
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from lms.errors import ServiceError
from lms.transaction import unit_of_work

T = TypeVar("T")


def commit_or_report(form: FlaskForm | None, write: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a service write and commit it; on ServiceError roll back and show the message.

    The message goes beside the form field it names, or to a flash message when the
    form has no such field. Returns (succeeded, what the write returned).
    """
    try:
        with unit_of_work():
            result = write()
    except ServiceError as exc:
        field = getattr(form, exc.field, None) if form is not None and exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            flash(exc.message, "danger")
        return False, None
    return True, result


def is_safe_next(target: str | None) -> bool:
    """True when `target` is a path on this site (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# The largest id every supported database can hold (PostgreSQL INTEGER; SQLite takes more).
ID_MAX = 2**31 - 1
# Far beyond any real list, and small enough that an OFFSET fits every database.
PAGE_MAX = 100_000


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: digits only, at most ID_MAX; anything bigger answers 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def page_number(name: str = "page") -> int:
    """Return the page number the query asks for, within 1..PAGE_MAX; 1 if it is no number."""
    raw = request.args.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(PAGE_MAX)):  # never hand a 400-digit number to int() or the database
        return PAGE_MAX
    return min(max(int(raw), 1), PAGE_MAX)


def page_count(total: int, per_page: int, page: int) -> int:
    """Return how many pages `total` rows fill; a page past the last answers 404."""
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:
        abort(404)
    return pages


def _refuse_nul_bytes() -> None:
    """Answer 400 to a NUL byte in the path, a query or a form value (databases refuse them)."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        values += [*request.form.keys(), *request.form.values()]
        values += [f.filename or "" for f in request.files.values()]
    if any("\x00" in value for value in values):
        abort(400, description="The request contains a NUL character, which no field accepts.")


def install_input_guards(app: Flask) -> None:
    """Bound every `<int:...>` route to real ids and refuse NUL bytes in every request."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul_bytes)


_ID_SLOT = 2_000_000_011  # under ID_MAX, so the id converter builds it; no real URL has it
_TEXT_SLOT = "text-slot-b7e2"


def url_pattern(endpoint: str, *, ids: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> str:
    """`url_for(endpoint)` as a `str.format` pattern with `{name}` where each named value
    goes: a page that links every row of a list builds one pattern, not a url_for a row."""
    values = {name: _ID_SLOT + i for i, name in enumerate(ids)}
    values.update({name: f"{_TEXT_SLOT}-{i}" for i, name in enumerate(texts)})
    pattern = url_for(endpoint, **values)
    for name, value in values.items():
        pattern = pattern.replace(str(value), "{" + name + "}")
    return pattern


def macro_pattern(template: str, macro: str, slots: tuple[str, ...]) -> str:
    """A template macro's HTML as a `str.format` pattern with `{name}` where each slot goes:
    the macro is called once with marks for its argument's attributes, so a page drawing
    many rows of one shape fills one pattern a row (with values escaped, or Markup)."""
    draw = get_template_attribute(template, macro)
    marks = {name: f"\x01{name}\x01" for name in slots}
    pattern = str(draw(SimpleNamespace(**marks))).replace("{", "{{").replace("}", "}}")
    for name, mark in marks.items():
        pattern = pattern.replace(mark, "{" + name + "}")
    return pattern
