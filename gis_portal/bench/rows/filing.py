"""Row 3: filing end to end under concurrent load (closed loop and paced), next to the
same reads and writes in SQL from as many threads."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import tempfile
import threading
import time

import psycopg2

from gis_portal.bench import sql
from gis_portal.bench.client import summary_ms
from gis_portal.bench.config import MANAGE, PYTHON, reference_dsn
from gis_portal.bench.context import Context, verdict

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
        "verdict": verdict(ok),
    }
