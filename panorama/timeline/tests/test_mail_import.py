"""``panorama import-emails``: recorded mail files filed under the right customers, once."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from panorama.customers.models import Account, Contact, Membership
from panorama.timeline import services
from panorama.timeline.mail.importer import SKIP_INTERNAL, SKIP_NO_ACCOUNT, EmailImport
from panorama.timeline.models import Email, EmailThread, Entry

pytestmark = pytest.mark.django_db

MAIL = Path(__file__).parent / "fixtures" / "mail"
GMAIL_FIRST = "CAJ8mX5pWq1nT7-kQ2vLr9sUe3dF0gHjK4=xY@mail.gmail.com"
GMAIL_REPLY = "CAPq3r7Ydq0Bz9mLw2xVn8tH5kE1oFj6sUa@mail.gmail.com"


@pytest.fixture(autouse=True)
def _own_domain(settings) -> None:
    settings.OWN_EMAIL_DOMAINS = ["example.com"]


def _run(*paths: Path | str, allow_rejects: bool = True) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths] + (["--allow-rejects"] if allow_rejects else [])
    call_command("import-emails", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _count(output: str, label: str) -> int:
    line = next(x for x in output.splitlines() if x.startswith(label + ":"))
    return int(line.split(":", 1)[1].replace(",", ""))


def test_a_mail_directory_is_filed_under_its_customers(book):
    out, err = _run(MAIL)

    assert _count(out, "Messages found") == 14
    assert _count(out, "Imported (new)") == 11
    assert _count(out, "Already imported") == 0
    assert _count(out, "Skipped") == 2
    assert _count(out, "Rejected") == 1
    assert _count(out, "Threads created") == 7
    assert _count(out, "Contacts created") == 3
    assert f"1  {SKIP_NO_ACCOUNT}" in out
    assert f"1  {SKIP_INTERNAL}" in out
    assert "Domains without an account (most frequent first): gmail.com (1)" in out
    assert "malformed.eml: no sender address" in err
    by_account = {
        name: sorted(Email.objects.filter(account__name=name).values_list("subject", flat=True))
        for name in ("Acme", "Globex", "Initech")
    }
    assert by_account == {
        "Acme": [
            "Pricing for 20 more seats",
            "RE: [EXTERNAL] Re: Pricing for 20 more seats",
            "Re: Onboarding call next week",
            "Re: Pricing for 20 more seats",
            "Réunion de lancement à Lyon",
            "Signed order form and seat list",
        ],
        "Globex": [
            "API rate limits for the data warehouse sync",
            "RE: Renewal terms for 2025",
            "Re: API rate limits for the data warehouse sync",
        ],
        "Initech": ["Fwd: SSO setup question", "Re: Fwd: SSO setup question"],
    }


def test_direction_comes_from_the_own_domains(book):
    _run(MAIL / "gmail-thread")
    first = Email.objects.get(message_id=GMAIL_FIRST)
    reply = Email.objects.get(message_id=GMAIL_REPLY)
    assert (first.direction, reply.direction) == ("outbound", "inbound")
    assert first.from_address == "bob@example.com"
    assert first.to == ["jane@acme.com"]
    assert first.cc == ["ada@example.com"]
    assert reply.from_address == "jane@acme.com"  # "Jane@Acme.com" normalised
    kinds = dict(Entry.objects.values_list("subject_id", "kind"))
    assert kinds[first.pk] == "email_sent"
    assert kinds[reply.pk] == "email_received"
    emails = Entry.objects.filter(kind__in=["email_sent", "email_received"])
    assert set(emails.values_list("source", flat=True)) == {"import"}


def test_participants_map_to_contacts_and_the_primary_account(book):
    _run(MAIL / "gmail-thread")
    reply = Email.objects.get(message_id=GMAIL_REPLY)
    # Jane is at Acme (primary) and Initech: her mail goes to Acme, with her as a contact.
    assert reply.account == book.acme
    assert list(reply.contacts.all()) == [book.jane]
    assert reply.new_text.startswith("Thanks Bob, that works for us.")
    assert "Jane Doe\nVP Operations" not in reply.new_text  # signature
    assert "Growth plan" not in reply.new_text  # the quoted original
    assert "> Following our call" in reply.body


def test_a_reply_joins_its_original_thread_by_headers(book):
    _run(MAIL / "gmail-thread")
    thread = EmailThread.objects.get()
    assert thread.account == book.acme
    assert thread.subject == "Pricing for 20 more seats"
    assert thread.normalized_subject == "pricing for 20 more seats"
    assert thread.message_count == 2
    reply = Email.objects.get(message_id=GMAIL_REPLY)
    assert reply.in_reply_to == GMAIL_FIRST
    assert reply.references == GMAIL_FIRST


def test_without_threading_headers_a_message_joins_by_subject_and_people(book):
    _run(MAIL / "gmail-thread", MAIL / "no-threading-headers.eml")
    assert EmailThread.objects.count() == 1
    late = Email.objects.exclude(message_id__in=[GMAIL_FIRST, GMAIL_REPLY]).get()
    assert late.message_id.endswith("@synthetic.panorama.invalid")
    assert late.thread.message_count == 3
    assert (
        late.new_text == "Bob, one more thing: can the 20 seats start on April 1st instead?\n\nJane"
    )


def test_a_reply_imported_before_its_original_is_threaded_with_it(book):
    _run(MAIL / "gmail-thread" / "02-reply.eml")
    _run(MAIL / "gmail-thread" / "01-pricing.eml")
    assert EmailThread.objects.count() == 1
    assert EmailThread.objects.get().message_count == 2


def test_same_subject_with_other_people_is_another_thread(book, tmp_path):
    other = (MAIL / "no-threading-headers.eml").read_text().replace("jane@acme.com", "ops@acme.com")
    (tmp_path / "other.eml").write_text(other)
    _run(MAIL / "gmail-thread", tmp_path / "other.eml")
    assert EmailThread.objects.count() == 2


def test_same_subject_after_the_window_is_another_thread(book, tmp_path):
    late = (MAIL / "no-threading-headers.eml").read_text().replace("13 Mar 2025", "13 May 2025")
    (tmp_path / "late.eml").write_text(late)
    _run(MAIL / "gmail-thread", tmp_path / "late.eml")
    assert EmailThread.objects.count() == 2


def test_importing_twice_stores_each_message_once(book):
    _run(MAIL)
    emails, entries, contacts = (
        Email.objects.count(),
        Entry.objects.count(),
        Contact.objects.count(),
    )

    out, _ = _run(MAIL)

    assert _count(out, "Imported (new)") == 0
    assert _count(out, "Already imported") == 11
    assert _count(out, "Threads created") == 0
    assert _count(out, "Contacts created") == 0
    assert (Email.objects.count(), Entry.objects.count(), Contact.objects.count()) == (
        emails,
        entries,
        contacts,
    )


def test_the_same_message_in_two_files_is_stored_once(book, tmp_path):
    shutil.copy(MAIL / "apple-mail.eml", tmp_path / "copy.eml")
    out, _ = _run(MAIL / "apple-mail.eml", tmp_path)
    assert _count(out, "Imported (new)") == 1
    assert _count(out, "Already imported") == 1


def test_unknown_people_at_an_account_domain_become_its_contacts(book):
    _run(MAIL / "outlook-reply.eml", MAIL / "latin1.eml")
    hans = Contact.objects.get(email="hans.weber@globex.io")
    assert (hans.first_name, hans.last_name) == ("Hans", "Weber")
    assert list(hans.accounts.all()) == [book.globex]
    francois = Contact.objects.get(email="francois.levesque@acme.com")
    assert (francois.first_name, francois.last_name) == ("François", "Lévesque")
    assert Membership.objects.get(contact=francois).account == book.acme
    email = Email.objects.get(from_address="francois.levesque@acme.com")
    assert set(email.contacts.all()) == {francois, book.jane}
    assert email.subject == "Réunion de lancement à Lyon"
    assert "Responsable des achats – Acme France" in email.body


def test_a_domain_matches_its_subdomains_and_www(book, tmp_path):
    Account.objects.filter(pk=book.globex.pk).update(domain="https://www.Globex.io/")
    raw = (
        (MAIL / "outlook-reply.eml").read_text().replace("Hans.Weber@globex.io", "hw@eu.globex.io")
    )
    (tmp_path / "sub.eml").write_text(raw)
    _run(tmp_path / "sub.eml")
    assert Email.objects.get().account == book.globex


def test_messages_nobody_can_be_filed_under_are_skipped_with_a_reason(book):
    out, _ = _run(MAIL / "globex-export.mbox")
    assert _count(out, "Imported (new)") == 2
    assert _count(out, "Skipped") == 2
    assert "Skipped, by reason:" in out
    assert not Email.objects.filter(from_address="kim.nguyen@gmail.com").exists()
    assert not Contact.objects.filter(email="kim.nguyen@gmail.com").exists()


def test_an_mbox_thread_is_imported_oldest_first(book):
    _run(MAIL / "globex-export.mbox")
    thread = EmailThread.objects.get()
    assert thread.account == book.globex
    assert thread.subject == "API rate limits for the data warehouse sync"
    reply = Email.objects.get(message_id="CAJ8mX5tYh3Pq@mail.gmail.com")
    assert reply.direction == "outbound"
    # mbox's ">From " escaping is undone: the line is the author's, not a quote.
    assert "From next month the bulk export endpoint" in reply.new_text
    assert "Our nightly sync" not in reply.new_text
    assert Contact.objects.filter(email="priya.raman@globex.io").exists()


def test_html_only_and_attachments(book):
    _run(MAIL / "html-only.eml", MAIL / "attachments.eml")
    html = Email.objects.get(from_address="john@initech.com")
    assert html.account == book.initech
    assert "SAML 2.0 with group attributes" in html.new_text
    assert "<p>" not in html.body
    assert "forwarding Jane's question" not in html.new_text
    attached = Email.objects.get(subject="Signed order form and seat list")
    assert attached.attachments == [
        {
            "filename": "Order form - Acme (signed).pdf",
            "content_type": "application/pdf",
            "size": 125,
        },
        {"filename": "seats_2025_néw.csv", "content_type": "text/csv", "size": 56},
    ]


def test_a_bad_message_is_rejected_without_stopping_the_import(book):
    with pytest.raises(CommandError, match=r"1 message\(s\) rejected; use --allow-rejects"):
        _run(MAIL / "malformed.eml", MAIL / "apple-mail.eml", allow_rejects=False)
    assert Email.objects.count() == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ValidationError({"body": "Too long."}), "not stored: body: Too long."),
        (RuntimeError("disk full"), "not stored: RuntimeError: disk full"),
    ],
)
def test_a_message_that_fails_to_store_leaves_nothing_behind(book, monkeypatch, error, reason):
    def refuse(**kwargs):
        raise error

    monkeypatch.setattr(services, "record_email", refuse)
    out, err = _run(MAIL / "outlook-reply.eml", MAIL / "apple-mail.eml")
    assert _count(out, "Rejected") == 2
    assert f"outlook-reply.eml: {reason}" in err
    # The new thread and the new contact were in the message's transaction.
    assert not EmailThread.objects.exists()
    assert not Contact.objects.filter(email="hans.weber@globex.io").exists()


def test_a_missing_path_is_a_clear_error(book, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*nowhere\.eml: no such file"):
        _run(tmp_path / "nowhere.eml")


def test_a_file_that_is_not_an_mbox_is_rejected(book, tmp_path):
    (tmp_path / "notes.mbox").write_text("just some notes\n")
    out, err = _run(tmp_path / "notes.mbox")
    assert _count(out, "Rejected") == 1
    assert "not an mbox file" in err


def test_without_own_domains_the_command_warns(book, settings):
    settings.OWN_EMAIL_DOMAINS = []
    _, err = _run(MAIL / "apple-mail.eml")
    assert "PANORAMA_OWN_EMAIL_DOMAINS is not set" in err


def test_the_own_domains_option_wins_over_the_setting(book, settings):
    settings.OWN_EMAIL_DOMAINS = []
    _run(MAIL / "gmail-thread", "--own-domains", "example.com")
    assert Email.objects.get(message_id=GMAIL_FIRST).direction == "outbound"


def test_progress_is_reported_once_per_message(book):
    run = EmailImport([MAIL / "gmail-thread"], own_domains=["example.com"])
    assert run.locate() == 2
    ticks: list[int] = []
    summary = run.run(progress=ticks.append)
    assert ticks == [1, 1]
    assert summary.imported == 2
