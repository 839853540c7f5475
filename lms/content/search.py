"""Full-text search over documents and modules: an in-memory BM25 index built at load.

Chosen over SQLite FTS5 and PostgreSQL tsvector because the searchable text is
the content itself, which already lives in memory, changes only with the files,
and is small (tens of thousands of lines): one index gives the same ranking on
both databases, needs no table kept in step with git, and rebuilds in well under
a second (measured by `python -m lms.content.search`).
"""

from __future__ import annotations

import html
import math
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from lms.content.markdown import slugify, split_sections

_WORD = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
_MARKUP = re.compile(r"```.*?```|`|\*\*|__|\[([^\]]*)\]\([^)]*\)|^#+\s*|^\s*[-*>|]\s?", re.S | re.M)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)
K1, B = 1.2, 0.75
TITLE_BOOST = 3


def tokens(text: str) -> list[str]:
    """Lowercase words and compound terms (p95, etcd, blue-green), without stop words."""
    found = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        found.append(_stem(word))
        if "-" in word or "_" in word:
            found += [_stem(part) for part in re.split(r"[-_]", word) if part not in _STOP]
    return found


def _stem(word: str) -> str:
    """A light plural/verb-ending strip so 'alerts' finds 'alert' and 'deploying' 'deploy'."""
    for suffix in ("ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def plain_text(markdown: str) -> str:
    """Markdown reduced to readable text for snippets."""
    return re.sub(r"\s+", " ", _MARKUP.sub(lambda m: m.group(1) or " ", markdown)).strip()


@dataclass(frozen=True)
class Passage:
    """A searchable unit: one `##` section (or the intro) of a document or module."""

    kind: str  # "doc" or "module"
    item_id: str
    item_title: str
    anchor: str  # section slug, "" for the intro
    heading: str
    text: str


@dataclass(frozen=True)
class Hit:
    """A ranked search result with an HTML-escaped snippet whose matches are in <mark>."""

    passage: Passage
    score: float
    snippet: str


class SearchIndex:
    """BM25 over passages; titles and headings count extra."""

    def __init__(self, passages: list[Passage]):
        self.passages = passages
        self.postings: dict[str, dict[int, int]] = defaultdict(dict)
        self.lengths: list[int] = []
        for number, passage in enumerate(passages):
            counts = Counter(tokens(passage.text))
            for term in tokens(f"{passage.item_title} {passage.heading}"):
                counts[term] += TITLE_BOOST
            for term, count in counts.items():
                self.postings[term][number] = count
            self.lengths.append(sum(counts.values()))
        self.average = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    @classmethod
    def build(cls, catalog) -> SearchIndex:
        """Index every document and module of a catalog, section by section."""
        passages = []
        for kind, items in (("doc", catalog.documents), ("module", catalog.modules)):
            for item in items.values():
                intro, sections = split_sections(item.body)
                passages.append(Passage(kind, item.id, item.title, "", item.title, intro))
                for section in sections:
                    passages += _subsections(kind, item, section)
        return cls(passages)

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Rank passages for the query; every query word counts, rarer words more."""
        terms = list(dict.fromkeys(tokens(query)))[:12]
        scores: dict[int, float] = defaultdict(float)
        total = len(self.passages)
        for term in terms:
            posting = self.postings.get(term, {})
            if not posting:
                continue
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for number, count in posting.items():
                norm = K1 * (1 - B + B * self.lengths[number] / (self.average or 1))
                scores[number] += idf * count * (K1 + 1) / (count + norm)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        return [
            Hit(self.passages[n], round(s, 3), snippet(self.passages[n], terms)) for n, s in ranked
        ]


def _subsections(kind: str, item, section) -> list[Passage]:
    """Split a `##` section at its `###` headings (outside code) into passages."""
    passages, heading, anchor, lines, fenced = [], section.title, section.slug, [], False
    for line in section.body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and line.startswith("### "):
            passages.append(Passage(kind, item.id, item.title, anchor, heading, "\n".join(lines)))
            heading = line[4:].strip()
            anchor, lines = slugify(heading), []
        else:
            lines.append(line)
    passages.append(Passage(kind, item.id, item.title, anchor, heading, "\n".join(lines)))
    return [p for p in passages if p.text.strip() or p.anchor != section.slug]


def snippet(passage: Passage, terms: list[str], width: int = 220) -> str:
    """About `width` characters around the first match, escaped, with matches marked."""
    text = plain_text(passage.text) or passage.heading
    words = list(_WORD.finditer(text.lower()))
    first = next((w.start() for w in words if _stem(w.group()) in terms), 0)
    start = max(0, first - width // 3)
    piece = text[start : start + width]
    out, last = [], 0
    for word in _WORD.finditer(piece.lower()):
        if _stem(word.group()) in terms:
            out.append(html.escape(piece[last : word.start()]))
            out.append(f"<mark>{html.escape(piece[word.start() : word.end()])}</mark>")
            last = word.end()
    out.append(html.escape(piece[last:]))
    prefix = "\u2026" if start else ""
    suffix = "\u2026" if start + width < len(text) else ""
    return prefix + "".join(out) + suffix


def _benchmark(root: Path) -> None:
    """Print build and query times for the content under root."""
    from lms.content.loader import load_content

    catalog = load_content(root).catalog
    if catalog is None:
        sys.exit("content has problems: run the content check first")
    started = time.perf_counter()
    index = SearchIndex.build(catalog)
    built = time.perf_counter() - started
    queries = ["database connection pool", "rollback error rate", "p95 latency", "etcd", "sev-2"]
    started = time.perf_counter()
    for _ in range(100):
        for query in queries:
            index.search(query)
    each = (time.perf_counter() - started) / (100 * len(queries))
    print(f"{len(index.passages)} passages, {len(index.postings)} terms")
    print(f"in-memory BM25: build {built * 1000:.1f} ms; query {each * 1000:.2f} ms on average")
    _benchmark_fts5(index.passages, queries)


def _benchmark_fts5(passages: list[Passage], queries: list[str]) -> None:
    """The same passages and queries in SQLite FTS5, for comparison."""
    import sqlite3

    started = time.perf_counter()
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE passage USING fts5(title, heading, text)")
    connection.executemany(
        "INSERT INTO passage VALUES (?, ?, ?)",
        [(p.item_title, p.heading, p.text) for p in passages],
    )
    built = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        for query in queries:
            match = " OR ".join(f'"{word}"' for word in tokens(query))
            connection.execute(
                "SELECT rowid, snippet(passage, 2, '<mark>', '</mark>', '…', 20) FROM passage "
                "WHERE passage MATCH ? ORDER BY bm25(passage, 3.0, 3.0, 1.0) LIMIT 20",
                (match,),
            ).fetchall()
    each = (time.perf_counter() - started) / (100 * len(queries))
    print(f"SQLite FTS5:    build {built * 1000:.1f} ms; query {each * 1000:.2f} ms on average")


if __name__ == "__main__":
    _benchmark(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
