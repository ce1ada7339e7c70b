"""Parsing recorded messages, and finding them in files, mboxes and directories."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from panorama.timeline.mail.addresses import (
    domain_of,
    is_at_domain,
    is_role_address,
    normalise_domain,
    split_display_name,
)
from panorama.timeline.mail.message import (
    SYNTHETIC_ID_DOMAIN,
    Attachment,
    Person,
    UnreadableEmail,
    parse_email,
)
from panorama.timeline.mail.sources import (
    LocatedMessage,
    MailReader,
    UnreadableSource,
    find_mail_files,
)

MAIL = Path(__file__).parent / "fixtures" / "mail"


def _parse(name: str):
    return parse_email((MAIL / name).read_bytes())


def test_a_gmail_reply():
    email = _parse("gmail-thread/02-reply.eml")
    assert email.message_id == "CAPq3r7Ydq0Bz9mLw2xVn8tH5kE1oFj6sUa@mail.gmail.com"
    assert not email.is_synthetic_id
    assert email.in_reply_to == "CAJ8mX5pWq1nT7-kQ2vLr9sUe3dF0gHjK4=xY@mail.gmail.com"
    assert email.references == ("CAJ8mX5pWq1nT7-kQ2vLr9sUe3dF0gHjK4=xY@mail.gmail.com",)
    assert email.thread_references == email.references
    assert email.sender == Person("jane@acme.com", "Jane Doe")
    assert email.to == (Person("bob@example.com", "Bob Member"),)
    assert email.cc == (Person("ada@example.com", "Ada Admin"),)
    assert email.subject == "Re: Pricing for 20 more seats"
    assert email.sent_at == dt.datetime(2025, 3, 4, 14, 39, 55, tzinfo=dt.UTC)
    assert email.body.startswith("Thanks Bob, that works for us.")  # text/plain preferred
    assert "> Shall I send the order form?" in email.body
    assert email.new_text == (
        "Thanks Bob, that works for us. Please send the order form, our procurement\n"
        "team needs it by Friday. We also looked at Gainsight but your price is\nbetter."
    )
    assert email.attachments == ()


def test_an_outlook_reply():
    email = _parse("outlook-reply.eml")
    assert email.sender == Person("hans.weber@globex.io", "Weber, Hans")
    assert email.new_text == (
        "Hi Bob,\n\nWe can sign the renewal if the notice period drops to 60 days. Legal will "
        "not accept 90.\n\nKind regards\nHans Weber\nHead of IT | Globex"
    )


def test_an_apple_mail_reply_from_a_phone():
    email = _parse("apple-mail.eml")
    assert email.message_id == "5C9D7E1A-2B3F-4A6C-8D9E-0F1A2B3C4D5E@acme.com"
    assert email.new_text == "Tuesday 10:00 works. I'll bring our two new admins."


def test_a_forward_keeps_only_the_forwarder_s_words():
    email = _parse("forwarded.eml")
    assert email.new_text == (
        "John, forwarding Jane's question: can your team help with the SSO setup on\n"
        "your side as well?"
    )
    assert "Okta groups" in email.body


def test_an_html_only_message_is_read_as_text():
    email = _parse("html-only.eml")
    assert "<p>" not in email.body and "font-family" not in email.body
    assert email.body.startswith("Hi Bob,\n\nYes — we use Okta too. Our setup:")
    assert email.new_text.endswith("Cheers,\nJohn")
    assert "forwarding Jane's question" not in email.new_text


def test_attachments_are_described_never_kept():
    email = _parse("attachments.eml")
    assert email.attachments == (
        Attachment("Order form - Acme (signed).pdf", "application/pdf", 125),
        Attachment("seats_2025_néw.csv", "text/csv", 56),  # RFC 2231 encoded name
    )
    # The logo inside the HTML (multipart/related) is part of the body, not an attachment.
    assert email.body == (
        "Hi Bob,\n\nHere is the signed order form, and the list of the 20 new seats.\n\nJane"
    )


def test_an_attached_message_is_one_attachment():
    raw = (
        b"From: jane@acme.com\r\nTo: bob@example.com\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
        b"Subject: See below\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the attached message.\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: ops@acme.com\r\nSubject: Outage report\r\n\r\nAll good now.\r\n--b--\r\n"
    )
    email = parse_email(raw)
    assert [(a.filename, a.content_type) for a in email.attachments] == [
        ("Outage report.eml", "message/rfc822")
    ]
    assert email.body == "See the attached message."


def test_a_latin1_message_with_encoded_headers():
    email = _parse("latin1.eml")
    assert email.sender == Person("francois.levesque@acme.com", "François Lévesque")
    assert email.subject == "Réunion de lancement à Lyon"
    # Labelled ISO-8859-1, written as Windows-1252 (Outlook's en dash, 0x96).
    assert "Responsable des achats – Acme France" in email.body


def test_an_unknown_charset_does_not_lose_the_text():
    raw = (
        b"From: jane@acme.com\nDate: Mon, 3 Mar 2025 10:00:00 +0000\nSubject: x\n"
        b"Content-Type: text/plain; charset=x-made-up\n\nCaf\xc3\xa9 at ten?\n"
    )
    assert parse_email(raw).body == "Café at ten?"


def test_8bit_headers_and_control_characters_are_cleaned():
    raw = (
        b"From: Ren\xc3\xa9e Dubois <renee@acme.com>\nCc: =?utf-8?q?J=C3=B6rg?= <jorg@acme.com>\n"
        b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
        b"Subject: Caf\xe9 \x00menu\nContent-Type: text/plain; charset=utf-8\n\nOk\x00 then\n"
    )
    email = parse_email(raw)
    assert email.sender.name == "Renée Dubois"
    assert email.cc == (Person("jorg@acme.com", "Jörg"),)
    assert email.subject == "Café menu"
    assert email.body == "Ok then"


def test_without_a_message_id_the_synthetic_id_is_stable():
    first = _parse("no-threading-headers.eml")
    again = _parse("no-threading-headers.eml")
    assert first.is_synthetic_id
    assert first.message_id == again.message_id
    assert first.message_id.endswith("@" + SYNTHETIC_ID_DOMAIN)
    changed = (MAIL / "no-threading-headers.eml").read_bytes().replace(b"April 1st", b"May 1st")
    assert parse_email(changed).message_id != first.message_id


def test_a_missing_date_falls_back_to_the_received_header():
    raw = (
        b"Received: from mx (mx [192.0.2.1]) by mx.example.com; Tue, 4 Mar 2025 10:00:00 +0100\n"
        b"From: jane@acme.com\nSubject: x\n\nHi\n"
    )
    assert parse_email(raw).sent_at == dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\n\n   \n", "empty message"),
        ((MAIL / "malformed.eml").read_bytes(), "no sender address"),
        (b"From: jane@acme.com\nSubject: x\n\nNo date at all\n", "no valid date"),
        (b"From: jane@acme.com\nDate: the day after tomorrow\n\nx\n", "no valid date"),
        (b"From: undisclosed-recipients:;\nDate: Mon, 3 Mar 2025 10:00:00 +0000\n\nx\n", "sender"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary junk", "not an e-mail message"),
    ],
)
def test_unreadable_messages_say_why(raw, reason):
    with pytest.raises(UnreadableEmail, match=reason):
        parse_email(raw)


def test_ids_without_angle_brackets_and_junk_in_references():
    raw = (
        b"From: jane@acme.com\nDate: Mon, 3 Mar 2025 10:00:00 +0000\nMessage-ID: abc@acme.com\n"
        b"In-Reply-To: <p2@x> (Bob's message of Monday)\nReferences: <p1@x>\n <p2@x> <p1@x>\n\nx\n"
    )
    email = parse_email(raw)
    assert email.message_id == "abc@acme.com"
    assert email.in_reply_to == "p2@x"
    assert email.thread_references == ("p1@x", "p2@x")


def test_addresses_and_domains():
    assert domain_of("Jane@Mail.Acme.COM") == "mail.acme.com"
    assert normalise_domain("https://www.Acme.com:443/about") == "acme.com"
    assert is_at_domain("jane@eu.mail.acme.com", ["acme.com"])
    assert is_at_domain("jane@acme.com", ["www.acme.com"])
    assert not is_at_domain("jane@notacme.com", ["acme.com"])
    assert not is_at_domain("jane@acme.com.evil.io", ["acme.com"])
    assert is_role_address("No-Reply@acme.com")
    assert is_role_address("mailer-daemon@acme.com")
    assert not is_role_address("noreen@acme.com")
    assert split_display_name("Weber, Hans") == ("Hans", "Weber")
    assert split_display_name("Jane van der Berg") == ("Jane", "van der Berg")
    assert split_display_name("jane@acme.com") == ("", "")


def test_a_directory_is_searched_recursively_for_mail_files(tmp_path):
    (tmp_path / "2025" / "march").mkdir(parents=True)
    shutil.copy(MAIL / "apple-mail.eml", tmp_path / "2025" / "march" / "a.eml")
    shutil.copy(MAIL / "globex-export.mbox", tmp_path / "2025" / "globex.mbox")
    (tmp_path / "Inbox.mbox").mkdir()  # Apple Mail's export: a folder with an "mbox" file
    shutil.copy(MAIL / "globex-export.mbox", tmp_path / "Inbox.mbox" / "mbox")
    (tmp_path / "notes.txt").write_text("not mail")
    files = find_mail_files([tmp_path, tmp_path / "2025" / "march" / "a.eml"])
    assert [(f.path.relative_to(tmp_path).as_posix(), f.is_mbox) for f in files] == [
        ("2025/globex.mbox", True),
        ("2025/march/a.eml", False),
        ("Inbox.mbox/mbox", True),
    ]


def test_a_named_file_starting_with_from_is_an_mbox(tmp_path):
    shutil.copy(MAIL / "globex-export.mbox", tmp_path / "export")
    shutil.copy(MAIL / "apple-mail.eml", tmp_path / "message")
    kinds = {
        f.path.name: f.is_mbox for f in find_mail_files([tmp_path / "export", tmp_path / "message"])
    }
    assert kinds == {"export": True, "message": False}


def test_a_missing_path_is_named():
    with pytest.raises(FileNotFoundError) as error:
        find_mail_files([MAIL / "apple-mail.eml", MAIL / "missing.eml"])
    assert error.value.filename == str(MAIL / "missing.eml")


def test_messages_are_located_with_labels_and_dates(tmp_path):
    (tmp_path / "bad.mbox").write_text("hello\n")
    files = find_mail_files([MAIL / "globex-export.mbox", MAIL / "apple-mail.eml", tmp_path])
    with MailReader(files) as reader:
        found = list(reader.locate())
        located = [m for m in found if isinstance(m, LocatedMessage)]
        assert [m.label.rsplit("/", 1)[-1] for m in located] == [
            "globex-export.mbox #1",
            "globex-export.mbox #2",
            "globex-export.mbox #3",
            "globex-export.mbox #4",
            "apple-mail.eml",
        ]
        assert located[1].date == dt.datetime(2025, 3, 20, 9, 2, 33, tzinfo=dt.UTC)
        assert parse_email(reader.read(located[1])).subject == (
            "API rate limits for the data warehouse sync"
        )
    [bad] = [m for m in found if isinstance(m, UnreadableSource)]
    assert bad.label.endswith("bad.mbox")
    assert "not an mbox file" in bad.reason
