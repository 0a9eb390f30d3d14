"""Admin for the catalogue; requests are read-only here (staff work in the workspace).

Django's admin escapes every value, so text typed by citizens is shown as text.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from permits.models import (
    Attachment,
    Department,
    Open311Client,
    RequestEvent,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
)
from permits.open311.keys import open311_client_create, open311_client_revoke
from permits.permitting.documents_admin import DocumentRequirementInline


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
    inlines = [DocumentRequirementInline]


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


# --- Open311 clients ---------------------------------------------------------------------------


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Issue an Open311 key (shown once, in a message) and revoke keys. Only hashes are kept."""

    list_display = ["name", "key_prefix", "active", "created_at", "revoked_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    actions = ["revoke_keys", "issue_new_keys"]

    def get_fields(self, request, obj=None):
        return (
            ["name"]
            if obj is None
            else ["name", "key_prefix", "active", "created_at", "revoked_at"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the history of who filed what stays

    def save_model(self, request, obj, form, change):
        if change:
            return
        client, raw_key = open311_client_create(name=obj.name)
        obj.pk, obj.key_prefix, obj.key_hash = client.pk, client.key_prefix, client.key_hash
        obj.created_at = client.created_at
        obj._state.adding = False
        self._show_key(request, client.name, raw_key)

    def _show_key(self, request, name: str, raw_key: str) -> None:
        messages.warning(
            request,
            _("API key for %(name)s: %(key)s — copy it now: it is not shown again.")
            % {"name": name, "key": raw_key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke_keys(self, request, queryset):
        for client in queryset.filter(active=True):
            open311_client_revoke(name=client.name)
        messages.success(request, _("Keys revoked."))

    @admin.action(description=_("Issue a new key to the selected revoked clients"))
    def issue_new_keys(self, request, queryset):
        for client in queryset.filter(active=False):
            client, raw_key = open311_client_create(name=client.name)
            self._show_key(request, client.name, raw_key)
