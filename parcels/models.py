"""District municipalities and cadastral parcels."""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.core.validators import RegexValidator
from django.db.models import Func
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from gis_portal.core.i18n import is_persian

#: Metric CRS for areas and lengths in Mashhad: UTM zone 40N.
UTM_40N = 32640

#: Samen (the shrine district) has no number of its own; it sorts after 1–12.
SAMEN_CODE = 13


class District(models.Model):
    """A district municipality. `code` 1–12, 13 = Samen; the lowest code wins on shared edges."""

    code = models.PositiveSmallIntegerField(unique=True)
    name_fa = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)  # the named GiST below
    office_address = models.CharField(max_length=300, blank=True)
    office_phone = models.CharField(max_length=40, blank=True)
    office_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [GistIndex(fields=["geom"], name="district_geom_gist")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__gte=1, code__lte=SAMEN_CODE), name="district_code_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_en}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_fa if is_persian() else self.name_en


class LandUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    MIXED = "mixed", _("Mixed use")
    ADMINISTRATIVE = "administrative", _("Administrative")
    EDUCATIONAL = "educational", _("Educational")
    HEALTH = "health", _("Health")
    RELIGIOUS = "religious", _("Religious")
    GREEN = "green", _("Green space")
    INDUSTRIAL = "industrial", _("Industrial")
    VACANT = "vacant", _("Vacant")


renovation_code_validator = RegexValidator(
    r"^\d{1,2}-\d{1,3}-\d{1,5}-\d{1,5}$",
    _("A renovation code looks like district-region-block-parcel, e.g. 11-2-137-14."),
)


class Parcel(models.Model):
    """A cadastral parcel, identified by its renovation code (کد نوسازی)."""

    renovation_code = models.CharField(
        max_length=24, unique=True, validators=[renovation_code_validator]
    )
    # Indexed by the named indexes in Meta (not twice: a million parcels pay every index).
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="parcels", db_index=False
    )
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)
    # Computed by the database from the geometry, in UTM 40N: never stale, one definition.
    area_m2 = models.GeneratedField(
        expression=Func(Func("geom", UTM_40N, function="ST_Transform"), function="ST_Area"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    land_use = models.CharField(max_length=20, choices=LandUse.choices, default=LandUse.RESIDENTIAL)
    address = models.CharField(max_length=300, blank=True)
    postal_code = models.CharField(
        max_length=10, blank=True, validators=[RegexValidator(r"^\d{10}$")]
    )

    class Meta:
        ordering = ["renovation_code"]
        indexes = [
            GistIndex(fields=["geom"], name="parcel_geom_gist"),
            # icontains compiles to UPPER(address) LIKE UPPER(%s): index that expression.
            GinIndex(OpClass(Upper("address"), name="gin_trgm_ops"), name="parcel_address_trgm"),
            models.Index(fields=["district"], name="parcel_district_idx"),
        ]

    def __str__(self) -> str:
        return self.renovation_code
