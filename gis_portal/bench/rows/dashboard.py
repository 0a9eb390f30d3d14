"""Row 8: the planners' dashboard (signed in as the bench supervisor) for two periods,
against its five aggregates in SQL."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from gis_portal.bench import sql
from gis_portal.bench.client import summary_ms
from gis_portal.bench.config import MANAGE, PYTHON, django_env
from gis_portal.bench.context import Context, parts_row

#: The portal's time zone: the dashboard's periods are local days.
TEHRAN = ZoneInfo("Asia/Tehran")


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
            datetime.datetime.combine(start, datetime.time.min, tzinfo=TEHRAN),
            datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=TEHRAN
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
    return parts_row(out, parts, per="p50", target="≤ 500 ms", ok=all_ok)
