"""Who sees which accounts: the one rule every read path goes through."""

import pytest
from django.http import Http404

from conftest import Book
from panorama.core.models import AccountScope
from panorama.core.visibility import (
    access_account,
    access_contact,
    visible_accounts,
    visible_contacts,
)


def test_admin_sees_every_account(book: Book, admin):
    assert set(visible_accounts(admin).values_list("pk", flat=True)) == book.all


def test_member_sees_what_they_own_or_follow(book: Book, member):
    assert set(visible_accounts(member).values_list("pk", flat=True)) == book.visible_to_member


def test_outsider_sees_nothing(book: Book, outsider):
    assert not visible_accounts(outsider).exists()
    assert not visible_contacts(outsider).exists()


def test_a_grant_of_all_accounts_shows_them_all(book: Book, outsider):
    outsider.account_scope = AccountScope.ALL
    outsider.save()
    assert set(visible_accounts(outsider).values_list("pk", flat=True)) == book.all


def test_inactive_users_see_nothing(book: Book, admin):
    admin.is_active = False
    admin.save()
    assert not visible_accounts(admin).exists()


def test_following_and_owning_the_same_account_lists_it_once(book: Book, member):
    book.acme.team_members.add(member)
    assert visible_accounts(member).filter(pk=book.acme.pk).count() == 1


def test_contacts_are_visible_through_any_visible_account(book: Book, admin, member, outsider):
    assert set(visible_contacts(admin)) == {book.jane, book.john}
    assert set(visible_contacts(member)) == {book.jane}  # Jane is at Acme; John only at Initech
    assert set(visible_contacts(outsider)) == set()


@pytest.mark.parametrize(
    ("who", "account", "visible"),
    [
        ("admin", "initech", True),
        ("member", "acme", True),
        ("member", "globex", True),
        ("member", "initech", False),
        ("outsider", "acme", False),
    ],
)
def test_access_account_is_404_outside_visibility(request, book: Book, who, account, visible):
    user, target = request.getfixturevalue(who), getattr(book, account)
    if visible:
        assert access_account(user, target.pk) == target
    else:
        with pytest.raises(Http404):
            access_account(user, target.pk)


def test_access_contact_is_404_outside_visibility(book: Book, admin, member, outsider):
    assert access_contact(admin, book.john.pk) == book.john
    assert access_contact(member, book.jane.pk) == book.jane
    for user, contact in [(member, book.john), (outsider, book.jane)]:
        with pytest.raises(Http404):
            access_contact(user, contact.pk)
