"""The loaded content on the Flask side: one catalog per process, reloaded when files change.

`lms.content` knows nothing of Flask; this module loads it at start (refusing to
start on invalid content), hands the current catalog to views (`current_catalog()`),
resolves item links to URLs, and in development reloads the content when a file
changes. Services never import this module: views and commands pass them the catalog.
"""

import functools
import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import click
from flask import Flask, current_app, has_request_context, request, url_for
from flask.cli import AppGroup
from markupsafe import Markup
from werkzeug.routing import BuildError

from lms.content import Catalog, Problem, fingerprint, render_markdown
from lms.content.cache import begin_keyed_load, cached_index
from lms.content.check import check
from lms.content.loader import LoadResult
from lms.content.markdown import use_disk_cache
from lms.content.search import SearchIndex

RELOAD_CHECK_SECONDS = 1.0
_LOADS = itertools.count(1)
log = logging.getLogger(__name__)
LINK_ENDPOINTS = {
    "doc": ("library.document", "doc_id"),
    "module": ("learning.module", "module_id"),
    "lab": ("labs.lab", "lab_id"),
    "quiz": ("assessment.quiz", "quiz_id"),
}


class ContentInvalid(SystemExit):
    """The content folder has problems: exits listing every one, without a traceback."""

    def __init__(self, root: Path, problems: list[Problem]):
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            f"Refusing to start: {len(problems)} content problem(s) in {root}:\n{lines}"
        )
        self.problems = problems


class ContentStore:
    """Holds the current catalog and its search index; reloads on change when asked to."""

    def __init__(self, root: Path, reload: bool, cache: Path | None = None):
        self.root = Path(root)
        self.reload = reload
        self.cache = cache  # where loads are kept for the next process (None: nowhere)
        self.problems: list[Problem] = []
        self._lock = threading.Lock()
        self._fingerprint: tuple = ()
        self._checked_at = 0.0
        self.catalog: Catalog | None = None
        self._indexed: tuple[Catalog, SearchIndex] | None = None
        self._keys: dict[int, str | None] = {}
        self.generation = 0  # which load this catalog is, unique in the process: a cache key

    def load(self) -> list[Problem]:
        """Load the content; keep the previous catalog if the new one has problems."""
        self.begin_load()
        return self.end_load()

    def begin_load(self) -> None:
        """Start loading the content (in a child process when nothing is kept): `end_load`
        takes the result, so that the caller can do other work meanwhile."""
        self._fingerprint = fingerprint(self.root)
        self._ending = _begin_load(self.root, self._fingerprint, self.cache)

    def end_load(self) -> list[Problem]:
        """The load `begin_load` started, made current unless it has problems."""
        catalog, self.problems, key = self._ending()
        if catalog is not None:
            self.catalog = catalog
            self._keys = {id(catalog): key}  # what it was loaded under: its index's key
            self.generation = next(_LOADS)
        return self.problems

    @property
    def search_index(self) -> SearchIndex | None:
        """The search index of the current catalog, built on the first search, not at start."""
        catalog = self.catalog
        if catalog is None:
            return None
        with self._lock:  # threads may search at once: build it once
            if self._indexed is None or self._indexed[0] is not catalog:
                key = self._keys.get(id(catalog))
                self._indexed = (catalog, cached_index(catalog, key, self.cache))
            return self._indexed[1]

    def current(self) -> Catalog:
        """Return the catalog, reloading first if files changed (development only)."""
        if self.reload and time.monotonic() - self._checked_at > RELOAD_CHECK_SECONDS:
            with self._lock:
                self._checked_at = time.monotonic()
                if fingerprint(self.root) != self._fingerprint:
                    problems = self.load()
                    for problem in problems:
                        log.warning("content: %s", problem)
        if self.catalog is None:
            raise ContentInvalid(self.root, self.problems)
        return self.catalog


def _load(
    root: Path, stamp: tuple, cache: Path | None = None
) -> tuple[Catalog | None, list[Problem], str | None]:
    """Load a content tree; the same files (by fingerprint) load once per process, and once
    for all processes when there is a `cache` folder (by content hash, see lms.content.cache).
    Also returns that hash (None without a cache folder)."""
    return _begin_load(root, stamp, cache)()


@lru_cache(maxsize=4)
def _begin_load(
    root: Path, stamp: tuple, cache: Path | None = None
) -> Callable[[], tuple[Catalog | None, list[Problem], str | None]]:
    """`_load` begun (see `begin_keyed_load`): a function that ends it, once."""
    del stamp  # part of the cache key only
    end = begin_keyed_load(root, cache)

    @functools.cache
    def ended() -> tuple[Catalog | None, list[Problem], str | None]:
        result, key = end()
        return result.catalog, result.problems, key

    return ended


def _serving() -> bool:
    """False while a `flask` command other than `run` loads the app: it must start anyway,
    so that `content check` can report the problems and `db upgrade` can run."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def init_app(app: Flask) -> None:
    """Start loading the content folder (`content_loaded` ends it)."""
    cache = app.config.get("LMS_MARKDOWN_CACHE")
    use_disk_cache(cache)
    store = ContentStore(
        Path(app.config["LMS_CONTENT_DIR"]),
        app.config["LMS_CONTENT_RELOAD"],
        Path(cache) / "loads" if cache else None,
    )
    store.begin_load()
    app.extensions["lms_content"] = store
    app.jinja_env.globals.update(markdown=render_html, item_url=item_url)


def content_loaded(app: Flask) -> None:
    """End the load `init_app` began; refuse to start on invalid content (CLI commands
    excepted: `content check` reports the problems, `db upgrade` runs)."""
    store = app.extensions["lms_content"]
    problems = store.end_load()
    if problems and _serving():
        raise ContentInvalid(store.root, problems)


def content_counts() -> dict[str, int]:
    """How many items of each kind are loaded (zeros when the content could not load)."""
    loaded = store().catalog
    if loaded is None:
        return {"documents": 0, "modules": 0, "labs": 0, "quizzes": 0}
    return loaded.counts()


def weekly_track_ids() -> frozenset[str]:
    """Ids of the tracks made of weeks: the ones a person can be assigned."""
    return frozenset(t.id for t in current_catalog().curriculum.tracks if t.weeks)


def store() -> ContentStore:
    """The app's content store."""
    return current_app.extensions["lms_content"]


def current_catalog() -> Catalog:
    """The content loaded now (reloaded first if its files changed, in development)."""
    return store().current()


def item_url(kind: str, item_id: str) -> str | None:
    """URL of a content item's page, or None when it has no page (or no such item)."""
    endpoint, arg = LINK_ENDPOINTS[kind]
    current = current_catalog()
    items = {
        "doc": current.documents,
        "module": current.modules,
        "lab": current.labs,
        "quiz": current.quizzes,
    }[kind]
    if item_id not in items:
        return None
    try:
        return url_for(endpoint, **{arg: item_id})
    except BuildError:
        return None


def render(text: str):
    """Render content Markdown to sanitized HTML with item links pointing at their pages."""
    if not has_request_context():
        return render_markdown(text, item_url)
    return _rendered(text, store().generation, request.script_root)


@lru_cache(maxsize=512)
def _rendered(text: str, generation: int, script_root: str):
    """A rendered text with its links resolved, for one catalog and mount point: pages show
    the same texts (documents, module sections, summaries) again and again, and resolving
    links (a URL built per link) cost as much as the rest of a page. Bounded, so memory does
    not grow with the catalogue."""
    del generation, script_root  # the cache key: what the links resolve against
    return render_markdown(text, item_url)


def render_html(text: str) -> Markup:
    """Rendered content Markdown as template-safe HTML (it was sanitized by nh3)."""
    return Markup(render(text).html)


content_cli = AppGroup("content", help="Training content: validate the content folder.")


@content_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_command(folder: Path | None):
    """Check FOLDER (default: LMS_CONTENT_DIR); print each problem as path:line: field: message."""
    root = folder or Path(current_app.config["LMS_CONTENT_DIR"])
    # the app has just loaded these very files (same fingerprint): check that load, not a second
    catalog, problems, _ = _load(root, fingerprint(root), store().cache)
    code, lines = check(root, LoadResult(catalog, problems))
    click.echo("\n".join(lines), err=code != 0)
    sys.exit(code)
