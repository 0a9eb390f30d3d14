"""Hot queries must use their spatial indexes: the app's own SQL, captured and EXPLAINed.

Each check runs the real selector or renderer (district_at, parcel_at, the filing's
routing-override and zoning reads, nearby duplicates, tiles, OGC items by bbox, the
planners' nearby requests), captures the statements it sends, and EXPLAINs the one
with the spatial filter. `force_index=True` (small test data, where a sequential scan
is cheaper) disables sequential scans so the check asks "can this SQL use the GiST
index at all?"; without it (the bench database) the planner's real choice is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.geos import Point, Polygon
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gis_portal.bench.rows.tiles import tile_of
from layers.collections import collection_by_id, features_json, tile_mvt
from layers.selectors import routing_override_for
from parcels.selectors import OutsideCity, district_at, parcel_at
from permits.models import ServiceRequest
from permits.selectors import nearby_open_requests
from permits.staff.selectors import nearby_requests
from permits.zoning import zoning_check


@dataclass
class PlanCheck:
    name: str
    index: str
    ok: bool
    plan: str
    sql: str
    small_table: bool = False  # districts: 13 rows, a sequential scan is the right plan

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "index": self.index,
            "ok": self.ok,
            "small_table": self.small_table,
            "plan": self.plan,
        }


def explain(sql: str, *, force_index: bool) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if force_index:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def captured(action: Callable[[], object], must_contain: tuple[str, ...]) -> str:
    """The first statement `action` sends that contains every string of `must_contain`."""
    with CaptureQueriesContext(connection) as context:
        action()
    for query in context.captured_queries:
        sql = query["sql"]
        if all(part in sql for part in must_contain):
            return sql
    sent = "\n".join(q["sql"][:200] for q in context.captured_queries)
    raise AssertionError(f"no statement with {must_contain}; sent:\n{sent}")


def points_for_checks() -> tuple[Point, Point]:
    """A point inside District 11 and one ~10 m outside the city's easternmost vertex."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM parcels_district ORDER BY (code = 11) DESC, code LIMIT 1"
        )
        inside = Point(*cursor.fetchone(), srid=4326)
        cursor.execute(
            """SELECT ST_X(g), ST_Y(g) FROM (
                   SELECT (ST_DumpPoints(geom)).geom g FROM parcels_district) q
               ORDER BY ST_X(g) DESC LIMIT 1"""
        )
        x, y = cursor.fetchone()
    return inside, Point(x + 0.0001, y, srid=4326)


Spec = tuple[str, str, Callable[[], object], tuple[str, ...], bool]


def hot_query_checks(*, force_index: bool, user=None) -> list[PlanCheck]:
    """Every hot query's plan; with a staff `user`, the planners' nearby requests too."""
    inside, outside = points_for_checks()
    specs = plan_specs(inside, outside)
    if user is not None:
        specs += staff_specs(user)
    checks = []
    for name, index, action, must_contain, small in specs:
        sql = captured(action, must_contain)
        plan = explain(sql, force_index=force_index or small)
        checks.append(PlanCheck(name, index, index in plan, plan, sql, small_table=small))
    return checks


def plan_specs(inside: Point, outside: Point) -> list[Spec]:
    """(name, index, action, strings of the statement to EXPLAIN, small table) per hot
    query. Long because it is one table, an entry per hot path; split, it would only
    scatter the list a reader compares with the bench's rows."""

    def district_near() -> None:
        try:
            district_at(outside)
        except OutsideCity:
            pass

    def items_bbox() -> None:
        x, y = inside.x, inside.y
        bbox = Polygon.from_bbox((x - 0.005, y - 0.005, x + 0.005, y + 0.005))
        bbox.srid = 4326
        collection = collection_by_id("parcels")
        queryset = collection.queryset().filter(geom__intersects=bbox)
        queryset.count()
        features_json(collection, queryset, srid=4326, flip=False, limit=1000, spatial=True)

    def tile(collection_id: str, z: int) -> Callable[[], object]:
        x, y = tile_of(inside.x, inside.y, z)
        return lambda: tile_mvt(collection_by_id(collection_id), z, x, y)

    return [
        (
            "district at a click (covers)",
            "district_geom_gist",
            lambda: district_at(inside),
            ("parcels_district", "ST_Covers"),
            True,
        ),
        (
            "district near a GPS point outside (dwithin)",
            "district_geom_gist",
            district_near,
            ("parcels_district", "ST_DWithin"),
            True,
        ),
        (
            "parcel at a click (covers)",
            "parcel_geom_gist",
            lambda: parcel_at(inside),
            ("parcels_parcel", "ST_Covers"),
            False,
        ),
        (
            "filing: routing override at the point",
            "layer_feature_geom_gist",
            lambda: routing_override_for(point=inside, service_code="tree-pruning"),
            ("layers_feature", "ST_Covers"),
            False,
        ),
        (
            "filing: zoning at the point",
            "layer_feature_geom_gist",
            lambda: zoning_check(point=inside, use="residential", floors=3),
            ("layers_feature", "ST_Covers"),
            False,
        ),
        (
            "nearby open duplicates (dwithin)",
            "request_location_gist",
            lambda: list(nearby_open_requests(inside, "tree-pruning")),
            ("permits_servicerequest", "ST_DWithin"),
            False,
        ),
        (
            "parcel tile z16",
            "parcel_geom_gist",
            tile("parcels", 16),
            ("parcels_parcel", "&&"),
            False,
        ),
        (
            "request tile z14",
            "request_location_gist",
            tile("requests", 14),
            ("permits_servicerequest", "&&"),
            False,
        ),
        (
            "OGC items by bbox: count",
            "parcel_geom_gist",
            items_bbox,
            ("COUNT(*)", "ST_Intersects"),
            False,
        ),
        (
            "OGC items by bbox: page",
            "parcel_geom_gist",
            items_bbox,
            ("json_agg", "ST_Intersects"),
            False,
        ),
    ]


def staff_specs(user) -> list[Spec]:
    """The planners' nearby requests, seen by `user` (needs a request in the database)."""
    request = ServiceRequest.objects.order_by("id").first()
    if request is None:
        return []
    return [
        (
            "planners: requests near a request",
            "request_location_gist",
            lambda: list(nearby_requests(user, request)),
            ("permits_servicerequest", "ST_DWithin"),
            False,
        )
    ]
