import re
from pathlib import Path

import pytest

from panorama.timeline.registry import ENTRY_TYPES
from panorama.timeline.search import SearchTerms, fts5_query, parse_search


@pytest.mark.parametrize(
    ("text", "words", "prefix"),
    [
        ("renewal", ("renewal",), True),
        ("renewal ", ("renewal",), False),
        ('"renewal"', ("renewal",), False),
        ("Renewal PRICING", ("renewal", "pricing"), True),
        ("re", ("re",), False),  # too short to be a prefix
        ('NEAR(a b) OR "c" AND -d*', ("near", "a", "b", "or", "c", "and", "d"), False),
        ("jane@acme.com", ("jane", "acme", "com"), True),
        ("snake_case", ("snake", "case"), True),
        ("renewal renewal", ("renewal",), True),
        ("", (), False),
        ("  \" ' * - : ( ) ^ ", (), False),
        ("Café", ("café",), True),
    ],
)
def test_only_words_survive(text, words, prefix):
    terms = parse_search(text)
    assert (terms.words, terms.prefix) == (words, prefix)


def test_at_most_eight_words_of_64_letters():
    terms = parse_search(" ".join(f"w{i}" for i in range(20)) + " " + "x" * 100)
    assert len(terms.words) == 8
    assert all(len(w) <= 64 for w in parse_search("y" * 100).words)


def test_engine_queries_quote_every_word():
    assert fts5_query(["renewal", "or"]) == '"renewal" AND "or"'
    assert fts5_query(["a"], ["renew", "renewal"]) == '"a" AND ("renew" OR "renewal")'
    terms = SearchTerms(("renewal", "pric"), prefix=True)
    assert terms.tsquery(prefix=True) == "renewal & pric:*"
    assert terms.tsquery(prefix=False) == "renewal & pric"


def test_every_registered_icon_is_drawn():
    sprite = Path(__file__).parents[2] / "core" / "static" / "core" / "icons.svg"
    drawn = set(re.findall(r'<symbol id="([^"]+)"', sprite.read_text()))
    assert {t.icon for t in ENTRY_TYPES} <= drawn
