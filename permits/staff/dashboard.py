"""KPI selectors for the planners' dashboard, all computed by PostgreSQL aggregates.

For a period (requests submitted in it) and the requests a user may see:
received, open, closed and overdue counts, median and 90th-percentile days to close
(`percentile_cont … WITHIN GROUP`, exact), per district and per service; requests per
week; and the city's reform measure, staff steps (history rows with a staff actor) per
closed request, per service and month of closing.

`figures` reads all of it in three statements, each one pass over the period's rows
(the bench's 200,000 requests over two years, row 8 of `make bench`):

1. counts per (district, service) cell and per week, one hash aggregate with GROUPING
   SETS; totals and the per-district and per-service rows are sums of the cells;
2. both percentiles from one sort per group (`percentile_cont(ARRAY[0.5, 0.9])`), for
   the whole period, per district and per service (GROUPING SETS);
3. closed requests and their staff steps per service and month of closing, from
   `ServiceRequest.staff_steps`, which a trigger keeps (no join with the history).

Weeks and months are cut by `width_bucket` on their local (Tehran) start instants,
computed once per call, instead of converting every row's timestamp to local time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.params import InvalidInput, parse_date
from parcels.models import District
from permits.access import requests_visible_to
from permits.models import CLOSED_STATUSES, ServiceRequest, ServiceType


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(
                self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            ),
        )


def default_period(today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=89), today)


def period_parse(params) -> Period:
    """`?from=&to=` (each defaults to the last 90 days' end); InvalidInput to correct."""
    default = default_period()
    start = parse_date(params.get("from", ""), "from") or default.start
    end = parse_date(params.get("to", ""), "to") or default.end
    if start > end:
        raise InvalidInput("to", _("The end date is before the start date."))
    return Period(start, end)


def requests_in_period(user, period: Period) -> QuerySet[ServiceRequest]:
    start, end = period.bounds
    return requests_visible_to(user).filter(submitted_at__gte=start, submitted_at__lt=end)


CLOSED = Q(status__in=CLOSED_STATUSES)
COUNTS = ("received", "open", "closed", "overdue")


def _local_starts(first: datetime.date, last: datetime.date, *, weeks: bool) -> list:
    """The local midnights starting each week (Monday) or month from the one holding
    `first` to the one holding `last`, as aware datetimes (bucket thresholds)."""
    tz = timezone.get_current_timezone()
    day = first - datetime.timedelta(days=first.weekday()) if weeks else first.replace(day=1)
    starts = []
    while day <= last:
        starts.append(datetime.datetime.combine(day, datetime.time.min, tzinfo=tz))
        if weeks:
            day += datetime.timedelta(days=7)
        else:
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return starts


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _subquery(queryset: QuerySet, *fields: str) -> tuple[str, tuple]:
    """The SQL of `queryset` reduced to `fields` (the user's scope and the period stay in
    its WHERE clause), for the aggregate statements below to read FROM."""
    return queryset.order_by().values(*fields).query.sql_with_params()


def _cells_and_weeks(requests: QuerySet, weeks: list, now) -> tuple[dict, dict]:
    inner, params = _subquery(
        requests, "district_id", "service_type_id", "status", "closed_at", "due_at", "submitted_at"
    )
    rows = _rows(
        f"""SELECT GROUPING(r.week), r.district_id, r.service_type_id, r.week, count(*),
                   count(*) FILTER (WHERE NOT r.closed),
                   count(*) FILTER (WHERE r.closed AND r.closed_at IS NOT NULL),
                   count(*) FILTER (WHERE NOT r.closed AND r.due_at < %s)
            FROM (SELECT q.*, q.status = ANY(%s) AS closed,
                         width_bucket(q.submitted_at, %s::timestamptz[]) AS week
                  FROM ({inner}) q) r
            GROUP BY GROUPING SETS ((r.district_id, r.service_type_id), (r.week))""",  # noqa: S608 - ORM SQL, values are params
        (now, list(CLOSED_STATUSES), weeks, *params),
    )
    cells, per_week = {}, {}
    for week_summed, district_id, service_id, week, *counts in rows:
        if week_summed:
            cells[district_id, service_id] = dict(zip(COUNTS, counts, strict=True))
        else:
            per_week[week] = counts[0]
    return cells, per_week


def _percentiles(requests: QuerySet) -> dict:
    """{(): (median, p90), ("district", id): …, ("service", id): …} in days."""
    inner, params = _subquery(
        requests.filter(CLOSED, closed_at__isnull=False),
        "district_id",
        "service_type_id",
        "submitted_at",
        "closed_at",
    )
    rows = _rows(
        f"""SELECT GROUPING(r.district_id), GROUPING(r.service_type_id),
                   r.district_id, r.service_type_id,
                   percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                       ORDER BY date_part('epoch', r.closed_at - r.submitted_at) / 86400.0)
            FROM ({inner}) r
            GROUP BY GROUPING SETS ((), (r.district_id), (r.service_type_id))""",  # noqa: S608
        params,
    )
    out = {}
    for no_district, no_service, district_id, service_id, values in rows:
        if values is None:  # the () set over no closed request
            continue
        median, p90 = values
        key = (
            ()
            if no_district and no_service
            else (("service", service_id) if no_district else ("district", district_id))
        )
        out[key] = (median, p90)
    return out


def _steps(requests: QuerySet, months: list) -> list[tuple]:
    """(service id, month index, closed requests, staff steps) per service and month."""
    inner, params = _subquery(requests, "service_type_id", "closed_at", "staff_steps")
    return _rows(
        f"""SELECT r.service_type_id, width_bucket(r.closed_at, %s::timestamptz[]),
                   count(*), sum(r.staff_steps)
            FROM ({inner}) r GROUP BY 1, 2""",  # noqa: S608
        (months, *params),
    )


def _kpi_row(counts: dict, percentiles: tuple | None) -> dict:
    median, p90 = percentiles or (None, None)
    return {**counts, "median_days": median, "p90_days": p90}


def _summed(cells) -> dict:
    total = dict.fromkeys(COUNTS, 0)
    for counts in cells:
        for name in COUNTS:
            total[name] += counts[name]
    return total


def _names(model) -> dict[int, dict]:
    return {row["id"]: row for row in model.objects.values("id", "code", "name_fa", "name_en")}


def _group_rows(cells: dict, percentiles: dict, services: dict) -> tuple[list, list]:
    """The KPI rows by district (by code) and by service (most received first)."""
    districts = _names(District)
    by_district, by_service = defaultdict(list), defaultdict(list)
    for (district_id, service_id), counts in cells.items():
        by_district[district_id].append(counts)
        by_service[service_id].append(counts)
    district_rows = sorted(
        (
            {
                "district__code": districts[district_id]["code"],
                "district__name_fa": districts[district_id]["name_fa"],
                "district__name_en": districts[district_id]["name_en"],
                **_kpi_row(_summed(group), percentiles.get(("district", district_id))),
            }
            for district_id, group in by_district.items()
        ),
        key=lambda row: row["district__code"],
    )
    service_rows = sorted(
        (
            {
                "service_type__code": services[service_id]["code"],
                "service_type__name_fa": services[service_id]["name_fa"],
                "service_type__name_en": services[service_id]["name_en"],
                **_kpi_row(_summed(group), percentiles.get(("service", service_id))),
            }
            for service_id, group in by_service.items()
        ),
        key=lambda row: (-row["received"], row["service_type__code"]),
    )
    return district_rows, service_rows


def _step_rows(steps: list, services: dict, months: list) -> list[dict]:
    """Office steps per closed request, by service and month."""
    return sorted(
        (
            {
                "request__service_type__code": services[service_id]["code"],
                "request__service_type__name_fa": services[service_id]["name_fa"],
                "request__service_type__name_en": services[service_id]["name_en"],
                "month": months[month - 1],
                "closed": closed,
                "steps": steps_sum,
                "steps_per_request": steps_sum / closed,
            }
            for service_id, month, closed, steps_sum in steps
        ),
        key=lambda row: (row["request__service_type__code"], row["month"]),
    )


def figures(user, period: Period, *, now: datetime.datetime | None = None) -> dict:
    """Everything the dashboard shows for `period` and the requests `user` may see:
    {"total": {…}, "districts": […], "services": […], "weeks": […], "steps": […]}."""
    now = now or timezone.now()
    start, end = period.bounds
    in_period = requests_in_period(user, period)
    closed_in_period = requests_visible_to(user).filter(
        CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    weeks = _local_starts(period.start, period.end, weeks=True)
    months = _local_starts(period.start, period.end, weeks=False)
    try:
        cells, per_week = _cells_and_weeks(in_period, weeks, now)
        percentiles = _percentiles(in_period)
    except EmptyResultSet:  # the user sees no requests at all
        cells, per_week, percentiles = {}, {}, {}
    try:
        steps = _steps(closed_in_period, months)
    except EmptyResultSet:
        steps = []
    services = _names(ServiceType)
    district_rows, service_rows = _group_rows(cells, percentiles, services)
    return {
        "total": _kpi_row(_summed(cells.values()), percentiles.get(())),
        "districts": district_rows,
        "services": service_rows,
        "weeks": [
            {"week": weeks[index - 1].date(), "count": count}
            for index, count in sorted(per_week.items())
        ],
        "steps": _step_rows(steps, services, months),
    }


def week_chart(
    weeks: list[dict], *, width: int = 640, height: int = 180, rtl: bool = False
) -> dict:
    """Bar geometry for an inline SVG chart of requests per week (drawn by the template:
    numbers only, no user text). Right to left (Persian), time runs from right to left,
    as the page reads; the bars stay in date order."""
    if not weeks:
        return {"bars": [], "width": width, "height": height, "max": 0}
    top = max(row["count"] for row in weeks) or 1
    pad_bottom, pad_top = 24, 12
    plot = height - pad_bottom - pad_top
    step = width / len(weeks)
    bars = []
    for position, row in enumerate(weeks):
        index = len(weeks) - 1 - position if rtl else position
        bar_height = round(plot * row["count"] / top, 1)
        bars.append(
            {
                "x": round(index * step + step * 0.1, 1),
                "y": round(pad_top + plot - bar_height, 1),
                "w": round(step * 0.8, 1),
                "h": bar_height,
                "count": row["count"],
                "week": row["week"],
                "label_x": round(index * step + step / 2, 1),
                "label_y": round(max(pad_top + plot - bar_height - 3, 10), 1),
            }
        )
    return {"bars": bars, "width": width, "height": height, "max": top, "base": height - 24}
