"""Writes of the customer domain that do more than save one row.

Each function runs in one transaction (nothing is half-written), takes keyword arguments and
raises ``django.core.exceptions.ValidationError`` keyed by the field at fault; the API answers
those 400, or 409 for a conflict with other records (codes in ``CONFLICT_CODES``). Attribute
history is written by the models' own ``save()`` and the m2m receivers, attributed to the
current actor: callers set it with ``core.actors.acting_as``.

``values``/``changes`` use the API's field names, which are the models' field names with
relations given as ids (``{"stage": 3}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.fields.json import KeyTextTransform

from panorama.core.audit import log_change, values_of
from panorama.core.models import ChangeAction, User
from panorama.core.visibility import visible_accounts
from panorama.customers.custom_fields import FieldType
from panorama.customers.models import (
    Account,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
    Plan,
    Stage,
    Tag,
    normalise_email,
)

# Error codes the API answers with 409 Conflict rather than 400.
CONFLICT_CODES = frozenset({"unique", "unique_together", "conflict"})

ACCOUNT_RELATIONS = ("parent", "owner", "stage", "plan")
READ_ONLY_MESSAGES = {
    "external_id": "is the product's id for this record (Segment); it is read-only once set.",
    "traits": "are synced from the product (Segment identify) and read-only.",
}


def conflict(field: str, message: str) -> ValidationError:
    """An error about ``field`` that the API answers 409: the write collides with other
    records (a duplicate, a record still in use), not with the rules of a value."""
    return ValidationError({field: ValidationError(message, code="conflict")})


def validated_save(instance: models.Model, *, fields: Iterable[str] | None = None) -> None:
    """Check ``instance`` as a form would, then save it; raise a ValidationError naming fields.

    Checks each of ``fields`` (default: all) for type, length, choices and format, and the
    uniqueness rules; the model's own ``save()`` then runs its ``clean()`` (hierarchy, custom
    values, synced fields). A race that still breaks a unique constraint is a conflict too.
    """
    exclude = None
    if fields is not None:
        wanted = set(fields)
        exclude = {f.name for f in instance._meta.concrete_fields if f.name not in wanted}
    errors: dict[str, Any] = {}
    for check in (instance.clean_fields, instance.validate_unique):
        try:
            check(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise conflict(NON_FIELD_ERRORS, "Conflicts with another record saved meanwhile.") from exc


def delete_or_refuse(instance: models.Model) -> None:
    """Delete ``instance`` (and what cascades from it), or refuse with 409 if something
    protects it, saying what."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = sorted({obj._meta.verbose_name_plural for obj in exc.args[1]})
        raise conflict(
            NON_FIELD_ERRORS, f"Still referenced by {', '.join(map(str, blocking))}."
        ) from exc


def _refuse_read_only(instance: Account | Contact, changes: Mapping[str, Any]) -> None:
    """A 400 naming each integration-owned standard field the changes would alter."""
    errors = {}
    if "external_id" in changes and instance.external_id not in (None, "", changes["external_id"]):
        errors["external_id"] = f"external_id {READ_ONLY_MESSAGES['external_id']}"
    if "traits" in changes and changes["traits"] != getattr(instance, "traits", None):
        errors["traits"] = f"traits {READ_ONLY_MESSAGES['traits']}"
    if errors:
        raise ValidationError(errors)


def _assign(instance: Account | Contact, values: Mapping[str, Any]) -> None:
    """Set ``values`` on ``instance``; custom values merge into the stored ones."""
    for name, value in values.items():
        if name == "traits":
            continue  # read-only, and equal to the stored value by now
        if name == "email":
            # Lower-cased before the uniqueness check, as the model stores it.
            value = normalise_email(value)
        if name == "custom_fields":
            merged = {**(instance.custom_fields or {}), **value}
            instance.custom_fields = {k: v for k, v in merged.items() if v is not None}
        elif name in ACCOUNT_RELATIONS and isinstance(instance, Account):
            setattr(instance, f"{name}_id", value)
        else:
            setattr(instance, name, value)


def _check_account_relations(*, by: User, values: Mapping[str, Any]) -> None:
    """Each related id must exist, and a parent must be an account ``by`` may see."""
    errors = {}
    parent, owner = values.get("parent"), values.get("owner")
    if parent is not None and not visible_accounts(by).filter(pk=parent).exists():
        errors["parent"] = "No such account."
    if owner is not None and not User.objects.filter(pk=owner, is_active=True).exists():
        errors["owner"] = "No such active user."
    if values.get("stage") is not None and not Stage.objects.filter(pk=values["stage"]).exists():
        errors["stage"] = "No such lifecycle stage."
    if values.get("plan") is not None and not Plan.objects.filter(pk=values["plan"]).exists():
        errors["plan"] = "No such plan."
    if errors:
        raise ValidationError(errors)


def _keep_in_book(account: Account, *, by: User) -> None:
    """``by`` follows an account they made or handed to someone else, so it stays theirs
    to see (a member only sees the accounts they own or follow)."""
    if not visible_accounts(by).filter(pk=account.pk).exists():
        account.team_members.add(by)


def _model_fields(values: Mapping[str, Any]) -> set[str]:
    """The model fields that ``values`` (API names) touch."""
    return set(values) - {"traits"}


@transaction.atomic
def create_account(*, values: Mapping[str, Any], by: User) -> Account:
    """Create an account from API ``values``; the model's defaults fill what is not given.

    The owner defaults to ``by``. Whoever the owner is, ``by`` keeps seeing the account.
    """
    values = dict(values)
    values.setdefault("owner", by.pk)
    _check_account_relations(by=by, values=values)
    account = Account()
    _assign(account, values)
    validated_save(account, fields=_model_fields(values) - set(ACCOUNT_RELATIONS))
    _keep_in_book(account, by=by)
    return account


@transaction.atomic
def update_account(*, account: Account, changes: Mapping[str, Any], by: User) -> Account:
    """Apply ``changes`` (only the fields sent) to ``account``, all or nothing.

    Refused with the field named: a synced field or custom field, a parent that would make
    a cycle or that ``by`` may not see, an invalid value. Handing the account to another
    owner leaves ``by`` following it.
    """
    _refuse_read_only(account, changes)
    _check_account_relations(by=by, values=changes)
    _assign(account, changes)
    validated_save(account, fields=_model_fields(changes) - set(ACCOUNT_RELATIONS))
    if "owner" in changes:
        _keep_in_book(account, by=by)
    return account


@transaction.atomic
def delete_account(*, account: Account) -> None:
    """Delete an account with its memberships, usage and history.

    Its sub-accounts move to the top of the hierarchy through ``save()``, so their history
    says when and by whom (a database ``SET NULL`` would record nothing).
    """
    for child in Account.objects.filter(parent_id=account.pk):
        child.parent = None
        child.save(update_fields=["parent"])
    delete_or_refuse(account)


@transaction.atomic
def create_contact(
    *, values: Mapping[str, Any], account: Account, role: str = "", is_primary: bool = True
) -> Contact:
    """Create a contact and their membership of ``account`` (a contact always belongs to
    at least one account: one in none would be visible to nobody)."""
    contact = Contact()
    _assign(contact, values)
    validated_save(contact, fields=_model_fields(values))
    membership = Membership(contact=contact, account=account, role=role, is_primary=is_primary)
    validated_save(membership)
    return contact


@transaction.atomic
def update_contact(*, contact: Contact, changes: Mapping[str, Any]) -> Contact:
    """Apply ``changes`` (only the fields sent) to ``contact``, all or nothing."""
    _refuse_read_only(contact, changes)
    _assign(contact, changes)
    validated_save(contact, fields=_model_fields(changes))
    return contact


def _make_primary(membership: Membership) -> None:
    """Take the primary flag from the contact's other memberships (one primary each)."""
    Membership.objects.filter(contact_id=membership.contact_id, is_primary=True).exclude(
        pk=membership.pk
    ).update(is_primary=False)


@transaction.atomic
def add_membership(
    *, contact: Contact, account: Account, role: str = "", is_primary: bool = False
) -> Membership:
    """Make ``contact`` a member of ``account``; as primary, the flag moves here."""
    if Membership.objects.filter(contact=contact, account=account).exists():
        raise conflict("account", "The contact already belongs to this account.")
    membership = Membership(contact=contact, account=account, role=role, is_primary=is_primary)
    if is_primary:
        _make_primary(membership)
    validated_save(membership)
    log_change(record=membership, account=account, action=ChangeAction.CREATED)
    return membership


@transaction.atomic
def update_membership(*, membership: Membership, changes: Mapping[str, Any]) -> Membership:
    """Change the role or primary flag; a membership made primary takes the flag from the
    contact's other accounts."""
    before = values_of(membership, list(changes))
    for name, value in changes.items():
        setattr(membership, name, value)
    if changes.get("is_primary"):
        _make_primary(membership)
    validated_save(membership, fields=changes.keys())
    log_change(
        record=membership,
        account=membership.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=values_of(membership, list(changes)),
    )
    return membership


@transaction.atomic
def remove_membership(*, membership: Membership) -> None:
    """End a contact's membership of an account; their last one cannot end (delete the
    contact instead), or nobody could see them any more."""
    if (
        not Membership.objects.filter(contact_id=membership.contact_id)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise conflict(
            NON_FIELD_ERRORS, "This is the contact's only account; delete the contact instead."
        )
    log_change(
        record=membership,
        account=membership.account,
        action=ChangeAction.DELETED,
        before=values_of(membership, ["contact", "account", "role", "is_primary"]),
    )
    membership.delete()


@transaction.atomic
def delete_contact(*, contact: Contact) -> None:
    """Delete a contact with their memberships, usage and history (409 if protected)."""
    delete_or_refuse(contact)


def check_tag_name(tag: Tag) -> None:
    """Tag names are unique whatever their case: say so, naming the field."""
    name = tag.name.strip()
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise conflict("name", f"A tag named {name!r} already exists.")


@transaction.atomic
def save_tag(*, tag: Tag, changes: Mapping[str, Any]) -> Tag:
    """Create or change a tag: name unique (any case), not a system tag's, colour #rrggbb."""
    for name, value in changes.items():
        setattr(tag, name, value)
    check_tag_name(tag)
    validated_save(tag, fields=changes.keys())
    return tag


@transaction.atomic
def delete_tag(*, tag: Tag) -> None:
    """Delete a tag; every account carrying it loses it first, so their history says so."""
    tag.accounts.clear()
    tag.delete()


@transaction.atomic
def define_custom_field(*, values: Mapping[str, Any]) -> CustomFieldDefinition:
    """Define a custom field; its key is unique among the entity's fields, standard ones
    included (checked by the model)."""
    definition = CustomFieldDefinition(**values)
    taken = CustomFieldDefinition.objects.filter(entity=definition.entity, key=definition.key)
    if taken.exists():
        raise conflict(
            "key", f"A custom field of {definition.entity}s has the key {definition.key!r}."
        )
    validated_save(definition)
    return definition


def _holders(definition: CustomFieldDefinition) -> models.QuerySet[Any]:
    """The accounts or contacts that hold a value for ``definition``."""
    model: type[Account] | type[Contact] = (
        Account if definition.entity == Entity.ACCOUNT else Contact
    )
    return model.objects.filter(custom_fields__has_key=definition.key)


@transaction.atomic
def update_custom_field(
    *, definition: CustomFieldDefinition, changes: Mapping[str, Any]
) -> CustomFieldDefinition:
    """Change a definition; a choice may not lose an option that records still hold."""
    if "options" in changes and definition.field_type == FieldType.CHOICE:
        used = set(
            _holders(definition)
            .annotate(value=KeyTextTransform(definition.key, "custom_fields"))
            .order_by()
            .values_list("value", flat=True)
            .distinct()
        )
        dropped = sorted(str(v) for v in used - set(changes["options"]) if v is not None)
        if dropped:
            raise conflict("options", f"Still held by records, so kept: {', '.join(dropped)}.")
    for name, value in changes.items():
        setattr(definition, name, value)
    validated_save(definition, fields=changes.keys())
    return definition


@transaction.atomic
def delete_custom_field(*, definition: CustomFieldDefinition) -> None:
    """Delete a definition and remove its values from every record, one history row each.

    The definition goes first: a synced field's values can then be removed by a person.
    """
    holders = list(_holders(definition))
    definition.delete()
    for record in holders:
        record.custom_fields.pop(definition.key, None)
        record.save(update_fields=["custom_fields"])
