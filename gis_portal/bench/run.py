"""The whole benchmark: database, server, every row, plan checks, table and JSON."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import time
from collections.abc import Callable

import psycopg2

from gis_portal.bench import busy, data, report, rows
from gis_portal.bench.config import (
    BUSY_LOAD_PER_CORE,
    BUSY_OTHER_CPU_CORES,
    MANAGE,
    PYTHON,
    BenchConfig,
    django_env,
    dsn,
    reference_dsn,
)
from gis_portal.bench.context import Context, city_points
from gis_portal.bench.server import Server

Log = Callable[[str], None]

#: The longest wait for the machine's load average to fall after the bench's own load.
SETTLE_SECONDS = 90.0


def reset_runtime_rows(config: BenchConfig) -> int:
    """Remove what earlier runs filed (everything not generated), so every run measures
    the same data. History rows are append-only by trigger: replica mode skips it here,
    in the benchmark's own database only."""
    connection = psycopg2.connect(dsn(config.database))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "SELECT array_agg(id) FROM permits_servicerequest "
                "WHERE tracking_code NOT LIKE 'BEN-%%'"
            )
            ids = cursor.fetchone()[0] or []
            if ids:
                for table, column in (
                    ("permits_requestevent", "request_id"),
                    ("permits_attachment", "request_id"),
                    ("permits_support", "request_id"),
                    ("permits_idempotencyrecord", "service_request_id"),
                ):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} = ANY(%s)",  # noqa: S608
                        [ids],
                    )
                cursor.execute("DELETE FROM permits_servicerequest WHERE id = ANY(%s)", [ids])
        connection.commit()
    finally:
        connection.close()
    if ids:
        vacuum = psycopg2.connect(dsn(config.database))
        vacuum.autocommit = True
        with vacuum.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE permits_servicerequest")
            cursor.execute("VACUUM ANALYZE permits_requestevent")
        vacuum.close()
    return len(ids)


def vacuum_analyze(config: BenchConfig) -> None:
    """Fresh statistics and visibility maps, as autovacuum leaves a settled database."""
    connection = psycopg2.connect(dsn(config.database))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()


def plan_checks(config: BenchConfig) -> list[dict]:
    done = subprocess.run(  # noqa: S603 - our own command
        [PYTHON, MANAGE, "bench", "--stage", "plans", "--db", config.database],
        env=django_env(config.database),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _prepare(config: BenchConfig, log: Log, *, rebuild: bool) -> dict:
    """The database (built or reused), settled and reset; the machine, the points and
    the query plans."""
    database = data.ensure(config, log, rebuild=rebuild)
    vacuum_analyze(config)  # a new migration may have rewritten rows of a reused database
    removed = reset_runtime_rows(config)
    if removed:
        log(f"removed {removed:,} requests filed by earlier runs")
    connection = psycopg2.connect(reference_dsn(config.database))
    connection.autocommit = True
    with connection.cursor() as cursor:
        machine = report.machine(cursor)
        points = city_points(cursor, max(config.lookup_points, 600), config.seed)
    log(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB, "
        f"PostgreSQL {machine['postgresql']}, PostGIS {machine['postgis']}, "
        f"load average {machine['load_average_at_start'][0]}"
    )
    plans = plan_checks(config)
    bad = [p["name"] for p in plans if not p["ok"]]
    log(
        f"query plans: {len(plans) - len(bad)}/{len(plans)} on their GiST index"
        + (f"; NOT: {', '.join(bad)}" if bad else "")
    )
    return {
        "database": database,
        "connection": connection,
        "machine": machine,
        "points": points,
        "plans": plans,
    }


def measured(number: int, name: str, step: Callable[[], dict], config: BenchConfig, log: Log):
    """Run one row under a busy-machine monitor: its time, the machine's load and CPU
    time of other processes while it ran, and its verdict (inconclusive when busy). A
    broken endpoint is a result (verdict ERROR), not a crash of the whole bench."""
    started = time.perf_counter()
    log(f"row {number} …")
    with busy.Monitor((config.database, config.import_database)) as monitor:
        try:
            row = step()
        except Exception as error:
            row = {"row": number, "name": name, "result": f"ERROR: {error}", "target": ""}
            row["verdict"] = "ERROR"
    row["seconds"] = round(time.perf_counter() - started, 1)
    busy.judge(row, monitor.summary())
    log(
        f"row {number}: {row['result']} — {row['verdict']} ({row['seconds']} s; "
        f"{busy.describe(row['machine_load'])})"
    )
    return row


def _server_rows(config: BenchConfig, ctx: Context, log: Log) -> list[dict]:
    """The rows measured over HTTP, read-only rows first (filing writes)."""
    steps = {
        1: rows.lookup.row_lookup,
        2: rows.lookup.row_routing,
        4: rows.tiles.row_tiles,
        5: rows.features.row_geojson_bbox,
        7: rows.features.row_ogc_pages,
        8: rows.dashboard.row_dashboard,
        3: rows.filing.row_filing,
    }
    with Server(config) as server:
        log(
            f"gunicorn: {server.workers} workers × {config.threads} threads "
            f"on 127.0.0.1:{server.port}"
        )
        ctx.port = server.port
        return [
            measured(number, f"row {number}", lambda step=step: step(ctx), config, log)
            for number, step in steps.items()
            if number in config.rows
        ]


def settle(log: Log, *, timeout: float = SETTLE_SECONDS) -> None:
    """Wait (at most `timeout` s) until the 1-minute load average is back under the
    busy limit. The filing row loads the machine itself (50 clients, the server, the
    backends), and the load average it leaves would make the next row's start look busy
    although nothing else runs; the wait is not part of any measurement."""
    limit = BUSY_LOAD_PER_CORE * (os.cpu_count() or 1)
    deadline = time.monotonic() + timeout
    while busy.read_load_1min() > limit and time.monotonic() < deadline:
        time.sleep(2)  # polling the load average, not a timed measurement
    log(f"load average {busy.read_load_1min():.2f} (limit {limit:g})")


def run(config: BenchConfig, log: Log, *, rebuild: bool = False) -> dict:
    started = time.perf_counter()
    state = _prepare(config, log, rebuild=rebuild)
    connection = state["connection"]
    ctx = Context(config=config, port=0, connection=connection, log=log, points=state["points"])
    measured_rows = _server_rows(config, ctx, log)
    if 6 in config.rows:
        log("row 6 is measured with the server stopped")
        if 3 in config.rows:
            settle(log)
        gpkg = str(data.gpkg_path(config))
        name = "import from a GeoPackage"
        measured_rows.append(
            measured(6, name, lambda: rows.imports.row_import(ctx, gpkg), config, log)
        )
    reset_runtime_rows(config)
    connection.close()
    measured_rows.sort(key=lambda r: r["row"])
    payload = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": state["machine"],
        "config": config.as_dict(),
        "busy_limits": {
            "other_cpu_cores": BUSY_OTHER_CPU_CORES,
            "load_per_core": BUSY_LOAD_PER_CORE,
        },
        "database": state["database"],
        "plans": state["plans"],
        "rows": measured_rows,
        "table": report.table(measured_rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    path = report.write(payload)
    log("")
    log(payload["table"])
    log("")
    log(f"written to {path} ({payload['seconds']:.0f} s in all)")
    return payload
