"""Row 4: vector tiles of the parcels and requests at three zooms against raw ST_AsMVT."""

from __future__ import annotations

import math
import statistics
import time

from gis_portal.bench import sql
from gis_portal.bench.client import summary_ms
from gis_portal.bench.context import Context, parts_row, verdict


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
                entry.update(http=http, verdict=verdict(ok))
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
    return parts_row(
        out, parts, per="p50 per tile", target="≤ 1.3 × raw ST_AsMVT + 2 ms", ok=all_ok
    )
