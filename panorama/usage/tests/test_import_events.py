"""``panorama import-events``: Segment messages from a JSON Lines file, like the HTTP API."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from panorama.core import clock
from panorama.customers.models import Account, Contact
from panorama.usage.importer import import_events
from panorama.usage.models import AccountDay, ContactDay, Event, EventDay

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2025, 3, 9)

GOOD = [
    {
        "type": "identify",
        "messageId": "m-identify",
        "userId": "u-1",
        "traits": {"email": "ada@example.com", "firstName": "Ada"},
        "timestamp": "2025-03-09T09:00:00Z",
    },
    {
        "type": "group",
        "messageId": "m-group",
        "userId": "u-1",
        "groupId": "acme",
        "traits": {"name": "Acme Inc"},
        "timestamp": "2025-03-09T09:01:00Z",
    },
    {
        "type": "track",
        "messageId": "m-track",
        "userId": "u-1",
        "event": "Report Created",
        "context": {"groupId": "acme"},
        "timestamp": "2025-03-09T10:00:00.123+00:00",
    },
    {
        "type": "page",
        "messageId": "m-page",
        "userId": "u-1",
        "name": "Dashboard",
        "context": {"groupId": "acme"},
        "timestamp": "2025-03-09T10:05:00Z",
    },
]


def _write(path: Path, lines: list[Any], *, compress: bool = False) -> Path:
    """Write one line per item (dicts as JSON, strings as they are), gzipped if asked."""
    text = "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines).encode()
    path.write_bytes(gzip.compress(text) if compress else text)
    return path


def _run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with clock.frozen_at(NOW):
        call_command("import-events", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _run_failing(path: Path, *args: str) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with clock.frozen_at(NOW), pytest.raises(CommandError) as failure:
        call_command("import-events", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), failure.value


def _counts(out: str) -> dict[str, int]:
    """The summary's figures by label ("Lines read" → 4)."""
    return {
        label: int(value.replace(",", ""))
        for label, value in re.findall(r"^([A-Z][^:\n]*):\s+([\d,]+)$", out, re.M)
    }


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored event and rollup row as comparable values."""
    return {
        "events": sorted(Event.objects.values_list("message_id", "account_id", "contact_id")),
        "account_days": sorted(
            AccountDay.objects.values_list("account_id", "day", "events", "pageviews", "sessions")
        ),
        "contact_days": sorted(
            ContactDay.objects.values_list("account_id", "contact_id", "day", "events", "pageviews")
        ),
        "event_days": sorted(EventDay.objects.values_list("account_id", "day", "name", "count")),
    }


@pytest.mark.parametrize("name", ["events.jsonl", "events.jsonl.gz", "gzip-without-suffix.jsonl"])
def test_import_stores_events_identities_and_rollups(tmp_path, name):
    path = _write(tmp_path / name, GOOD, compress=name != "events.jsonl")
    out, err = _run(path)

    assert _counts(out) == {
        "Lines read": 4,
        "Messages stored (new)": 4,
        "Duplicates skipped": 0,
        "Lines rejected": 0,
    }
    assert err == ""
    assert set(Event.objects.values_list("message_id", flat=True)) == {
        "m-identify",
        "m-group",
        "m-track",
        "m-page",
    }
    contact = Contact.objects.get(external_id="u-1")
    assert contact.email == "ada@example.com" and contact.first_name == "Ada"
    account = Account.objects.get(external_id="acme")
    assert account.name == "Acme Inc"
    day = AccountDay.objects.get(account=account, day=DAY)
    assert (day.events, day.pageviews, day.active_users) == (2, 1, 1)
    contact_day = ContactDay.objects.get(account=account, contact=contact, day=DAY)
    assert (contact_day.events, contact_day.pageviews) == (2, 1)
    track = Event.objects.get(message_id="m-track")
    assert track.received_at == NOW  # no receivedAt on the line: the import's start


def test_reimporting_stores_nothing_new_and_leaves_rollups_unchanged(tmp_path):
    path = _write(tmp_path / "events.jsonl", GOOD)
    _run(path)
    before = _snapshot()

    out, _ = _run(path)

    assert _counts(out)["Messages stored (new)"] == 0
    assert _counts(out)["Duplicates skipped"] == 4
    assert _snapshot() == before


def test_a_message_repeated_in_the_file_is_stored_once(tmp_path):
    # The repeat is in the same chunk here; one in a later chunk is found in storage.
    path = _write(tmp_path / "events.jsonl", [*GOOD, GOOD[2], "", "   "])
    out, _ = _run(path)

    assert _counts(out) == {
        "Lines read": 7,
        "Blank lines skipped": 2,
        "Messages stored (new)": 4,
        "Duplicates skipped": 1,
        "Lines rejected": 0,
    }
    assert AccountDay.objects.get(day=DAY).events == 2


BAD = [
    GOOD[0],
    GOOD[1],
    '{"type": "track", "userId": "u-1", ',  # line 3: cut short
    GOOD[2],
    {"type": "track", "messageId": "m-no-event", "userId": "u-1"},  # line 5
    GOOD[3],
    {"type": "track", "userId": "u-1", "event": "Late", "timestamp": "yesterday"},  # line 7
]


def test_bad_lines_are_listed_by_line_number_and_the_rest_is_stored(tmp_path):
    path = _write(tmp_path / "events.jsonl", BAD)
    out, err, failure = _run_failing(path)

    assert failure.returncode == 1
    assert "3 line(s) rejected" in str(failure)
    assert _counts(out)["Lines rejected"] == 3
    assert _counts(out)["Messages stored (new)"] == 4
    rejected = err.splitlines()
    assert len(rejected) == 3
    assert rejected[0].startswith("line 3: not valid JSON")
    assert rejected[1] == "line 5: event is required for track and must be a string"
    assert rejected[2] == "line 7: timestamp is not an ISO-8601 timestamp: 'yesterday'"
    assert Event.objects.count() == 4
    assert AccountDay.objects.get(day=DAY).events == 2


def test_allow_rejects_exits_cleanly_and_show_errors_limits_the_list(tmp_path):
    path = _write(tmp_path / "events.jsonl", BAD)
    out, err = _run(path, "--allow-rejects", "--show-errors", "1")

    assert _counts(out)["Lines rejected"] == 3
    assert err.splitlines() == [
        "line 3: not valid JSON (Expecting property name enclosed "
        "in double quotes: line 1 column 36 (char 35))",
        "… and 2 more rejected line(s).",
    ]
    assert Event.objects.count() == 4


def test_dry_run_stores_nothing_but_reports_the_same(tmp_path):
    path = _write(tmp_path / "events.jsonl", BAD)
    out, err, _ = _run_failing(path, "--dry-run")

    assert "Dry run" in out
    assert _counts(out)["Messages that would be stored (new)"] == 4
    assert _counts(out)["Lines rejected"] == 3
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 3", "line 5", "line 7"]
    assert not Event.objects.exists()
    assert not Contact.objects.exists() and not Account.objects.exists()


def test_oversized_lines_and_non_objects_are_rejected(tmp_path):
    huge = {**GOOD[2], "messageId": "m-huge", "properties": {"blob": "x" * 40_000}}
    path = _write(tmp_path / "events.jsonl", [huge, "[1, 2]", GOOD[2]])
    out, err = _run(path, "--allow-rejects")

    assert err.splitlines() == [
        "line 1: larger than 32 KB (event_too_large)",
        "line 2: must be a JSON object (one message per line)",
    ]
    assert _counts(out)["Messages stored (new)"] == 1


def test_a_lines_received_at_and_sent_at_are_kept(tmp_path):
    line = {
        **GOOD[2],
        "receivedAt": "2024-01-01T00:00:00Z",
        "sentAt": "2024-01-01T00:00:10Z",
        "timestamp": "2024-01-01T00:00:05Z",  # the client clock runs 10 s behind… minus 5 s
    }
    _run(_write(tmp_path / "events.jsonl", [line]))

    event = Event.objects.get()
    assert event.received_at == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert event.timestamp == dt.datetime(2023, 12, 31, 23, 59, 55, tzinfo=dt.UTC)


def test_each_line_keeps_its_own_received_at(tmp_path):
    times = ["2024-01-01T00:00:00Z", "2024-02-01T08:30:00+02:00", None]
    lines = [
        {**GOOD[2], "messageId": f"m-{i}", "timestamp": "2023-12-31T00:00:00Z"}
        | ({"receivedAt": t} if t else {})
        for i, t in enumerate(times)
    ]
    _run(_write(tmp_path / "events.jsonl", lines))

    assert dict(Event.objects.values_list("message_id", "received_at")) == {
        "m-0": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "m-1": dt.datetime(2024, 2, 1, 6, 30, tzinfo=dt.UTC),
        "m-2": NOW,
    }


def test_missing_file_is_a_command_error_naming_it(tmp_path):
    path = tmp_path / "nope.jsonl"
    with pytest.raises(CommandError, match=re.escape(str(path))):
        call_command("import-events", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_truncated_gzip_stops_with_an_error_after_storing_what_was_read(tmp_path):
    path = tmp_path / "events.jsonl.gz"
    whole = gzip.compress("".join(json.dumps(x) + "\n" for x in GOOD).encode())
    path.write_bytes(whole[:-12])  # the trailer (CRC, size) and a bit of data are missing

    out, _, failure = _run_failing(path)

    assert str(path) in str(failure)
    counts = _counts(out)
    assert counts["Lines read"] == counts["Messages stored (new)"] + counts["Lines rejected"]
    assert Event.objects.count() == counts["Messages stored (new)"]


def test_progress_reports_every_byte_of_the_file(tmp_path):
    path = _write(tmp_path / "events.jsonl.gz", GOOD * 200, compress=True)
    seen: list[int] = []
    with clock.frozen_at(NOW):
        summary = import_events(path, dry_run=True, progress=seen.append)

    assert sum(seen) == path.stat().st_size
    assert (summary.lines_read, summary.stored, summary.duplicates) == (800, 4, 796)
