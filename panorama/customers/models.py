"""The customer domain: accounts (with hierarchy), contacts, memberships, stages, plans, tags,
custom field definitions and the attribute history of every change.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import (
    EmailValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from panorama.core import clock
from panorama.core.actors import current_actor
from panorama.customers.custom_fields import CustomValueError, FieldType, clean_custom_values
from panorama.customers.history import TracksHistory

# Names the system tags (computed by Panorama) will use; custom tags may not take them.
SYSTEM_TAG_NAMES = (
    "Followed accounts",
    "Top customers",
    "Incoming renewals",
    "No autorenew",
    "Churn risk",
    "Dropping",
    "Ghosts",
)

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_HIERARCHY_DEPTH = 100


def validate_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(f"{value!r} is not a colour like #1a2b3c", code="invalid_colour")


class AccountStatus(models.TextChoices):
    TRIAL = "trial", "Trial"
    PAYING = "paying", "Paying"
    CHURNED = "churned", "Churned"
    NOT_CONVERTED = "not_converted", "Not converted"


class AccountType(models.TextChoices):
    """What an account stands for (Gainsight: a company, line of business, region or product)."""

    COMPANY = "company", "Company"
    LINE_OF_BUSINESS = "line_of_business", "Line of business"
    REGION = "region", "Region"
    PRODUCT = "product", "Product"


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise", "Enterprise"
    MID_MARKET = "mid_market", "Mid-Market"
    SMB = "smb", "SMB"


class ServiceTier(models.TextChoices):
    HIGH_TOUCH = "high_touch", "High touch"
    MID_TOUCH = "mid_touch", "Mid touch"
    TECH_TOUCH = "tech_touch", "Tech touch"


class QualificationState(models.TextChoices):
    QUALIFIED = "qualified", "Qualified"
    NOT_QUALIFIED = "not_qualified", "Not qualified"


class BuyingRole(models.TextChoices):
    CHAMPION = "champion", "Champion"
    DECISION_MAKER = "decision_maker", "Decision Maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic Buyer"
    INFLUENCER = "influencer", "Influencer"
    BLOCKER = "blocker", "Blocker"
    END_USER = "end_user", "End User"


class Entity(models.TextChoices):
    ACCOUNT = "account", "Account"
    CONTACT = "contact", "Contact"


class Stage(models.Model):
    """A lifecycle stage (trial, onboarding, run, churn…), ordered and coloured by admins.

    ``is_churn`` marks the stage(s) whose customers count as churned: they are left out of
    every KPI and system tag.
    """

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the kanban.")
    colour = models.CharField(max_length=7, default="#64748b", validators=[validate_colour])
    is_churn = models.BooleanField("churn stage", default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """A commercial offer from the price list, with its list MRR."""

    name = models.CharField(max_length=80, unique=True)
    list_mrr = models.DecimalField(
        "list MRR", max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["list_mrr", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A custom tag with a colour. System tags are computed, never stored here."""

    name = models.CharField(max_length=60)
    colour = models.CharField(max_length=7, default="#6366f1", validators=[validate_colour])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = self.name.strip()
        if self.name.casefold() in {n.casefold() for n in SYSTEM_TAG_NAMES}:
            raise ValidationError(
                {"name": f"{self.name!r} is reserved for a system tag; choose another name."}
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        validate_colour(self.colour)
        super().save(*args, **kwargs)


class CustomFieldDefinition(models.Model):
    """An admin-defined attribute of accounts or contacts, with its type and who may write it.

    A *synced* field is filled by an integration (``source`` names it) and is read-only for
    people; an *editable* one may be changed by users. *Pinned* fields are shown at the top of
    the profile page.
    """

    entity = models.CharField(max_length=10, choices=Entity.choices)
    key = models.SlugField(
        max_length=64, help_text="Stable identifier used by the API and imports."
    )
    label = models.CharField(max_length=100)
    field_type = models.CharField("type", max_length=10, choices=FieldType.CHOICES)
    options = models.JSONField(default=list, blank=True, help_text="Allowed values of a choice.")
    is_synced = models.BooleanField(
        "synced (read-only)",
        default=False,
        help_text="Filled by an integration; people can't edit it.",
    )
    source = models.CharField(
        max_length=60, blank=True, help_text="Integration a synced field comes from."
    )
    is_pinned = models.BooleanField("pinned", default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entity", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="custom_field_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_entity_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        model = Account if self.entity == Entity.ACCOUNT else Contact
        standard = {f.name for f in model._meta.get_fields()}
        if self.key in standard:
            errors["key"] = f"{self.key!r} is a standard field of {self.entity}s."
        if self.field_type == FieldType.CHOICE:
            if not isinstance(self.options, list) or not self.options:
                errors["options"] = "A choice field needs a list of options."
            elif not all(isinstance(o, str) and o for o in self.options):
                errors["options"] = "Options must be non-empty texts."
            elif len(set(self.options)) != len(self.options):
                errors["options"] = "Options must be distinct."
        elif self.options:
            errors["options"] = "Only a choice field has options."
        if self.is_synced and not self.source.strip():
            errors["source"] = "A synced field names the integration it comes from."
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        super().save(*args, **kwargs)


def _check_custom_values(instance: Account | Contact, entity: str) -> None:
    """Validate custom values against the definitions and refuse people editing synced ones."""
    definitions = list(CustomFieldDefinition.objects.filter(entity=entity))
    try:
        instance.custom_fields = clean_custom_values(definitions, instance.custom_fields or {})
    except CustomValueError as exc:
        raise ValidationError({"custom_fields": list(exc.errors.values())}) from exc
    if not current_actor().is_person:
        return
    previous = instance._previous_state() or {"custom_fields": {}}
    old = previous["custom_fields"]
    locked = [
        f"Custom field {d.label!r} ({d.key}) is synced from {d.source} and read-only."
        for d in definitions
        if d.is_synced and old.get(d.key) != instance.custom_fields.get(d.key)
    ]
    if locked:
        raise ValidationError({"custom_fields": locked})


class AccountQuerySet(models.QuerySet["Account"]):
    def for_list(self) -> AccountQuerySet:
        """What a list row shows, fetched in the same query."""
        return self.select_related("stage", "owner", "plan")


class Account(TracksHistory):
    """A customer organisation, or a part of one (line of business, region, product).

    Accounts form a hierarchy of any depth through ``parent``; cycles are refused on every
    save. ``external_id`` is the id the customer's product uses for it (Segment's ``groupId``).
    """

    history_fk_name = "account"

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    external_id = models.CharField(
        "external ID",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="The product's id for this account (Segment groupId).",
    )
    logo_url = models.URLField("logo URL", max_length=500, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    linkedin_url = models.URLField("LinkedIn", max_length=500, blank=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name="parent account",
    )
    account_type = models.CharField(
        max_length=20, choices=AccountType.choices, default=AccountType.COMPANY
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        verbose_name="CSM",
    )
    team_members: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="followed_accounts",
        through="AccountFollower",
    )
    stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="lifecycle stage",
    )
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.TRIAL
    )
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    service_tier = models.CharField(max_length=20, choices=ServiceTier.choices, blank=True)
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    customer_since = models.DateField(null=True, blank=True)
    csm_pulse = models.PositiveSmallIntegerField(
        "CSM pulse",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="The CSM's feeling about the account, 1 (bad) to 5 (great).",
    )
    qualification_state = models.CharField(
        max_length=20, choices=QualificationState.choices, blank=True
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="accounts")
    custom_fields = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_idx"),
            models.Index(Lower("name"), name="account_lower_name_idx"),
            models.Index(fields=["domain"], name="account_domain_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(csm_pulse__isnull=True) | Q(csm_pulse__gte=1, csm_pulse__lte=5),
                name="account_csm_pulse_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="account_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account", args=[self.pk])

    def ancestors(self) -> list[Account]:
        """Parent, grandparent… up to the root, nearest first."""
        chain: list[Account] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen and len(chain) < MAX_HIERARCHY_DEPTH:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self) -> None:
        check_web_urls(self, ("logo_url", "linkedin_url"))
        self._check_hierarchy()
        _check_custom_values(self, Entity.ACCOUNT)

    def _check_hierarchy(self) -> None:
        """Refuse a parent that is this account or one of its descendants."""
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "An account cannot be its own parent."})
        node_id: int | None = self.parent_id
        for _ in range(MAX_HIERARCHY_DEPTH):
            if node_id is None:
                return
            if self.pk is not None and node_id == self.pk:
                cycle = "That parent is a sub-account of this account; it would make a cycle."
                raise ValidationError({"parent": cycle})
            node_id = (
                Account._base_manager.filter(pk=node_id).values_list("parent_id", flat=True).first()
            )
        raise ValidationError(
            {"parent": f"The hierarchy is deeper than {MAX_HIERARCHY_DEPTH} levels."}
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class AccountFollower(models.Model):
    """A team member following an account (Skalin's "team members", Salesmachine's followers)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    added_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="account_follower_unique")
        ]
        indexes = [models.Index(fields=["user", "account"], name="follower_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.account}"


_email_validator = EmailValidator(message="Enter a valid e-mail address.")
# Links are rendered as href/src on pages staff open: anything but http(s) (javascript:,
# data:) is refused on every write, whichever way it comes in.
web_url_validator = URLValidator(schemes=["http", "https"])


def check_web_urls(instance: models.Model, names: tuple[str, ...]) -> None:
    """Raise a ValidationError naming each field whose value is not an http(s) URL."""
    errors = {}
    for name in names:
        value = getattr(instance, name)
        if value:
            try:
                web_url_validator(value)
            except ValidationError:
                errors[name] = f"{value[:60]!r} is not an http(s) URL."
    if errors:
        raise ValidationError(errors)


def normalise_email(value: str | None) -> str | None:
    """Strip and lower-case an address; people type the same mailbox in many cases."""
    if value is None:
        return None
    value = value.strip().lower()
    return value or None


class Contact(TracksHistory):
    """A person at a customer: a user of the product or a business contact.

    A contact may belong to several accounts (``Membership``). ``external_id`` is the product's
    id for them (Segment's ``userId``); ``traits`` keeps what integrations sent as-is.
    """

    history_fk_name = "contact"

    email = models.EmailField("e-mail", max_length=254, unique=True, null=True, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField("job title", max_length=150, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    avatar_url = models.URLField("avatar URL", max_length=500, blank=True)
    external_id = models.CharField(
        "external ID",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="The product's id for this person (Segment userId).",
    )
    traits = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    buying_role = models.CharField(max_length=20, choices=BuyingRole.choices, blank=True)
    is_sponsor = models.BooleanField("sponsor", default=False)
    custom_fields = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    accounts: models.ManyToManyField[Account, Any] = models.ManyToManyField(
        Account, through="Membership", related_name="contacts"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return self.full_name or self.email or self.external_id or f"Contact #{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def get_absolute_url(self) -> str:
        return reverse("customers:contact", args=[self.pk])

    def clean(self) -> None:
        self.email = normalise_email(self.email)
        if self.email is not None:
            try:
                _email_validator(self.email)
            except ValidationError as exc:
                raise ValidationError(
                    {"email": f"{self.email!r} is not a valid e-mail address."}
                ) from exc
        check_web_urls(self, ("avatar_url",))
        _check_custom_values(self, Entity.CONTACT)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A contact's belonging to an account, with their role there; one may be primary."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=100, blank=True, help_text="Their role in this account.")
    is_primary = models.BooleanField("primary account", default=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-is_primary", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="membership_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["account", "contact"], name="membership_account_idx")]

    def __str__(self) -> str:
        return f"{self.contact} at {self.account}"


class AttributeChange(models.Model):
    """One change of one field (standard or custom) of an account or a contact.

    ``changed_by`` is the person when a person made it; ``source`` says through what (web,
    admin, api, segment, import, demo, system). Display texts are kept as they were at the
    time, so the history reads right after renames and deletions.
    """

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="attribute_changes"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="attribute_changes"
    )
    field = models.CharField(max_length=100)
    is_custom = models.BooleanField(default=False)
    old_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    new_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    old_display = models.TextField(blank=True)
    new_display = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=50)
    changed_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(account__isnull=False) & Q(contact__isnull=True))
                | (Q(account__isnull=True) & Q(contact__isnull=False)),
                name="attribute_change_one_subject",
            )
        ]
        indexes = [
            models.Index(fields=["account", "-changed_at"], name="attr_change_account_idx"),
            models.Index(fields=["contact", "-changed_at"], name="attr_change_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_display!r} → {self.new_display!r}"

    @property
    def field_label(self) -> str:
        """The field's name as a person reads it."""
        if self.is_custom:
            return self.field
        model = Account if self.account_id is not None else Contact
        try:
            field = model._meta.get_field(self.field)
        except FieldDoesNotExist:  # a field since removed from the model
            return self.field
        return str(getattr(field, "verbose_name", self.field)).capitalize()

    @property
    def author(self) -> str:
        return str(self.changed_by) if self.changed_by is not None else self.source
