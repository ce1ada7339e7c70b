"""Threading: subject normalisation, headers (JWZ-style) and subject-and-people fallback."""

from __future__ import annotations

import datetime as dt

import pytest

from panorama.timeline.mail.threads import (
    THREAD_WINDOW,
    KnownThread,
    Threader,
    ThreadingFacts,
    is_reply_subject,
    normalise_subject,
    strip_subject,
)

DAY = dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)
ACME, GLOBEX = 1, 2


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Pricing", "Pricing"),
        ("Re: Pricing", "Pricing"),
        ("RE: Re: re:Pricing", "Pricing"),
        ("Fwd: FW: Pricing", "Pricing"),
        ("AW: WG: Pricing", "Pricing"),  # German Outlook
        ("TR: RE : Pricing", "Pricing"),  # French, with a space before the colon
        ("SV: VS: Pricing", "Pricing"),  # Nordic
        ("R: I: Pricing", "Pricing"),  # Italian
        ("Re[2]: Re(3): Pricing", "Pricing"),  # counted replies
        ("RE: [EXTERNAL] Re: Pricing", "Pricing"),
        ("[acme-support] Re: [EXT] Pricing", "Pricing"),
        ("回复：Pricing", "Pricing"),
        ("  Re:   Pricing   for  20 seats ", "Pricing for 20 seats"),
        ("Re: Fwd:", ""),
        ("Regarding the renewal", "Regarding the renewal"),  # a word, not a prefix
        ("Re: Pricing [draft]", "Pricing [draft]"),  # a trailing tag is the subject's
    ],
)
def test_strip_subject(subject, stripped):
    assert strip_subject(subject) == stripped


def test_normalised_subjects_ignore_case_and_prefixes():
    assert normalise_subject("RE: [EXTERNAL] Pricing For 20 Seats") == "pricing for 20 seats"
    assert normalise_subject("x" * 600) == "x" * 500
    assert is_reply_subject("Re: Pricing")
    assert not is_reply_subject("Pricing")


def _facts(
    message_id: str,
    *,
    references: tuple[str, ...] = (),
    subject: str = "Pricing",
    at: dt.datetime = DAY,
    people: tuple[str, ...] = ("jane@acme.com",),
) -> ThreadingFacts:
    return ThreadingFacts(message_id, references, subject, at, frozenset(people))


def _key(thread: KnownThread | None) -> int | None:
    return None if thread is None else thread.key


def _store(threader: Threader, key: int, facts: ThreadingFacts, account: int = ACME) -> None:
    threader.add_message(KnownThread(key, account, normalise_subject(facts.subject)), facts)


def test_a_reply_joins_the_thread_of_the_message_it_references():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    reply = _facts("b@x", references=("a@x",), subject="Other subject entirely")
    assert _key(threader.match(reply, [GLOBEX])) == 1  # headers win over account and subject


def test_any_known_reference_joins_even_when_the_parent_is_missing():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    # The direct parent b@x was never imported; the root a@x is known.
    assert _key(threader.match_by_headers(_facts("c@x", references=("a@x", "b@x")))) == 1


def test_out_of_order_an_original_joins_the_replies_that_arrived_first():
    threader = Threader()
    _store(threader, 1, _facts("c@x", references=("a@x", "b@x"), subject="Re: Pricing"))
    assert _key(threader.match_by_headers(_facts("a@x"))) == 1
    assert _key(threader.match_by_headers(_facts("b@x", references=("a@x",)))) == 1


def test_two_replies_to_a_missing_original_share_a_thread():
    threader = Threader()
    _store(threader, 1, _facts("b1@x", references=("a@x",)))
    assert _key(threader.match_by_headers(_facts("b2@x", references=("a@x",)))) == 1


def test_without_headers_same_subject_and_people_join():
    threader = Threader()
    _store(threader, 1, _facts("a@x", subject="Pricing"))
    later = _facts("b@x", subject="RE: [EXT] pricing", at=DAY + dt.timedelta(days=3))
    assert _key(threader.match(later, [ACME])) == 1


def test_without_headers_other_people_start_a_new_thread():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    assert threader.match(_facts("b@x", people=("ops@acme.com",)), [ACME]) is None


def test_without_headers_another_account_starts_a_new_thread():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    assert threader.match(_facts("b@x"), [GLOBEX]) is None


def test_without_headers_the_window_limits_subject_threading():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    inside = DAY + THREAD_WINDOW
    outside = DAY + THREAD_WINDOW + dt.timedelta(seconds=1)
    assert _key(threader.match(_facts("b@x", at=inside), [ACME])) == 1
    assert threader.match(_facts("c@x", at=outside), [ACME]) is None
    # Before the thread's first message counts too (a message imported late).
    assert _key(threader.match(_facts("d@x", at=DAY - dt.timedelta(days=2)), [ACME])) == 1


def test_the_window_follows_the_thread_as_it_grows():
    threader = Threader()
    _store(threader, 1, _facts("a@x"))
    _store(threader, 1, _facts("b@x", at=DAY + dt.timedelta(days=25)))
    assert _key(threader.match(_facts("c@x", at=DAY + dt.timedelta(days=50)), [ACME])) == 1


def test_an_empty_subject_never_threads_by_subject():
    threader = Threader()
    _store(threader, 1, _facts("a@x", subject="Re:"))
    assert threader.match(_facts("b@x", subject=""), [ACME]) is None


def test_subject_threading_prefers_the_first_account_then_the_latest_thread():
    threader = Threader()
    _store(threader, 1, _facts("a@x"), account=GLOBEX)
    _store(threader, 2, _facts("b@x", at=DAY + dt.timedelta(days=1)), account=ACME)
    _store(threader, 3, _facts("c@x", at=DAY + dt.timedelta(days=2)), account=ACME)
    probe = _facts("d@x", at=DAY + dt.timedelta(days=3))
    assert _key(threader.match(probe, [ACME, GLOBEX])) == 3
    assert _key(threader.match(probe, [GLOBEX, ACME])) == 1


def test_what_the_database_knows_is_learnt_and_merged():
    threader = Threader()
    threader.learn(KnownThread(7, ACME, "pricing", DAY, DAY), ["a@x"])
    threader.learn(
        KnownThread(7, ACME, "pricing", DAY, DAY + dt.timedelta(days=40), {"jane@acme.com"})
    )
    known = threader.thread(7)
    assert known is not None
    assert known.last_at == DAY + dt.timedelta(days=40)
    assert known.participants == {"jane@acme.com"}
    assert _key(threader.match_by_headers(_facts("b@x", references=("a@x",)))) == 7
