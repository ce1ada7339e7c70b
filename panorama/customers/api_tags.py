"""Tags and custom field definitions in the REST API: the organisation's shared vocabulary.

Everyone lists them. Anyone may create a tag and put it on or take it off an account they
may see (recorded in that account's history); renaming, recolouring and deleting a tag
changes every account carrying it, so only admins may. Custom field definitions are set up
by admins only; their values are written through the account and contact endpoints.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from panorama.core.visibility import access_account
from panorama.customers import services
from panorama.customers.api_base import (
    READ_ERRORS,
    WRITE_ERRORS,
    authored_by,
    caller,
    keyset_page,
    require_admin,
)
from panorama.customers.models import CustomFieldDefinition, Tag
from panorama.customers.schemas import (
    CustomFieldFilters,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPageOut,
    CustomFieldPatch,
    PageParams,
    TagIn,
    TagOut,
    TagPageOut,
    TagPatch,
)

router = Router()


def _tag(pk: int) -> Tag:
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise Http404("No such tag")
    return tag


def _custom_field(pk: int) -> CustomFieldDefinition:
    definition = CustomFieldDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise Http404("No such custom field")
    return definition


@router.get("/tags", response={200: TagPageOut, **READ_ERRORS}, tags=["tags"])
def list_tags(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Every custom tag, by id."""
    return keyset_page(Tag.objects.all(), paging)


@router.post("/tags", response={201: TagOut, **WRITE_ERRORS}, tags=["tags"])
def create_tag(request: HttpRequest, payload: TagIn) -> Status[Tag]:
    """Create a tag; its name is unique whatever the case, and not a system tag's."""
    with authored_by(request):
        tag = services.save_tag(tag=Tag(), changes=payload.model_dump())
    return Status(201, tag)


@router.patch("/tags/{tag_id}", response={200: TagOut, **WRITE_ERRORS}, tags=["tags"])
def update_tag(request: HttpRequest, tag_id: int, payload: TagPatch) -> Tag:
    """Rename or recolour a tag (admins only)."""
    require_admin(caller(request), "rename or recolour tags")
    tag = _tag(tag_id)
    with authored_by(request):
        return services.save_tag(tag=tag, changes=payload.model_dump(exclude_unset=True))


@router.delete("/tags/{tag_id}", response={204: None, **WRITE_ERRORS}, tags=["tags"])
def delete_tag(request: HttpRequest, tag_id: int) -> Status[None]:
    """Delete a tag, taking it off every account first (admins only)."""
    require_admin(caller(request), "delete tags")
    tag = _tag(tag_id)
    with authored_by(request):
        services.delete_tag(tag=tag)
    return Status(204, None)


@router.put(
    "/accounts/{account_id}/tags/{tag_id}",
    response={200: list[TagOut], **WRITE_ERRORS},
    tags=["tags"],
)
def tag_account(request: HttpRequest, account_id: int, tag_id: int) -> list[Tag]:
    """Put a tag on an account (no change if it is there); answers the account's tags."""
    account = access_account(caller(request), account_id)
    tag = _tag(tag_id)
    with authored_by(request), transaction.atomic():
        account.tags.add(tag)  # the m2m receiver writes the account's history
    return list(account.tags.all())


@router.delete(
    "/accounts/{account_id}/tags/{tag_id}",
    response={200: list[TagOut], **WRITE_ERRORS},
    tags=["tags"],
)
def untag_account(request: HttpRequest, account_id: int, tag_id: int) -> list[Tag]:
    """Take a tag off an account (no change if it is not there); answers the account's tags."""
    account = access_account(caller(request), account_id)
    tag = _tag(tag_id)
    with authored_by(request), transaction.atomic():
        account.tags.remove(tag)
    return list(account.tags.all())


@router.get(
    "/custom-fields", response={200: CustomFieldPageOut, **READ_ERRORS}, tags=["custom fields"]
)
def list_custom_fields(request: HttpRequest, filters: Query[CustomFieldFilters]) -> dict[str, Any]:
    """The custom field definitions of accounts and contacts, by id."""
    definitions = CustomFieldDefinition.objects.all()
    if filters.entity is not None:
        definitions = definitions.filter(entity=filters.entity)
    return keyset_page(definitions, filters)


@router.post(
    "/custom-fields", response={201: CustomFieldOut, **WRITE_ERRORS}, tags=["custom fields"]
)
def create_custom_field(
    request: HttpRequest, payload: CustomFieldIn
) -> Status[CustomFieldDefinition]:
    """Define a custom field (admins only)."""
    require_admin(caller(request), "define custom fields")
    with authored_by(request):
        definition = services.define_custom_field(values=payload.model_dump())
    return Status(201, definition)


@router.patch(
    "/custom-fields/{field_id}",
    response={200: CustomFieldOut, **WRITE_ERRORS},
    tags=["custom fields"],
)
def update_custom_field(
    request: HttpRequest, field_id: int, payload: CustomFieldPatch
) -> CustomFieldDefinition:
    """Change a custom field's label, options, sync or display (admins only)."""
    require_admin(caller(request), "change custom fields")
    definition = _custom_field(field_id)
    with authored_by(request):
        return services.update_custom_field(
            definition=definition, changes=payload.model_dump(exclude_unset=True)
        )


@router.delete(
    "/custom-fields/{field_id}", response={204: None, **WRITE_ERRORS}, tags=["custom fields"]
)
def delete_custom_field(request: HttpRequest, field_id: int) -> Status[None]:
    """Delete a custom field and its values on every record (admins only)."""
    require_admin(caller(request), "delete custom fields")
    definition = _custom_field(field_id)
    with authored_by(request):
        services.delete_custom_field(definition=definition)
    return Status(204, None)
