"""Forms of the GIS staff pages."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from layers.models import Layer, LayerPurpose

NEW = "__new__"


class UploadForm(forms.Form):
    layer = forms.ChoiceField(label=_("Layer"))
    slug = forms.SlugField(
        label=_("New layer id"),
        required=False,
        max_length=60,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits, '-'."))],
        help_text=_("Only for a new layer: lower-case letters, digits and '-'."),
    )
    name_fa = forms.CharField(label=_("Name (Persian)"), required=False, max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), required=False, max_length=200)
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=LayerPurpose.choices, initial=LayerPurpose.REFERENCE
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("GeoJSON (.geojson), zipped Shapefile (.zip) or GeoPackage (.gpkg)."),
    )
    declared_epsg = forms.IntegerField(
        label=_("EPSG code of the coordinates (only if the file does not say)"),
        required=False,
        min_value=1024,
        max_value=999999,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(NEW, _("A new layer"))]
        choices += [(layer.slug, f"{layer.name} ({layer.slug})") for layer in Layer.objects.all()]
        self.fields["layer"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("layer") == NEW:
            for name in ("slug", "name_fa", "name_en"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a new layer."))
            if data.get("slug") and Layer.objects.filter(slug=data["slug"]).exists():
                self.add_error("slug", _("A layer with this id exists; choose it in the list."))
        return data
