"""The demo requests are filed through the real path and loaded once."""

from io import StringIO

from django.core.management import call_command

from permits.models import RequestEvent, ServiceRequest


def test_demo_requests_are_routed_and_loaded_once(parcels):
    call_command("load_demo_services", stdout=StringIO())
    call_command("load_demo_staff", stdout=StringIO())
    call_command("load_demo_requests", "--count", "30", stdout=StringIO())
    requests = list(ServiceRequest.objects.select_related("parcel", "district"))
    assert len(requests) >= 25
    assert any(r.district.code == 11 for r in requests)
    for request in requests:
        if request.parcel is not None:
            assert request.parcel.district_id == request.district_id
    assert ServiceRequest.objects.exclude(status="submitted").exists()
    assert RequestEvent.objects.filter(kind="routed").count() == len(requests)

    call_command("load_demo_requests", stdout=StringIO())
    assert ServiceRequest.objects.count() == len(requests)
