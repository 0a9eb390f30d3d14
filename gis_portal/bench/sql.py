# ruff: noqa: S608 - every statement is fixed text; values are parameters
"""The raw-SQL side of each row: the same work as the portal, by hand, through a DB-API
cursor (psycopg2 in the benchmark, Django's cursor in the smoke test).

These statements mirror what the endpoints compute (parcels/selectors.py,
layers/collections.py, permits/staff/dashboard.py); they return only what the response needs.
"""

from __future__ import annotations

POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"

DISTRICT_AT = f"""
    SELECT d.code, d.name_fa, d.name_en FROM parcels_district d
    WHERE ST_Covers(d.geom, {POINT}) ORDER BY d.code LIMIT 1"""

PARCEL_AT = f"""
    SELECT p.renovation_code, d.code, p.area_m2, p.land_use, p.address, p.postal_code
    FROM parcels_parcel p JOIN parcels_district d ON d.id = p.district_id
    WHERE ST_Covers(p.geom, {POINT}) ORDER BY p.renovation_code LIMIT 1"""


def lookup(cursor, lon: float, lat: float) -> tuple:
    """Row 1: the district and the parcel under a click (two statements, as the API)."""
    params = {"lon": lon, "lat": lat}
    cursor.execute(DISTRICT_AT, params)
    district = cursor.fetchone()
    cursor.execute(PARCEL_AT, params)
    return district, cursor.fetchone()


SUBDIVIDED_TABLE = "bench_district_subdivided"


def subdivided_create(cursor, max_vertices: int = 32) -> int:
    """A subdivided copy of the district boundaries (ST_Subdivide) with its GiST index."""
    cursor.execute(f"DROP TABLE IF EXISTS {SUBDIVIDED_TABLE}")
    cursor.execute(
        f"""CREATE TABLE {SUBDIVIDED_TABLE} AS
            SELECT d.id AS district_id, d.code, ST_Subdivide(d.geom, %s) AS geom
            FROM parcels_district d""",
        [max_vertices],
    )
    cursor.execute(f"CREATE INDEX ON {SUBDIVIDED_TABLE} USING gist (geom)")
    cursor.execute(f"ANALYZE {SUBDIVIDED_TABLE}")
    cursor.execute(f"SELECT count(*) FROM {SUBDIVIDED_TABLE}")
    return cursor.fetchone()[0]


def routing_batch(cursor, points_table: str, table: str) -> int:
    """Row 2: route every point of `points_table` in one statement; returns routed count."""
    cursor.execute(
        f"""SELECT count(r.code) FROM {points_table} pt
            CROSS JOIN LATERAL (
                SELECT b.code FROM {table} b WHERE ST_Covers(b.geom, pt.geom)
                ORDER BY b.code LIMIT 1) r"""  # noqa: S608 - fixed table names
    )
    return cursor.fetchone()[0]


def routing_one(cursor, table: str, lon: float, lat: float):
    cursor.execute(
        f"SELECT b.code FROM {table} b WHERE ST_Covers(b.geom, {POINT}) "  # noqa: S608
        "ORDER BY b.code LIMIT 1",
        {"lon": lon, "lat": lat},
    )
    return cursor.fetchone()


#: Tile columns as layers/collections.py sends them, per collection.
TILE_SOURCES = {
    "parcels": ("parcels_parcel", "geom", "t.renovation_code, t.land_use"),
    "requests": ("permits_servicerequest", "location", "t.id AS id, t.status"),
}


def tile(cursor, collection: str, z: int, x: int, y: int) -> bytes:
    """Row 4: the raw ST_AsMVT of one tile."""
    table, column, columns = TILE_SOURCES[collection]
    cursor.execute(
        f"""SELECT ST_AsMVT(tile.*, %s, 4096, 'geom') FROM (
                SELECT ST_AsMVTGeom(ST_Transform(t.{column}, 3857), ST_TileEnvelope(%s, %s, %s),
                                    4096, 64, true) AS geom, {columns}
                FROM {table} t
                WHERE t.{column} && ST_Transform(
                          ST_TileEnvelope(%s, %s, %s, margin => 0.015625), 4326)
            ) AS tile WHERE tile.geom IS NOT NULL""",  # noqa: S608 - fixed fragments
        [collection, z, x, y, z, x, y],
    )
    data = cursor.fetchone()[0]
    return bytes(data) if data else b""


PARCEL_FEATURE = """json_build_object(
    'type', 'Feature', 'id', t.renovation_code,
    'geometry', ST_AsGeoJSON(t.geom, 7, 0)::json,
    'properties', json_build_object(
        'renovation_code', t.renovation_code, 'district', d.code, 'land_use', t.land_use,
        'area_m2', round(t.area_m2::numeric, 1), 'address', t.address,
        'postal_code', t.postal_code))"""

REQUEST_FEATURE = """json_build_object(
    'type', 'Feature', 'id', t.id,
    'geometry', ST_AsGeoJSON(t.location, 7, 0)::json,
    'properties', json_build_object(
        'service_code', s.code, 'service_name_fa', s.name_fa, 'service_name_en', s.name_en,
        'status', t.status, 'district', d.code, 'submitted_at', t.submitted_at,
        'updated_at', t.updated_at))"""


def geojson_bbox(cursor, bbox: tuple[float, float, float, float]) -> bytes:
    """Row 5: every parcel in the bbox as a GeoJSON FeatureCollection, one json_agg."""
    cursor.execute(
        f"""SELECT json_build_object('type', 'FeatureCollection', 'features',
                   coalesce(json_agg({PARCEL_FEATURE} ORDER BY t.id), '[]'::json))::text
            FROM parcels_parcel t JOIN parcels_district d ON d.id = t.district_id
            WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
              AND ST_Intersects(t.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))""",  # noqa: S608
        [*bbox, *bbox],
    )
    return cursor.fetchone()[0].encode()


def geojson_bbox_count(cursor, bbox) -> int:
    cursor.execute(
        """SELECT count(*) FROM parcels_parcel t
           WHERE ST_Intersects(t.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))""",
        list(bbox),
    )
    return cursor.fetchone()[0]


def ogc_page(cursor, collection: str, offset: int, limit: int = 1000) -> bytes:
    """Row 7: one page of a collection in id order as a JSON array of Features."""
    if collection == "parcels":
        feature, source = (
            PARCEL_FEATURE,
            "parcels_parcel t JOIN parcels_district d ON d.id = t.district_id",
        )
        table = "parcels_parcel"
    else:
        feature = REQUEST_FEATURE
        source = (
            "permits_servicerequest t JOIN parcels_district d ON d.id = t.district_id "
            "JOIN permits_servicetype s ON s.id = t.service_type_id"
        )
        table = "permits_servicerequest"
    cursor.execute(
        f"""SELECT coalesce(json_agg({feature} ORDER BY t.id), '[]'::json)::text
            FROM {source}
            WHERE t.id IN (SELECT id FROM {table} ORDER BY id LIMIT %s OFFSET %s)""",  # noqa: S608
        [limit, offset],
    )
    return cursor.fetchone()[0].encode()


CLOSED = "('rejected', 'resolved', 'closed', 'approved', 'duplicate')"
FIGURES = f"""count(*) AS received,
    count(*) FILTER (WHERE r.status NOT IN {CLOSED}) AS open,
    count(*) FILTER (WHERE r.status IN {CLOSED} AND r.closed_at IS NOT NULL) AS closed,
    count(*) FILTER (WHERE r.status NOT IN {CLOSED} AND r.due_at < now()) AS overdue,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.closed_at - r.submitted_at)
        / 86400.0) FILTER (WHERE r.status IN {CLOSED} AND r.closed_at IS NOT NULL) AS median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.closed_at - r.submitted_at)
        / 86400.0) FILTER (WHERE r.status IN {CLOSED} AND r.closed_at IS NOT NULL) AS p90"""


def dashboard(cursor, start, end) -> list:
    """Row 8: the planners' KPIs for a period, as the dashboard's five aggregates."""
    period = "r.submitted_at >= %(start)s AND r.submitted_at < %(end)s"
    params = {"start": start, "end": end}
    statements = [
        f"SELECT {FIGURES} FROM permits_servicerequest r WHERE {period}",
        f"""SELECT d.code, d.name_fa, d.name_en, {FIGURES} FROM permits_servicerequest r
            JOIN parcels_district d ON d.id = r.district_id WHERE {period}
            GROUP BY d.code, d.name_fa, d.name_en ORDER BY d.code""",
        f"""SELECT s.code, s.name_fa, s.name_en, {FIGURES} FROM permits_servicerequest r
            JOIN permits_servicetype s ON s.id = r.service_type_id WHERE {period}
            GROUP BY s.code, s.name_fa, s.name_en ORDER BY received DESC, s.code""",
        f"""SELECT date_trunc('week', r.submitted_at AT TIME ZONE 'Asia/Tehran') AS week,
                   count(*) FROM permits_servicerequest r WHERE {period}
            GROUP BY week ORDER BY week""",
        f"""SELECT s.code, s.name_fa, s.name_en,
                   date_trunc('month', r.closed_at AT TIME ZONE 'Asia/Tehran') AS month,
                   count(DISTINCT e.request_id) AS closed,
                   count(e.id) FILTER (WHERE e.actor_id IS NOT NULL) AS steps
            FROM permits_requestevent e
            JOIN permits_servicerequest r ON r.id = e.request_id
            JOIN permits_servicetype s ON s.id = r.service_type_id
            WHERE r.status IN {CLOSED} AND r.closed_at >= %(start)s AND r.closed_at < %(end)s
            GROUP BY s.code, s.name_fa, s.name_en, month ORDER BY s.code, month""",
    ]
    results = []
    for statement in statements:
        cursor.execute(statement, params)  # noqa: S608 - fixed fragments
        results.append(cursor.fetchall())
    return results


def filing(cursor, *, lon: float, lat: float, service_code: str, code: str) -> int:
    """Row 3 reference: the reads and writes of one filing in one transaction (caller
    commits): district and parcel at the point, the service, its districts, the routing
    override and zoning features, then the request and its two history rows. Long
    because it is one filing's statements in the order the portal sends them: split,
    the reference would no longer read as one transaction."""
    params = {"lon": lon, "lat": lat}
    cursor.execute(
        f"SELECT d.id, d.code, d.name_fa, d.name_en FROM parcels_district d "
        f"WHERE ST_Covers(d.geom, {POINT}) ORDER BY d.code LIMIT 1",
        params,
    )
    district = cursor.fetchone()
    cursor.execute(
        "SELECT t.id, t.department_id, t.sla_days, t.attributes FROM permits_servicetype t "
        "WHERE t.code = %s AND t.active",
        [service_code],
    )
    service = cursor.fetchone()
    cursor.execute(
        "SELECT district_id FROM permits_servicetype_online_districts WHERE servicetype_id = %s",
        [service[0]],
    )
    cursor.fetchall()
    cursor.execute(
        f"SELECT p.id FROM parcels_parcel p WHERE ST_Covers(p.geom, {POINT}) "
        "ORDER BY p.renovation_code LIMIT 1",
        params,
    )
    parcel = cursor.fetchone()
    cursor.execute(
        f"""SELECT f.properties FROM layers_feature f
            JOIN layers_layer l ON l.published_version_id = f.version_id
            WHERE l.purpose = 'routing_override' AND ST_Covers(f.geom, {POINT})""",
        params,
    )
    cursor.fetchall()
    cursor.execute(
        """INSERT INTO permits_servicerequest (
               tracking_code, service_type_id, location, parcel_id, district_id, department_id,
               status, description, attributes, contact_name, contact_phone, contact_email,
               language, channel, supporters, zoning_flag, zoning_note, submitted_at,
               updated_at, due_at)
           VALUES (%(code)s, %(service)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
                   %(parcel)s, %(district)s, %(department)s, 'submitted', '', '{}', '',
                   '', '', 'en', 'api', 0, false, '', now(), now(),
                   now() + make_interval(days => %(sla)s))
           RETURNING id""",
        {
            "code": code,
            "service": service[0],
            "lon": lon,
            "lat": lat,
            "parcel": parcel[0] if parcel else None,
            "district": district[0],
            "department": service[1],
            "sla": service[2],
        },
    )
    request_id = cursor.fetchone()[0]
    cursor.execute(
        """INSERT INTO permits_requestevent (request_id, kind, from_status, to_status, note,
                                             note_fa, note_en, public, created_at)
           VALUES (%(id)s, 'submitted', '', 'submitted', '', 'ثبت شد', 'Submitted', true, now()),
                  (%(id)s, 'routed', '', '', '', 'ارجاع شد', 'Routed', true, now())""",
        {"id": request_id},
    )
    return request_id
