"""One function per row of the table (`row_<what>(ctx) -> dict`). Each measures the
portal over HTTP (gunicorn) and the same work in raw SQL in the same run, and returns a
dict with both, the result line, the target and the verdict of the numbers.

HTTP and SQL samples are interleaved item by item where possible, so both see the same
caches and the same background noise from other processes on the machine.
"""

from gis_portal.bench.rows import dashboard, features, filing, imports, lookup, tiles

__all__ = ["dashboard", "features", "filing", "imports", "lookup", "tiles"]
