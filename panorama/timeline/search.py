"""Turning what a person types in the timeline's search box into a safe full-text query.

Pure text functions (no ORM). Whatever the input — quotes, ``AND``/``OR``/``NEAR``, ``*``,
``-``, ``:``, parentheses, an empty string — only its words survive, so the database never sees
full-text syntax from a user and never answers with a syntax error.

The words are what both engines index (SQLite FTS5's ``unicode61`` tokenizer, PostgreSQL's
``simple`` configuration over the text with punctuation turned into spaces): runs of letters
and digits, lower-cased. Every word must appear (AND). The last word may be a prefix
(``prefix``): the query then also tries it as one ("renew" finds "renewal") when no entry
holds it as a whole word — the person is still typing it. It may not when the text ends
with a space or a quote, or the word is shorter than ``PREFIX_MIN_LENGTH``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
MAX_WORD_LENGTH = 64
PREFIX_MIN_LENGTH = 3


@dataclass(frozen=True)
class SearchTerms:
    """The words of a search, all required, the last one maybe as a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)

    def tsquery(self, *, prefix: bool) -> str:
        """PostgreSQL ``to_tsquery('simple', …)`` text: ``word & word & last:*``."""
        parts = list(self.words)
        if prefix and self.prefix:
            parts[-1] += ":*"
        return " & ".join(parts)


def parse_search(text: str | None) -> SearchTerms:
    """The ``SearchTerms`` of ``text`` (empty when it has no words)."""
    text = (text or "")[:1000]
    words = [w.lower()[:MAX_WORD_LENGTH] for w in WORD.findall(text)]
    words = list(dict.fromkeys(words))[:MAX_WORDS]
    if not words:
        return SearchTerms(())
    ends_in_word = bool(WORD.search(text[-1:]))
    prefix = ends_in_word and len(words[-1]) >= PREFIX_MIN_LENGTH
    return SearchTerms(tuple(words), prefix)


def fts5_phrase(word: str) -> str:
    """One word as an FTS5 string (words hold no quotes; doubling them is belt and braces)."""
    return '"' + word.replace('"', '""') + '"'


def fts5_query(words: list[str], alternatives: list[str] | None = None) -> str:
    """An FTS5 MATCH expression: every word, then one of ``alternatives`` if given (the
    indexed words a prefix stands for, looked up in the vocabulary: exact terms keep each
    probe a seek, where an FTS5 prefix query would merge every matching document list)."""
    parts = [fts5_phrase(w) for w in words]
    if alternatives:
        parts.append("(" + " OR ".join(fts5_phrase(w) for w in alternatives) + ")")
    return " AND ".join(parts)
