"""Models of the permitting steps. Foreign keys name permits models by string
("permits.ServiceRequest"): this module is imported at the end of permits/models.py,
which is where Django looks for the app's models."""

import os
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# permits.models is loaded before this module (it imports it at its end), so its
# abstract bases are defined by the time this line runs.
from permits.models import Bilingual

# --- documents ---------------------------------------------------------------------------


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, which no URL serves: the only way out is a
    view that checks who is asking (permits/permitting/documents_views.py). The root is
    read on each use so a test or deployment setting applies without re-importing."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("private files have no URL; they are served by a checked view")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of request documents (a callable, so migrations name this function)."""
    return _private_storage


class DocumentType(models.TextChoices):
    """Kinds of file a requirement may accept, as detected from the content."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


def all_document_types() -> list[str]:
    return list(DocumentType.values)


class RequiredWhen(models.TextChoices):
    """When a `required` document is required: always, or only under a condition the
    filing form knows (e.g. a power of attorney when an agent files)."""

    ALWAYS = "", _("Always")
    AGENT = "agent", _("When an agent files")


class DocumentRequirement(Bilingual):
    """A document a service asks for (part of the catalogue, edited in the admin)."""

    service_type = models.ForeignKey(
        "permits.ServiceType", on_delete=models.CASCADE, related_name="document_requirements"
    )
    code = models.SlugField(max_length=64)
    required = models.BooleanField(default=True)
    required_when = models.CharField(
        max_length=16, choices=RequiredWhen.choices, default=RequiredWhen.ALWAYS, blank=True
    )
    allowed_types = ArrayField(
        models.CharField(max_length=8, choices=DocumentType.choices),
        default=all_document_types,
        help_text=_("Comma-separated: pdf, jpeg, png."),
    )
    max_bytes = models.PositiveIntegerField(default=10 * 1024 * 1024)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["service_type", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_type", "code"], name="document_requirement_once_per_service"
            )
        ]

    def required_for(self, *, agent: bool) -> bool:
        """Whether this document must be given, for a request filed by an agent or not."""
        if not self.required:
            return False
        return self.required_when != RequiredWhen.AGENT or agent


class UploadedBy(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    STAFF = "staff", _("Staff")


def document_path(instance, filename: str) -> str:
    """A random name with the extension of the detected type: nothing of the uploaded
    file name reaches the disk (the sanitised name is kept in the row)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{extension}"


class RequestDocument(models.Model):
    """A document given with a request, checked by content (permits/permitting/documents.py)
    and kept in private storage. `requirement` is empty for an extra document."""

    # Indexed as the first column of the Meta index.
    request = models.ForeignKey(
        "permits.ServiceRequest",
        on_delete=models.CASCADE,
        related_name="documents",
        db_index=False,
    )
    requirement = models.ForeignKey(
        DocumentRequirement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    original_name = models.CharField(max_length=150)  # sanitised, for Content-Disposition
    content_type = models.CharField(max_length=40)  # detected from the content
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)  # of the stored bytes
    pages = models.PositiveIntegerField(null=True, blank=True)  # PDFs only
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.CharField(max_length=10, choices=UploadedBy.choices)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["request", "uploaded_at"], name="document_request_time_idx")
        ]

    def __str__(self) -> str:
        return self.original_name


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
