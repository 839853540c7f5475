"""Content: load, validate and render the Markdown/YAML training content (no Flask here)."""

from lms.content.loader import Catalog, LoadResult, Problem, fingerprint, load_content
from lms.content.markdown import Rendered, render_markdown, slugify

__all__ = [
    "Catalog",
    "LoadResult",
    "Problem",
    "Rendered",
    "fingerprint",
    "load_content",
    "render_markdown",
    "slugify",
]
