"""Markdown rendering, sanitising, slugs, sections and item links: the one Markdown pipeline."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path

import markdown as md_lib
import nh3
from markdown.extensions.toc import unique as unique_id
from pygments.formatters.html import HtmlFormatter
from pygments.token import STANDARD_TYPES, Text, _TokenType

from lms.content.text import StoredText

LINK_KINDS = ("doc", "module", "lab", "quiz")

LinkResolver = Callable[[str, str], str | None]

_EXTENSIONS = ["tables", "fenced_code", "codehilite", "toc", "admonition", "sane_lists"]

# The token classes static/css/app.css colours in code blocks (`.highlight .k`, ...; a test
# checks the two agree). Every other token is written as plain text, not in a span of its
# own: spaces, punctuation, names and YAML scalars took a thousand spans in the runbook
# alone, a third of its page's bytes, for no colour.
# fmt: off
COLOURED_TOKENS = frozenset({
    "k", "kd", "kn", "s", "s1", "s2", "c", "c1", "cm", "ch", "cs", "nf", "nb", "m", "mi", "mf",
    "o",
})
# fmt: on


@cache
def _shown_as(token: _TokenType) -> _TokenType:
    """The token's type when the stylesheet colours it, else plain text. Pygments names a
    token by its nearest ancestor with a short class name, so that name is what counts."""
    named = token
    while named not in STANDARD_TYPES:
        named = named.parent
    return token if STANDARD_TYPES[named] in COLOURED_TOKENS else Text


class _ColouredOnly(HtmlFormatter):
    """Pygments' HTML with a span only around the tokens the stylesheet colours."""

    def format_unencoded(self, tokensource, outfile):
        shown = ((_shown_as(token), value) for token, value in tokensource)
        super().format_unencoded(shown, outfile)


# fmt: off
_TAGS = {
    "a", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
# fmt: on
_ATTRIBUTES = {
    "*": set(),  # no attributes allowed everywhere (nh3 defaults to lang and title)
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "a": {"href", "title", "class"},
    "img": {"src", "alt"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "div": {"class"},
    "p": {"class"},
    "ol": {"start"},
}
# Tags removed together with everything inside them.
# fmt: off
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "template",
    "noscript", "textarea", "select",
}
# fmt: on
_URL_SCHEMES = {"http", "https", "mailto", *LINK_KINDS}
_DIV_CLASSES = {"highlight", "admonition", "note", "tip", "warning", "danger"}
_SAFE_IMG_URL = re.compile(r"^(https?://|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)

_A_TAG = re.compile(r"<a\b(?P<attrs>[^>]*)>(?P<inner>.*?)</a>", re.DOTALL)
_ITEM_HREF = re.compile(r'\shref="(?P<kind>doc|module|lab|quiz):(?P<id>[^"#]*)(?P<anchor>#[^"]*)?"')
_INLINE_LINK = re.compile(r"\]\(\s*<?(doc|module|lab|quiz):([^)\s#>]+)(?:#([^)\s>]*))?")
_REF_DEFINITION = re.compile(
    r"^\s{0,3}\[[^\]]+\]:\s*<?(doc|module|lab|quiz):([^\s#>]+)(?:#([^\s>]*))?"
)
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_H2 = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML plus the table of contents as (level, slug, title)."""

    html: str
    toc: list[tuple[int, str, str]]


@dataclass(frozen=True, slots=True)
class Section:
    """A `##` section of a Markdown body; `line` is 1-based within the body.

    Its Markdown is a slice of the whole body (`source[start:end]`), read when asked for:
    a section does not hold a second copy of its module's text. The body is a string, or
    for a module of a kept load a `StoredText`, and then the positions are in bytes.
    """

    slug: str
    title: str
    line: int
    source: str | StoredText = field(repr=False, compare=False)
    start: int
    end: int

    @property
    def body(self) -> str:
        """The Markdown below the heading, up to the next `##` heading (blank lines trimmed)."""
        return self.source[self.start : self.end]


def slugify(text: str) -> str:
    """Turn heading text into the anchor slug used for toc ids and module sections."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text).strip("-")


def _prose_lines(text: str, marks: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line) for the lines outside fenced code blocks that hold
    one of `marks` (found with str.find over the whole text: most lines hold none)."""
    text = with_newlines(text)
    fence, number, previous = "", 1, 0
    for start in _line_starts(text, ("```", "~~~", *marks)):
        number += text.count("\n", previous, start)
        previous = start
        end = text.find("\n", start)
        line = text[start : len(text) if end < 0 else end]
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            continue
        if match:
            fence = match.group(1)
            continue
        yield number, line


# every line break of str.splitlines() but "\n": a text without them splits at "\n" alone
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def find_links(text: str) -> list[tuple[int, str, str]]:
    """Return (line, kind, id) for every `kind:ID` link target outside code."""
    return [(number, kind, item_id) for number, kind, item_id, _ in find_link_targets(text)]


def find_link_targets(text: str) -> list[tuple[int, str, str, str]]:
    """Return (line, kind, id, anchor) for every `kind:ID[#anchor]` link outside code.

    `anchor` is "" when the link has none.
    """
    found = []
    for number, line in _prose_lines(text, tuple(f"{kind}:" for kind in LINK_KINDS)):
        line = _CODE_SPAN.sub("", line)
        for match in (*_INLINE_LINK.finditer(line), *_REF_DEFINITION.finditer(line)):
            found.append((number, match.group(1), match.group(2), match.group(3) or ""))
    return found


def _heading_text(raw: str) -> str:
    """Approximate the rendered text of a heading written in Markdown."""
    text = re.sub(r"!?\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])", r"\1", raw)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\*\*|__|\*|`|(?<!\w)_|_(?!\w)", "", text)
    return html.unescape(text).strip()


def split_sections(text: str) -> tuple[str, tuple[Section, ...]]:
    """Split a body into its intro and its `##` sections (headings inside code are ignored)."""
    source, (start, end), sections = section_spans(text)
    return source[start:end], sections


def section_spans(text: str) -> tuple[str, tuple[int, int], tuple[Section, ...]]:
    """`split_sections` by position: (the text the positions refer to, the intro's (start,
    end) in it, the sections, each a slice of it).

    The text is `text` itself unless it breaks lines at something other than "\n" (a body
    read by the loader never does); then it is `text` with every line break made "\n".
    """
    text = with_newlines(text)
    headings = []  # (1-based line, start, end of the line, raw title)
    fence, number, previous = "", 1, 0
    for start in _heading_or_fence_lines(text):
        number += text.count("\n", previous, start)
        previous = start
        end = text.find("\n", start)
        line = text[start : len(text) if end < 0 else end]
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
        elif match:
            fence = match.group(1)
        elif heading := _H2.match(line):
            headings.append((number, start, start + len(line), heading.group(1)))
    sections = []
    for index, (number, _, line_end, raw_title) in enumerate(headings):
        # from the line below the heading to the end of the line above the next one
        stop = headings[index + 1][1] - 1 if index + 1 < len(headings) else len(text)
        start, stop = _trimmed(text, line_end + 1, stop)
        title = _heading_text(raw_title)
        sections.append(Section(slugify(title), title, number, text, start, stop))
    intro = _trimmed(text, 0, headings[0][1] - 1 if headings else len(text))
    return text, intro, tuple(sections)


def with_newlines(text: str) -> str:
    """`text` with every line break "\n" (itself when it has no other, as a body never has)."""
    if any(brk in text for brk in _OTHER_BREAKS):  # a search per character is the fast way
        return "\n".join(text.splitlines())
    return text


def _heading_or_fence_lines(text: str) -> list[int]:
    """Where each line that starts with `##` or holds a fence mark (``` or ~~~) starts, in
    order: found with str.find over the whole text, not line by line (most lines are neither)."""
    return _line_starts(text, ("\n##", "```", "~~~"))


def _line_starts(text: str, marks: tuple[str, ...]) -> list[int]:
    """Where each line holding one of `marks` starts, in order (a mark that starts with
    "\n" must begin its line: the first line counts when it begins with the rest)."""
    starts = set()
    for mark in marks:
        if mark[0] == "\n":
            if text.startswith(mark[1:]):
                starts.add(0)
            position = text.find(mark)
            while position >= 0:
                starts.add(position + 1)
                position = text.find(mark, position + 1)
            continue
        position = text.find(mark)
        while position >= 0:
            starts.add(text.rfind("\n", 0, position) + 1)
            end = text.find("\n", position)
            position = -1 if end < 0 else text.find(mark, end)
    return sorted(starts)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """`text[start:end].strip("\n")` as positions in `text`."""
    while start < end and text[start] == "\n":
        start += 1
    while end > start and text[end - 1] == "\n":
        end -= 1
    return start, max(start, end)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop attribute values the allowlist alone cannot express."""
    if tag == "img" and attribute == "src":
        return value if _SAFE_IMG_URL.match(value.strip()) else None
    if tag == "div" and attribute == "class":
        kept = [name for name in value.split() if name in _DIV_CLASSES]
        return " ".join(kept) or None
    return value


def sanitize(fragment: str) -> str:
    """Clean an HTML fragment down to the allowlist used for content."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TASK_ITEM = re.compile(r"<li>(?:<p>)?\[([ xX])\] ")


def _task_box(match: re.Match[str]) -> str:
    """Show a Markdown checklist item (`- [ ] ...`) as a box, after sanitising."""
    box = "\u2611" if match[1].lower() == "x" else "\u2610"
    return match[0][: -len("[ ] ")].replace("<li>", '<li class="task-item">') + f"{box} "


def _scroll_boxes(body: str) -> str:
    """Let wide code and tables scroll in their own box, reachable and named for the keyboard.

    A box that scrolls must take focus (tabindex) so keyboard users can scroll it, and a
    focusable region needs a name; added after sanitising, so content cannot set them.
    """
    body = body.replace("<pre", '<pre tabindex="0" role="region" aria-label="Code"')
    body = body.replace(
        "<table", '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table'
    )
    return body.replace("</table>", "</table></div>")


def _flatten_toc(tokens: list[dict], out: list[tuple[int, str, str]]) -> None:
    """Append nested toc tokens to `out` in document order."""
    for token in tokens:
        out.append((token["level"], token["id"], html.unescape(token["name"])))
        _flatten_toc(token["children"], out)


# Bump when the pipeline below changes what it outputs; the libraries' versions count too.
RENDERER_VERSION = "2"
_disk_cache: Path | None = None


def use_disk_cache(folder: str | os.PathLike | None) -> None:
    """Keep rendered Markdown in `folder` too (one JSON file per source hash and renderer
    version), so a new process (a worker, `content check`) reads instead of rendering again.
    None turns it off. The cache in memory is kept across content reloads either way."""
    global _disk_cache
    _disk_cache = Path(folder) if folder else None


@lru_cache(maxsize=1)
def _renderer_key() -> str:
    """What, besides the source, decides the output: this pipeline and its libraries."""
    libraries = "-".join(version(name) for name in ("markdown", "pygments", "nh3"))
    return hashlib.sha256(f"{RENDERER_VERSION}-{libraries}".encode()).hexdigest()[:16]


def _cached_on_disk(digest: str) -> Path | None:
    return _disk_cache / f"{digest}-{_renderer_key()}.json" if _disk_cache else None


@lru_cache(maxsize=1024)
def _render_unresolved(digest: str, text: str) -> tuple[str, tuple[tuple[int, str, str], ...]]:
    """Render and sanitise Markdown, leaving item links unresolved (cached by sha256, in
    memory and, when `use_disk_cache` set a folder, on disk)."""
    path = _cached_on_disk(digest)
    if path is not None:
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            return cached["html"], tuple(tuple(entry) for entry in cached["toc"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not there yet (or unreadable): render, then write it
    body, toc = _render(text)
    if path is not None:
        _write_atomically(path, json.dumps({"html": body, "toc": toc}))
    return body, toc


def _write_atomically(path: Path, data: str) -> None:
    """Write a cache file so that a reader in another process never sees half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs a render next time


def _render(text: str) -> tuple[str, tuple[tuple[int, str, str], ...]]:
    """Render and sanitise Markdown, leaving item links unresolved."""
    converter = md_lib.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={
            "codehilite": {
                "css_class": "highlight",
                "guess_lang": False,
                "noclasses": False,
                "pygments_formatter": _ColouredOnly,
            },
            "toc": {"permalink": True, "slugify": lambda value, _separator: slugify(value)},
        },
    )
    body = _scroll_boxes(_TASK_ITEM.sub(_task_box, sanitize(converter.convert(text))))
    toc: list[tuple[int, str, str]] = []
    _flatten_toc(converter.toc_tokens, toc)  # type: ignore[attr-defined]
    return body, tuple(toc)


def _resolve_links(body: str, resolve_link: LinkResolver | None) -> str:
    """Point `kind:ID` links at resolved URLs; unresolvable ones become plain text."""

    def replace(tag: re.Match[str]) -> str:
        attrs, link = tag["attrs"], _ITEM_HREF.search(tag["attrs"])
        if not link:
            return tag[0]
        url = resolve_link(link["kind"], link["id"]) if resolve_link else None
        scheme = _SCHEME.match(url or "")
        if not url or (scheme and scheme[0].strip().lower() not in ("http:", "https:")):
            return tag["inner"]
        href = html.escape(url + (link["anchor"] or ""), quote=True)
        return f'<a{attrs[: link.start()]} href="{href}"{attrs[link.end() :]}>{tag["inner"]}</a>'

    return _A_TAG.sub(replace, body)


def render_markdown(text: str, resolve_link: LinkResolver | None = None) -> Rendered:
    """Render content Markdown to sanitised HTML, resolving `kind:ID` links via `resolve_link`."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    body, toc = _render_unresolved(digest, text)
    return Rendered(html=_resolve_links(body, resolve_link), toc=list(toc))


def heading_anchors(text: str, levels: tuple[int, ...] = (2, 3)) -> list[str]:
    """Anchor ids of the headings of `levels` in a Markdown body, as the rendered page has them."""
    return [slug for level, slug, _ in render_markdown(text).toc if level in levels]


def has_heading_anchor(text: str, anchor: str, levels: tuple[int, ...] = (2, 3)) -> bool:
    """Whether the rendered body has a heading of `levels` with this anchor id.

    The headings written the usual way (`## Title` at the start of a line, outside fenced
    code) give their anchors without rendering (`source_anchors`): checking the links of a
    thousand modules to ten documents then renders none of them. An anchor not found so is
    looked for in the rendered page (a heading inside a note or a list, say), so only the
    renderer ever calls an anchor missing.
    """
    return anchor in source_anchors(text, levels) or anchor in heading_anchors(text, levels)


_ATX = re.compile(r"(#{1,6})(.*?)#*$")


@lru_cache(maxsize=256)
def source_anchors(text: str, levels: tuple[int, ...] = (2, 3)) -> frozenset[str]:
    """The anchor ids the renderer gives the `#`-headings at the start of a line outside
    fenced code: the text slugified, made unique in order over all levels as `toc` does."""
    used: set[str] = set()
    counters: dict[str, int] = {}
    found = set()
    fence = ""
    for start in _line_starts(text, ("\n#", "```", "~~~")):
        end = text.find("\n", start)
        line = text[start : len(text) if end < 0 else end]
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
        elif match:
            fence = match.group(1)
        elif heading := _ATX.match(line):
            slug = unique_id(slugify(_heading_text(heading.group(2).strip())), used, counters)
            if len(heading.group(1)) in levels:
                found.add(slug)
    return frozenset(found)
