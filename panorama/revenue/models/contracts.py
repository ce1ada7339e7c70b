"""Contracts (subscriptions) and invoices.

DESIGN.md "Definitions": a contract is *active* on day D when it has started (start ≤ D) and
not ended (D ≤ end, or no end). Its *notice date* is end - notice period when it renews
tacitly (auto-renew), otherwise its end. An invoice is *overdue* when it is open (issued, not
paid, not void) and its due date is before today.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from panorama.core import clock
from panorama.revenue.models.common import MONEY, OnTimeline, currency_field

MAX_NOTICE_DAYS = 3650


class ContractQuerySet(models.QuerySet["Contract"]):
    def active_on(self, day: dt.date) -> ContractQuerySet:
        """Contracts running on ``day`` (started, and not ended)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class Contract(OnTimeline):
    """A subscription of an account: MRR, term, tacit renewal and notice period.

    ``renewed_from`` links a renewal to the contract it follows; ``deal`` to the deal that
    produced it, if any. A contract without an end date runs until one is set.
    """

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="contracts"
    )
    plan = models.ForeignKey(
        "customers.Plan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    deal = models.ForeignKey(
        "revenue.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    renewed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals"
    )
    external_id = models.CharField(
        "external ID", max_length=255, unique=True, null=True, blank=True
    )
    mrr = models.DecimalField(
        "MRR", **MONEY, validators=[MinValueValidator(0)], help_text="Monthly recurring revenue."
    )
    currency = currency_field()
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    auto_renew = models.BooleanField(
        "auto-renew", default=False, help_text="Renews tacitly unless notice is given."
    )
    notice_period_days = models.PositiveSmallIntegerField(
        "notice period (days)", default=0, validators=[MaxValueValidator(MAX_NOTICE_DAYS)]
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["account", "start_date"], name="contract_account_start"),
            models.Index(fields=["end_date"], name="contract_end"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(mrr__gte=0), name="contract_mrr_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        plan = f"{self.plan} " if self.plan_id is not None else ""
        return f"{plan}contract from {self.start_date:%Y-%m-%d}"

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def notice_date(self) -> dt.date | None:
        """The last day to give notice: end - notice period when it renews tacitly, else end."""
        if self.end_date is None:
            return None
        if self.auto_renew:
            return self.end_date - dt.timedelta(days=self.notice_period_days)
        return self.end_date

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def days_to_renewal(self, today: dt.date) -> int | None:
        """Days from ``today`` to the notice date (negative once it has passed)."""
        notice = self.notice_date
        return None if notice is None else (notice - today).days

    def normalise(self) -> None:
        self.currency = (self.currency or "").strip().upper()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.end_date is not None and self.start_date and self.end_date <= self.start_date:
            errors["end_date"] = "A contract ends after it starts."
        if self.renewed_from_id is not None:
            if self.renewed_from_id == self.pk:
                errors["renewed_from"] = "A contract cannot renew itself."
            elif self.renewed_from is not None and self.renewed_from.account_id != self.account_id:
                errors["renewed_from"] = "The renewed contract belongs to another account."
        if self.deal is not None and self.deal.account_id != self.account_id:
            errors["deal"] = "The deal belongs to another account."
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class PaymentStatus(models.TextChoices):
    """What an invoice (or an account's invoices) means for payment, on a given day."""

    DRAFT = "draft", "Draft"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class Invoice(OnTimeline):
    """A bill sent to an account, paid in full on ``paid_on`` or not at all.

    ``status`` is what was done with it (draft, open = issued and awaiting payment, paid,
    void); whether it is *overdue* depends on the day, so it is computed, never stored.
    """

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="invoices"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    number = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = currency_field()
    status = models.CharField(
        max_length=5, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    issued_on = models.DateField()
    due_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["account", "status", "due_on"], name="invoice_account_status")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(
                condition=(Q(status="paid") & Q(paid_on__isnull=False))
                | (~Q(status="paid") & Q(paid_on__isnull=True)),
                name="invoice_paid_iff_paid_on",
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("issued_on")),
                name="invoice_paid_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == InvoiceStatus.OPEN and self.due_on < today

    def payment_status(self, today: dt.date) -> str:
        if self.status == InvoiceStatus.OPEN:
            return PaymentStatus.OVERDUE if self.due_on < today else PaymentStatus.DUE
        return str(self.status)

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_on).days if self.is_overdue(today) else 0

    def normalise(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        self.number = (self.number or "").strip()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.issued_on and self.due_on and self.due_on < self.issued_on:
            errors["due_on"] = "An invoice cannot be due before it is issued."
        if self.status == InvoiceStatus.PAID:
            if self.paid_on is None:
                errors["paid_on"] = "A paid invoice has a payment date."
            elif self.issued_on and self.paid_on < self.issued_on:
                errors["paid_on"] = "An invoice cannot be paid before it is issued."
        elif self.paid_on is not None:
            errors["paid_on"] = "Only a paid invoice has a payment date."
        if self.contract is not None and self.contract.account_id != self.account_id:
            errors["contract"] = "The contract belongs to another account."
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)
