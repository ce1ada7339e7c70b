"""Which requests may be acknowledged from stored message ids (``declared_message_ids``)."""

from __future__ import annotations

from typing import Any

import pytest

from panorama.usage.validation import MAX_BATCH_EVENTS, declared_message_ids


def test_a_batch_whose_messages_all_name_an_id_declares_them_in_order():
    body = {"batch": [{"messageId": "b"}, {"messageId": "a"}, {"messageId": "b"}]}
    assert declared_message_ids(body, kind="batch") == ["b", "a", "b"]


def test_a_single_message_declares_its_id():
    assert declared_message_ids({"messageId": "m-1", "event": "x"}, kind="track") == ["m-1"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ([{"messageId": "a"}], "batch"),  # not an object
        ({"batch": {"messageId": "a"}}, "batch"),  # batch not a list
        ({"batch": []}, "batch"),  # nothing to acknowledge
        ({"batch": [{"messageId": "a"}, {"event": "no id"}]}, "batch"),  # one without an id
        ({"batch": [{"messageId": "a"}, "not a message"]}, "batch"),
        ({"batch": [{"messageId": 7}]}, "batch"),  # not a string
        ({"batch": [{"messageId": ""}]}, "batch"),
        ({"batch": [{"messageId": "x" * 101}]}, "batch"),  # longer than any stored id
        ({"batch": [{"messageId": "a"}] * (MAX_BATCH_EVENTS + 1)}, "batch"),  # too many
        ({"event": "no id"}, "track"),
    ],
)
def test_anything_unusual_takes_the_full_validation_path(body: Any, kind: str):
    assert declared_message_ids(body, kind=kind) is None
