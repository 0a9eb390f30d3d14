"""Models of the permitting steps. Foreign keys name permits models by string
("permits.ServiceRequest"): this module is imported at the end of permits/models.py,
which is where Django looks for the app's models."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- payments ---------------------------------------------------------------------------------

#: The widest amount the gateway library can record (its Bank.amount is a 10-character text).
PAYMENT_MAX_RIALS = 9_999_999_999


class PaymentStatus(models.TextChoices):
    STARTED = "started", _("Started")  # sent to the bank, not yet back
    PAID = "paid", _("Paid")  # verified with the bank
    FAILED = "failed", _("Failed")  # cancelled at the bank, refused, or not confirmed
    ABANDONED = "abandoned", _("Abandoned")  # never came back; replaced by a newer one


class PaymentDue(models.Model):
    """What the server asks a request to pay, in Rials. The fee assessment writes it;
    `permits.permitting.payments.payable_amount` is the one place that reads it."""

    request = models.OneToOneField(
        "permits.ServiceRequest", on_delete=models.CASCADE, related_name="payment_due"
    )
    amount_due_rials = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_due_rials__gt=0), name="payment_due_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.amount_due_rials}"


class Payment(models.Model):
    """One attempt to pay a request's fees online. `key` is its public name (URLs, the
    bank's order id); the library's own `Bank` record holds the gateway's state."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        "permits.ServiceRequest", on_delete=models.PROTECT, related_name="payments"
    )
    amount_rials = models.PositiveBigIntegerField()
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.STARTED
    )
    bank = models.OneToOneField(
        "azbankgateways.Bank",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_payment",
    )
    redirect_url = models.URLField(max_length=500, blank=True)  # the bank's payment page
    gateway_reference = models.CharField(max_length=64, blank=True)  # the bank's ref_id
    receipt_number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    failure_code = models.IntegerField(null=True, blank=True)  # the bank's status code
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # paid, failed or abandoned

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_rials__gt=0, amount_rials__lte=PAYMENT_MAX_RIALS),
                name="payment_amount_in_range",
            ),
            # Two clicks pay once: one paid payment, and one in progress, per request.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="paid"),
                name="payment_one_paid_per_request",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="started"),
                name="payment_one_started_per_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (
                    Q(paid_at__isnull=False, receipt_number__isnull=False)
                    & ~Q(gateway_reference="")
                ),
                name="payment_paid_has_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.status} {self.amount_rials}"
