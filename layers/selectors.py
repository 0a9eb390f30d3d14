"""Reads of published layers, including the two that other apps rely on.

Filing calls `routing_override_for`, and permits.zoning reads the zoning rules through
`feature_properties_covering`. Both read only *published* versions of layers with the
matching purpose, with a `covers` filter on the features' GiST index. Property names
(see data/README.md, "Layers"):

routing override features
    ``service_codes``  the service codes it applies to: a JSON list, or a comma-separated
                       string (Shapefiles have no lists); ``*`` means every service
    ``department``     the permits Department.code that handles them there

zoning features
    ``zone_code``, ``zone_name_fa``, ``zone_name_en``
    ``allowed_uses``   parcel land-use codes, list or comma-separated
    ``max_floors``     integer
    ``density``        floor-area ratio in percent (تراکم), integer
"""

import json

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import QuerySet

from gis_portal.staff import access as roles
from layers.models import Layer, LayerPurpose, LayerVersion


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


def feature_properties_covering(point: Point, purpose: str) -> list[dict]:
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


def property_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [item.strip() for item in str(value).split(",") if item.strip()]


def routing_override_for(*, point: Point, service_code: str) -> str | None:
    """The department that handles `service_code` at `point` by a routing-override layer."""
    for properties in feature_properties_covering(point, LayerPurpose.ROUTING_OVERRIDE):
        codes = property_list(properties.get("service_codes"))
        department = str(properties.get("department") or "").strip()
        if department and (service_code in codes or "*" in codes):
            return department
    return None
