"""Reads of published layers, including the two that other apps rely on.

The permits app calls `routing_override_for` and `zoning_check` while filing a
request. Both read only *published* versions of layers with the matching purpose,
with a `covers` filter on the features' GiST index. Property names (see
data/README.md, "Layers"):

routing override features
    ``service_codes``  the service codes it applies to: a JSON list, or a comma-separated
                       string (Shapefiles have no lists); ``*`` means every service
    ``department``     the permits Department.code that handles them there

zoning features
    ``zone_code``, ``zone_name_fa``, ``zone_name_en``
    ``allowed_uses``   parcel land uses (parcels.LandUse values), list or comma-separated
    ``max_floors``     integer
    ``density``        floor-area ratio in percent (تراکم), integer
"""

import json
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gis_portal.core.i18n import TO_PERSIAN_DIGITS, is_persian
from gis_portal.staff import access as roles
from layers.models import Layer, LayerPurpose, LayerVersion
from parcels.models import LandUse


@dataclass(frozen=True)
class ZoningVerdict:
    zone_code: str
    zone_name: str
    use_allowed: bool
    floors_allowed: bool
    max_floors: int | None
    explanation: str  # in the active language

    @property
    def allowed(self) -> bool:
        return self.use_allowed and self.floors_allowed


def can_manage_layers(user) -> bool:
    """GIS staff: may upload, publish, unpublish and restore layers.

    The staff roles (gis_portal.staff.access: GIS staff and administrators), or the
    `layers.add_layer` permission given to an account by hand.
    """
    if roles.can_manage_layers(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_perm("layers.add_layer")


def published_layers() -> QuerySet[Layer]:
    return (
        Layer.objects.filter(published_version__isnull=False)
        .select_related("published_version")
        .order_by("slug")
    )


def published_layer(slug: str) -> Layer | None:
    return published_layers().filter(slug=slug).first()


def layer_versions(layer: Layer) -> QuerySet[LayerVersion]:
    return layer.versions.select_related("created_by").order_by("-number")


def _properties_covering(point: Point, purpose: str) -> list[dict]:
    """Properties of the published features of `purpose` covering `point`, by layer slug
    then feature number.

    Every filing asks this (routing overrides, zoning), so it is one hand-written
    statement: building the equivalent ORM query cost ~1 ms of CPU per filing, more than
    the query itself (bench row 3). The few published layers drive a nested loop into
    the (version, geom) GiST index; few features cover a point, so the sort is small.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT f.properties FROM layers_feature f
               JOIN layers_layer l ON l.published_version_id = f.version_id
               WHERE l.purpose = %s
                 AND ST_Covers(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), %s))
               ORDER BY l.slug, f.fid""",
            [purpose, point.x, point.y, point.srid or 4326],
        )
        # Django reads jsonb as text (JSONField decodes it); so does this cursor.
        return [json.loads(properties) for (properties,) in cursor.fetchall()]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [item.strip() for item in str(value).split(",") if item.strip()]


def routing_override_for(*, point: Point, service_code: str) -> str | None:
    """The department that handles `service_code` at `point` by a routing-override layer."""
    for properties in _properties_covering(point, LayerPurpose.ROUTING_OVERRIDE):
        codes = _as_list(properties.get("service_codes"))
        department = str(properties.get("department") or "").strip()
        if department and (service_code in codes or "*" in codes):
            return department
    return None


def _int_or_none(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _use_label(use: str) -> str:
    try:
        return str(LandUse(use).label)
    except ValueError:
        return use


def zoning_check(*, point: Point, use: str | None, floors: int | None) -> ZoningVerdict | None:
    """The zoning verdict for a building at `point`, or None where no zone covers it."""
    covering = _properties_covering(point, LayerPurpose.ZONING)
    if not covering:
        return None
    properties = covering[0]
    persian = is_persian()

    def number(value: int) -> str:
        return str(value).translate(TO_PERSIAN_DIGITS) if persian else str(value)

    code = str(properties.get("zone_code") or "")
    name = str(
        properties.get("zone_name_fa" if persian else "zone_name_en")
        or properties.get("zone_name_en")
        or code
    )
    allowed_uses = _as_list(properties.get("allowed_uses"))
    max_floors = _int_or_none(properties.get("max_floors"))
    use_allowed = use is None or not allowed_uses or use in allowed_uses
    floors_allowed = floors is None or max_floors is None or floors <= max_floors
    parts = [_("Zone %(code)s (%(name)s).") % {"code": code, "name": name}]
    if use is not None:
        if use_allowed:
            parts.append(_("%(use)s use is allowed here.") % {"use": _use_label(use)})
        else:
            parts.append(
                _("%(use)s use is not allowed here; allowed: %(allowed)s.")
                % {
                    "use": _use_label(use),
                    "allowed": "، ".join(_use_label(u) for u in allowed_uses)
                    if persian
                    else ", ".join(_use_label(u) for u in allowed_uses),
                }
            )
    if floors is not None and max_floors is not None:
        if floors_allowed:
            parts.append(
                _("%(floors)s floors are within the maximum of %(max)s.")
                % {"floors": number(floors), "max": number(max_floors)}
            )
        else:
            parts.append(
                _("%(floors)s floors exceed the maximum of %(max)s.")
                % {"floors": number(floors), "max": number(max_floors)}
            )
    density = _int_or_none(properties.get("density"))
    if density is not None:
        parts.append(_("Density: %(density)s%%.") % {"density": number(density)})
    explanation = " ".join(parts)
    return ZoningVerdict(
        zone_code=code,
        zone_name=name,
        use_allowed=use_allowed,
        floors_allowed=floors_allowed,
        max_floors=max_floors,
        explanation=explanation,
    )
