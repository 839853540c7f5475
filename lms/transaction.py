"""The one place that commits: per request, per command (services only flush).

`unit_of_work` commits what its block wrote or rolls all of it back. Views reach it
through `lms.web.commit_or_report`; CLI commands through `@transactional`.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

import click

from lms.errors import ServiceError
from lms.extensions import db

T = TypeVar("T")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit everything written inside the block, or roll it all back if the block raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def transactional(command: Callable[..., T]) -> Callable[..., T]:
    """Run a CLI command in one unit of work; a ServiceError prints `Error: ...` and exits 1."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            with unit_of_work():
                return command(*args, **kwargs)
        except ServiceError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(1)

    return run
