"""Validation of Segment HTTP Tracking API messages (pure: no ORM, no Django).

``parse_messages`` turns a request body (already decoded JSON) into normalised ``Message``
objects or raises ``InvalidPayload`` whose message names the offending field, with the event's
index inside a batch (``batch[3].event``). The rules follow Segment's spec and what the real
SDKs send: ``"anonymousId": null``, traits under ``context.traits``, numeric ids, ISO-8601
timestamps with milliseconds and offsets.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

MAX_EVENT_BYTES = 32 * 1024
MAX_REQUEST_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 2500
MAX_ID_LENGTH = 255
MAX_MESSAGE_ID_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_FUTURE = dt.timedelta(hours=24)

TYPES = ("track", "identify", "group", "page", "screen", "alias")
ACTIVITY_TYPES = frozenset({"track", "page", "screen"})


class InvalidPayload(ValueError):
    """Bad input: ``code`` is machine-readable, ``message`` names the field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TooLarge(InvalidPayload):
    """An event, a request or a batch over its size limit (HTTP 413)."""


@dataclass(frozen=True)
class Message:
    """One validated message, with its event time already corrected for client clock skew."""

    type: str
    message_id: str
    timestamp: dt.datetime
    user_id: str | None = None
    anonymous_id: str | None = None
    group_id: str | None = None
    name: str = ""  # track: the event; page/screen: the page or screen name
    previous_id: str | None = None  # alias
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    # Its stored forms (``storage.prepare``), computed in the web process that validated it.
    prepared: Any = field(default=None, compare=False, repr=False)

    @property
    def is_activity(self) -> bool:
        """Whether the message is product activity (makes its contact an active user)."""
        return self.type in ACTIVITY_TYPES

    def ready_to_store(self, prepared: Any) -> Message:
        """This message with its stored forms attached and the dicts they encode dropped.

        For a message just parsed and not yet shared (``storage.prepare``): set in place,
        as ``__post_init__`` would, because ``dataclasses.replace`` costs more than the
        encoding it saves the writer.
        """
        object.__setattr__(self, "prepared", prepared)
        object.__setattr__(self, "properties", {})
        object.__setattr__(self, "context", {})
        return self


def _where(index: int | None, name: str) -> str:
    return name if index is None else f"batch[{index}].{name}"


def _id(
    raw: Mapping[str, Any], key: str, index: int | None, *, required: bool = False
) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise InvalidPayload("missing_field", f"{_where(index, key)} is required")
        return None
    # SDKs send numeric ids as numbers; Segment treats them as their decimal text.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidPayload("invalid_field", f"{_where(index, key)} must be a string")
    text = str(value)
    if len(text) > MAX_ID_LENGTH:
        raise InvalidPayload(
            "invalid_field", f"{_where(index, key)} is longer than {MAX_ID_LENGTH} characters"
        )
    return text


def _object(raw: Mapping[str, Any], key: str, index: int | None) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidPayload("invalid_field", f"{_where(index, key)} must be an object")
    return value


def parse_time(value: Any, where: str) -> dt.datetime:
    """An ISO-8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not isinstance(value, str):
        raise InvalidPayload("invalid_timestamp", f"{where} must be an ISO-8601 string")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPayload(
            "invalid_timestamp", f"{where} is not an ISO-8601 timestamp: {value[:40]!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise InvalidPayload(
            "invalid_timestamp", f"{where} is out of range: {value[:40]!r}"
        ) from None


def _event_time(
    raw: Mapping[str, Any], index: int | None, sent_at: Any, received_at: dt.datetime
) -> dt.datetime:
    """Segment's clock-skew correction: receivedAt - (sentAt - timestamp)."""
    value = raw.get("timestamp")
    if value is None:
        value = raw.get("originalTimestamp")
    if value is None:
        return received_at
    timestamp = parse_time(value, _where(index, "timestamp"))
    # A message's own "sentAt": null falls back to the batch's, like a missing one.
    sent = raw.get("sentAt") or sent_at
    if sent is not None:
        sent_time = parse_time(sent, _where(index, "sentAt"))
        try:
            timestamp = received_at - (sent_time - timestamp)
        except OverflowError:
            raise InvalidPayload(
                "invalid_timestamp",
                f"{_where(index, 'timestamp')} and sentAt are too far apart to correct",
            ) from None
    if timestamp - received_at > MAX_FUTURE:
        raise InvalidPayload(
            "invalid_timestamp", f"{_where(index, 'timestamp')} is more than 24 hours in the future"
        )
    return timestamp


def parse_message(
    raw: Any,
    *,
    kind: str | None,
    index: int | None,
    received_at: dt.datetime,
    sent_at: Any = None,
    defaults: Mapping[str, Any] | None = None,
) -> Message:
    """Validate one message. ``kind`` is the endpoint's type (None inside a batch)."""
    if not isinstance(raw, dict):
        raise InvalidPayload(
            "invalid_event",
            f"{_where(index, 'event') if index is not None else 'body'} must be an object",
        )
    if defaults:
        # A batch's own context/integrations apply to each message that has none.
        raw = {**{k: v for k, v in defaults.items() if k not in raw}, **raw}
    message_type = raw.get("type", kind)
    if kind is not None and message_type != kind:
        raise InvalidPayload(
            "invalid_field", f"type must be {kind!r} on /v1/{kind}, got {message_type!r}"
        )
    if message_type not in TYPES:
        shown = "missing" if message_type is None else repr(message_type)[:40]
        raise InvalidPayload(
            "invalid_type",
            f"{_where(index, 'type')} is {shown}; expected one of {', '.join(TYPES)}",
        )

    message_id = raw.get("messageId")
    if message_id is None:
        # Without an id a retry can't be recognised, but the message still counts once.
        message_id = str(uuid.uuid4())
    elif (
        not isinstance(message_id, str) or not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH
    ):
        raise InvalidPayload(
            "invalid_field",
            f"{_where(index, 'messageId')} must be a non-empty string under 100 characters",
        )

    context = _object(raw, "context", index)
    _object(raw, "integrations", index)
    user_id = _id(raw, "userId", index)
    anonymous_id = _id(raw, "anonymousId", index)
    if message_type == "alias":
        user_id = _id(raw, "userId", index, required=True)
        previous_id = _id(raw, "previousId", index, required=True)
    else:
        previous_id = None
        if user_id is None and anonymous_id is None:
            raise InvalidPayload(
                "missing_field", f"{_where(index, 'userId')} or anonymousId is required"
            )

    group_id = _id(raw, "groupId", index, required=message_type == "group")
    if (
        group_id is None
        and isinstance(context.get("groupId"), str | int)
        and context.get("groupId") != ""
    ):
        group_id = _id(context, "groupId", index)

    name = ""
    if message_type == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            raise InvalidPayload(
                "missing_field",
                f"{_where(index, 'event')} is required for track and must be a string",
            )
        name = event.strip()
    elif message_type in ("page", "screen"):
        page_name = raw.get("name")
        if page_name is not None and not isinstance(page_name, str):
            raise InvalidPayload("invalid_field", f"{_where(index, 'name')} must be a string")
        name = (page_name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        where = _where(index, "event" if message_type == "track" else "name")
        raise InvalidPayload(
            "invalid_field", f"{where} is longer than {MAX_NAME_LENGTH} characters"
        )

    traits: dict[str, Any] = {}
    if message_type in ("identify", "group"):
        traits = _object(raw, "traits", index) or _object(context, "traits", index)
    properties = _object(raw, "properties", index) if message_type in ACTIVITY_TYPES else {}

    return Message(
        type=message_type,
        message_id=message_id,
        timestamp=_event_time(raw, index, sent_at, received_at),
        user_id=user_id,
        anonymous_id=anonymous_id,
        group_id=group_id,
        name=name,
        previous_id=previous_id,
        properties=properties,
        traits=traits,
        context=context,
    )


def decode_json(data: bytes, *, what: str = "the body") -> Any:
    """Parse a JSON document as Segment's API does, or raise ``InvalidPayload``.

    Stricter than ``json.loads``: NaN and Infinity are not JSON (nor storable in JSON
    columns), nesting deeper than the parser's recursion limit is refused instead of
    crashing, and so is text no database can store (``reject_unstorable``).
    """
    say = f"{what}: " if what else ""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        # orjson is stricter in places (integers past 64 bits, UTF-16 bodies, lone surrogate
        # escapes): the standard library decides, so what is accepted and every error message
        # stay exactly as they were; only well-formed bodies take the fast path.
        parsed = _decode_slowly(data, say)
    reject_unstorable(data, parsed, what=what)
    return parsed


def _decode_slowly(data: bytes | str, say: str) -> Any:
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise InvalidPayload("invalid_json", f"{say}not valid UTF-8") from None
    except ValueError as exc:
        raise InvalidPayload("invalid_json", f"{say}not valid JSON ({exc})") from None
    except RecursionError:
        raise InvalidPayload("invalid_json", f"{say}nested too deeply") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def reject_unstorable(raw: bytes | str, parsed: Any, *, what: str = "the body") -> None:
    """Refuse text no database can store: NUL characters and lone UTF-16 surrogates.

    Python's JSON parser accepts both (as ``\\u0000`` and ``\\ud800`` escapes), but
    PostgreSQL rejects NUL in text and JSON, and a lone surrogate is not Unicode at all;
    without this check such a message would fail at commit as a server error, which SDKs
    retry forever. Both can only arrive as escapes, so only a body whose text holds a
    ``\\u0000`` or a surrogate escape that is not half of a pair (emoji are sent as pairs)
    pays for the walk over its strings; the walk decides (``\\\\u0000`` is not a NUL).
    """
    if not _suspect(raw):
        return
    say = f"{what}: " if what else ""
    for text in _strings(parsed):
        if "\x00" in text:
            raise InvalidPayload("invalid_json", f"{say}contains a NUL character (\\u0000)")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidPayload(
                "invalid_json", f"{say}contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
            ) from None


# The escapes that may spell a NUL or half of a surrogate pair: a literal prefix, so the scan
# over a large body is quick; pairing is then checked on the few matches.
_ESCAPE = r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})"
_ESCAPE_TEXT = re.compile(_ESCAPE)
_ESCAPE_BYTES = re.compile(_ESCAPE.encode())


def _suspect(raw: bytes | str) -> bool:
    """True when ``raw`` holds a ``\\u0000`` escape or a surrogate escape that is not half of
    a pair (a high one right before a low one), i.e. when the strings must be walked."""
    matches = _ESCAPE_BYTES.finditer(raw) if isinstance(raw, bytes) else _ESCAPE_TEXT.finditer(raw)
    high_ends_at: int | None = None  # where the last unpaired high surrogate escape ends
    for match in matches:
        token = match.group()
        hex_digits = (token.decode("ascii") if isinstance(token, bytes) else token)[2:]
        if hex_digits == "0000":
            return True
        if hex_digits[1] in "89abAB":  # a high surrogate: a low one must follow at once
            if high_ends_at is not None:
                return True
            high_ends_at = match.end()
        elif high_ends_at != match.start():  # a low surrogate without its high one
            return True
        else:
            high_ends_at = None
    return high_ends_at is not None


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_event_sizes(events: list[Any], body_size: int) -> None:
    # Only a body over the per-event limit can hold an event over it; skip the re-encoding
    # cost for the common small batch.
    if body_size <= MAX_EVENT_BYTES:
        return
    for index, event in enumerate(events):
        if len(json.dumps(event, separators=(",", ":")).encode()) > MAX_EVENT_BYTES:
            raise TooLarge("event_too_large", f"batch[{index}] is larger than 32 KB")


def declared_message_ids(body: Any, *, kind: str) -> list[str] | None:
    """The message ids a request names, if every message names one; else ``None``.

    Only a shape check, no validation: it lets a request whose messages are all stored
    already (a retry, a re-sent file) be acknowledged without validating and resolving what
    Panorama has kept once. Anything unusual returns ``None`` and takes the full path.
    """
    if not isinstance(body, dict):
        return None
    if kind != "batch":
        events: Any = [body]
    elif not isinstance(events := body.get("batch"), list) or not (
        0 < len(events) <= MAX_BATCH_EVENTS
    ):
        return None
    ids = []
    for event in events:
        message_id = event.get("messageId") if isinstance(event, dict) else None
        if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
            return None
        ids.append(message_id)
    return ids


def parse_body(body: Any, *, kind: str, received_at: dt.datetime, body_size: int) -> list[Message]:
    """Every message of a request to ``/v1/{kind}``, all valid, or ``InvalidPayload``."""
    if not isinstance(body, dict):
        raise InvalidPayload("invalid_json", "the body must be a JSON object")
    if kind != "batch":
        if body_size > MAX_EVENT_BYTES:
            raise TooLarge("event_too_large", "the event is larger than 32 KB")
        return [parse_message(body, kind=kind, index=None, received_at=received_at)]
    events = body.get("batch")
    if not isinstance(events, list):
        raise InvalidPayload("missing_field", "batch is required and must be an array of messages")
    if len(events) > MAX_BATCH_EVENTS:
        raise TooLarge(
            "batch_too_large",
            f"batch has {len(events)} messages; at most {MAX_BATCH_EVENTS} are accepted",
        )
    _check_event_sizes(events, body_size)
    defaults = {k: body[k] for k in ("context", "integrations") if isinstance(body.get(k), dict)}
    sent_at = body.get("sentAt")
    messages = [
        parse_message(
            event, kind=None, index=i, received_at=received_at, sent_at=sent_at, defaults=defaults
        )
        for i, event in enumerate(events)
    ]
    seen: set[str] = set()
    unique = []
    for message in messages:
        # A batch repeating a messageId holds one message, not two.
        if message.message_id not in seen:
            seen.add(message.message_id)
            unique.append(message)
    return unique
