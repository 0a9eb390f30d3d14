"""Row 6: importing the bench's parcels from a GeoPackage with the portal's command,
against ogr2ogr with COPY into the same database."""

from __future__ import annotations

import os
import subprocess
import time

import psycopg2

from gis_portal.bench.config import MANAGE, PYTHON, django_env, dsn
from gis_portal.bench.context import Context, verdict


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


def _ogr2ogr_command(database: str, gpkg: str) -> list[str]:
    return [
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


def _both_imports(database: str, gpkg: str) -> tuple[dict, dict]:
    """ogr2ogr, then the portal's import_parcels, each into an emptied database; the
    database is emptied again afterwards (it is the bench's scratch copy)."""
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
        seconds, rss, _ = _timed_child(_ogr2ogr_command(database, gpkg))
        ogr = {"seconds": seconds, "rss": rss, "rows": count("bench_ogr_parcels")}
        reset()
        seconds, rss, output = _timed_child(
            [PYTHON, MANAGE, "import_parcels", gpkg, "--commit", "-v", "0"],
            env=django_env(database),
        )
        portal = {"seconds": seconds, "rss": rss, "rows": count("parcels_parcel")}
        portal["report"] = output.strip().splitlines()[:3]
    finally:
        reset()
        admin.close()
    return ogr, portal


def row_import(ctx: Context, gpkg: str) -> dict:
    ogr, portal = _both_imports(ctx.config.import_database, gpkg)
    ogr_rate = ogr["rows"] / ogr["seconds"]
    portal_rate = portal["rows"] / portal["seconds"]
    portal_rss = portal["rss"]
    ok = portal_rate >= 0.7 * ogr_rate and portal_rss <= 1024**3 and portal["rows"] == ogr["rows"]
    return {
        "row": 6,
        "name": f"import {portal['rows']:,} parcels from a GeoPackage",
        "portal": {
            "seconds": round(portal["seconds"], 1),
            "features_per_s": round(portal_rate),
            "peak_rss_mib": round(portal_rss / 2**20),
            "rows": portal["rows"],
            "report": portal["report"],
        },
        "ogr2ogr": {
            "seconds": round(ogr["seconds"], 1),
            "features_per_s": round(ogr_rate),
            "peak_rss_mib": round(ogr["rss"] / 2**20),
            "rows": ogr["rows"],
        },
        "result": f"portal {portal_rate:,.0f}/s, {portal_rss / 2**20:,.0f} MiB peak; "
        f"ogr2ogr {ogr_rate:,.0f}/s (×{portal_rate / ogr_rate:.2f})",
        "target": "≥ 0.7 × ogr2ogr (PG_USE_COPY); ≤ 1 GiB RSS",
        "verdict": verdict(ok),
    }
