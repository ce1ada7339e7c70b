"""Identity changes reach every event they concern, whatever the order or grouping."""

import datetime as dt

import pytest

from panorama.customers.models import Account, Contact
from panorama.usage import ingest
from panorama.usage.ingest import write_batches
from panorama.usage.models import AccountDay, ContactDay, Event
from panorama.usage.validation import InvalidPayload, parse_message

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def msgs(*raws: dict) -> list:
    return [parse_message(r, kind=None, index=None, received_at=RECEIVED) for r in raws]


def at(minutes: int) -> str:
    return (RECEIVED - dt.timedelta(hours=2) + dt.timedelta(minutes=minutes)).isoformat()


def test_an_identify_links_an_earlier_request_of_the_same_group_commit():
    track = {"type": "track", "anonymousId": "a1", "groupId": "g0", "event": "X",
             "messageId": "t1", "timestamp": at(0)}  # fmt: skip
    identify = {"type": "identify", "userId": "u1", "anonymousId": "a1", "messageId": "i1"}
    assert write_batches([(msgs(track), RECEIVED), (msgs(identify), RECEIVED)]) == [None, None]
    contact = Contact.objects.get(external_id="u1")
    assert Event.objects.get(message_id="t1").contact == contact
    assert ContactDay.objects.get(contact=contact).events == 1
    assert AccountDay.objects.get(account__external_id="g0").active_users == 1


def test_an_anonymous_identify_creates_no_contact_and_claims_nothing():
    anonymous = {"type": "identify", "anonymousId": "a1", "traits": {"plan": "x"}}
    page = {"type": "page", "anonymousId": "a1", "groupId": "g0", "messageId": "p1",
            "timestamp": at(0)}  # fmt: skip
    write_batches([(msgs({**anonymous, "messageId": "i1"}, page), RECEIVED)])
    write_batches([(msgs({**anonymous, "messageId": "i2"}), RECEIVED)])
    assert not Contact.objects.exists()
    write_batches([(msgs({"type": "identify", "userId": "u1", "anonymousId": "a1"}), RECEIVED)])
    assert Event.objects.get(message_id="p1").contact == Contact.objects.get(external_id="u1")


def test_events_sent_before_a_contact_had_an_account_join_its_first_account():
    page = {"type": "page", "anonymousId": "a1", "messageId": "p1", "timestamp": at(0)}
    write_batches([(msgs(page), RECEIVED)])
    write_batches([(msgs(
        {"type": "identify", "userId": "u1", "anonymousId": "a1"},
        {"type": "group", "userId": "u1", "groupId": "g0"},
    ), RECEIVED)])  # fmt: skip
    account = Account.objects.get(external_id="g0")
    assert Event.objects.get(message_id="p1").account == account
    day = AccountDay.objects.get(account=account)
    assert (day.events, day.pageviews, day.active_users) == (1, 1, 1)


def test_an_alias_takes_the_old_ids_events_of_its_own_request_too():
    def track(message_id: str, minutes: int) -> dict:
        return {"type": "track", "userId": "old", "groupId": "g0", "event": "X",
                "messageId": message_id, "timestamp": at(minutes)}  # fmt: skip

    write_batches([(msgs(track("t0", 0)), RECEIVED)])
    alias = {"type": "alias", "previousId": "old", "userId": "new"}
    write_batches([(msgs(track("t1", 5), alias), RECEIVED)])
    new = Contact.objects.get(external_id="new")
    assert set(Event.objects.filter(type="track").values_list("contact", flat=True)) == {new.pk}
    row = ContactDay.objects.get(contact=new)
    assert (row.events, row.sessions) == (2, 1)
    assert not ContactDay.objects.exclude(contact=new).exists()


def test_a_failed_request_does_not_drop_another_requests_copy(monkeypatch):
    real = ingest.resolve

    def failing(messages, received_at):
        if any(m.name == "boom" for m in messages):
            raise RuntimeError("boom")
        return real(messages, received_at)

    monkeypatch.setattr(ingest, "resolve", failing)
    x = {"type": "track", "userId": "u1", "event": "X", "messageId": "x"}
    boom = {"type": "track", "userId": "u1", "event": "boom", "messageId": "b"}
    errors = write_batches([(msgs(x, boom), RECEIVED), (msgs(x), RECEIVED)])
    assert [type(e) for e in errors] == [RuntimeError, type(None)]
    assert Event.objects.filter(message_id="x").count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"timestamp": "0001-01-01T00:00:00+05:00"},
        {"timestamp": "9999-12-31T23:00:00-05:00"},
        {"timestamp": "0001-01-01T00:00:00Z", "sentAt": "9999-01-01T00:00:00Z"},
    ],
)
def test_timestamps_off_the_calendar_are_invalid_not_a_crash(fields):
    with pytest.raises(InvalidPayload) as exc:
        msgs({"type": "track", "userId": "u", "event": "e", **fields})
    assert exc.value.code == "invalid_timestamp"


def test_a_messages_null_sent_at_falls_back_to_the_batchs():
    raw = {"type": "track", "userId": "u", "event": "e", "sentAt": None,
           "timestamp": "2026-03-02T00:30:00Z"}  # fmt: skip
    message = parse_message(
        raw, kind=None, index=0, received_at=dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC),
        sent_at="2026-03-02T01:00:00Z",
    )  # fmt: skip
    assert message.timestamp == dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
