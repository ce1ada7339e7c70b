"""New text: what the author wrote, without quoted replies, forwards and signature."""

from __future__ import annotations

import pytest

from panorama.timeline.mail.quotes import html_to_text, new_text, new_text_from_html

QUOTED = "> Hi Jane,\n> can we meet on Thursday?\n> Bob\n"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("On Tue, Mar 4, 2025 at 10:12 AM Bob Member <bob@example.com> wrote:", "Gmail en"),
        ("On 4 Mar 2025, at 10:12, Bob Member <bob@example.com> wrote:", "Apple Mail en"),
        ("Am Di., 4. März 2025 um 10:12 Uhr schrieb Bob Member <bob@example.com>:", "de"),
        ("Le mar. 4 mars 2025 à 10:12, Bob Member <bob@example.com> a écrit :", "fr"),
        ("El mar, 4 mar 2025 a las 10:12, Bob Member (<bob@example.com>) escribió:", "es"),
        ("Op di 4 mrt 2025 om 10:12 schreef Bob Member <bob@example.com>:", "nl"),
        ("Den tis 4 mars 2025 kl 10:12 skrev Bob Member <bob@example.com>:", "sv"),
        ("Em ter., 4 de mar. de 2025 às 10:12, Bob Member <bob@example.com> escreveu:", "pt"),
        ("Il giorno mar 4 mar 2025 alle ore 10:12 Bob Member <bob@example.com> ha scritto:", "it"),
        ("W dniu wt., 4 mar 2025 o 10:12 Bob Member <bob@example.com> napisał(a):", "pl"),
        ("2025年3月4日(火) 10:12 Bob Member <bob@example.com>:", "ja"),
        ("Bob Member <bob@example.com> 于2025年3月4日周二 10:12写道：", "zh"),
        ("Bob Member <bob@example.com> schrieb am Di., 4. März 2025, 10:12:", "Gmail Android de"),
        ("Il 04/03/2025 10:12, Bob Member ha scritto:", "Thunderbird it"),
    ],
)
def test_a_reply_header_and_its_quote_are_cut(header, language):
    text = f"Thursday works for me.\n\nJane\n\n{header}\n{QUOTED}"
    assert new_text(text) == "Thursday works for me.\n\nJane", language


def test_a_reply_header_wrapped_over_two_lines_is_cut():
    text = (
        "Sounds good.\n\nOn Tue, Mar 4, 2025 at 10:12 AM Bob Member <\nbob@example.com> wrote:\n\n"
        + QUOTED
    )
    assert new_text(text) == "Sounds good."


def test_an_outlook_original_message_block_is_cut():
    text = (
        "We are evaluating Gong as well, to be honest.\n\nHans\n\n"
        "-----Original Message-----\nFrom: Bob Member <bob@example.com>\n"
        "Sent: Monday, March 3, 2025 4:00 PM\nTo: Hans Weber <hans@globex.io>\n"
        "Subject: Renewal\n\nHi Hans, the renewal is due.\n"
    )
    assert new_text(text) == "We are evaluating Gong as well, to be honest.\n\nHans"


@pytest.mark.parametrize(
    ("from_line", "sent_line"),
    [
        ("From: Bob Member <bob@example.com>", "Sent: Monday, March 3, 2025 4:00 PM"),
        ("Von: Bob Member <bob@example.com>", "Gesendet: Montag, 3. März 2025 16:00"),
        ("De : Bob Member <bob@example.com>", "Envoyé : lundi 3 mars 2025 16:00"),
        ("Da: Bob Member <bob@example.com>", "Inviato: lunedì 3 marzo 2025 16:00"),
        ("*From:* Bob Member <bob@example.com>", "*Sent:* Monday, March 3, 2025 4:00 PM"),
    ],
)
def test_an_outlook_header_block_is_cut_with_or_without_its_rule(from_line, sent_line):
    block = f"{from_line}\n{sent_line}\nTo: Hans Weber\nSubject: Renewal\n\nHi Hans\n"
    assert new_text(f"Ok for me.\n\n{block}") == "Ok for me."
    assert new_text(f"Ok for me.\n\n{'_' * 32}\n{block}") == "Ok for me."


@pytest.mark.parametrize(
    "marker",
    [
        "---------- Forwarded message ---------",  # Gmail
        "Begin forwarded message:",  # Apple Mail
        "-------- Weitergeleitete Nachricht --------",  # Thunderbird de
        "-------- Message transféré --------",  # Thunderbird fr
    ],
)
def test_a_forwarded_block_is_cut(marker):
    text = (
        f"FYI, see Jane's question below.\n\n{marker}\n\nFrom: Jane Doe <jane@acme.com>\n"
        "Date: Fri, Mar 7, 2025 at 6:30 PM\nSubject: SSO\nTo: Bob <bob@example.com>\n\n"
        "Does SAML support Okta groups?\n"
    )
    assert new_text(text) == "FYI, see Jane's question below."


def test_a_bare_forward_has_no_new_text():
    text = (
        "---------- Forwarded message ---------\nFrom: Jane Doe <jane@acme.com>\n"
        "Date: Fri, Mar 7, 2025\nSubject: SSO\nTo: bob@example.com\n\nDoes SAML work?\n"
    )
    assert new_text(text) == ""


def test_interleaved_answers_are_kept_and_the_quotes_between_them_dropped():
    text = "Hi Bob,\n\n> Can you do Thursday?\nYes, Thursday.\n\n> And the budget?\nApproved.\n"
    assert new_text(text) == "Hi Bob,\n\nYes, Thursday.\n\nApproved."


def test_a_bottom_posted_reply_is_new_text():
    text = "On Tue, Mar 4, 2025 at 10:12 AM Bob <bob@example.com> wrote:\n" + QUOTED + "\nYes!\n"
    assert new_text(text) == "Yes!"


def test_the_signature_after_the_delimiter_is_dropped():
    text = "Quick note: all good.\n\n-- \nJane Doe\nVP Operations, Acme\n+1 555 0100\n"
    assert new_text(text) == "Quick note: all good."
    # Some clients strip the trailing space of the delimiter.
    assert new_text("All good.\n--\nJane") == "All good."


@pytest.mark.parametrize(
    "footer",
    ["Sent from my iPhone", "Get Outlook for Android", "Von meinem iPhone gesendet"],
)
def test_mobile_footers_are_dropped(footer):
    assert new_text(f"Yes, go ahead.\n\n{footer}\n") == "Yes, go ahead."


def test_a_sentence_naming_an_address_is_not_a_reply_header():
    text = "Jane <jane@acme.com> wrote the spec; it is fine by us."
    assert new_text(text) == text


def test_text_without_quotes_is_kept_whole_and_tidied():
    text = "Hi Bob,\r\n\r\n\r\n\r\nThe two-factor rollout is done.   \r\n- item one\r\n"
    assert new_text(text) == "Hi Bob,\n\nThe two-factor rollout is done.\n- item one"


def test_a_long_dash_line_in_the_text_is_not_a_signature():
    assert new_text("Totals\n---------\n42 seats") == "Totals\n---------\n42 seats"


def test_html_is_readable_text():
    html = (
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head><body>"
        "<p>Hi&nbsp;Bob,</p><p>We'd like <b>20 seats</b> &amp; annual billing. "
        '<a href="https://t.example/track?u=1">Order form</a>.</p>'
        "<ul><li>2. Phase two</li><li>SSO</li></ul>"
        "<table><tr><td>Seats</td><td>20</td></tr><tr><td>Plan</td><td>Growth</td></tr></table>"
        '<img src="cid:logo"></body></html>'
    )
    assert html_to_text(html) == (
        "Hi Bob,\n\nWe'd like 20 seats & annual billing. Order form.\n\n"
        "  * 2. Phase two\n  * SSO\n\nSeats 20\nPlan Growth"
    )


def test_gmail_html_quote_is_cut():
    html = (
        '<div dir="ltr">Thanks, Thursday works.</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Tue, Mar 4, 2025 at 10:12 AM Bob '
        '&lt;<a href="mailto:bob@example.com">bob@example.com</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote">Hi Jane,<br>Can we meet on Thursday?</blockquote></div>'
    )
    assert new_text_from_html(html) == "Thanks, Thursday works."


def test_outlook_html_header_block_is_cut():
    html = (
        '<div class="WordSection1"><p class="MsoNormal">Agreed, 60 days.</p>'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal"><b>From:</b> Bob Member &lt;bob@example.com&gt;<br>'
        "<b>Sent:</b> Wednesday, March 5, 2025 5:48 PM<br><b>To:</b> Hans<br>"
        "<b>Subject:</b> Renewal</p></div><p>The notice period stays at 90 days.</p></div>"
    )
    assert new_text_from_html(html) == "Agreed, 60 days."


def test_a_blockquote_reply_in_html_is_cut():
    html = (
        "<p>Yes, we use Okta.</p><blockquote type='cite'><div>On Mar 10, 2025, at 4:05 AM, "
        "Bob &lt;bob@example.com&gt; wrote:</div><div>Do you use Okta?</div></blockquote>"
    )
    assert new_text_from_html(html) == "Yes, we use Okta."
