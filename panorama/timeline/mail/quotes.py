"""The new text of an e-mail: what its author wrote, without what it quotes or forwards.

Quoted replies ("On … wrote:" in many languages and clients, ``>`` lines), Outlook's
"-----Original Message-----" and "From: … Sent: …" blocks and Gmail/Apple forwarded-message
blocks are found by ``quotequail`` (Close's library, written for a CRM's e-mail sync); this
module adds the reply headers it doesn't know (Italian, Polish, Japanese, Chinese and a
generic "Name <address> wrote" form), drops the ``>`` lines of interleaved replies, the
signature after the ``-- `` delimiter and "Sent from my phone" lines.

HTML-only messages are cut structurally first (``quotequail.unwrap_html`` knows Gmail's
``gmail_quote``, ``<blockquote>`` and Outlook's bordered header block), then turned into text by
``html2text``. Pure functions: no ORM.
"""

from __future__ import annotations

import re

import html2text
import quotequail

# Reply headers quotequail doesn't know; each matched against one line, or two joined (mail
# clients wrap long header lines).
_EXTRA_REPLY_HEADERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^Il (giorno )?.+ ha scritto:?$",  # Italian
        r"^W dniu .+ napisał(\(a\)|a)?:?$",  # Polish
        r"^\d{4}年\d{1,2}月\d{1,2}日.*(<[^>]+@[^>]+>|さん).*[:：]$",  # Japanese (Gmail)
        r"^(在 )?.+(写道|寫道)[:：]$",  # Chinese
        # Generic: "… Name <a@b> wrote:", "Name <a@b> schrieb am Di., 4. März 2025, 10:12:"
        r"^.{0,200}<[^<>\s]+@[^<>\s]+>\)?,?\s*"
        r"(wrote|writes|schrieb|a écrit|escribió|ha scritto|skrev|schreef|escreveu|napisał)"
        r"(\s*:?|\s.{0,80}:)$",
        r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|"
        r"Messaggio originale|Mensaje original|Oorspronkelijk bericht|Forwarded message|"
        r"Weitergeleitete Nachricht|Message transféré|Messaggio inoltrato)\s*-{2,}$",
    )
]
# Outlook's plain-text header block, when no separator line precedes it (and in languages
# quotequail doesn't know): a From line followed within a few lines by a Sent/Date line.
_OUTLOOK_FROM = re.compile(r"^\*?(From|Von|De|Da|Van|Från|Od|Fra)\s*:\s*\*?\s*\S", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(
    r"^\*?(Sent|Date|Gesendet|Datum|Envoyé|Date d'envoi|Inviato|Data|Enviado|Fecha|"
    r"Verzonden|Skickat|Wysłano|Sendt)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^[_-]{10,}$")
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
_MOBILE_FOOTER = re.compile(
    r"^(Sent from my \w+|Sent from Mail for Windows|Sent from Outlook|Get Outlook for \w+|"
    r"Envoyé de mon \w+|Von meinem \w+ gesendet|Inviato da \w+|Enviado desde mi \w+)\b.*$",
    re.IGNORECASE,
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_BLANK_RUNS = re.compile(r"\n{3,}")


def new_text(text: str) -> str:
    """The part of a plain-text body its author wrote for this message.

    An empty result means the message only quotes or forwards (a bare forward).
    """
    text = _tidy(text)
    unwrapped = quotequail.unwrap(text)
    if unwrapped is not None:
        kept = [unwrapped.get("text_top", "")]
        if unwrapped["type"] != "forward":
            # Bottom-posted replies and interleaved answers are new text too.
            kept.append(unwrapped.get("text_bottom", ""))
        text = "\n\n".join(part for part in kept if part)
    text = _cut_at_extra_headers(text)
    text = _drop_quoted_lines(text)
    text = _cut_signature(text)
    return _tidy(text)


def new_text_from_html(html: str) -> str:
    """The new text of an HTML-only body: quoted blocks cut from the markup, then as text."""
    try:
        unwrapped = quotequail.unwrap_html(html)
    except Exception:  # markup lxml can't take; fall back to the text route
        unwrapped = None
    if unwrapped is not None:
        kept = [unwrapped.get("html_top", "")]
        if unwrapped["type"] != "forward":
            kept.append(unwrapped.get("html_bottom", ""))
        html = "\n".join(part for part in kept if part)
    return new_text(html_to_text(html))


def html_to_text(html: str) -> str:
    """Readable text from HTML: paragraphs, line breaks, lists and quotes (as ``>``) kept;
    images, styles, scripts and link targets dropped."""
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no re-wrapping: lines stay as the author broke them
    converter.unicode_snob = True  # keep accents, curly quotes and the like as they are
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_links = True  # tracking links make bodies unreadable
    converter.ignore_tables = True
    # Layout tables are everywhere in HTML mail: rows become lines, and cells are kept apart
    # by a space (html2text's table mode would draw Markdown pipes around every cell).
    html = _CELL_END.sub(r" \g<0>", html)
    try:
        text = converter.handle(html)
    except Exception:  # html2text on broken markup; keep the words at least
        text = re.sub(r"<[^>]+>", " ", html)
    # html2text writes Markdown; its escapes ("1\." at a line start) aren't part of the text.
    return _tidy(_MARKDOWN_ESCAPE.sub(r"\1", text))


def _tidy(text: str) -> str:
    """Unix line ends, no trailing spaces, at most one blank line in a row, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _cut_at_extra_headers(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(p.match(stripped) or p.match(joined) for p in _EXTRA_REPLY_HEADERS):
            return "\n".join(lines[:index])
        if _OUTLOOK_FROM.match(stripped) and any(
            _OUTLOOK_SENT.match(following.strip()) for following in lines[index + 1 : index + 4]
        ):
            kept = lines[:index]
            while kept and (not kept[-1].strip() or _RULE.match(kept[-1].strip())):
                kept.pop()  # Outlook's "____" line above the header block
            return "\n".join(kept)
    return text


def _drop_quoted_lines(text: str) -> str:
    """Interleaved replies: keep the answers, drop the ``>`` lines between them."""
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _cut_signature(text: str) -> str:
    """Drop everything from the last ``-- `` delimiter, and trailing "Sent from my…" lines."""
    lines = text.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_DELIMITER.match(lines[index]):
            lines = lines[:index]
            break
    while lines and (not lines[-1].strip() or _MOBILE_FOOTER.match(lines[-1].strip())):
        lines.pop()
    return "\n".join(lines)
