"""Published layers: a Layer has numbered versions; one of them (or none) is served.

Importing a file creates a new LayerVersion with its Features; publishing points the
Layer at that version in one UPDATE, so readers switch atomically and older versions
stay restorable. Features keep their attributes as JSONB.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gis_portal.core.i18n import is_persian


class LayerPurpose(models.TextChoices):
    REFERENCE = "reference", _("Reference")
    ZONING = "zoning", _("Zoning")
    GREEN_SPACE = "green_space", _("Green space")
    ROUTING_OVERRIDE = "routing_override", _("Routing override")


def default_style() -> dict:
    return {"color": "#2b7a3d", "weight": 2, "fill_color": "#4caf50", "fill_opacity": 0.3}


class Layer(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name_fa = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_fa = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    purpose = models.CharField(
        max_length=20, choices=LayerPurpose.choices, default=LayerPurpose.REFERENCE
    )
    # Leaflet-like style keys: color, weight, fill_color, fill_opacity, radius,
    # and optionally category_property + categories {value: fill colour} for the legend.
    style = models.JSONField(default=default_style, blank=True)
    # Property that holds a date/time (enables `datetime` in OGC API Features).
    time_property = models.CharField(max_length=60, blank=True)
    min_zoom = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(22)]
    )
    max_zoom = models.PositiveSmallIntegerField(
        default=18, validators=[MinValueValidator(0), MaxValueValidator(22)]
    )
    published_version = models.ForeignKey(
        "LayerVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_zoom__lte=models.F("max_zoom")), name="layer_zoom_range"
            )
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def name(self) -> str:
        return self.name_fa if is_persian() else self.name_en

    @property
    def description(self) -> str:
        return self.description_fa if is_persian() else self.description_en


class LayerVersion(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    published_at = models.DateTimeField(null=True, blank=True)
    source_name = models.CharField(max_length=255)
    source_crs = models.CharField(max_length=120, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    geometry_types = models.JSONField(default=list, blank=True)
    schema = models.JSONField(default=dict, blank=True)  # {attribute: json type}
    report = models.JSONField(default=dict, blank=True)  # the validation report
    extent = models.PolygonField(srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["layer", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "number"], name="layerversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.layer.slug} v{self.number}"


class Feature(models.Model):
    # No separate btree on version: (version, fid) is unique, and spatial reads filter on
    # version and geometry together through the composite GiST index (btree_gist).
    version = models.ForeignKey(
        LayerVersion, on_delete=models.CASCADE, related_name="features", db_index=False
    )
    fid = models.PositiveIntegerField()  # 1-based, stable within a version
    geom = models.GeometryField(srid=4326)
    properties = models.JSONField(default=dict, blank=True)
    time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "fid"]
        indexes = [
            GistIndex(fields=["version", "geom"], name="layer_feature_geom_gist"),
            GinIndex(fields=["properties"], name="layer_feature_props_gin"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["version", "fid"], name="feature_unique_fid")
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.fid}"
