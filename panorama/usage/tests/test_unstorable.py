"""Which JSON bodies hold text no database can store (``decode_json``'s last check)."""

from __future__ import annotations

import pytest

from panorama.usage.validation import InvalidPayload, decode_json


@pytest.mark.parametrize(
    "body",
    [
        rb'{"name": "caf\u00e9"}',  # an escaped accent, as SDKs send with ensure_ascii
        rb'{"name": "\ud83d\ude00 launch"}',  # an emoji: a surrogate pair
        rb'{"name": "\uD83D\uDE00"}',  # the same pair in capitals
        rb'{"path": "C:\\u0000files"}',  # a backslash, then the letters u0000: not a NUL
        '{"name": "café 😀"}'.encode(),  # raw UTF-8
    ],
)
def test_text_every_database_stores_is_accepted(body: bytes):
    decode_json(body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (rb'{"name": "a\u0000b"}', "NUL character"),
        (rb'{"name": "\ud83d"}', "lone UTF-16 surrogate"),  # a high half alone
        (rb'{"name": "\ude00x"}', "lone UTF-16 surrogate"),  # a low half alone
        (rb'{"name": "\ude00\ud83d"}', "lone UTF-16 surrogate"),  # a pair the wrong way round
        (rb'{"\u0000": 1}', "NUL character"),  # in a key
    ],
)
def test_a_nul_or_a_lone_surrogate_is_refused_naming_it(body: bytes, problem: str):
    with pytest.raises(InvalidPayload, match=problem):
        decode_json(body)
