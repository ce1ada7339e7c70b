"""E-mail import: reading mail files, parsing messages, new text, threading (docs/email-import.md).

Pure modules (no ORM, unit-tested directly):

- ``sources``: which files to read (``.eml``, ``.mbox``, directories) and each message's bytes;
- ``message``: one message's bytes → ``ParsedEmail`` (ids, people, date, text body,
  attachment metadata, new text);
- ``quotes``: the new text of a body (quoted replies, forwards and signature stripped) and
  HTML → text;
- ``addresses``: e-mail address and domain normalisation and matching;
- ``threads``: subject normalisation and which known thread a message joins.

``importer`` is the one module that touches the database: it maps participants to contacts and
accounts, finds or creates threads and writes each message through
``panorama.timeline.services.record_email``.
"""
