"""Admin of permit documents: what each service asks for (an inline for service types,
which permits/admin.py attaches), and a read-only view of the documents given.

Nothing here links to a document's file: files are private and served only by the
checked view (permits/permitting/documents_views.py).
"""

from django.contrib import admin

from permits.permitting.models import DocumentRequirement, RequestDocument


class DocumentRequirementInline(admin.TabularInline):
    """The documents a service asks for, on the service type's admin page."""

    model = DocumentRequirement
    extra = 0
    fields = [
        "order",
        "code",
        "name_fa",
        "name_en",
        "required",
        "required_when",
        "allowed_types",
        "max_bytes",
    ]


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ["service_type", "code", "name_en", "required", "required_when", "max_bytes"]
    list_filter = ["service_type", "required"]
    ordering = ["service_type", "order", "code"]


@admin.register(RequestDocument)
class RequestDocumentAdmin(admin.ModelAdmin):
    list_display = ["request", "requirement", "original_name", "content_type", "uploaded_at"]
    list_filter = ["content_type", "uploaded_by"]
    search_fields = ["request__tracking_code"]
    fields = [
        "request",
        "requirement",
        "original_name",
        "content_type",
        "size_bytes",
        "pages",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a given document stays with the request (and its file on disk)
