"""One function per row of the table. Each measures the portal over HTTP (gunicorn) and
the same work in raw SQL in the same run, and returns a dict with both and the verdict.

HTTP and SQL samples are interleaved item by item where possible, so both see the same
caches and the same background noise from other processes on the machine.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import psycopg2

from gis_portal.bench import sql
from gis_portal.bench.client import Client, percentile, summary_ms
from gis_portal.bench.config import MANAGE, PYTHON, BenchConfig, django_env, dsn, reference_dsn

Log = Callable[[str], None]


@dataclass
class Context:
    config: BenchConfig
    port: int
    connection: object  # DB-API connection to the bench database (autocommit)
    log: Log = print
    session_cookie: str = ""
    points: list[tuple[float, float]] = field(default_factory=list)

    def cursor(self):
        return self.connection.cursor()

    def client(self, **headers) -> Client:
        return Client(self.port, headers=headers or None)


def city_points(cursor, count: int, seed: int) -> list[tuple[float, float]]:
    """`count` random points inside the districts (deterministic for a seed)."""
    cursor.execute(
        """SELECT ST_X(g.geom), ST_Y(g.geom) FROM (
               SELECT (ST_Dump(ST_GeneratePoints(ST_Union(geom), %s, %s))).geom
               FROM parcels_district) g""",
        [count, seed],
    )
    return [(round(x, 7), round(y, 7)) for x, y in cursor.fetchall()]


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


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
        "verdict": _verdict(ok),
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
        "verdict": _verdict(ok),
    }


# --- 3. filing end to end ------------------------------------------------------------------

SERVICES = [
    ("tree-pruning", {"tree_count": 2, "urgency": "normal"}),
    ("pothole", {"size": "medium"}),
    ("street-light-out", {"lights_out": 1}),
    ("illegal-dumping", None),
]


def filing_payloads(ctx: Context, count: int = 500) -> list[dict]:
    rng = random.Random(ctx.config.seed)
    cursor = ctx.cursor()
    cursor.execute(
        "SELECT code, attributes FROM permits_servicetype WHERE code = %s", ["illegal-dumping"]
    )
    row = cursor.fetchone()
    dumping = {}
    if row:
        for item in row[1]:
            if item.get("required") and item.get("values"):
                dumping[item["code"]] = item["values"][0]["key"]
    payloads = []
    points = ctx.points[-count:] if len(ctx.points) >= count else ctx.points
    for index, (lon, lat) in enumerate(points):
        code, attributes = SERVICES[index % len(SERVICES)]
        body = {
            "service_code": code,
            "lat": lat,
            "lon": lon,
            "attributes": dumping if attributes is None else attributes,
            "description": f"Benchmark filing {index}",
        }
        if rng.random() < 0.5:
            body["contact"] = {"phone": f"0912{rng.randrange(10**7):07d}"}
        payloads.append({"method": "POST", "path": "/api/requests/", "body": body})
    return payloads


def _run_load(ctx: Context, payloads: list[dict], *, rate: float | None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payloads, handle)
        path = handle.name
    try:
        command = [
            PYTHON,
            "-m",
            "gis_portal.bench.load",
            "--port",
            str(ctx.port),
            "--clients",
            str(ctx.config.filing_clients),
            "--seconds",
            str(ctx.config.filing_seconds),
            "--payloads",
            path,
        ]
        if rate:
            command += ["--rate", str(rate)]
        done = subprocess.run(  # noqa: S603 - our own module
            command, check=True, capture_output=True, text=True, cwd=str(os.path.dirname(MANAGE))
        )
    finally:
        os.unlink(path)
    result = json.loads(done.stdout)
    latency = result.pop("latency")
    service = result.pop("service")
    created = result["status"].get("201", 0)
    result["created_per_s"] = round(created / result["seconds"], 1)
    result["latency_ms"] = summary_ms(latency)
    result["service_ms"] = summary_ms(service)
    return result


def _sql_filing(ctx: Context, payloads: list[dict], seconds: float) -> dict:
    """The same reads and writes in SQL from `filing_clients` threads (closed loop)."""
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    def worker(index: int) -> None:
        connection = psycopg2.connect(reference_dsn(ctx.config.database))
        mine = []
        try:
            with connection.cursor() as cursor:
                while time.perf_counter() < stop:
                    n = next(counter)
                    body = payloads[n % len(payloads)]["body"]
                    started = time.perf_counter()
                    sql.filing(
                        cursor,
                        lon=body["lon"],
                        lat=body["lat"],
                        service_code=body["service_code"],
                        code=f"SQL-{index:02d}-{n:07d}",
                    )
                    connection.commit()
                    mine.append(time.perf_counter() - started)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(ctx.config.filing_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": summary_ms(latencies),
        "seconds": round(elapsed, 1),
    }


def row_filing(ctx: Context) -> dict:
    payloads = filing_payloads(ctx)
    client = ctx.client()
    status, body, _s, _r = client.post_json("/api/requests/", payloads[0]["body"])
    client.close()
    if status != 201:
        raise RuntimeError(f"filing a request gave {status}: {body[:300]!r}")
    closed = _run_load(ctx, payloads, rate=None)
    paced = _run_load(ctx, payloads, rate=ctx.config.filing_rate)
    reference = _sql_filing(ctx, payloads, min(ctx.config.filing_seconds, 10))
    throughput = closed["created_per_s"]
    p99 = paced["latency_ms"]["p99"]
    errors = (
        sum(v for k, v in closed["status"].items() if k != "201")
        + sum(v for k, v in paced["status"].items() if k != "201")
        + closed["errors"]
        + paced["errors"]
    )
    errors += paced.get("unsent", 0)  # offered but never sent: the server fell behind
    ok = throughput >= 200 and p99 <= 100 and errors == 0
    little = ctx.config.filing_clients / throughput * 1000 if throughput else math.inf
    return {
        "row": 3,
        "name": f"filing end to end (POST /api/requests/), {ctx.config.filing_clients} clients",
        "closed_loop": closed,
        "paced": paced,
        "sql": reference,
        "non_201": errors,
        "littles_law_mean_ms_at_closed_loop": round(little, 1),
        "result": f"{throughput:.0f} req/s (closed loop, p50 "
        f"{closed['latency_ms']['p50']:.0f} / p99 {closed['latency_ms']['p99']:.0f} ms); "
        f"at {ctx.config.filing_rate:.0f} req/s offered: p50 {paced['latency_ms']['p50']:.0f}"
        f" / p99 {p99:.0f} ms; SQL {reference['per_s']:.0f}/s",
        "target": "≥ 200 req/s, p99 ≤ 100 ms",
        "verdict": _verdict(ok),
    }


# --- 4. vector tiles -----------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def row_tiles(ctx: Context) -> dict:
    client = ctx.client()
    cursor = ctx.cursor()
    out = {"row": 4, "name": "vector tiles (parcels, requests)", "zooms": {}}
    all_ok = True
    parts = []
    for collection in ("parcels", "requests"):
        for z in (12, 14, 16):
            tiles = []
            for lon, lat in ctx.points:
                tile = tile_of(lon, lat, z)
                if tile not in tiles:
                    tiles.append(tile)
                if len(tiles) >= ctx.config.tiles_per_zoom:
                    break
            http_s, sql_s, sizes, statuses = [], [], [], set()
            served = client.get(f"/tiles/{collection}/{z}/{tiles[0][0]}/{tiles[0][1]}.mvt")[0]
            passes = 3
            if served != 200:  # outside the collection's zoom range: SQL once, for the record
                tiles, passes = tiles[:3], 1
            for x, y in tiles:  # warm-up pass
                client.get(f"/tiles/{collection}/{z}/{x}/{y}.mvt")
                sql.tile(cursor, collection, z, x, y)
            for _ in range(passes):
                for x, y in tiles:
                    started = time.perf_counter()
                    data = sql.tile(cursor, collection, z, x, y)
                    sql_s.append(time.perf_counter() - started)
                    sizes.append(len(data))
                    status, body, seconds, _ = client.get(f"/tiles/{collection}/{z}/{x}/{y}.mvt")
                    statuses.add(status)
                    if status == 200:
                        http_s.append(seconds)
            ref = summary_ms(sql_s)
            entry = {"tiles": len(tiles), "sql": ref, "bytes_mean": round(statistics.fmean(sizes))}
            if statuses == {200}:
                http = summary_ms(http_s)
                ok = http["p50"] <= 1.3 * ref["p50"] + 2
                entry.update(http=http, verdict=_verdict(ok))
                all_ok &= ok
                parts.append(
                    f"{collection} z{z}: {http['p50']:.1f} vs SQL {ref['p50']:.1f} ms"
                    + ("" if ok else " (missed)")
                )
            else:
                entry.update(http_status=sorted(statuses), verdict="n/a")
                parts.append(f"{collection} z{z}: not served ({sorted(statuses)})")
            out["zooms"][f"{collection}/z{z}"] = entry
    client.close()
    out.update(
        result="; ".join(parts) + " (p50 per tile)",
        target="≤ 1.3 × raw ST_AsMVT + 2 ms",
        verdict=_verdict(all_ok),
    )
    return out


# --- 5. GeoJSON by bbox, 10,000 features ---------------------------------------------------


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
        "verdict": _verdict(ok),
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


# --- 6. import 1M parcels from a GeoPackage -------------------------------------------------


def _timed_child(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, output) of a child process, by wait4's rusage."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - fixed commands
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({process.returncode}): {output[-2000:]}")
    return seconds, usage.ru_maxrss * 1024, output


def row_import(ctx: Context, gpkg: str) -> dict:
    database = ctx.config.import_database
    admin = psycopg2.connect(dsn(database))
    admin.autocommit = True

    def reset() -> None:
        with admin.cursor() as cursor:
            cursor.execute("TRUNCATE parcels_parcel CASCADE")
            cursor.execute("DROP TABLE IF EXISTS bench_ogr_parcels")
            cursor.execute("CHECKPOINT")

    def count(table: str) -> int:
        with admin.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            return cursor.fetchone()[0]

    try:
        reset()
        ogr_seconds, ogr_rss, _ = _timed_child(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                f"PG:{dsn(database)}",
                gpkg,
                "-nln",
                "bench_ogr_parcels",
                "-lco",
                "GEOMETRY_NAME=geom",
                "--config",
                "PG_USE_COPY",
                "YES",
            ]
        )
        ogr_rows = count("bench_ogr_parcels")
        reset()
        portal_seconds, portal_rss, output = _timed_child(
            [PYTHON, MANAGE, "import_parcels", gpkg, "--commit", "-v", "0"],
            env=django_env(database),
        )
        portal_rows = count("parcels_parcel")
    finally:
        reset()
        admin.close()
    ogr_rate = ogr_rows / ogr_seconds
    portal_rate = portal_rows / portal_seconds
    ok = portal_rate >= 0.7 * ogr_rate and portal_rss <= 1024**3 and portal_rows == ogr_rows
    return {
        "row": 6,
        "name": f"import {portal_rows:,} parcels from a GeoPackage",
        "portal": {
            "seconds": round(portal_seconds, 1),
            "features_per_s": round(portal_rate),
            "peak_rss_mib": round(portal_rss / 2**20),
            "rows": portal_rows,
            "report": output.strip().splitlines()[:3],
        },
        "ogr2ogr": {
            "seconds": round(ogr_seconds, 1),
            "features_per_s": round(ogr_rate),
            "peak_rss_mib": round(ogr_rss / 2**20),
            "rows": ogr_rows,
        },
        "result": f"portal {portal_rate:,.0f}/s, {portal_rss / 2**20:,.0f} MiB peak; "
        f"ogr2ogr {ogr_rate:,.0f}/s (×{portal_rate / ogr_rate:.2f})",
        "target": "≥ 0.7 × ogr2ogr (PG_USE_COPY); ≤ 1 GiB RSS",
        "verdict": _verdict(ok),
    }


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
            "verdict": _verdict(ok),
        }
        parts.append(
            f"{collection}: {http['p50']:.0f} vs SQL {ref['p50']:.0f} ms "
            f"(×{http['p50'] / ref['p50']:.2f})"
        )
    client.close()
    out.update(
        result="; ".join(parts) + " (p50 per page)",
        target="≤ 1.5 × SQL",
        verdict=_verdict(all_ok),
    )
    return out


# --- 8. the planners' dashboard ------------------------------------------------------------


def staff_session(ctx: Context) -> str:
    """A signed-in session of the bench supervisor, made in the server's environment."""
    done = subprocess.run(  # noqa: S603 - our own command
        [PYTHON, MANAGE, "bench", "--stage", "session", "--db", ctx.config.database],
        env=django_env(ctx.config.database),
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def row_dashboard(ctx: Context) -> dict:
    cookie = ctx.session_cookie or staff_session(ctx)
    client = ctx.client(Cookie=f"sessionid={cookie}")
    cursor = ctx.cursor()
    cursor.execute("SELECT min(submitted_at), count(*) FROM permits_servicerequest")
    first, total = cursor.fetchone()
    today = datetime.date.today()
    periods = {
        "all (2 years)": (first.date(), today),
        "default (90 days)": (today - datetime.timedelta(days=89), today),
    }
    out = {"row": 8, "name": f"planners' dashboard over {total:,} requests", "periods": {}}
    parts, all_ok = [], True
    for label, (start, end) in periods.items():
        query = {"from": start.isoformat(), "to": end.isoformat()}
        path = "/staff/api/dashboard/?" + urlencode(query)
        status, body, _s, _r = client.get(path)
        if status != 200:
            raise RuntimeError(f"dashboard gave {status}: {body[:300]!r}")
        received = json.loads(body)["total"]["received"]
        bounds = (
            datetime.datetime.combine(start, datetime.time.min, tzinfo=_tehran()),
            datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=_tehran()
            ),
        )
        sql.dashboard(cursor, *bounds)
        http_s, sql_s = [], []
        for _ in range(ctx.config.dashboard_repeats):
            started = time.perf_counter()
            sql.dashboard(cursor, *bounds)
            sql_s.append(time.perf_counter() - started)
            status, body, seconds, _ = client.get(path)
            http_s.append(seconds)
        http, ref = summary_ms(http_s), summary_ms(sql_s)
        ok = http["p50"] <= 500
        all_ok &= ok
        out["periods"][label] = {"received": received, "http": http, "sql": ref}
        parts.append(f"{label}, {received:,} requests: {http['p50']:.0f} ms (SQL {ref['p50']:.0f})")
    client.close()
    out.update(result="; ".join(parts) + " (p50)", target="≤ 500 ms", verdict=_verdict(all_ok))
    return out


def _tehran():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Tehran")


def percentile_ms(values, fraction) -> float:
    return round(percentile([v * 1000 for v in values], fraction), 3)
