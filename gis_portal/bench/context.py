"""What every row of the table measures with: the server's port, a raw-SQL connection,
the random points inside the city, and the verdict of a row's numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gis_portal.bench.client import Client
from gis_portal.bench.config import BenchConfig

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


def verdict(ok: bool | None) -> str:
    """The verdict of a row's numbers alone; run.py may turn it into "inconclusive" when
    the machine was busy (gis_portal.bench.busy)."""
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def parts_row(out: dict, parts: list[str], *, per: str, target: str, ok: bool) -> dict:
    """A row made of several measurements (zooms, collections, periods): its result line
    joins theirs, and it is met only if every part is."""
    out.update(result="; ".join(parts) + f" ({per})", target=target, verdict=verdict(ok))
    return out
