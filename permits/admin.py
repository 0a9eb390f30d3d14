"""Admin for the catalogue; requests are read-only here (staff work in the workspace).

Django's admin escapes every value, so text typed by citizens is shown as text.
"""

from django.contrib import admin

from permits.models import (
    Attachment,
    Department,
    RequestEvent,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en"]


@admin.register(ServiceDomain)
class ServiceDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en", "order"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "domain", "kind", "department", "sla_days", "active"]
    list_filter = ["domain", "kind", "active"]
    filter_horizontal = ["online_districts"]


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_status", "to_status", "note", "note_en", "public"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["image", "content_type", "width", "height", "size_bytes"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ["tracking_code", "service_type", "district", "status", "submitted_at", "due_at"]
    list_filter = ["status", "district", "service_type__domain"]
    search_fields = ["tracking_code"]
    inlines = [EventInline, AttachmentInline]
    readonly_fields = [f.name for f in ServiceRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
