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
    entries = list(glossary)
    terms = [entry.term for entry in entries]
    # plain substring tests first: the patterns (any case, edges) are slow to search with
    folded = text.casefold()
    candidates = [(entry, variant) for entry in entries for variant in entry.avoid
                  if _may_contain(folded, variant)]  # fmt: skip
    if not candidates:
        return
    # the lines holding each candidate's longest word, found with str.find over the whole
    # text: only those lines are searched (most of a long file holds none)
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(folded)]
    wanted: dict[int, set[int]] = {}
    for index, (_, variant) in enumerate(candidates):
        word = max(variant.casefold().split(), key=len)
        lines = set()
        position = folded.find(word)
        while position != -1:
            lines.add(bisect_right(starts, position))
            position = folded.find(word, position + 1)
        for number in lines:
            wanted.setdefault(number, set()).add(index)
    if not wanted:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if number not in wanted:
            continue
        folded = line.casefold()
        for index in sorted(wanted[number]):  # in the glossary's order, as before
            entry, variant = candidates[index]
            if _may_contain(folded, variant) and phrase_pattern(variant).search(line):
                masked = line
                for term in terms:
                    if variant.lower() in term.lower():
                        masked = _mask(masked, term)
                for _ in phrase_pattern(variant).finditer(masked):
                    yield AvoidedUse(number, variant, entry.term)
