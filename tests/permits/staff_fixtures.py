"""Fixtures of the planners' workspace tests: staff accounts and requests made to order.

Imported by tests/permits/test_workflow.py, test_access.py, test_staff_*.py,
test_dashboard.py, test_exports.py and test_escalation.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create
from permits.models import EventKind, RequestEvent, RequestStatus, ServiceRequest, ServiceType
from permits.tracking import tracking_code_new

from ..conftest import inside_point

PASSWORD = "staff-test-pass-1"


@pytest.fixture
def staff(districts) -> dict:
    """planner11 (District 11), planner2 (District 2), supervisor, gis, admin."""
    return {
        "planner11": staff_create(
            username="planner11", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[11]
        ),
        "planner2": staff_create(
            username="planner2", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[2]
        ),
        "supervisor": staff_create(
            username="supervisor",
            role=StaffRole.SUPERVISOR,
            password=PASSWORD,
            email="supervisor@example.org",
        ),
        "gis": staff_create(username="gis", role=StaffRole.GIS_STAFF, password=PASSWORD),
        "admin": staff_create(username="admin", role=StaffRole.ADMIN, password=PASSWORD),
    }


def make_request(
    districts,
    *,
    district: int = 11,
    service: str = "pothole",
    status: str = RequestStatus.SUBMITTED,
    submitted_at=None,
    due_in_days: float | None = None,
    closed_at=None,
    description: str = "A hole in the road",
    contact_name: str = "Sara Ahmadi",
    contact_phone: str = "09123456789",
    contact_email: str = "sara@example.org",
    **fields,
) -> ServiceRequest:
    """A request written straight to the table (the filing path has its own tests)."""
    service_type = ServiceType.objects.select_related("department").get(code=service)
    submitted_at = submitted_at or timezone.now()
    due_at = (
        submitted_at + timedelta(days=service_type.sla_days)
        if due_in_days is None
        else timezone.now() + timedelta(days=due_in_days)
    )
    request = ServiceRequest.objects.create(
        tracking_code=tracking_code_new(),
        service_type=service_type,
        location=inside_point(districts[district]),
        district=districts[district],
        department=service_type.department,
        status=status,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        submitted_at=submitted_at,
        due_at=due_at,
        closed_at=closed_at,
        **fields,
    )
    RequestEvent.objects.create(
        request=request, kind=EventKind.SUBMITTED, to_status=status, public=True
    )
    return request


@pytest.fixture
def request_maker(catalogue, districts):
    def make(**kwargs) -> ServiceRequest:
        return make_request(districts, **kwargs)

    return make


@pytest.fixture
def req11(request_maker) -> ServiceRequest:
    return request_maker(district=11)


@pytest.fixture
def req2(request_maker) -> ServiceRequest:
    return request_maker(district=2)
