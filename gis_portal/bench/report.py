"""The machine the run was on, the printed table and the JSON file under bench-results/."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

from gis_portal.bench import busy
from gis_portal.bench.config import RESULTS_DIR


def machine(cursor) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    cursor.execute("SHOW server_version")
    postgres = cursor.fetchone()[0]
    cursor.execute("SELECT postgis_lib_version(), postgis_geos_version(), postgis_proj_version()")
    postgis, geos, proj = cursor.fetchone()
    try:
        gdal = (
            subprocess.run(
                ["gdal-config", "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            or subprocess.run(
                ["ogr2ogr", "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
        )
    except OSError:
        gdal = ""
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(memory / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgis": postgis,
        "geos": geos,
        "proj": proj,
        "gdal": gdal,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def table(rows: list[dict]) -> str:
    """A Markdown table: #, hot path, result, target, verdict, and the machine's load
    while the row ran (a busy machine makes a verdict "inconclusive")."""
    lines = [
        "| # | hot path | result | target | verdict | machine while measured |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['row']} | {row['name']} | {row['result']} | {row['target']} "
            f"| {row['verdict']} | {busy.describe(row.get('machine_load'))} |"
        )
    return "\n".join(lines)


def write(payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"bench-{stamp}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.md").write_text(payload.get("table", ""), encoding="utf-8")
    return path
