"""Who and which account each message is about (rules in docs/ingestion.md).

``identify``, ``group`` and ``alias`` are rare and change records, so they go through the
models (validation, attribute history as the ``segment`` source). ``track``, ``page`` and
``screen`` are the bulk: they are resolved a batch at a time with a handful of queries,
creating unknown contacts and accounts so that nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection
from django.db.models import Q

from panorama.customers.custom_fields import FieldType, clean_value
from panorama.customers.models import (
    Account,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
    Plan,
    normalise_email,
    web_url_validator,
)
from panorama.usage.models import AnonymousId, Event
from panorama.usage.sql import in_values
from panorama.usage.storage import EventRow
from panorama.usage.validation import ACTIVITY_TYPES, Message

log = logging.getLogger(__name__)

SOURCE = "Segment"
LOOKUP_CHUNK = 5000  # values per IN (…): far below every database's parameter limit

CONTACT_TRAITS = {
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
    "title": "title",
    "phone": "phone",
    "avatar": "avatar_url",
}
ACCOUNT_TRAITS = {
    "name": "name",
    "industry": "industry",
    "description": "description",
    "avatar": "logo_url",
    "logo": "logo_url",
    "linkedin": "linkedin_url",
}
# Traits that fill standard fields by their own rules, so never become custom fields.
HANDLED_ACCOUNT_TRAITS = {
    *ACCOUNT_TRAITS,
    "website",
    "domain",
    "plan",
    "employees",
    "address",
    "city",
    "country",
    "annualRevenue",
    "annual_revenue",
    "id",
    "createdAt",
    "created_at",
}
KEY_UNSAFE = re.compile(r"[^a-z0-9_]+")


@dataclass
class Resolution:
    """The rows to store, and accounts whose rollups must be rebuilt (identities merged)."""

    rows: list[EventRow] = field(default_factory=list)
    rebuild_accounts: set[int] = field(default_factory=set)
    # An old user id aliased to a new one in this request: the request's own events with the
    # old id belong to the new contact too, whatever their order in the batch.
    aliases: dict[str, str] = field(default_factory=dict)


def resolve(messages: Sequence[Message], received_at: dt.datetime) -> Resolution:
    """Apply identity messages, then attach every message to its contact and account."""
    result = Resolution()
    for message in messages:
        if message.type == "identify":
            _identify(message, result)
        elif message.type == "group":
            _group(message, result)
        elif message.type == "alias":
            _alias(message, result)
    user_of = {
        m.message_id: result.aliases.get(m.user_id, m.user_id) for m in messages if m.user_id
    }
    contacts = _contacts_by_user_id(set(user_of.values()))
    anonymous = _contacts_by_anonymous_id(
        {m.anonymous_id for m in messages if m.anonymous_id and not m.user_id}
    )
    accounts = _accounts_by_group_id({m.group_id for m in messages if m.group_id})
    contact_of: dict[str, int | None] = {}
    for m in messages:
        if m.user_id:
            contact_of[m.message_id] = contacts.get(user_of[m.message_id])
        else:
            contact_of[m.message_id] = anonymous.get(m.anonymous_id or "")
    _ensure_memberships(
        {
            (contact_id, accounts[m.group_id])
            for m in messages
            if m.is_activity and m.group_id and (contact_id := contact_of[m.message_id])
        },
        result,
    )
    primary = _primary_accounts(
        {c for m in messages if not m.group_id and (c := contact_of[m.message_id])}
    )
    for m in messages:
        contact_id = contact_of[m.message_id]
        account_id = (
            accounts[m.group_id] if m.group_id else primary.get(contact_id) if contact_id else None
        )
        result.rows.append(
            EventRow(
                message_id=m.message_id,
                type=m.type,
                name=m.name,
                account_id=account_id,
                contact_id=contact_id,
                user_id=m.user_id,
                anonymous_id=m.anonymous_id,
                timestamp=m.timestamp,
                received_at=received_at,
                properties=m.traits if m.type in ("identify", "group") else m.properties,
                context=m.context,
                prepared=m.prepared,
            )
        )
    return result


# --- batched look-ups for activity ------------------------------------------------------


def _contacts_by_user_id(user_ids: set[str]) -> dict[str, int]:
    """Contact ids for these user ids, creating contacts for ids never seen."""
    return _ids_by_external_id(Contact, user_ids, lambda u: Contact(external_id=u))


def _accounts_by_group_id(group_ids: set[str]) -> dict[str, int]:
    """Account ids for these group ids; an unknown id creates an account named after it."""
    return _ids_by_external_id(Account, group_ids, lambda g: Account(name=g[:200], external_id=g))


def _ids_by_external_id(
    model: type[Contact] | type[Account], external_ids: set[str], make: Callable[[str], Any]
) -> dict[str, int]:
    """Primary keys by external id; ids never seen are created with ``make`` (no history:
    a creation is not a change) so that nothing sent to us is lost."""
    if not external_ids:
        return {}
    table = model._meta.db_table
    found = {
        str(external_id): pk
        for external_id, pk in _select(
            f"SELECT external_id, id FROM {table}", "external_id", external_ids
        )
    }
    missing = external_ids - found.keys()
    if missing:
        model._default_manager.bulk_create(
            [make(i) for i in sorted(missing)], ignore_conflicts=True
        )
        found.update(
            (str(external_id), pk)
            for external_id, pk in _select(
                f"SELECT external_id, id FROM {table}", "external_id", missing
            )
        )
    return found


def _contacts_by_anonymous_id(anonymous_ids: set[str]) -> dict[str, int]:
    """The contact each of these anonymous ids is known to be (if any)."""
    table = AnonymousId._meta.db_table
    return dict(
        _select(f"SELECT anonymous_id, contact_id FROM {table}", "anonymous_id", anonymous_ids)
    )


def _select(
    select: str, column: str, values: Iterable[Any], suffix: str = ""
) -> list[tuple[Any, ...]]:
    """Rows of ``select … WHERE column IN values``, a chunk of values per query.

    The batched look-ups of the hot path are plain SQL: building an ORM query with hundreds
    of parameters cost several times what running it does.
    """
    rows: list[tuple[Any, ...]] = []
    values = list(values)
    with connection.cursor() as cursor:
        for start in range(0, len(values), LOOKUP_CHUNK):
            condition, params = in_values(column, values[start : start + LOOKUP_CHUNK])
            cursor.execute(f"{select} WHERE {condition}{suffix}", params)
            rows += cursor.fetchall()
    return rows


def _primary_accounts(contact_ids: set[int]) -> dict[int, int]:
    """Each contact's primary account, else its earliest membership."""
    chosen: dict[int, int] = {}
    rows = _select(
        f"SELECT contact_id, account_id FROM {Membership._meta.db_table}",
        "contact_id",
        contact_ids,
        " ORDER BY contact_id, is_primary DESC, created_at, id",
    )
    for contact_id, account_id in rows:
        chosen.setdefault(contact_id, account_id)
    return chosen


def _ensure_memberships(pairs: Iterable[tuple[int, int]], result: Resolution) -> None:
    """Make each contact a member of the account its events name (primary if its first).

    A contact's first account also becomes the account of its events that had none (sent
    before it belonged anywhere), whose rollups are then rebuilt.
    """
    wanted = set(pairs)
    if not wanted:
        return
    rows = _select(
        f"SELECT contact_id, account_id, is_primary FROM {Membership._meta.db_table}",
        "contact_id",
        {c for c, _ in wanted},
    )
    existing = {(contact_id, account_id) for contact_id, account_id, _ in rows}
    has_primary = {contact_id for contact_id, _, is_primary in rows if is_primary}
    new = []
    first_accounts: dict[int, int] = {}
    for contact_id, account_id in sorted(wanted - existing):
        if contact_id not in has_primary:
            first_accounts[contact_id] = account_id
        new.append(
            Membership(
                contact_id=contact_id,
                account_id=account_id,
                is_primary=contact_id not in has_primary,
            )
        )
        has_primary.add(contact_id)
    Membership.objects.bulk_create(new, ignore_conflicts=True)
    for contact_id, account_id in first_accounts.items():
        adopted = Event.objects.filter(
            contact_id=contact_id, account__isnull=True, type__in=ACTIVITY_TYPES
        ).update(account_id=account_id)
        if adopted:
            result.rebuild_accounts.add(account_id)


# --- identify, group, alias --------------------------------------------------------------


def _identify(message: Message, result: Resolution) -> None:
    traits = message.traits
    email = normalise_email(traits.get("email")) if isinstance(traits.get("email"), str) else None
    contact = None
    if message.user_id:
        contact = Contact.objects.filter(external_id=message.user_id).first()
    elif message.anonymous_id:
        link = AnonymousId.objects.filter(anonymous_id=message.anonymous_id).first()
        contact = link.contact if link is not None else None
    if contact is None and email:
        contact = Contact.objects.filter(email=email).first()
        if contact is not None and contact.external_id and message.user_id:
            contact = None  # that address belongs to another product user: keep them apart
    if contact is None:
        if not message.user_id:
            # An anonymous visitor's traits: kept in the raw event until a userId claims
            # them; a contact per anonymous identify would count visitors as users.
            return
        contact = Contact(external_id=message.user_id)
    elif message.user_id and not contact.external_id:
        contact.external_id = message.user_id
    _apply_contact_traits(contact, traits, email)
    if message.anonymous_id and message.user_id:
        _link_anonymous(message.anonymous_id, contact, result)


def _apply_contact_traits(contact: Contact, traits: dict[str, Any], email: str | None) -> None:
    """Copy traits into the standard fields they match; all traits are kept in ``traits``.

    A trait that breaks a standard field's rules (a malformed e-mail or URL, an address another
    contact already has) is left out of that field rather than failing the whole request.
    """
    for trait, attribute in CONTACT_TRAITS.items():
        value = traits.get(trait)
        if isinstance(value, str) and value.strip():
            limit = getattr(Contact._meta.get_field(attribute), "max_length", None) or 500
            setattr(contact, attribute, value.strip()[:limit])
    name = traits.get("name")
    if (
        isinstance(name, str)
        and name.strip()
        and not (traits.get("firstName") or traits.get("lastName"))
    ):
        first, _, last = name.strip().partition(" ")
        contact.first_name, contact.last_name = first[:100], last[:100]
    if contact.avatar_url and not _valid(web_url_validator, contact.avatar_url):
        contact.avatar_url = ""
    if (
        email
        and email != contact.email
        and _valid(EmailValidator(), email)
        and not Contact.objects.filter(email=email).exclude(pk=contact.pk).exists()
    ):
        contact.email = email
    contact.traits = {**(contact.traits or {}), **traits}
    contact.save()


def _valid(validator: Any, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _link_anonymous(anonymous_id: str, contact: Contact, result: Resolution) -> None:
    """Record that ``anonymous_id`` is ``contact`` and give them its earlier events."""
    link, created = AnonymousId.objects.get_or_create(
        anonymous_id=anonymous_id, defaults={"contact": contact}
    )
    if not created and link.contact_id != contact.pk:
        return  # first identification wins; a shared device does not merge two people
    # Only unlinked events are indexed by anonymous id, so find them once, then go by pk.
    orphans = dict(
        Event.objects.filter(anonymous_id=anonymous_id, contact__isnull=True).values_list(
            "pk", "account_id"
        )
    )
    if not orphans:
        return
    for chunk in _chunks(list(orphans)):
        Event.objects.filter(pk__in=chunk).update(contact=contact)
    accounts = {account_id for account_id in orphans.values() if account_id is not None}
    # Acting in an account makes a contact its member, as for identified events.
    _ensure_memberships(((contact.pk, account_id) for account_id in accounts), result)
    primary = _primary_accounts({contact.pk}).get(contact.pk)
    accountless = [pk for pk, account_id in orphans.items() if account_id is None]
    if primary is not None and accountless:
        for chunk in _chunks(accountless):
            Event.objects.filter(pk__in=chunk).update(account_id=primary)
        accounts.add(primary)
    result.rebuild_accounts |= accounts


def _chunks(pks: list[int], size: int = 5000) -> Iterator[list[int]]:
    """Primary keys in slices that fit any database's limit on query parameters."""
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def _group(message: Message, result: Resolution) -> None:
    traits = message.traits
    account = Account.objects.filter(external_id=message.group_id).first() or Account(
        external_id=message.group_id, name=str(message.group_id)[:200]
    )
    _apply_account_traits(account, traits)
    account.save()
    if message.user_id:
        contact_id = _contacts_by_user_id({message.user_id})[message.user_id]
        _ensure_memberships([(contact_id, account.pk)], result)


def _apply_account_traits(account: Account, traits: dict[str, Any]) -> None:
    for trait, attribute in ACCOUNT_TRAITS.items():
        value = traits.get(trait)
        if isinstance(value, str) and value.strip():
            limit = getattr(Account._meta.get_field(attribute), "max_length", None)
            setattr(account, attribute, value.strip()[:limit] if limit else value.strip())
    for attribute in ("logo_url", "linkedin_url"):
        if getattr(account, attribute) and not _valid(
            web_url_validator, getattr(account, attribute)
        ):
            setattr(account, attribute, "")  # kept in the raw group event, not as a link
    website = traits.get("website") or traits.get("domain")
    if isinstance(website, str) and website.strip():
        account.domain = re.sub(r"^[a-z]+://", "", website.strip().lower()).split("/")[0][:253]
    plan = traits.get("plan")
    if isinstance(plan, str) and plan.strip():
        account.plan = Plan.objects.get_or_create(name=plan.strip()[:80])[0]
    employees = traits.get("employees")
    if isinstance(employees, int) and not isinstance(employees, bool) and employees >= 0:
        account.employee_count = employees
    address: dict[str, Any] = (
        traits["address"] if isinstance(traits.get("address"), dict) else traits
    )
    for key in ("city", "country"):
        if isinstance(address.get(key), str):
            setattr(account, key, address[key].strip()[:100])
    account.custom_fields = {**(account.custom_fields or {}), **_custom_values(traits)}


def _custom_values(traits: dict[str, Any]) -> dict[str, Any]:
    """Other traits as custom fields, synced from Segment (defined on first sight)."""
    values: dict[str, Any] = {}
    candidates = {
        KEY_UNSAFE.sub("_", trait.lower()).strip("_")[:64]: (trait, value)
        for trait, value in traits.items()
        if trait not in HANDLED_ACCOUNT_TRAITS
        and value is not None
        and not isinstance(value, dict | list)
    }
    if not candidates:
        return values
    definitions = {
        d.key: d
        for d in CustomFieldDefinition.objects.filter(entity=Entity.ACCOUNT, key__in=candidates)
    }
    standard = {f.name for f in Account._meta.get_fields()}
    for key, (trait, value) in candidates.items():
        if not key or key in standard:
            continue
        definition = definitions.get(key)
        if definition is None:
            kind = (
                FieldType.BOOLEAN
                if isinstance(value, bool)
                else FieldType.NUMBER
                if isinstance(value, int | float)
                else FieldType.TEXT
            )
            definition = CustomFieldDefinition.objects.create(
                entity=Entity.ACCOUNT,
                key=key,
                label=trait[:100],
                field_type=kind,
                is_synced=True,
                source=SOURCE,
            )
        try:
            values[key] = clean_value(definition, value)
        except ValueError as exc:
            log.info("group: trait %r not kept as custom field %s: %s", trait, key, exc)
    return values


def _alias(message: Message, result: Resolution) -> None:
    """``previousId`` (an anonymous id or an old user id) is now ``userId``."""
    assert message.user_id and message.previous_id
    contact_id = _contacts_by_user_id({message.user_id})[message.user_id]
    contact = Contact.objects.get(pk=contact_id)
    previous = (
        Contact.objects.filter(external_id=message.previous_id).exclude(pk=contact.pk).first()
    )
    if previous is not None:
        # An old user id: its events become the new contact's.
        events = Event.objects.filter(Q(contact=previous))
        accounts = set(events.exclude(account__isnull=True).values_list("account_id", flat=True))
        events.update(contact=contact)
        _ensure_memberships(((contact.pk, account_id) for account_id in accounts), result)
        result.rebuild_accounts |= accounts
        result.aliases[message.previous_id] = message.user_id
        return
    _link_anonymous(message.previous_id, contact, result)
