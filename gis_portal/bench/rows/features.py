"""Rows 5 and 7: GeoJSON features over the OGC API (a bbox of many parcels followed
through its pages; pages of 1,000 by offset) against the same features in SQL json_agg."""

from __future__ import annotations

import json
import random
import time
from urllib.parse import urlencode, urlsplit

from gis_portal.bench import sql
from gis_portal.bench.client import Client, summary_ms
from gis_portal.bench.context import Context, parts_row, verdict

# --- 5. GeoJSON by bbox, followed through its pages ----------------------------------------


def bbox_for(cursor, count: int, lon: float, lat: float) -> tuple[float, ...]:
    """A bbox around (lon, lat) that intersects close to `count` parcels and no more: the
    extent of the n nearest parcels, n shrunk until the parcels crossing the edges
    (which the bbox query also returns) do not take the total over `count`."""
    nearest = count
    for _attempt in range(8):
        cursor.execute(
            """SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                   SELECT ST_Extent(geom)::geometry e FROM (
                       SELECT geom FROM parcels_parcel
                       ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s) n
               ) x""",
            [lon, lat, nearest],
        )
        bbox = tuple(round(v, 6) for v in cursor.fetchone())
        found = sql.geojson_bbox_count(cursor, bbox)
        if found <= count:
            return bbox
        nearest = max(1, min(nearest - 1, int(nearest * count / found)))
    return bbox


def _fetch_all_pages(client: Client, path: str) -> tuple[int, float, int]:
    """Follow `next` links; (features, seconds, pages)."""
    features, seconds, pages = 0, 0.0, 0
    while path:
        status, body, elapsed, _ = client.get(path)
        if status != 200:
            raise RuntimeError(f"{path} gave {status}: {body[:200]!r}")
        seconds += elapsed
        pages += 1
        payload = json.loads(body)
        features += len(payload["features"])
        path = next(
            (
                urlsplit(link["href"])._replace(scheme="", netloc="").geturl()
                for link in payload["links"]
                if link["rel"] == "next"
            ),
            None,
        )
    return features, seconds, pages


def row_geojson_bbox(ctx: Context) -> dict:
    cursor = ctx.cursor()
    cursor.execute(
        "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
        "FROM parcels_district WHERE code = 11"
    )
    lon, lat = cursor.fetchone()
    bbox = bbox_for(cursor, ctx.config.geojson_features, lon, lat)
    expected = sql.geojson_bbox_count(cursor, bbox)
    client = ctx.client()
    page_size = ctx.config.geojson_features  # the largest page the portal serves
    path = "/ogc/collections/parcels/items?" + urlencode(
        {"bbox": ",".join(str(v) for v in bbox), "limit": page_size}
    )
    sql.geojson_bbox(cursor, bbox)
    _fetch_all_pages(client, path)
    http_s, sql_s, pages_sql_s = [], [], []
    for _ in range(ctx.config.geojson_repeats):
        started = time.perf_counter()
        body = sql.geojson_bbox(cursor, bbox)
        sql_s.append(time.perf_counter() - started)
        features, seconds, pages = _fetch_all_pages(client, path)
        http_s.append(seconds)
        started = time.perf_counter()
        for page in range(pages):
            _sql_bbox_page(cursor, bbox, page * page_size, page_size)
        pages_sql_s.append(time.perf_counter() - started)
    status, one_body, _s, _r = client.get(path)
    one_page = len(json.loads(one_body)["features"]) if status == 200 else 0
    client.close()
    http, ref, paged = summary_ms(http_s), summary_ms(sql_s), summary_ms(pages_sql_s)
    ok = http["p50"] <= 1.2 * ref["p50"] and features == expected
    return {
        "row": 5,
        "name": f"GeoJSON by bbox, {expected:,} features (OGC items, bbox)",
        "bbox": bbox,
        "features": expected,
        "features_received": features,
        "pages": pages,
        "largest_page_served": one_page,
        "http": http,
        "sql_one_json_agg": ref,
        "sql_same_pages": paged,
        "bytes": len(body),
        "result": f"HTTP {http['p50']:.0f} ms ({pages} pages of ≤ {one_page:,}) vs SQL json_agg "
        f"{ref['p50']:.0f} ms (×{http['p50'] / ref['p50']:.2f}); same pages in SQL "
        f"{paged['p50']:.0f} ms",
        "target": "≤ 1.2 × SQL json_agg",
        "verdict": verdict(ok),
    }


def _sql_bbox_page(cursor, bbox, offset: int, limit: int = 1000) -> None:
    cursor.execute(
        f"""SELECT coalesce(json_agg({sql.PARCEL_FEATURE} ORDER BY t.id), '[]'::json)::text
            FROM parcels_parcel t JOIN parcels_district d ON d.id = t.district_id
            WHERE t.id IN (SELECT id FROM parcels_parcel
                           WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))
                           ORDER BY id LIMIT %s OFFSET %s)""",  # noqa: S608
        [*bbox, limit, offset],
    )
    cursor.fetchone()


# --- 7. OGC API items, pages of 1,000 ------------------------------------------------------


def row_ogc_pages(ctx: Context) -> dict:
    cursor = ctx.cursor()
    client = ctx.client()
    out = {"row": 7, "name": "OGC API items, pages of 1,000", "collections": {}}
    parts, all_ok = [], True
    sources = (("parcels", "parcels_parcel"), ("requests", "permits_servicerequest"))
    for collection, table in sources:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        total = cursor.fetchone()[0]
        rng = random.Random(ctx.config.seed)
        offsets = [0, 1000] + sorted(
            rng.randrange(0, max(1, total - 1000)) // 1000 * 1000
            for _ in range(ctx.config.ogc_pages - 2)
        )
        path = "/ogc/collections/{c}/items?limit=1000&offset={o}"
        client.get(path.format(c=collection, o=0))
        sql.ogc_page(cursor, collection, 0)
        http_s, sql_s = [], []
        for _ in range(2):
            for offset in offsets:
                started = time.perf_counter()
                sql.ogc_page(cursor, collection, offset)
                sql_s.append(time.perf_counter() - started)
                status, body, seconds, _ = client.get(path.format(c=collection, o=offset))
                if status != 200:
                    raise RuntimeError(f"items page gave {status}: {body[:200]!r}")
                http_s.append(seconds)
        http, ref = summary_ms(http_s), summary_ms(sql_s)
        ok = http["p50"] <= 1.5 * ref["p50"]
        all_ok &= ok
        out["collections"][collection] = {
            "rows": total,
            "offsets": offsets,
            "http": http,
            "sql": ref,
            "verdict": verdict(ok),
        }
        parts.append(
            f"{collection}: {http['p50']:.0f} vs SQL {ref['p50']:.0f} ms "
            f"(×{http['p50'] / ref['p50']:.2f})"
        )
    client.close()
    return parts_row(out, parts, per="p50 per page", target="≤ 1.5 × SQL", ok=all_ok)
