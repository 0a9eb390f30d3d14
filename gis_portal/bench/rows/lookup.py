"""Rows 1 and 2: the district and parcel under a click over HTTP, and district routing
in SQL (the plain boundaries against a subdivided copy)."""

from __future__ import annotations

import json
import statistics
import time

from gis_portal.bench import sql
from gis_portal.bench.client import summary_ms
from gis_portal.bench.context import Context, verdict

# --- 1. click → parcel + district ---------------------------------------------------------


def row_lookup(ctx: Context, points: list[tuple[float, float]] | None = None) -> dict:
    points = points or ctx.points[: ctx.config.lookup_points]
    client = ctx.client()
    cursor = ctx.cursor()
    for lon, lat in points[:50]:  # warm both paths (connections, caches)
        client.get(f"/api/lookup/?lat={lat}&lon={lon}")
        sql.lookup(cursor, lon, lat)
    http_s, sql_s, with_parcel, mismatches = [], [], 0, 0
    for lon, lat in points:
        started = time.perf_counter()
        district, parcel = sql.lookup(cursor, lon, lat)
        sql_s.append(time.perf_counter() - started)
        status, body, seconds, _ = client.get(f"/api/lookup/?lat={lat}&lon={lon}")
        http_s.append(seconds)
        payload = json.loads(body) if status == 200 else {}
        got_district = (payload.get("district") or {}).get("code")
        got_parcel = (payload.get("parcel") or {}).get("code")
        if got_district != (district[0] if district else None) or got_parcel != (
            parcel[0] if parcel else None
        ):
            mismatches += 1
        with_parcel += parcel is not None
    client.close()
    http, ref = summary_ms(http_s), summary_ms(sql_s)
    ok = http["p50"] <= ref["p50"] + 3 and http["p99"] <= 15 and mismatches == 0
    return {
        "row": 1,
        "name": "click → parcel + district (/api/lookup/)",
        "http": http,
        "sql": ref,
        "points": len(points),
        "points_on_a_parcel": with_parcel,
        "answers_differing_from_sql": mismatches,
        "result": f"HTTP p50 {http['p50']:.1f} / p99 {http['p99']:.1f} ms; "
        f"SQL p50 {ref['p50']:.1f} / p99 {ref['p99']:.1f} ms",
        "target": "HTTP p50 ≤ SQL p50 + 3 ms; p99 ≤ 15 ms",
        "verdict": verdict(ok),
    }


# --- 2. district routing, plain vs subdivided ----------------------------------------------


def row_routing(ctx: Context) -> dict:
    cursor = ctx.cursor()
    count = ctx.config.routing_points
    pieces = sql.subdivided_create(cursor)
    cursor.execute("DROP TABLE IF EXISTS bench_route_points")
    cursor.execute(
        """CREATE TABLE bench_route_points AS
           SELECT (ST_Dump(ST_GeneratePoints(
               ST_Buffer(ST_Union(geom), 0.002), %s, %s))).geom FROM parcels_district""",
        [count, ctx.config.seed],
    )
    cursor.execute("SELECT ST_X(geom), ST_Y(geom) FROM bench_route_points LIMIT 2000")
    sample = cursor.fetchall()
    results = {}
    for label, table in (("plain", "parcels_district"), ("subdivided", sql.SUBDIVIDED_TABLE)):
        sql.routing_batch(cursor, "bench_route_points", table)  # warm
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            routed = sql.routing_batch(cursor, "bench_route_points", table)
            runs.append(time.perf_counter() - started)
        one = []
        for lon, lat in sample:
            started = time.perf_counter()
            sql.routing_one(cursor, table, lon, lat)
            one.append(time.perf_counter() - started)
        results[label] = {
            "batch_lookups_per_s": round(count / statistics.median(runs)),
            "routed": routed,
            "one_query_per_point_per_s": round(len(one) / sum(one)),
            "one_query_ms": summary_ms(one),
        }
    cursor.execute("SELECT sum(ST_NPoints(geom)), max(ST_NPoints(geom)) FROM parcels_district")
    vertices, largest = cursor.fetchone()
    plain = results["plain"]["batch_lookups_per_s"]
    subdivided = results["subdivided"]["batch_lookups_per_s"]
    faster = "plain" if plain >= subdivided else "subdivided"
    ok = max(plain, subdivided) >= 5000
    return {
        "row": 2,
        "name": "district routing (SQL)",
        "plain": results["plain"],
        "subdivided": results["subdivided"],
        "subdivided_pieces": pieces,
        "district_vertices": {"total": vertices, "largest": largest},
        "points": count,
        "faster": faster,
        "result": f"plain {plain:,}/s, subdivided {subdivided:,}/s ({faster} faster); "
        f"one query per point: {results['plain']['one_query_per_point_per_s']:,}/s",
        "target": "≥ 5,000/s in SQL; use whichever is faster",
        "verdict": verdict(ok),
    }
