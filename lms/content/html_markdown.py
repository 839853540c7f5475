"""Imported HTML (Moodle question text, GIFT `[html]`) turned into sanitized Markdown or text.

The HTML is first cleaned by nh3 down to the tags Markdown can express (formatting, lists,
tables, code, links and images with safe URLs), so no script, style, event handler or
`javascript:` URL reaches the converter; markdownify then writes the Markdown, which the
platform renders and sanitizes again like all content. Option texts, matching sides and
accepted answers are shown as plain text, not Markdown, so they go through `html_to_text`.
"""

from __future__ import annotations

import html
import re

import nh3

# fmt: off
_TAGS = {
    "a", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "samp",
    "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "tt", "u", "ul",
}
# fmt: on
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "template"}
_SAFE_URL = re.compile(r"^(https?://|mailto:|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def _safe_url(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src"):
        return value if _SAFE_URL.match(value.strip()) else None
    return value


def sanitize_import(fragment: str) -> str:
    """Clean imported HTML down to what Markdown can express, with safe URLs only."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=_safe_url,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


_SPACE_RUN = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_BREAK = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", re.IGNORECASE)


def html_to_markdown(fragment: str) -> str:
    """Sanitize an HTML fragment and write it as Markdown (stripped, at most one blank line)."""
    from markdownify import markdownify  # with BeautifulSoup: 5 MB only bank imports need

    converted = markdownify(
        sanitize_import(fragment),
        heading_style="ATX",
        bullets="-",
        escape_misc=False,
    )
    lines = [line.rstrip() if not line.endswith("  ") else line for line in converted.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    # A hard break at the very end of a line that ends the text means nothing: drop it.
    return text.rstrip()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    with_breaks = _BREAK.sub(" ", fragment)
    cleaned = nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"})
    return _SPACE_RUN.sub(" ", html.unescape(cleaned).replace("\n", " ")).strip()


def looks_like_html(text: str) -> bool:
    """Whether a text holds an HTML tag or entity worth converting."""
    return bool(re.search(r"<[a-zA-Z/][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text))
