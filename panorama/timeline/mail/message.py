"""One e-mail message, parsed from its bytes (RFC 5322 / MIME) into what Panorama keeps.

``parse_email`` reads with the standard library (``email.policy.default``) and is forgiving the
way mail clients are: unknown charsets, 8-bit headers and broken address lists are read as well
as they can be. What it can't do without is a sender address and a date; without them the
message is ``UnreadableEmail`` with the reason. Attachments are described (name, type, size);
their content is never kept. Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from typing import Any

from panorama.timeline.mail import quotes
from panorama.timeline.mail.addresses import normalise_address

MAX_ID_LENGTH = 500  # Email.message_id
MAX_SUBJECT_LENGTH = 500
SYNTHETIC_ID_DOMAIN = "synthetic.panorama.invalid"

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_LOOKS_LIKE_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Mail labelled Latin-1 or ASCII is in practice Windows-1252 (Outlook's curly quotes and
# dashes), as browsers have long assumed (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}
_SPACES = re.compile(r"\s+")


class UnreadableEmail(ValueError):
    """The bytes are not a message Panorama can file; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Person:
    """A participant: a normalised address and the display name given with it."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    """An attachment's metadata; its content is never kept."""

    filename: str
    content_type: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


@dataclass(frozen=True)
class ParsedEmail:
    """What Panorama keeps of a message."""

    message_id: str  # without angle brackets; synthetic when the message had none
    is_synthetic_id: bool
    in_reply_to: str
    references: tuple[str, ...]  # the References header, oldest first
    sender: Person
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    subject: str
    sent_at: dt.datetime  # aware
    body: str  # the whole text body (HTML-only messages as text)
    new_text: str  # the body without quoted replies, forwards and signature
    attachments: tuple[Attachment, ...]

    @property
    def thread_references(self) -> tuple[str, ...]:
        """Every id this message names, oldest first: References, then In-Reply-To."""
        ids = [*self.references, self.in_reply_to]
        return tuple(i for i in dict.fromkeys(ids) if i and i != self.message_id)

    @property
    def people(self) -> tuple[Person, ...]:
        """Sender, then To, then Cc; each address once (the first name given wins)."""
        seen: dict[str, Person] = {}
        for person in (self.sender, *self.to, *self.cc):
            seen.setdefault(person.address, person)
        return tuple(seen.values())


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message; raise ``UnreadableEmail`` when it can't be filed."""
    if not raw.strip():
        raise UnreadableEmail("empty message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser's bugs on hostile input
        raise UnreadableEmail(f"cannot parse the message: {exc}") from exc
    assert isinstance(message, EmailMessage)
    if not list(message.keys()):
        raise UnreadableEmail("not an e-mail message: no headers")
    senders = _people(message, "From") or _people(message, "Sender")
    if not senders:
        raise UnreadableEmail("no sender address (From header missing or unreadable)")
    sent_at = _sent_at(message)
    if sent_at is None:
        raise UnreadableEmail("no valid date (Date header missing or unreadable)")
    subject = _SPACES.sub(" ", _header(message, "Subject")).strip()[:MAX_SUBJECT_LENGTH]
    body_part = _body_part(message)
    body, new_text = _texts(body_part)
    own_ids = _ids(_header(message, "Message-ID"))
    message_id = own_ids[0] if own_ids else ""
    if len(message_id) > MAX_ID_LENGTH:
        message_id = _synthetic_id("long-id", message_id)
    in_reply_to = next(iter(_ids(_header(message, "In-Reply-To"))), "")
    references = tuple(i for i in _ids(_header(message, "References")) if len(i) <= MAX_ID_LENGTH)
    sender = senders[0]
    return ParsedEmail(
        message_id=message_id or _synthetic_id(sender.address, sent_at.isoformat(), subject, body),
        is_synthetic_id=not message_id,
        in_reply_to=in_reply_to if len(in_reply_to) <= MAX_ID_LENGTH else "",
        references=references,
        sender=sender,
        to=tuple(_people(message, "To")),
        cc=tuple(_people(message, "Cc")),
        subject=subject,
        sent_at=sent_at,
        body=body,
        new_text=new_text,
        attachments=tuple(_attachments(message, body_part)),
    )


def header_date(raw: bytes) -> dt.datetime | None:
    """The message's date from its headers alone (cheap: the body isn't parsed), or None."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        return _sent_at(headers)
    except Exception:  # the full parse reports the problem
        return None


def _synthetic_id(*parts: str) -> str:
    """A stable id from the message's content, so a re-import finds the same message."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()
    return f"{digest[:40]}@{SYNTHETIC_ID_DOMAIN}"


def clean_text(value: str) -> str:
    """Text safe to store: 8-bit bytes smuggled in as surrogates decoded (UTF-8, else
    Windows-1252), control characters other than tab and newline removed."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1252", "replace")
        value = value.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", value)


def _raw_headers(message: Message, name: str) -> list[str]:
    """The header's values as text, with encoded words decoded, whatever their syntax."""
    values = []
    for key, value in message.raw_items():
        if key.lower() != name.lower():
            continue
        try:
            values.append(str(make_header(decode_header(value))))
        except Exception:  # undecodable encoded words: keep them as they are
            values.append(str(value))
    return values


def _header(message: Message, name: str) -> str:
    """One header as text ("" when absent); a header the parser chokes on is read raw."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:
        text = "\ufffd"
    if "\ufffd" in text:
        # Raw 8-bit bytes (not MIME-encoded): the parser gave up on them, clean_text won't.
        text = next(iter(_raw_headers(message, name)), text)
    return clean_text(text)


def _people(message: Message, name: str) -> list[Person]:
    """The addresses of an address header (all its occurrences), normalised, each once."""
    pairs: list[tuple[str, str]] = []
    try:
        values = message.get_all(name) or []
        if any("\ufffd" in str(v) for v in values):
            raise ValueError("raw 8-bit bytes in the header")
        for value in values:
            addresses = getattr(value, "addresses", None)
            if addresses:
                pairs += [(a.display_name, a.addr_spec) for a in addresses]
            else:
                pairs += email.utils.getaddresses([str(value)])
    except Exception:  # the strict parser can't take it: read it leniently
        pairs = email.utils.getaddresses([clean_text(v) for v in _raw_headers(message, name)])
    people: dict[str, Person] = {}
    for display_name, address in pairs:
        address = normalise_address(clean_text(address))
        if _LOOKS_LIKE_ADDRESS.match(address) and address not in people:
            name_text = _SPACES.sub(" ", clean_text(display_name)).strip().strip("'\"")
            people[address] = Person(address, "" if name_text == address else name_text[:200])
    return list(people.values())


def _ids(value: str) -> list[str]:
    """Message ids from a Message-ID, In-Reply-To or References value, without brackets."""
    found = _MESSAGE_ID.findall(value)
    if not found:
        # Some clients leave the brackets out: take bare tokens that look like ids.
        found = [token for token in value.split() if "@" in token]
    return list(dict.fromkeys(i.strip() for i in found if i.strip()))


def _sent_at(message: Message) -> dt.datetime | None:
    """The Date header, else the newest Received header's date; naive times taken as UTC."""
    candidates: list[str] = []
    try:
        value = message.get("Date")
        moment = getattr(value, "datetime", None)
        if isinstance(moment, dt.datetime):
            return _aware(moment)
    except Exception:  # fall through to the raw values
        pass
    candidates += _raw_headers(message, "Date")
    candidates += [r.rpartition(";")[2] for r in _raw_headers(message, "Received")]
    for text in candidates:
        try:
            return _aware(email.utils.parsedate_to_datetime(text.strip()))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _body_part(message: EmailMessage) -> EmailMessage | None:
    """The text/plain body, else the text/html one (an empty plain part doesn't count)."""
    try:
        plain = message.get_body(preferencelist=("plain",))
        if plain is not None and _part_text(plain).strip():
            return plain  # type: ignore[return-value]
        html = message.get_body(preferencelist=("html",))
        return html or plain  # type: ignore[return-value]
    except Exception:  # a broken MIME tree: no body rather than no message
        return None


def _texts(part: EmailMessage | None) -> tuple[str, str]:
    """(body, new text) of the body part; HTML is turned into text."""
    if part is None:
        return "", ""
    content = _part_text(part)
    if part.get_content_subtype() == "html":
        return quotes.html_to_text(content), quotes.new_text_from_html(content)
    body = content.replace("\r\n", "\n").strip()
    return body, quotes.new_text(body)


def _part_text(part: Message) -> str:
    """A text part decoded by its charset; an unknown or wrong charset doesn't lose it."""
    charset = (part.get_content_charset() or "").lower()
    if charset and charset not in _WINDOWS_1252_LABELS:
        try:
            content = part.get_content()  # type: ignore[attr-defined]
            if isinstance(content, str):
                return clean_text(content)
        except Exception:  # LookupError (unknown charset) and friends
            pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate or candidate in _WINDOWS_1252_LABELS:
            continue
        try:
            return clean_text(payload.decode(candidate))
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return clean_text(payload.decode("cp1252"))
    except UnicodeDecodeError:
        return clean_text(payload.decode("latin-1"))


def _attachments(message: Message, body_part: Message | None) -> Iterator[Attachment]:
    """Files attached to the message: parts marked as attachments, named parts outside the
    HTML's inline images (multipart/related), and attached messages (as one file each)."""

    def visit(part: Message, parent_type: str) -> Iterator[Attachment]:
        if part is body_part:
            return
        content_type = part.get_content_type()
        if part is not message and part.get_content_maintype() == "message":
            yield _attached_message(part)
            return
        if part.is_multipart():
            for child in part.get_payload():
                if isinstance(child, Message):
                    yield from visit(child, content_type)
            return
        if part is message:
            return
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            disposition, filename = None, None
        inline_resource = parent_type == "multipart/related" and disposition != "attachment"
        body_like = part.get_content_maintype() == "text" and not filename
        if disposition == "attachment" or (filename and not inline_resource):
            yield _attachment(part, filename)
        elif not inline_resource and not body_like:
            yield _attachment(part, None)

    yield from visit(message, "")


def _attachment(part: Message, filename: str | None) -> Attachment:
    try:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
    except Exception:
        size = 0
    content_type = part.get_content_type()
    return Attachment(_clean_filename(filename) or f"(unnamed {content_type})", content_type, size)


def _attached_message(part: Message) -> Attachment:
    """A forwarded message attached as message/rfc822: one file, named after its subject."""
    inner = part.get_payload(0) if part.is_multipart() else None
    size = 0
    subject = ""
    if isinstance(inner, Message):
        try:
            size = len(inner.as_bytes())
            subject = _header(inner, "Subject")
        except Exception:
            pass
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    name = _clean_filename(filename) or f"{_clean_filename(subject) or 'message'}.eml"
    return Attachment(name, part.get_content_type(), size)


def _clean_filename(value: str | None) -> str:
    """A file name without directories or control characters, at most 255 characters."""
    if not value:
        return ""
    name = clean_text(str(value)).replace("\\", "/").rsplit("/", 1)[-1]
    return _SPACES.sub(" ", name).strip()[:255]
