"""Real clients against a live server: the `georeport` package from PyPI reads the
catalogue and requests (JSON and XML); a plain `requests` POST in the spec's form
encoding files a request that lands in the District 11 planner's queue."""

import pytest
import requests
from django.conf import settings
from django.test import Client
from georeport import GeoReport

from gis_portal.staff.services import staff_create
from permits.filing import Contact, request_file
from permits.models import Channel, ServiceRequest
from permits.open311.keys import open311_client_create
from tests.conftest import inside_point

from .helpers import parcel_point

PRIVATE = ("Sara", "Ahmadi", "09123456789", "sara@example.org")


@pytest.fixture
def served(live_server, catalogue, parcel_11, districts):
    """A live server with two filed requests and an Open311 key."""
    filed = [
        request_file(
            service_code="tree-pruning",
            point=parcel_point(parcel_11),
            attributes={"tree_count": 2, "urgency": "danger"},
            description="Branches over the school entrance.",
            contact=Contact(name="Sara Ahmadi", phone="09123456789", email="sara@example.org"),
        ),
        request_file(
            service_code="pothole", point=inside_point(districts[3]), attributes={"size": "small"}
        ),
    ]
    _client, key = open311_client_create(name="call-centre-137")
    return {"root": f"{live_server.url}/open311/v2", "filed": filed, "key": key}


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_reads_everything(served, output_format):
    client = GeoReport(served["root"], output_format=output_format)

    services = client.get_service_list()
    codes = [service["service_code"] for service in services]
    assert len(codes) == 15 and "tree-pruning" in codes and "pothole" in codes
    pruning = services[codes.index("tree-pruning")]
    assert pruning["group"] == "فضای سبز"  # Persian by default
    assert str(pruning["metadata"]).lower() == "true"

    definition = client.get_service_definition("pothole")
    assert definition["service_code"] == "pothole"
    attributes = definition["attributes"]
    if output_format == "xml":  # xmltodict: <attributes><attribute>… is a dict of a list
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    size = next(a for a in attributes if a["code"] == "size")
    values = size["values"] if output_format == "json" else size["values"]["value"]
    assert [value["key"] for value in values] == ["small", "medium", "large"]

    listed = client.get_service_requests()
    listed = listed if isinstance(listed, list) else [listed]
    ids = {item["service_request_id"] for item in listed}
    assert ids == {request.tracking_code for request in served["filed"]}
    only_potholes = client.get_service_requests(service_code="pothole", status="open")
    only_potholes = only_potholes if isinstance(only_potholes, list) else [only_potholes]
    assert [item["service_request_id"] for item in only_potholes] == [
        served["filed"][1].tracking_code
    ]

    first = served["filed"][0]
    one = client.get_service_request(first.tracking_code)
    assert one["service_request_id"] == first.tracking_code
    assert one["status"] == "open" and one["service_code"] == "tree-pruning"
    assert one["address_id"] == first.parcel.renovation_code
    assert float(one["lat"]) == pytest.approx(first.location.y, abs=1e-6)
    assert all(private not in str(listed) + str(one) for private in PRIVATE)


def test_plain_http_post_lands_in_the_district_planners_queue(served, districts):
    point = inside_point(districts[11])
    response = requests.post(
        f"{served['root']}/requests.json",
        data=[
            ("api_key", served["key"]),
            ("service_code", "park-damage"),
            ("lat", f"{point.y:.7f}"),
            ("long", f"{point.x:.7f}"),
            ("attribute[damaged_items][]", "bench"),
            ("attribute[damaged_items][]", "lighting"),
            ("description", "نیمکت شکسته <b>و</b> چراغ خاموش"),
            ("first_name", "Sara"),
            ("last_name", "Ahmadi"),
            ("phone", "09123456789"),
            ("device_id", "phone-1"),
        ],
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    [answer] = response.json()
    code = answer["service_request_id"]
    filed = ServiceRequest.objects.get(tracking_code=code)
    assert filed.channel == Channel.OPEN311 and filed.district.code == 11
    assert filed.attributes == {"damaged_items": ["bench", "lighting"]}
    assert filed.description == "نیمکت شکسته <b>و</b> چراغ خاموش"

    # The District 11 planner's queue (the staff JSON API) has it; District 3's does not.
    planner_11 = staff_create(username="planner11", role="planner", district_codes=[11])
    planner_3 = staff_create(username="planner3", role="planner", district_codes=[3])

    def queue_codes(user) -> set[str]:
        django_client = Client()
        django_client.force_login(user)
        session = requests.Session()
        session.cookies.set(
            settings.SESSION_COOKIE_NAME, django_client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        page = session.get(
            f"{served['root'].removesuffix('/open311/v2')}/staff/api/requests/",
            params={"status": "open"},
            timeout=30,
        )
        assert page.status_code == 200, page.text
        return {row["code"] for row in page.json()["results"]}

    assert code in queue_codes(planner_11)
    assert code not in queue_codes(planner_3)

    # …and the georeport client reads it back by id.
    read = GeoReport(served["root"]).get_service_request(code)
    assert read["service_code"] == "park-damage" and read["description"] == filed.description
