"""Full-text search over documents and modules: an in-memory BM25 index built at load.

Chosen over SQLite FTS5 and PostgreSQL tsvector because the searchable text is
the content itself, which already lives in memory, changes only with the files,
and is small (tens of thousands of lines): one index gives the same ranking on
both databases, needs no table kept in step with git, and rebuilds in well under
a second (measured by `python -m lms.content.search`).
"""

from __future__ import annotations

import heapq
import html
import math
import os
import re
import sys
import time
import weakref
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from lms.content.markdown import section_spans, slugify, with_newlines
from lms.content.text import StoredText, utf8_positions

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
        # question words: "how do I...", "what should we..." say nothing about the topic
        "can",
        "could",
        "do",
        "does",
        "did",
        "my",
        "me",
        "our",
        "should",
        "we",
        "would",
    ]
)
K1, B = 1.2, 0.75
HEADING_BOOST = 4  # a word of the section's heading counts as four in its text
HEADING_MATCH = 0.5  # a heading naming every word asked scores half as much again
SECTION_BOOST = 2  # a word of the `##` heading above a `###` one, as two
TITLE_BOOST = 1  # a word of the document's title, shared by all its sections, as one
SYNONYM_WEIGHT = 0.7  # a word found through the synonym list, against one typed
TYPO_WEIGHT = 0.8  # a word one typo away from one typed
# Reference documents answer the person in trouble; modules and training material teach.
KIND_WEIGHT = {"doc": 1.0, "module": 0.7}
CLASSIFICATION_WEIGHT = {  # procedures first, then reference, then training material
    "production-critical": 1.15,
    "internal-training": 0.6,
}


def tokens(text: str) -> list[str]:
    """Lowercase words and compound terms (p95, etcd, blue-green), without stop words."""
    return [term for word in _WORD.findall(text.lower()) for term in _word_terms(word)]


@lru_cache(maxsize=1 << 16)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms one word stands for: its stem, and a compound's parts (none for a stop word).
    Cached: the content says the same few thousand words again and again."""
    if word in _STOP:
        return ()
    found = [_stem(word)]
    if "-" in word or "_" in word:
        found += [_stem(part) for part in re.split(r"[-_]", word) if part not in _STOP]
    return tuple(found)


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A light plural/verb-ending strip so 'alerts' finds 'alert' and 'deploying' 'deploy'."""
    for suffix in ("ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def plain_text(markdown: str) -> str:
    """Markdown reduced to readable text for snippets."""
    return re.sub(r"\s+", " ", _MARKUP.sub(lambda m: m.group(1) or " ", markdown)).strip()


@dataclass(frozen=True, slots=True)
class Passage:
    """A searchable unit: one `##` section (or the intro) of a document or module.

    Its text is a slice of the item's body (`source[start:end]`), not a copy of it: of a
    string, or of a kept module's `StoredText` (then the positions are in bytes).
    """

    kind: str  # "doc" or "module"
    item_id: str
    item_title: str
    anchor: str  # the heading's anchor in the page, "" for the intro
    heading: str
    source: str | StoredText = field(repr=False, compare=False)
    start: int
    end: int
    section: str = ""  # the slug of the `##` section the passage belongs to
    weight: float = 1.0
    section_title: str = ""  # that section's title, for a `###` passage

    @property
    def text(self) -> str:
        """The passage's Markdown (below its heading)."""
        return self.source[self.start : self.end]


@dataclass(frozen=True)
class Hit:
    """A ranked search result with an HTML-escaped snippet whose matches are in <mark>."""

    passage: Passage
    score: float
    snippet: str


@dataclass(frozen=True)
class Results:
    """The best hits, how many passages matched, and the typed words read as others."""

    hits: list[Hit]
    total: int
    corrections: dict[str, str]  # a typed word (stemmed) -> the word searched instead

    @property
    def capped(self) -> bool:
        """True when more passages matched than are shown."""
        return self.total > len(self.hits)


def synonym_table(groups: list[list[str]]) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each phrase of a group (as tokens) -> the other phrases of its group."""
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for group in groups:
        phrases = [tuple(tokens(phrase)) for phrase in group]
        for phrase in phrases:
            if phrase:
                table[phrase] += [other for other in phrases if other and other != phrase]
    return dict(table)


def _deletes(word: str) -> set[str]:
    """The word with one letter left out, each way (the key of a one-typo lookup)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SearchIndex:
    """BM25 over passages; headings count extra, reference documents weigh more.

    A query is widened by the synonym list (curriculum.yml `search.synonyms`) and a word
    the content does not contain is read as the content's word one typo away from it.
    """

    _postings: _PostingsFile | None = None  # postings read from a file: `read_postings_from`

    def __init__(self, passages: list[Passage], synonyms: list[list[str]] | None = None):
        self.passages = passages
        self.synonyms = synonym_table(synonyms or [])
        # term -> (numbers of the passages holding it, ascending; how often each holds it)
        counted: dict[str, tuple[array, array]] = {}
        # term -> the passages (below a heading) whose heading or `##` section title says it
        self.headings: dict[str, array] = {}
        lengths = array("i")
        for number, passage in enumerate(passages):
            counts = Counter(tokens(passage.text))
            for term in tokens(passage.heading if passage.anchor else ""):
                counts[term] += HEADING_BOOST
            for term in tokens(passage.section_title):
                counts[term] += SECTION_BOOST
            for term in tokens(passage.item_title):
                counts[term] += TITLE_BOOST
            for term, count in counts.items():
                entry = counted.get(term)
                if entry is None:
                    entry = counted[term] = (array("i"), array("i"))
                entry[0].append(number)
                entry[1].append(count)
            lengths.append(sum(counts.values()))
            if passage.anchor:
                for term in set(tokens(f"{passage.heading} {passage.section_title}")):
                    self.headings.setdefault(term, array("i")).append(number)
        self.average = sum(lengths) / len(lengths) if lengths else 0.0
        # BM25 needs only the term, the passage and the catalogue: each (term, passage) score
        # is computed here once, times the passage's weight, and a search adds them up
        norms = [K1 * (1 - B + B * length / (self.average or 1)) for length in lengths]
        weights = [passage.weight for passage in passages]
        total = len(passages)
        # every term's postings one after the other in two arrays (two blocks of memory, not
        # two small arrays per term): term -> where its run starts and ends
        self.postings: dict[str, tuple[int, int]] = {}
        self.numbers, self.scores = array("i"), array("d")
        for term in list(counted):
            numbers, counts = counted.pop(term)
            idf = math.log(1 + (total - len(numbers) + 0.5) / (len(numbers) + 0.5))
            self.postings[term] = (len(self.numbers), len(self.numbers) + len(numbers))
            self.numbers.extend(numbers)
            self.scores.extend(
                idf * count * (K1 + 1) / (count + norms[n]) * weights[n]
                for n, count in zip(numbers, counts, strict=True)
            )
        near: dict[str, list[str]] = defaultdict(list)
        for term in self.postings:
            if len(term) >= 4 and not term.isdigit():
                for key in _deletes(term) | {term}:
                    near[key].append(term)
        # a key -> its one word (as nearly all are) or its words: a tuple, not a list, a key
        self.near: dict[str, str | tuple[str, ...]] = {
            key: words[0] if len(words) == 1 else tuple(words) for key, words in near.items()
        }

    @classmethod
    def build(cls, catalog) -> SearchIndex:
        """Index every document and module of a catalog, section by section."""
        passages = []
        for kind, items in (("doc", catalog.documents), ("module", catalog.modules)):
            for item in items.values():
                weight = KIND_WEIGHT[kind]
                weight *= CLASSIFICATION_WEIGHT.get(getattr(item, "classification", ""), 1.0)
                body = item.body
                source, (start, end), sections = section_spans(body)
                found = [Passage(kind, item.id, item.title, "", item.title, source, start, end,
                                 "", weight)]  # fmt: skip
                seen: set[str] = set()
                for section in sections:
                    found += _subsections(kind, item, section, weight, seen)
                stored = getattr(item, "stored_body", None)
                if stored is not None and source is body:  # slices of the kept body, in bytes
                    at = utf8_positions(body, [n for p in found for n in (p.start, p.end)])
                    found = [replace(p, source=stored, start=at[p.start], end=at[p.end])
                             for p in found]  # fmt: skip
                passages += found
        search = getattr(catalog.curriculum, "search", None)
        return cls(passages, search.synonyms if search else [])

    def posting(self, term: str) -> tuple[Sequence[int], Sequence[float]] | None:
        """The passages holding `term` (ascending) and its score in each, or None."""
        run = self.postings.get(term)
        if run is None:
            return None
        if self._postings is not None:
            return self._postings.read(*run)
        return self.numbers[run[0] : run[1]], self.scores[run[0] : run[1]]

    def __getstate__(self) -> dict:
        """Pickled without the passages' texts (`attach` points them at a catalog's again)
        and without the postings' two arrays (`arrays`: written beside the pickle)."""
        state = self.__dict__.copy()
        state["passages"] = [
            (p.kind, p.item_id, isinstance(p.source, StoredText), p.item_title, p.anchor,
             p.heading, p.start, p.end, p.section, p.weight, p.section_title)
            for p in self.passages
        ]  # fmt: skip
        del state["numbers"], state["scores"]
        state.pop("_postings", None)
        return state

    def arrays(self) -> tuple[array, array]:
        """The postings' passage numbers ("i") and scores ("d"), for `read_postings_from`."""
        return self.numbers, self.scores

    def read_postings_from(
        self, descriptor: int, numbers: tuple[int, int], scores: tuple[int, int]
    ) -> None:
        """After unpickling: read the postings from a file (an open `descriptor`, which the
        index closes when it goes, once this returned), where `arrays` were written at
        these (offset, size in bytes), a term at a time, instead of keeping them in memory
        (13 MB at 1,000 modules; a search reads the few terms it asks for)."""
        runs = max((end for _, end in self.postings.values()), default=0)
        item = (array("i").itemsize, array("d").itemsize)
        if numbers[1] != runs * item[0] or scores[1] != runs * item[1]:
            raise ValueError("the postings' arrays do not match the index")
        self.numbers = self.scores = None
        self._postings = _PostingsFile(descriptor, numbers[0], scores[0])

    def attach(self, catalog) -> None:
        """After unpickling: the passages slice the bodies of `catalog` (the one indexed):
        a kept body where they were built on one (their positions are in its bytes)."""
        items = {"doc": catalog.documents, "module": catalog.modules}
        sources: dict[tuple[str, str], str | StoredText] = {}
        passages = []
        for kind, item_id, stored, title, anchor, heading, start, end, *rest in self.passages:
            source = sources.get((kind, item_id))
            if source is None:
                item = items[kind][item_id]
                source = getattr(item, "stored_body", None)
                if (source is not None) != stored:
                    raise ValueError("the index was built on bodies kept otherwise")
                source = sources[kind, item_id] = source or with_newlines(item.body)
            passages.append(Passage(kind, item_id, title, anchor, heading, source, start, end,
                                    *rest))  # fmt: skip
        self.passages = passages

    def correction(self, term: str) -> str | None:
        """The indexed word one typo away from a word the index lacks (the most used one)."""
        if term in self.postings or len(term) < 4 or term.isdigit():
            return None
        candidates = {found for key in (term, *_deletes(term)) for found in self._near(key)}
        candidates = {c for c in candidates if abs(len(c) - len(term)) <= 1}
        if not candidates:
            return None
        return max(sorted(candidates), key=lambda c: self.postings[c][1] - self.postings[c][0])

    def _near(self, key: str) -> tuple[str, ...]:
        """The indexed words that are `key` or `key` with one more letter."""
        words = self.near.get(key, ())
        return (words,) if type(words) is str else words

    def concepts(self, query: str) -> list[set[str]]:
        """Each typed word with the words that stand for it (its correction, its synonyms)."""
        found = []
        for term in list(dict.fromkeys(tokens(query)))[:12]:
            words = {term}
            fixed = self.correction(term)
            if fixed:
                words.add(fixed)
            for word in list(words):
                for other in self.synonyms.get((word,), []):
                    words.update(other)
            found.append(words)
        return found

    def expand(self, query: str) -> tuple[dict[str, float], dict[str, str]]:
        """The query's words with their weights: typed, corrected, and their synonyms."""
        typed = list(dict.fromkeys(tokens(query)))[:12]
        weights: dict[str, float] = {}
        corrections: dict[str, str] = {}
        words = []
        for term in typed:
            weights[term] = 1.0
            fixed = self.correction(term)
            if fixed:
                corrections[term] = fixed
                weights.setdefault(fixed, TYPO_WEIGHT)
                words.append(fixed)
            else:
                words.append(term)
        for size, start in [(n, i) for n in (3, 2, 1) for i in range(len(words) - n + 1)]:
            for phrase in {tuple(words[start : start + size]), tuple(typed[start : start + size])}:
                for other in self.synonyms.get(phrase, []):
                    # a phrase written as one word ("roll back", "rollback") is the same word
                    same = "".join(phrase) == "".join(other).replace("-", "")
                    factor = weights.get(phrase[0], 1.0) * (1.0 if same else SYNONYM_WEIGHT)
                    for term in other:
                        weights.setdefault(term, factor)
        return weights, corrections

    def search(self, query: str, limit: int = 20) -> Results:
        """Rank passages for the query; every query word counts, rarer words more."""
        weights, corrections = self.expand(query)
        scores: dict[int, float] = {}
        for term, weight in weights.items():
            posting = self.posting(term)
            if posting is None:
                continue
            if not scores:
                scores = dict(zip(posting[0], map(weight.__mul__, posting[1]), strict=True))
                continue
            get = scores.get
            for number, score in zip(*posting, strict=True):
                scores[number] = get(number, 0.0) + weight * score
        concepts = self.concepts(query)
        if concepts and scores:
            # a heading that says what was asked is the answer: weigh it by how much it says
            said: dict[int, int] = {}
            for words in concepts:
                for number in set().union(*(self.headings.get(word, ()) for word in words)):
                    said[number] = said.get(number, 0) + 1
            for number, count in said.items():
                if number in scores:
                    scores[number] *= 1 + HEADING_MATCH * (count / len(concepts))
        ranked = _best(scores, limit)
        terms = frozenset(weights)
        hits = [
            Hit(self.passages[n], round(s, 3), snippet(self.passages[n], terms)) for n, s in ranked
        ]
        return Results(hits, len(scores), corrections)


class _PostingsFile:
    """A kept index's postings, read from its file a term's run at a time."""

    def __init__(self, descriptor: int, numbers_at: int, scores_at: int) -> None:
        self.descriptor = descriptor
        weakref.finalize(self, os.close, descriptor)
        self.at = ((numbers_at, array("i")), (scores_at, array("d")))

    def read(self, start: int, end: int) -> tuple[array, array]:
        """The passage numbers and scores of postings start to end (a term's run)."""
        found = []
        for offset, empty in self.at:
            size = empty.itemsize
            data = os.pread(self.descriptor, (end - start) * size, offset + start * size)
            run = array(empty.typecode, data)
            if len(run) != end - start:
                raise OSError("the kept search index was cut short")
            found.append(run)
        return found[0], found[1]


def _best(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The `limit` best (passage, score) pairs, best first, ties in passage order: the
    highest scores picked without sorting them all, then sorted with the ties at the edge."""
    if len(scores) > limit:
        edge = heapq.nlargest(limit, scores.values())[-1] if limit > 0 else math.inf
        pairs = [pair for pair in scores.items() if pair[1] >= edge]
    else:
        pairs = list(scores.items())
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:limit]


def _unique(anchor: str, seen: set[str]) -> str:
    """The anchor the page gives a repeated heading: slug, slug_1, slug_2 (Markdown's toc)."""
    candidate, n = anchor, 0
    while candidate in seen or not candidate:
        n += 1
        candidate = f"{anchor}_{n}"
    seen.add(candidate)
    return candidate


def _subsections(kind: str, item, section, weight: float, seen: set[str]) -> list[Passage]:
    """Split a `##` section at its `###` headings (outside code) into passages.

    Documents render as one page, so a repeated heading gets the page's `_1` anchor;
    modules render section by section, so theirs repeat only within a section.
    """
    if kind == "module":
        seen = set()
    top = _unique(section.slug, seen)
    source = section.source
    passages, heading, anchor, fenced = [], section.title, top, False
    first = last = -1  # where the lines below the current heading start and end in `source`
    position = section.start

    def passage() -> Passage:
        start, end = (first, last) if first >= 0 else (section.start, section.start)
        return Passage(kind, item.id, item.title, anchor, heading, source, start, end, top,
                       weight, "" if anchor == top else section.title)  # fmt: skip

    for line in source[section.start : section.end].split("\n"):
        start, position = position, position + len(line) + 1
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and line.startswith("### "):
            passages.append(passage())
            heading = line[4:].strip()
            anchor, first, last = _unique(slugify(heading), seen), -1, -1
        else:
            if not fenced and re.match(r"#{4,6} ", line):
                _unique(slugify(line.lstrip("#").strip()), seen)
            first = start if first < 0 else first
            last = start + len(line)
    passages.append(passage())
    return [p for p in passages if p.text.strip() or p.anchor != top]


def snippet(passage: Passage, terms: Iterable[str], width: int = 220) -> str:
    """About `width` characters around the first match, escaped, with matches marked."""
    return _snippet(passage.text, passage.heading, frozenset(terms), width)


@lru_cache(maxsize=1024)
def _snippet(markdown: str, heading: str, terms: frozenset[str], width: int) -> str:
    """`snippet`, cached by text and terms (bounded): a page of results shows passages that
    the same words found before."""
    text = plain_text(markdown) or heading
    first = next((w.start() for w in _WORD.finditer(text.lower()) if _stem(w.group()) in terms), 0)
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
            index.search(query)  # noqa: B018
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
