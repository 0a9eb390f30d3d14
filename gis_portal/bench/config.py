"""Benchmark parameters, the database names and the environments of the processes."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
RESULTS_DIR = BASE_DIR / "bench-results"
CACHE_DIR = RESULTS_DIR / "cache"
PYTHON = sys.executable
MANAGE = str(BASE_DIR / "manage.py")

#: The private cluster (scripts/pg.sh); the bench databases live there.
PG_HOST = "127.0.0.1"
PG_PORT = os.environ.get("PGPORT", "54329")
PG_USER = "postgres"

#: Signs the bench server's sessions; the server listens on loopback only.
BENCH_SECRET_KEY = "bench-only-" + "k" * 50
BENCH_USERNAME = "bench-supervisor"
BENCH_PASSWORD = "bench-Supervisor-2026"  # noqa: S105 - a throwaway account in the bench DB

#: A row measured on a busy machine is "inconclusive" rather than met or missed (see
#: gis_portal.bench.busy for what is measured). Busy means either of:
#:
#: - processes that are not the bench's took more than this much CPU on average over the
#:   row, in cores (0.25: a quarter of one core). The bench compares milliseconds on a
#:   machine it saturates itself during the load rows; a neighbour taking a quarter of a
#:   core already shifts the tails (p99) of the HTTP side and the SQL side differently.
BUSY_OTHER_CPU_CORES = 0.25
#: - the 1-minute load average when the row started was above this many runnable tasks
#:   per core: the row began on an oversubscribed machine. Only the start is judged: the
#:   load at the end includes the row's own clients, workers and backends (recorded, not
#:   judged). The start includes the tail of the bench's previous row, which is mostly
#:   one request at a time (about one runnable task), hence one task per core.
BUSY_LOAD_PER_CORE = 1.0

#: Files whose change means different data: the hash of their text + the parameters
#: is stored in the bench database, which is rebuilt only when it differs.
GENERATOR_FILES = [
    "gis_portal/bench/data.py",
    "parcels/demo.py",
    "permits/demo_layers.py",
    "data/services.json",
]


@dataclass(frozen=True)
class BenchConfig:
    database: str = "gis_portal_bench"
    parcels: int = 1_000_000
    requests: int = 200_000
    years: int = 2
    seed: int = 11
    # Measurement sizes (not part of the data hash).
    lookup_points: int = 2000
    filing_clients: int = 50
    filing_seconds: float = 30.0
    filing_rate: float = 200.0  # the paced run: requests per second offered
    tiles_per_zoom: int = 25
    ogc_pages: int = 12
    geojson_features: int = 10_000
    geojson_repeats: int = 5
    dashboard_repeats: int = 10
    routing_points: int = 20_000
    workers: int = 2
    threads: int = 4  # gthread: keep-alive, and a worker's DB waits overlap
    import_rows: int | None = None  # None: all parcels of the bench database
    rows: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)
    extra: dict = field(default_factory=dict)

    @property
    def import_database(self) -> str:
        return f"{self.database}_import"

    def data_parameters(self) -> dict:
        return {
            "parcels": self.parcels,
            "requests": self.requests,
            "years": self.years,
            "seed": self.seed,
        }

    def generator_hash(self) -> str:
        digest = hashlib.sha256()
        for name in GENERATOR_FILES:
            path = BASE_DIR / name
            digest.update(name.encode())
            digest.update(path.read_bytes() if path.exists() else b"-")
        digest.update(json.dumps(self.data_parameters(), sort_keys=True).encode())
        return digest.hexdigest()[:16]

    def as_dict(self) -> dict:
        values = asdict(self)
        values["rows"] = list(self.rows)
        return values


def database_url(name: str) -> str:
    return f"postgis://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def dsn(name: str) -> str:
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={name}"


def reference_dsn(name: str) -> str:
    """The DSN of the raw-SQL side of a row: the same session settings as the portal's
    own connections (settings DATABASES OPTIONS, e.g. jit=off), so both run alike."""
    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options", "")
    return dsn(name) + (f" options='{options}'" if options else "")


def django_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of a manage.py or gunicorn process on `database`, production-like."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DATABASE_URL=database_url(database),
        DJANGO_SETTINGS_MODULE="gis_portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env
