"""KPI selectors for the planners' dashboard, all computed by PostgreSQL aggregates.

For a period (requests submitted in it) and the requests a user may see:
received, open, closed and overdue counts, median and 90th-percentile days to close
(`percentile_cont … WITHIN GROUP`), per district and per service; requests per week;
and the city's reform measure, staff steps (history rows with a staff actor) per
closed request, per service and month.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from gis_portal import roles
from permits.models import CLOSED_STATUSES, RequestEvent, ServiceRequest


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within [0, 1]")
        super().__init__(expression, fraction=repr(fraction), **extra)


class Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


DAYS_TO_CLOSE = (
    Epoch(ExpressionWrapper(F("closed_at") - F("submitted_at"), output_field=DurationField()))
    / 86400.0
)
CLOSED = Q(status__in=CLOSED_STATUSES)


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


def requests_in_period(user, period: Period) -> QuerySet[ServiceRequest]:
    start, end = period.bounds
    return roles.requests_visible_to(user).filter(submitted_at__gte=start, submitted_at__lt=end)


def _figures(now: datetime.datetime) -> dict:
    return {
        "received": Count("id"),
        "open": Count("id", filter=~CLOSED),
        "closed": Count("id", filter=CLOSED & Q(closed_at__isnull=False)),
        "overdue": Count("id", filter=~CLOSED & Q(due_at__lt=now)),
        "median_days": PercentileCont(
            DAYS_TO_CLOSE, 0.5, filter=CLOSED & Q(closed_at__isnull=False)
        ),
        "p90_days": PercentileCont(DAYS_TO_CLOSE, 0.9, filter=CLOSED & Q(closed_at__isnull=False)),
    }


def kpis_total(user, period: Period, *, now: datetime.datetime | None = None) -> dict:
    return requests_in_period(user, period).aggregate(**_figures(now or timezone.now()))


def kpis_by_district(user, period: Period, *, now: datetime.datetime | None = None) -> list[dict]:
    return list(
        requests_in_period(user, period)
        .values("district__code", "district__name_fa", "district__name_en")
        .annotate(**_figures(now or timezone.now()))
        .order_by("district__code")
    )


def kpis_by_service(user, period: Period, *, now: datetime.datetime | None = None) -> list[dict]:
    return list(
        requests_in_period(user, period)
        .values("service_type__code", "service_type__name_fa", "service_type__name_en")
        .annotate(**_figures(now or timezone.now()))
        .order_by("-received", "service_type__code")
    )


def requests_per_week(user, period: Period) -> list[dict]:
    """[{week: date (Monday), count}] for weeks with requests."""
    rows = (
        requests_in_period(user, period)
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(count=Count("id"))
        .order_by("week")
    )
    return [{"week": _as_date(row["week"]), "count": row["count"]} for row in rows]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def steps_per_closed_request(user, period: Period) -> list[dict]:
    """Per service and month of closing: closed requests, staff steps (history rows with
    a staff actor), and steps per request — requests closed within the period."""
    start, end = period.bounds
    return list(
        RequestEvent.objects.filter(
            request__in=roles.requests_visible_to(user).filter(
                CLOSED, closed_at__gte=start, closed_at__lt=end
            )
        )
        .annotate(month=TruncMonth("request__closed_at"))
        .values(
            "request__service_type__code",
            "request__service_type__name_fa",
            "request__service_type__name_en",
            "month",
        )
        .annotate(
            closed=Count("request", distinct=True),
            steps=Count("id", filter=Q(actor__isnull=False)),
        )
        .annotate(
            steps_per_request=ExpressionWrapper(
                F("steps") * 1.0 / F("closed"), output_field=FloatField()
            )
        )
        .order_by("request__service_type__code", "month")
    )


def week_chart(weeks: list[dict], *, width: int = 640, height: int = 180) -> dict:
    """Bar geometry for an inline SVG chart of requests per week (drawn by the template:
    numbers only, no user text)."""
    if not weeks:
        return {"bars": [], "width": width, "height": height, "max": 0}
    top = max(row["count"] for row in weeks) or 1
    pad_bottom, pad_top = 24, 12
    plot = height - pad_bottom - pad_top
    step = width / len(weeks)
    bars = []
    for index, row in enumerate(weeks):
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
