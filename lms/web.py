"""Helpers views share: commit a request's writes (or say why not), safe redirects."""

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import flash
from flask_wtf import FlaskForm

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
