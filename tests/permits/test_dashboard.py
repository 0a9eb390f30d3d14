"""Dashboard figures on known data: counts, median and 90th percentile days to close,
requests per week, staff steps per closed request — and only the user's districts."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from permits.models import EventKind, RequestEvent
from permits.staff import dashboard

from . import staff_fixtures

staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker

TEHRAN = ZoneInfo("Asia/Tehran")
PERIOD = dashboard.Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 31))


def at(day: int, month: int = 2, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=TEHRAN)


@pytest.fixture
def known(staff, request_maker):
    """District 11: five potholes closed after 2, 4, 6, 8, 10 days; one open overdue; one
    open not yet due; one street light closed after 1 day. District 2: two open potholes.
    Outside the period: one more District 11 pothole (January)."""
    made = {"closed": []}
    for index, days in enumerate([2, 4, 6, 8, 10]):
        submitted = at(2 + index)  # Mon 2 Feb … Fri 6 Feb 2026
        made["closed"].append(
            request_maker(
                status="resolved",
                submitted_at=submitted,
                closed_at=submitted + datetime.timedelta(days=days),
            )
        )
    made["overdue"] = request_maker(status="accepted", submitted_at=at(10))
    made["open"] = request_maker(status="submitted", submitted_at=at(11), due_in_days=5)
    made["light"] = request_maker(
        service="street-light-out",
        status="resolved",
        submitted_at=at(12),
        closed_at=at(13),
    )
    made["d2"] = [request_maker(district=2, submitted_at=at(3, month=3)) for _ in range(2)]
    made["january"] = request_maker(
        status="resolved", submitted_at=at(5, month=1), closed_at=at(7, month=1)
    )
    planner = staff["planner11"]
    # Staff steps: 2 on the first closed pothole, 4 on the second, none on the others;
    # system rows (no actor) do not count.
    for request, steps in [(made["closed"][0], 2), (made["closed"][1], 4)]:
        for _ in range(steps):
            RequestEvent.objects.create(
                request=request, kind=EventKind.INTERNAL_NOTE, note="step", actor=planner
            )
        RequestEvent.objects.create(request=request, kind=EventKind.ESCALATED, note="system")
    return made


def test_totals_for_a_supervisor(staff, known):
    total = dashboard.figures(staff["supervisor"], PERIOD)["total"]
    assert total["received"] == 10
    assert total["closed"] == 6 and total["open"] == 4
    # Overdue: the accepted pothole and both District 2 potholes (due 7 days after 3 March).
    assert total["overdue"] == 3
    assert total["median_days"] == pytest.approx(5.0)  # 1, 2, 4, 6, 8, 10 days


def test_per_district_and_service(staff, known):
    by_district = {
        row["district__code"]: row
        for row in dashboard.figures(staff["supervisor"], PERIOD)["districts"]
    }
    assert set(by_district) == {2, 11}
    d11 = by_district[11]
    assert (d11["received"], d11["open"], d11["closed"], d11["overdue"]) == (8, 2, 6, 1)
    assert by_district[2]["received"] == 2 and by_district[2]["median_days"] is None
    by_service = {
        row["service_type__code"]: row
        for row in dashboard.figures(staff["planner11"], PERIOD)["services"]
    }
    pothole = by_service["pothole"]
    assert (pothole["received"], pothole["closed"]) == (7, 5)
    assert pothole["median_days"] == pytest.approx(6.0)
    assert pothole["p90_days"] == pytest.approx(9.2)  # percentile_cont: 8 + 0.6 × (10 − 8)
    assert by_service["street-light-out"]["median_days"] == pytest.approx(1.0)


def test_a_planner_sees_only_their_districts(staff, known):
    assert dashboard.figures(staff["planner11"], PERIOD)["total"]["received"] == 8
    assert dashboard.figures(staff["planner2"], PERIOD)["total"]["received"] == 2
    assert dashboard.figures(staff["gis"], PERIOD)["total"]["received"] == 0


def test_requests_per_week(staff, known):
    weeks = dashboard.figures(staff["planner11"], PERIOD)["weeks"]
    assert weeks == [
        {"week": datetime.date(2026, 2, 2), "count": 5},
        {"week": datetime.date(2026, 2, 9), "count": 3},
    ]
    chart = dashboard.week_chart(weeks)
    assert [bar["count"] for bar in chart["bars"]] == [5, 3]
    assert chart["bars"][0]["h"] > chart["bars"][1]["h"]
    assert chart["bars"][0]["x"] < chart["bars"][1]["x"]  # left to right
    mirrored = dashboard.week_chart(weeks, rtl=True)  # Persian: time runs right to left
    assert [bar["count"] for bar in mirrored["bars"]] == [5, 3]
    assert mirrored["bars"][0]["x"] > mirrored["bars"][1]["x"]
    assert mirrored["bars"][0]["x"] == chart["bars"][1]["x"]


def test_staff_steps_per_closed_request(staff, known):
    rows = dashboard.figures(staff["supervisor"], PERIOD)["steps"]
    pothole = [row for row in rows if row["request__service_type__code"] == "pothole"]
    assert len(pothole) == 1  # all closed in February
    assert pothole[0]["month"].month == 2
    assert (pothole[0]["closed"], pothole[0]["steps"]) == (5, 6)
    assert pothole[0]["steps_per_request"] == pytest.approx(1.2)


def test_dashboard_page_and_api(client, staff, known):
    client.force_login(staff["planner11"])
    page = client.get("/staff/dashboard/?from=2026-02-01&to=2026-03-31&lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kpi="received">8<' in html and "<svg" in html
    persian = client.get("/staff/dashboard/?from=۱۴۰۴/۱۱/۱۲&to=۱۴۰۵/۰۱/۱۱&lang=fa")
    assert persian.status_code == 200 and 'data-kpi="received">۸<' in persian.content.decode()
    bad = client.get("/staff/dashboard/?from=2026-13-01&lang=en")
    assert bad.status_code == 400 and b"YYYY" in bad.content
    api = client.get("/staff/api/dashboard/?from=2026-02-01&to=2026-03-31").json()
    assert api["total"]["received"] == 8
    assert client.get("/staff/api/dashboard/?from=2026-04-01&to=2026-03-01").status_code == 400
    client.force_login(staff["gis"])
    assert client.get("/staff/dashboard/").status_code == 403


def test_staff_steps_are_counted_by_the_database(staff, known):
    """The trigger on the history counts staff rows, one by one or in bulk; system rows
    (no actor) are not steps."""
    first, second, third = known["closed"][:3]
    for request in (first, second, third):
        request.refresh_from_db()
    assert (first.staff_steps, second.staff_steps, third.staff_steps) == (2, 4, 0)
    RequestEvent.objects.bulk_create(
        [
            RequestEvent(request=third, kind=EventKind.INTERNAL_NOTE, actor=staff["planner11"]),
            RequestEvent(request=third, kind=EventKind.INTERNAL_NOTE, actor=staff["planner11"]),
            RequestEvent(request=first, kind=EventKind.ESCALATED, note="system"),
        ]
    )
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.staff_steps, third.staff_steps) == (2, 2)
