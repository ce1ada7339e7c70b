"""Shapes of the customers API (``panorama.customers.api``): what it reads and what it accepts.

Bodies are strict: a field the API does not know is refused (``extra="forbid"``, a 422 naming
each one), texts are bounded by their column's length and may not hold NUL characters (which
PostgreSQL refuses). Relations are written as ids under the model's field name (``"stage": 3``)
and read back as small objects (``"stage": {"id": 3, "name": "Run"}``), so an error about
``stage`` names the field the client sent. What only the models know (e-mail and URL formats,
hierarchy cycles, custom values, synced fields, uniqueness) is checked on save and answered
400/409 naming the field (see ``panorama.config.api``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from panorama.customers.custom_fields import TEXT_MAX_LENGTH, FieldType
from panorama.customers.models import (
    AccountStatus,
    AccountType,
    BuyingRole,
    Entity,
    QualificationState,
    Segment,
    ServiceTier,
)

MAX_ID = 2**63 - 1  # the largest primary key any supported database stores


def _storable(value: str) -> str:
    """Refuse what a database cannot store as text: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _strip(value: str) -> str:
    return value.strip()


Text60 = Annotated[str, Field(max_length=60), AfterValidator(_storable)]
Text100 = Annotated[str, Field(max_length=100), AfterValidator(_storable)]
Text150 = Annotated[str, Field(max_length=150), AfterValidator(_storable)]
Text253 = Annotated[str, Field(max_length=253), AfterValidator(_storable)]
Text254 = Annotated[str, Field(max_length=254), AfterValidator(_storable)]
Text255 = Annotated[str, Field(max_length=255), AfterValidator(_storable)]
Url500 = Annotated[str, Field(max_length=500), AfterValidator(_storable)]
LongText = Annotated[str, Field(max_length=20_000), AfterValidator(_storable)]
SearchText = Annotated[str, Field(max_length=200), AfterValidator(_storable)]
# A name people see in lists: surrounding blanks dropped, something must remain.
Name60 = Annotated[
    str, Field(min_length=1, max_length=60), AfterValidator(_storable), AfterValidator(_strip)
]
Name100 = Annotated[
    str, Field(min_length=1, max_length=100), AfterValidator(_storable), AfterValidator(_strip)
]
Name200 = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_storable), AfterValidator(_strip)
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#1a2b3c"])]
CustomKey = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,64}$")]
# What a custom field may hold in JSON; the definition's type is checked on save.
CustomValue = (
    StrictBool
    | StrictInt
    | StrictFloat
    | Annotated[str, Field(max_length=TEXT_MAX_LENGTH), AfterValidator(_storable)]
    | None
)
CustomValues = Annotated[
    dict[CustomKey, CustomValue],
    Field(
        description="Custom field values by key; null clears one. In a PATCH only the keys "
        "sent change."
    ),
]


def _empty_is_none(value: str | None) -> str | None:
    return value or None


ExternalId = Annotated[Text255 | None, AfterValidator(_empty_is_none)]


def as_aware(value: dt.datetime) -> dt.datetime:
    """A time with a zone (the organisation's when none is given), within what databases store.

    Times so close to year 1 or 9999 that they leave the calendar in UTC are clamped: as a
    lower bound they still mean "everything", as an upper one "nothing".
    """
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return (
            dt.datetime.min.replace(tzinfo=dt.UTC)
            if value.year == 1
            else dt.datetime.max.replace(tzinfo=dt.UTC)
        )


Since = Annotated[
    dt.datetime | None,
    AfterValidator(lambda v: None if v is None else as_aware(v)),
    Field(description="Only records changed at or after this time (ISO 8601)."),
]


class StrictBody(Schema):
    """A request body: unknown fields are refused, each named in the answer."""

    model_config = ConfigDict(extra="forbid")


# Answers shared by every operation


class ErrorOut(Schema):
    """What went wrong, in words."""

    detail: str


class FieldErrorsOut(Schema):
    """Why a write was refused: a summary, and each offending field with its messages.

    ``__all__`` holds errors about the record as a whole.
    """

    detail: str
    errors: dict[str, list[str]] = {}


class PageParams(Schema):
    """Keyset paging: records by id, ascending."""

    limit: int = Field(50, ge=1, le=200, description="Records per page.")
    after: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The `next` cursor of the previous page."
    )


# Small references embedded in answers


class UserRefOut(Schema):
    id: int
    name: str
    email: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.get_full_name() or obj.email)


class NamedRefOut(Schema):
    """A stage, plan or account as other records show it."""

    id: int
    name: str


class ContactRefOut(Schema):
    """Who a record is about; ``name`` is empty when only an e-mail or id is known."""

    id: int
    name: str
    email: str | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.full_name)


# Tags


class TagOut(Schema):
    id: int
    name: str
    colour: str


class TagPageOut(Schema):
    items: list[TagOut]
    next: str | None


class TagIn(StrictBody):
    name: Name60
    colour: Colour = "#6366f1"


class TagPatch(StrictBody):
    name: Name60 = None  # type: ignore[assignment]  # absent = unchanged; null is refused
    colour: Colour = None  # type: ignore[assignment]


# Custom field definitions


class CustomFieldOut(Schema):
    id: int
    entity: Entity
    key: str
    label: str
    field_type: str
    options: list[str]
    is_synced: bool
    source: str
    is_pinned: bool
    position: int


class CustomFieldPageOut(Schema):
    items: list[CustomFieldOut]
    next: str | None


FieldTypeName = Literal["text", "number", "date", "boolean", "choice"]
assert {t for t, _ in FieldType.CHOICES} == set(get_args(FieldTypeName))
Option = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_storable)]


class CustomFieldIn(StrictBody):
    entity: Entity
    key: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,64}$")]
    label: Name100
    field_type: FieldTypeName
    options: Annotated[list[Option], Field(max_length=200)] = []
    is_synced: bool = False
    source: Text60 = ""
    is_pinned: bool = False
    position: Annotated[int, Field(ge=0, le=32767)] = 0


class CustomFieldPatch(StrictBody):
    """What may change of a definition. Its entity, key and type are fixed once created:
    stored values are keyed and typed by them."""

    label: Name100 = None  # type: ignore[assignment]
    options: Annotated[list[Option], Field(max_length=200)] = None  # type: ignore[assignment]
    is_synced: bool = None  # type: ignore[assignment]
    source: Text60 = None  # type: ignore[assignment]
    is_pinned: bool = None  # type: ignore[assignment]
    position: Annotated[int, Field(ge=0, le=32767)] = None  # type: ignore[assignment]


# Accounts


class AccountOut(Schema):
    """An account. ``parent`` is null when there is none or you may not see it."""

    id: int
    name: str
    domain: str
    external_id: str | None
    logo_url: str
    industry: str
    employee_count: int | None
    annual_revenue: Decimal | None
    city: str
    country: str
    linkedin_url: str
    description: str
    parent: NamedRefOut | None
    account_type: str
    owner: UserRefOut | None
    stage: NamedRefOut | None
    status: str
    segment: str
    service_tier: str
    plan: NamedRefOut | None
    customer_since: dt.date | None
    csm_pulse: int | None
    qualification_state: str
    tags: list[TagOut]
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_parent(obj: Any) -> Any:
        # Set by the API for every account it answers with: a parent outside the caller's
        # book is not even named (a missing attribute fails loudly instead of leaking).
        return obj.visible_parent

    @staticmethod
    def resolve_tags(obj: Any) -> list[Any]:
        return list(obj.tags.all())


class AccountPageOut(Schema):
    items: list[AccountOut]
    next: str | None


class AccountFields(StrictBody):
    """The writable fields of an account, with the defaults of a new one."""

    domain: Text253 = ""
    external_id: ExternalId = Field(
        None,
        description="The product's id for it (Segment groupId). Settable while empty, "
        "read-only once set.",
    )
    logo_url: Url500 = ""
    industry: Text100 = ""
    employee_count: Annotated[int, Field(ge=0, le=2_147_483_647)] | None = None
    annual_revenue: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)] | None = None
    city: Text100 = ""
    country: Text100 = ""
    linkedin_url: Url500 = ""
    description: LongText = ""
    parent: Id | None = Field(None, description="Id of the parent account.")
    account_type: AccountType = AccountType.COMPANY
    owner: Id | None = Field(None, description="Id of the owning user (CSM); default: you.")
    stage: Id | None = Field(None, description="Id of the lifecycle stage.")
    status: AccountStatus = AccountStatus.TRIAL
    segment: Segment | Literal[""] = ""
    service_tier: ServiceTier | Literal[""] = ""
    plan: Id | None = Field(None, description="Id of the plan.")
    customer_since: dt.date | None = None
    csm_pulse: Annotated[int, Field(ge=1, le=5)] | None = None
    qualification_state: QualificationState | Literal[""] = ""
    custom_fields: CustomValues = {}


class AccountIn(AccountFields):
    name: Name200


class AccountPatch(AccountFields):
    """Only the fields sent change."""

    name: Name200 = None  # type: ignore[assignment]


class AccountFilters(PageParams):
    stage: Id | None = Field(None, description="Lifecycle stage id.")
    owner: Id | None = Field(None, description="Owner (user) id.")
    parent: Id | None = Field(None, description="Direct sub-accounts of this account id.")
    status: AccountStatus | None = None
    tag: Id | None = Field(None, description="Accounts carrying this tag id.")
    external_id: Text255 | None = None
    q: SearchText | None = Field(None, description="Part of the name or domain.")
    updated_since: Since = None


# Contacts and memberships


class MembershipOut(Schema):
    """A contact's belonging to an account, with their role there."""

    id: int
    contact: ContactRefOut
    account: NamedRefOut
    role: str
    is_primary: bool
    created_at: dt.datetime


class MembershipPageOut(Schema):
    items: list[MembershipOut]
    next: str | None


class ContactMembershipOut(Schema):
    """One of the contact's accounts, with their role there."""

    id: int
    account: NamedRefOut
    role: str
    is_primary: bool


class ContactOut(Schema):
    """A contact; ``memberships`` lists only the accounts you may see."""

    id: int
    email: str | None
    first_name: str
    last_name: str
    full_name: str
    title: str
    phone: str
    avatar_url: str
    external_id: str | None
    traits: dict[str, Any]
    buying_role: str
    is_sponsor: bool
    custom_fields: dict[str, Any]
    memberships: list[ContactMembershipOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_memberships(obj: Any) -> list[Any]:
        # Set by the API: memberships in accounts the caller may see, never the others.
        return list(obj.visible_memberships)


class ContactPageOut(Schema):
    items: list[ContactOut]
    next: str | None


class ContactFields(StrictBody):
    email: Text254 | None = Field(None, description="Unique; stored lower-case.")
    first_name: Text100 = ""
    last_name: Text100 = ""
    title: Text150 = ""
    phone: Annotated[str, Field(max_length=50), AfterValidator(_storable)] = ""
    avatar_url: Url500 = ""
    external_id: ExternalId = Field(
        None,
        description="The product's id for them (Segment userId). Settable while empty, "
        "read-only once set.",
    )
    buying_role: BuyingRole | Literal[""] = ""
    is_sponsor: bool = False
    custom_fields: CustomValues = {}


Role = Annotated[str, Field(max_length=100), AfterValidator(_storable)]


class ContactIn(ContactFields):
    """A new contact and the account they belong to (a contact always belongs to one)."""

    account: Id = Field(description="Id of an account you may see.")
    role: Role = Field("", description="Their role in that account.")
    is_primary: bool = Field(True, description="That account is their primary one.")


class ContactPatch(ContactFields):
    """Only the fields sent change. ``traits`` are what the product sent (read-only)."""

    traits: Annotated[dict[str, Any], Field(description="Read-only: synced from the product.")] = (
        None  # type: ignore[assignment]
    )


class ContactFilters(PageParams):
    account: Id | None = Field(None, description="Members of this account id.")
    email: Text254 | None = Field(None, description="Exact address, any case.")
    external_id: Text255 | None = None
    q: SearchText | None = Field(None, description="Part of the name or e-mail.")
    is_sponsor: bool | None = None
    updated_since: Since = None


class MembershipIn(StrictBody):
    contact: Id
    account: Id
    role: Role = ""
    is_primary: bool = Field(False, description="Make this the contact's primary account.")


class MembershipPatch(StrictBody):
    role: Role = None  # type: ignore[assignment]
    is_primary: bool = None  # type: ignore[assignment]


class CustomFieldFilters(PageParams):
    entity: Entity | None = None
