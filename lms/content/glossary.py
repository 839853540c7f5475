"""The glossary lint: find retired names (a glossary entry's `avoid` variants) in content text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from lms.content.schema import GlossaryEntry

# A token is a run of letters, digits, '_' and '-'. A phrase that starts (ends) with a token
# character must not have one just before (after) it, so `checkout` never matches inside
# `checkout-service` and `pg-primary` not inside `pg-primary-0`; `status=~` needs no edge after.
_TOKEN_CHAR = re.compile(r"[\w-]")
_EDGE_BEFORE = r"(?<![\w-])"
_EDGE_AFTER = r"(?![\w-])"
# where str.splitlines() breaks lines
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # those but "\n"


@dataclass(frozen=True)
class AvoidedUse:
    """One use of an avoided variant: 1-based line, the variant and the term to write instead."""

    line: int
    variant: str
    term: str


@lru_cache(maxsize=512)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Compile a phrase to match as whole tokens, any case, any run of spaces between words."""
    words = phrase.split()
    before = _EDGE_BEFORE if _TOKEN_CHAR.match(words[0][0]) else ""
    after = _EDGE_AFTER if _TOKEN_CHAR.match(words[-1][-1]) else ""
    body = r"\s+".join(re.escape(word) for word in words)
    return re.compile(before + body + after, re.IGNORECASE)


def _may_contain(folded_text: str, phrase: str) -> bool:
    """False when `phrase` cannot match in the text (given case-folded): a word is missing."""
    return all(word.casefold() in folded_text for word in phrase.split())


def _mask(line: str, phrase: str) -> str:
    """Blank out the uses of `phrase` in `line`, keeping every other character in place."""
    return phrase_pattern(phrase).sub(lambda match: " " * len(match[0]), line)


def find_avoided(text: str, glossary: Iterable[GlossaryEntry]) -> Iterator[AvoidedUse]:
    """Yield every use of an avoided variant in `text`, line by line, in order.

    A variant that is part of a canonical term (`checkout` in `checkout-service`, were it
    avoided) is never reported inside that term: those terms are blanked out first.
    """
    return GlossaryLint(glossary).find(text)


class GlossaryLint:
    """`find_avoided` for one glossary over many texts: the variants' words are split and
    case-folded once, not once per file."""

    def __init__(self, glossary: Iterable[GlossaryEntry]) -> None:
        entries = list(glossary)
        self.terms = [entry.term for entry in entries]
        # (entry, variant, its case-folded words, the longest of them), in the glossary's order
        self.variants = []
        for entry in entries:
            for variant in entry.avoid:
                words = [word.casefold() for word in variant.split()]
                self.variants.append((entry, variant, frozenset(words), max(words, key=len)))
        self.words = frozenset(word for _, _, words, _ in self.variants for word in words)
        self.needles = {word: word.encode("utf-8", "surrogatepass") for word in self.words}

    def find(self, text: str) -> Iterator[AvoidedUse]:
        """Yield every use of an avoided variant in `text` (see `find_avoided`)."""
        # plain substring tests first: the patterns (any case, edges) are slow to search with
        folded = text.casefold()
        simple = not any(brk in folded for brk in _OTHER_BREAKS)
        if simple:  # lines break at "\n" only: search the UTF-8 bytes (faster), count "\n"s
            haystack: str | bytes = folded.encode("utf-8", "surrogatepass")
            present = {word for word, needle in self.needles.items() if needle in haystack}
        else:
            haystack = folded
            present = {word for word in self.words if word in folded}
        candidates = [(entry, variant, longest) for entry, variant, words, longest
                      in self.variants if words <= present]  # fmt: skip
        if not candidates:
            return
        # the lines holding each candidate's longest word, found with a search of the whole
        # text: only those lines are searched (most of a long file holds none)
        found = []  # (position, candidate)
        for index, (_, _, word) in enumerate(candidates):
            needle = self.needles[word] if simple else word
            position = haystack.find(needle)  # type: ignore[arg-type]
            while position != -1:
                found.append((position, index))
                position = haystack.find(needle, position + 1)  # type: ignore[arg-type]
        wanted: dict[int, set[int]] = {}
        if simple:
            number, previous = 1, 0
            for position, index in sorted(found):
                number += haystack.count(b"\n", previous, position)  # type: ignore[arg-type]
                previous = position
                wanted.setdefault(number, set()).add(index)
        else:
            starts = [0] + [match.end() for match in _LINE_BREAK.finditer(folded)]
            for position, index in found:
                wanted.setdefault(bisect_right(starts, position), set()).add(index)
        if not wanted:
            return
        lines = text.split("\n") if simple else text.splitlines()
        for number in sorted(wanted):
            if number > len(lines):
                continue
            line = lines[number - 1]
            folded = line.casefold()
            for index in sorted(wanted[number]):  # in the glossary's order, as before
                entry, variant, _ = candidates[index]
                if _may_contain(folded, variant) and phrase_pattern(variant).search(line):
                    masked = line
                    for term in self.terms:
                        if variant.lower() in term.lower():
                            masked = _mask(masked, term)
                    for _ in phrase_pattern(variant).finditer(masked):
                        yield AvoidedUse(number, variant, entry.term)
