"""Admin for layers: upload a file on the layer's page; publish or restore versions."""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from layers.models import Layer, LayerVersion
from layers.selectors import can_manage_layers
from layers.services.imports import LayerImportError, layer_import
from layers.services.publish import layer_publish, layer_unpublish


class LayerAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Import a file as a new version"),
        required=False,
        help_text=_("GeoJSON, zipped Shapefile or GeoPackage. It is imported, not published."),
    )
    declared_epsg = forms.IntegerField(
        label=_("EPSG code (only if the file does not say)"), required=False, min_value=1024
    )

    class Meta:
        model = Layer
        fields = [
            "slug",
            "name_fa",
            "name_en",
            "description_fa",
            "description_en",
            "purpose",
            "style",
            "time_property",
            "min_zoom",
            "max_zoom",
        ]


class LayerVersionInline(admin.TabularInline):
    model = LayerVersion
    fields = ["number", "source_name", "feature_count", "source_crs", "created_at", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class GisStaffAdmin(admin.ModelAdmin):
    """GIS staff (by role) manage layers in the admin without per-model permissions."""

    def has_module_permission(self, request):
        return can_manage_layers(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_layers(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_layers(request.user)

    def has_add_permission(self, request):
        return can_manage_layers(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Layer)
class LayerAdmin(GisStaffAdmin):
    form = LayerAdminForm
    list_display = ["slug", "name_en", "name_fa", "purpose", "published_version", "updated_at"]
    list_filter = ["purpose"]
    search_fields = ["slug", "name_en", "name_fa"]
    inlines = [LayerVersionInline]
    actions = ["unpublish"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if not upload:
            return
        suffix = Path(upload.name).suffix.lower()[:10]
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                result = layer_import(
                    layer=obj,
                    path=handle.name,
                    source_name=upload.name,
                    declared_srid=form.cleaned_data.get("declared_epsg"),
                    user=request.user,
                )
            except LayerImportError as error:
                messages.error(request, str(error))
                return
        report = result.report
        messages.success(
            request,
            _(
                "Version %(number)s imported: %(imported)s of %(read)s features, "
                "%(repaired)s repaired, %(refused)s refused. Publish it from the versions list."
            )
            % {
                "number": result.version.number,
                "imported": report.features_imported,
                "read": report.features_read,
                "repaired": len(report.repaired),
                "refused": len(report.refused),
            },
        )

    @admin.action(description=_("Unpublish the selected layers"))
    def unpublish(self, request, queryset):
        for layer in queryset:
            layer_unpublish(layer=layer)


@admin.register(LayerVersion)
class LayerVersionAdmin(GisStaffAdmin):
    list_display = ["layer", "number", "source_name", "feature_count", "created_at", "published_at"]
    list_filter = ["layer"]
    readonly_fields = [
        "layer",
        "number",
        "created_at",
        "created_by",
        "published_at",
        "source_name",
        "source_crs",
        "feature_count",
        "geometry_types",
        "schema",
        "report",
        "extent",
    ]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Publish (or restore) the selected version"))
    def publish(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, _("Choose exactly one version."))
            return
        layer_publish(version=queryset.get())
