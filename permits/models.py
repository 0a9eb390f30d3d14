"""The service catalogue and the requests citizens file against it.

Catalogue: ServiceDomain → ServiceType (Open311 service_code + attribute definitions),
handled by a Department. Requests: ServiceRequest with its append-only history
(RequestEvent, protected by a database trigger), photos (Attachment), supporters
(Support) and the idempotency records that make a retried submission harmless.

`ServiceType.online_districts` empty means the service is online in every district;
otherwise it is online only in the listed districts (e.g. the District 11 pilot).
"""

import uuid

import pgtrigger
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from gis_portal.core.i18n import is_persian
from parcels.models import District, Parcel

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_-]{1,63}$", _("Use lower-case letters, digits, '-' and '_'.")
)

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class Bilingual(models.Model):
    """`name` (and `description` where present) in the active language."""

    name_fa = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_fa if is_persian() else self.name_en

    def __str__(self) -> str:
        return self.name_en


class Department(Bilingual):
    """A municipal department or organisation that handles requests."""

    code = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["code"]


class ServiceDomain(Bilingual):
    """One of the portal's service areas (urban planning & building, green space…)."""

    code = models.SlugField(max_length=64, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]


class ServiceKind(models.TextChoices):
    PERMIT = "permit", _("Permit")
    SERVICE = "service", _("Service request")


class ServiceType(Bilingual):
    """A service a citizen can request (Open311: a service, `code` = service_code).

    `attributes` is the Open311 service definition's attribute list, each item
    `{"code", "datatype", "required", "order", "label_fa", "label_en",
    "description", "values": [{"key", "name_fa", "name_en"}], "min", "max"}`
    (min/max optional, for numbers). Empty `online_districts` = online everywhere.
    """

    code = models.CharField(max_length=64, unique=True, validators=[code_validator])
    domain = models.ForeignKey(ServiceDomain, on_delete=models.PROTECT, related_name="services")
    description_fa = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=ServiceKind.choices, default=ServiceKind.SERVICE)
    attributes = models.JSONField(default=list, blank=True)
    needs_parcel = models.BooleanField(default=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services")
    sla_days = models.PositiveSmallIntegerField(default=14)
    online_districts = models.ManyToManyField(District, blank=True, related_name="online_services")
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["domain__order", "order", "code"]

    @property
    def description(self) -> str:
        return self.description_fa if is_persian() else self.description_en

    @property
    def is_permit(self) -> bool:
        return self.kind == ServiceKind.PERMIT

    def attribute_definitions(self) -> list[dict]:
        return sorted(self.attributes or [], key=lambda item: (item.get("order", 0), item["code"]))

    def clean(self):
        super().clean()
        errors = attribute_definition_errors(self.attributes)
        if errors:
            raise ValidationError({"attributes": errors})


def attribute_definition_errors(definitions) -> list[str]:
    """What is wrong with a list of attribute definitions (empty when it is fine)."""
    if not isinstance(definitions, list):
        return ["attributes must be a list"]
    errors, seen = [], set()
    for index, item in enumerate(definitions):
        if not isinstance(item, dict):
            errors.append(f"attribute {index} is not an object")
            continue
        code = item.get("code")
        if not isinstance(code, str) or not code_validator.regex.match(code):
            errors.append(f"attribute {index}: bad code {code!r}")
        elif code in seen:
            errors.append(f"attribute {code}: duplicate code")
        seen.add(code)
        if item.get("datatype") not in DATATYPES:
            errors.append(f"attribute {code}: datatype must be one of {', '.join(DATATYPES)}")
        if not item.get("label_fa") or not item.get("label_en"):
            errors.append(f"attribute {code}: label_fa and label_en are required")
        if item.get("datatype") in ("singlevaluelist", "multivaluelist"):
            values = item.get("values")
            if not isinstance(values, list) or not values:
                errors.append(f"attribute {code}: a list needs values")
            else:
                keys = [v.get("key") for v in values if isinstance(v, dict)]
                if len(keys) != len(values) or len(set(keys)) != len(keys) or None in keys:
                    errors.append(f"attribute {code}: values need unique keys")
    return errors


class RequestStatus(models.TextChoices):
    """The statuses a request moves through (permits.workflow owns the transitions)."""

    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_INFO = "needs_info", _("Waiting for information")
    IN_PROGRESS = "in_progress", _("In progress")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    # The planners' workflow (permits/workflow.py holds the transition tables).
    ACCEPTED = "accepted", _("Accepted")
    DOCUMENT_REVIEW = "document_review", _("Document review")
    SITE_INSPECTION = "site_inspection", _("Site inspection")
    DUPLICATE = "duplicate", _("Duplicate")


#: Statuses after which a request is no longer open (not offered as a duplicate).
CLOSED_STATUSES = (
    RequestStatus.REJECTED,
    RequestStatus.RESOLVED,
    RequestStatus.CLOSED,
    RequestStatus.APPROVED,
    RequestStatus.DUPLICATE,
)


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    OPEN311 = "open311", "Open311"


class ServiceRequest(models.Model):
    """A citizen's request at a point. Contact fields are private: never in public output."""

    tracking_code = models.CharField(max_length=16, unique=True)
    # district and service_type are indexed as the first columns of the Meta indexes.
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    location = models.PointField(srid=4326, spatial_index=False)  # the named GiST below
    parcel = models.ForeignKey(
        Parcel, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=32, default=RequestStatus.SUBMITTED)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Private contact details.
    contact_name = models.CharField(max_length=120, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="fa")  # of notifications
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    supporters = models.PositiveIntegerField(default=0)
    # History rows with a staff actor (the dashboard's "staff steps"), counted by the
    # database: RequestEvent's trigger below adds to it, whatever code writes the history.
    staff_steps = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    snapped_m = models.FloatField(null=True, blank=True)  # GPS point snapped into the city
    zoning_flag = models.BooleanField(default=False)  # True: outside zoning rules
    zoning_note = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            GistIndex(fields=["location"], name="request_location_gist"),
            models.Index(fields=["district", "status"], name="request_district_status_idx"),
            models.Index(fields=["service_type", "submitted_at"], name="request_service_time_idx"),
            models.Index(fields=["due_at"], name="request_due_idx"),
            # The dashboard's scans (permits/staff/dashboard.py) read these indexes alone: its
            # figures over a period need no other column (index-only scans).
            models.Index(
                fields=["submitted_at"],
                include=["district", "service_type", "status", "closed_at", "due_at"],
                name="request_submitted_cover_idx",
            ),
            models.Index(
                fields=["closed_at"],
                include=["service_type", "status", "staff_steps"],
                name="request_closed_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def status_label(self) -> str:
        try:
            return str(RequestStatus(self.status).label)
        except ValueError:
            return self.status

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ROUTED = "routed", _("Routed")
    STATUS_CHANGE = "status_change", _("Status changed")
    PUBLIC_NOTE = "public_note", _("Note")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    REASSIGNED = "reassigned", _("Reassigned")
    SUPPORT_ADDED = "support_added", _("Support added")
    ESCALATED = "escalated", _("Escalated")
    DUPLICATE = "duplicate", _("Marked as duplicate")


class RequestEvent(models.Model):
    """One line of a request's history. Append-only: the database refuses UPDATE/DELETE."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)  # stored in the language it was written in
    note_fa = models.TextField(blank=True)  # system notes in both languages
    note_en = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="event_request_time_idx")]
        triggers = [
            pgtrigger.Protect(
                name="request_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # One UPDATE per statement (a bulk insert of history counts in one pass).
            pgtrigger.Trigger(
                name="request_event_counts_staff_steps",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="inserted"),
                func="""
                    UPDATE permits_servicerequest r SET staff_steps = r.staff_steps + s.steps
                    FROM (SELECT request_id, count(*) AS steps FROM inserted
                          WHERE actor_id IS NOT NULL GROUP BY request_id) s
                    WHERE r.id = s.request_id;
                    RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"

    @property
    def to_status_label(self) -> str:
        try:
            return str(RequestStatus(self.to_status).label)
        except ValueError:
            return self.to_status

    @property
    def text(self) -> str:
        """The note in the active language (system notes carry both)."""
        if self.note_fa or self.note_en:
            return self.note_fa if is_persian() else self.note_en
        return self.note


def attachment_path(instance, filename: str) -> str:
    """A random name: nothing of the uploaded file name reaches the disk."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"requests/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A photo, decoded and re-encoded on upload (metadata such as EXIF GPS removed)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=attachment_path, width_field="width", height_field="height")
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Support(models.Model):
    """A citizen adding their voice to an open request instead of filing a duplicate."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="supports")
    contact_hash = models.CharField(max_length=64, blank=True)  # keyed hash, never the contact
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "contact_hash"],
                condition=~models.Q(contact_hash=""),
                name="support_once_per_contact",
            )
        ]


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an Idempotency-Key (or a form token)."""

    key = models.CharField(max_length=128, unique=True)
    endpoint = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    service_request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    response = models.JSONField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(default=201)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]


class Open311Client(models.Model):
    """A program allowed to file requests through Open311 (a call centre, a mobile app).

    Only a hash of its API key is stored: the key itself is shown once, when it is
    issued (permits.open311.keys). `key_prefix` finds the row; the hash proves the key.
    """

    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class Open311Submission(models.Model):
    """What an Open311 client sent beside the request itself: who sent it, its media_url
    (a link, never fetched by the portal) and the client's own account_id."""

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="open311_submission"
    )
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="submissions")
    media_url = models.URLField(max_length=1000, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


# The permitting steps' models belong to this app (one migration history); they are
# defined in their own module and registered by importing it here.
from permits.permitting.models import *  # noqa: E402,F403
