"""Open311 GeoReport v2: every endpoint in JSON and XML, filing through the one path."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.utils import timezone

from permits import sms
from permits.filing import Contact, request_file
from permits.models import Channel, Open311Submission, RequestStatus, ServiceRequest
from permits.open311.keys import open311_client_create
from tests.conftest import inside_point

from .helpers import OUTSIDE_CITY, XSS_TEXT, parcel_point

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
PRIVATE = ("Sara", "Ahmadi", "09123456789", "sara@example.org", "device-42", "acct-7")


@pytest.fixture
def api_key(catalogue) -> str:
    return open311_client_create(name="call-centre-137")[1]


def form(point, key, **overrides) -> dict:
    data = {
        "api_key": key,
        "service_code": "tree-pruning",
        "lat": f"{point.y:.7f}",
        "long": f"{point.x:.7f}",
        "attribute[tree_count]": "2",
        "attribute[urgency]": "danger",
        "description": "Branches over the school entrance.",
        "first_name": "Sara",
        "last_name": "Ahmadi",
        "phone": "09123456789",
        "email": "sara@example.org",
        "device_id": "device-42",
        "account_id": "acct-7",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, data, fmt="json", lang=None):
    query = f"?lang={lang}" if lang else ""
    return client.post(
        f"{BASE}/requests.{fmt}{query}",
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def file_request(point, service_code="tree-pruning", **kwargs) -> ServiceRequest:
    attributes = kwargs.pop("attributes", {"tree_count": 2, "urgency": "normal"})
    return request_file(
        service_code=service_code,
        point=point,
        attributes=attributes,
        contact=Contact(name="Sara Ahmadi", phone="09123456789", email="sara@example.org"),
        **kwargs,
    )


# --- discovery and services -------------------------------------------------------------------


def test_discovery_json_and_xml(client, catalogue):
    data = client.get(f"{BASE}/discovery.json").json()
    assert set(data) >= {"changeset", "contact", "endpoints"}
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert "service_request_id" in data["tokens"]

    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == endpoint["specification"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_json(client, catalogue):
    response = client.get(f"{BASE}/services.json", {"lang": "en"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    services = response.json()
    assert isinstance(services, list) and len(services) == 15
    pruning = next(s for s in services if s["service_code"] == "tree-pruning")
    assert pruning == {
        "service_code": "tree-pruning",
        "service_name": pruning["service_name"],
        "description": pruning["description"],
        "metadata": True,
        "type": "realtime",
        "keywords": "green-space, service, all-districts",
        "group": "Green space",
    }
    planting = next(s for s in services if s["service_code"] == "tree-planting")
    assert "district-11" in planting["keywords"]


def test_services_xml_in_persian_by_default(client, catalogue):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == 15
    first = items[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    pruning = next(s for s in items if s.findtext("service_code") == "tree-pruning")
    assert pruning.findtext("group") == "فضای سبز" and pruning.findtext("metadata") == "true"


def test_service_definition_json(client, catalogue):
    data = client.get(f"{BASE}/services/building-permit-renovation.json", {"lang": "en"}).json()
    assert data["service_code"] == "building-permit-renovation"
    work = data["attributes"][0]
    assert work["code"] == "work_types" and work["datatype"] == "multivaluelist"
    assert work["variable"] is True and work["required"] is True and work["order"] == 1
    assert work["description"] == "Type of work"
    assert work["datatype_description"]
    assert {"key": "facade", "name": "Facade"} in work["values"]
    floors = next(a for a in data["attributes"] if a["code"] == "floors")
    assert "values" not in floors and "1" in floors["datatype_description"]
    assert set(work) == {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }


def test_service_definition_xml(client, catalogue):
    root = xml(client.get(f"{BASE}/services/pothole.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "pothole"
    size = root.find("attributes/attribute")
    assert size.findtext("code") == "size" and size.findtext("datatype") == "singlevaluelist"
    assert size.findtext("required") == "true" and size.findtext("variable") == "true"
    assert [v.findtext("key") for v in size.findall("values/value")] == ["small", "medium", "large"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_404(client, catalogue, fmt):
    response = client.get(f"{BASE}/services/no-such-service.{fmt}")
    assert response.status_code == 404
    assert_error(response, fmt, 404, "no-such-service")


# --- reading requests -------------------------------------------------------------------------


def assert_error(response, fmt, status, *words):
    """The spec's error format: a list of {code, description}."""
    assert response.status_code == status
    if fmt == "json":
        errors = response.json()
        assert isinstance(errors, list) and errors
        assert all(set(e) == {"code", "description"} for e in errors)
        assert errors[0]["code"] == status
        text = " ".join(e["description"] for e in errors)
    else:
        root = xml(response)
        assert root.tag == "errors"
        errors = root.findall("error")
        assert errors and errors[0].findtext("code") == str(status)
        text = " ".join(e.findtext("description") for e in errors)
    for word in words:
        assert word in text, text
    return text


@pytest.fixture
def filed(catalogue, parcel_11, districts):
    """Three requests: on a District 11 parcel, in District 3, and a closed one."""
    on_parcel = file_request(parcel_point(parcel_11))
    elsewhere = file_request(
        inside_point(districts[3]), service_code="pothole", attributes={"size": "large"}
    )
    closed = file_request(inside_point(districts[11]))
    ServiceRequest.objects.filter(pk=closed.pk).update(status=RequestStatus.RESOLVED)
    return {"parcel": on_parcel, "elsewhere": elsewhere, "closed": closed}


def test_requests_json_fields_and_no_personal_data(client, filed):
    response = client.get(f"{BASE}/requests.json", {"lang": "en"})
    assert response.status_code == 200
    items = response.json()
    assert isinstance(items, list) and len(items) == 3
    item = next(i for i in items if i["service_request_id"] == filed["parcel"].tracking_code)
    assert set(item) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    parcel = filed["parcel"].parcel
    assert item["status"] == "open" and item["service_code"] == "tree-pruning"
    assert item["address_id"] == parcel.renovation_code
    assert item["address"] == (parcel.address or None)
    assert item["agency_responsible"] == filed["parcel"].district.name_en
    assert item["requested_datetime"].endswith("+03:30")  # ISO 8601 with the zone
    assert item["expected_datetime"] > item["requested_datetime"]
    assert abs(item["lat"] - filed["parcel"].location.y) < 1e-6
    # The notice given at filing, while the request is open; none once it is closed.
    assert item["service_request_id"] in item["service_notice"]
    closed = next(i for i in items if i["service_request_id"] == filed["closed"].tracking_code)
    assert closed["service_notice"] is None
    for private in (*PRIVATE, "contact"):
        assert private not in response.content.decode()


def test_requests_xml(client, filed):
    response = client.get(f"{BASE}/requests.xml")
    root = xml(response)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 3
    first = requests[0]
    assert first.findtext("service_request_id") and first.findtext("status") in ("open", "closed")
    assert first.find("long") is not None and first.find("media_url") is not None
    for private in PRIVATE:
        assert private not in response.content.decode()


def test_requests_filters(client, filed):
    def ids(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return {item["service_request_id"] for item in response.json()}

    parcel, elsewhere, closed = (filed[k].tracking_code for k in ("parcel", "elsewhere", "closed"))
    assert ids(status="open") == {parcel, elsewhere}
    assert ids(status="closed") == {closed}
    assert ids(status="open,closed") == {parcel, elsewhere, closed}
    assert ids(service_code="pothole") == {elsewhere}
    assert ids(service_code="pothole,tree-pruning") == {parcel, elsewhere, closed}
    # service_request_id overrides every other parameter; any spelling of a code works
    assert ids(service_request_id=f"{parcel},{closed.lower()}", status="open") == {
        parcel,
        closed,
    }
    # the default window is the last 90 days
    ServiceRequest.objects.filter(tracking_code=elsewhere).update(
        submitted_at=timezone.now() - timedelta(days=100)
    )
    assert ids() == {parcel, closed}
    old = (timezone.now() - timedelta(days=120)).date().isoformat()
    assert ids(start_date=old) == {elsewhere}
    assert ids(end_date=(timezone.now() - timedelta(days=95)).isoformat()) == {elsewhere}
    assert ids(service_request_id=elsewhere) == {elsewhere}


def test_requests_paging_and_extensions(client, filed):
    first = client.get(f"{BASE}/requests.json", {"page_size": 2}).json()
    second = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 2}).json()
    assert len(first) == 2 and len(second) == 1
    assert {i["service_request_id"] for i in first + second} == {
        r.tracking_code for r in filed.values()
    }
    assert all("extended_attributes" not in item for item in first)
    data = client.get(
        f"{BASE}/requests.json",
        {"extensions": "true", "service_request_id": filed["parcel"].tracking_code, "lang": "en"},
    ).json()
    extended = data[0]["extended_attributes"]
    assert extended["district_code"] == 11 and extended["district_name"] == "District 11"
    assert extended["parcel"] == filed["parcel"].parcel.renovation_code
    assert extended["detailed_status"] == "submitted"
    assert [event["kind"] for event in extended["history"]] == ["submitted", "routed"]
    assert "District 11" in extended["history"][1]["note"]

    root = xml(
        client.get(
            f"{BASE}/requests.xml",
            {"extensions": "true", "service_request_id": filed["parcel"].tracking_code},
        )
    )
    assert root.findtext("request/extended_attributes/district_code") == "11"
    assert len(root.findall("request/extended_attributes/history/event")) == 2


def test_requests_spatial_and_updated_filters(client, filed, districts):
    def ids(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return {item["service_request_id"] for item in response.json()}

    parcel, elsewhere = filed["parcel"], filed["elsewhere"]
    x, y = elsewhere.location.x, elsewhere.location.y
    assert ids(bbox=f"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}") == {elsewhere.tracking_code}
    assert ids(lat=y, long=x, radius=50) == {elsewhere.tracking_code}
    px, py = parcel.location.x, parcel.location.y
    assert parcel.tracking_code in ids(lat=py, long=px, radius=10)
    assert elsewhere.tracking_code not in ids(lat=py, long=px, radius=10)
    later = timezone.now() + timedelta(minutes=5)
    assert ids(updated_after=later.isoformat()) == set()
    assert ids(updated_before=later.isoformat()) == {r.tracking_code for r in filed.values()}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_single_request_and_token(client, filed, fmt):
    code = filed["parcel"].tracking_code
    response = client.get(f"{BASE}/requests/{code}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        data = response.json()
        assert isinstance(data, list) and len(data) == 1
        assert data[0]["service_request_id"] == code
    else:
        root = xml(response)
        assert (
            root.tag == "service_requests" and root.findtext("request/service_request_id") == code
        )
    token = client.get(f"{BASE}/tokens/{code}.{fmt}")
    assert token.status_code == 200
    if fmt == "json":
        assert token.json() == [{"service_request_id": code, "token": code}]
    else:
        assert xml(token).findtext("request/service_request_id") == code
    for private in PRIVATE:
        assert private not in response.content.decode()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", ["requests/MHD-2222-2222", "tokens/nope", "requests/x"])
def test_unknown_request_or_token_is_404(client, catalogue, fmt, path):
    assert_error(client.get(f"{BASE}/{path}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "params, status, word",
    [
        ({"start_date": "yesterday"}, 400, "start_date"),
        ({"end_date": "2026-13-45"}, 400, "end_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, 400, "90"),
        ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, 400, "before"),
        ({"updated_after": "<b>"}, 400, "updated_after"),
        ({"status": "pending"}, 400, "status"),
        ({"service_code": "no-such,pothole"}, 404, "no-such"),
        ({"page": "0"}, 400, "page"),
        ({"page_size": "5000"}, 400, "page_size"),
        ({"bbox": "1,2,3"}, 400, "bbox"),
        ({"bbox": "60,36,59,37"}, 400, "bbox"),
        ({"lat": "36.3"}, 400, "long"),
        ({"lat": "NaN", "long": "59.5"}, 400, "lat"),
        ({"lat": "36.3", "long": "59.5", "radius": "99999"}, 400, "radius"),
        ({"jurisdiction_id": "tehran.ir"}, 404, "tehran.ir"),
    ],
)
def test_bad_request_list_parameters(client, catalogue, fmt, params, status, word):
    response = client.get(f"{BASE}/requests.{fmt}", {**params, "lang": "en"})
    assert_error(response, fmt, status, word)


def test_jurisdiction_id_of_this_server_is_accepted(client, catalogue):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "mashhad.ir"}).status_code == 200
    assert_error(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "x"}), "xml", 404)


def test_other_methods_are_refused_in_the_error_format(client, catalogue):
    response = client.delete(f"{BASE}/services.json")
    assert_error(response, "json", 405)
    assert response["Allow"] == "GET, HEAD"


# --- filing -----------------------------------------------------------------------------------


def test_post_files_through_the_one_path(
    client, api_key, district_11_point, districts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, form(district_11_point, api_key), lang="en")
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acct-7"
    request = ServiceRequest.objects.get(tracking_code=answer["service_request_id"])
    assert request.channel == Channel.OPEN311
    assert request.district == districts[11]
    assert request.attributes == {"tree_count": 2, "urgency": "danger"}
    assert request.contact_name == "Sara Ahmadi" and request.contact_phone == "09123456789"
    assert answer["service_request_id"] in answer["service_notice"]
    submission = Open311Submission.objects.get(request=request)
    assert submission.client.name == "call-centre-137" and submission.account_id == "acct-7"
    assert [e.kind for e in request.events.all()] == ["submitted", "routed"]
    # the same notifications as the web form
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sara@example.org"]
    assert len(sms.outbox) == 1
    # nothing personal (nor the client's account_id) is in what anyone can read
    code = answer["service_request_id"]
    for path in ("requests.json", "requests.xml", f"requests/{code}.json", f"requests/{code}.xml"):
        body = client.get(f"{BASE}/{path}", {"extensions": "true"}).content.decode()
        assert code in body
        assert not [private for private in PRIVATE if private in body]
    # device_id is not kept anywhere
    assert "device-42" not in json.dumps(
        list(ServiceRequest.objects.values()), default=str
    ) + json.dumps(list(Open311Submission.objects.values()), default=str)


def test_post_xml_with_multivalue_list_and_media_url(client, api_key, parcel_11):
    data = form(
        parcel_point(parcel_11),
        api_key,
        service_code="building-permit-renovation",
        **{
            "attribute[tree_count]": None,
            "attribute[urgency]": None,
            "attribute[work_types][]": ["roof", "facade"],
            "attribute[floors]": "۳",
            "attribute[intended_use]": "residential",
            "media_url": "https://app.example.org/photos/1.jpg",
            "account_id": None,
        },
    )
    response = post(client, data, fmt="xml")
    assert response.status_code == 201, response.content
    root = xml(response)
    code = root.findtext("request/service_request_id")
    assert root.tag == "service_requests" and root.findtext("request/account_id") == ""
    request = ServiceRequest.objects.get(tracking_code=code)
    assert request.attributes["work_types"] == ["facade", "roof"]  # definition order
    assert request.attributes["floors"] == 3 and request.parcel == parcel_11
    listed = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert listed["media_url"] == "https://app.example.org/photos/1.jpg"
    assert listed["address_id"] == parcel_11.renovation_code


def test_post_with_renovation_code_as_address_id(client, api_key, parcel_11):
    data = form(parcel_11.district.geom.point_on_surface, api_key, lat=None, long=None)
    data["address_id"] = parcel_11.renovation_code
    response = post(client, data)
    assert response.status_code == 201, response.content
    request = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert request.parcel == parcel_11


def test_html_in_fields_is_stored_and_returned_as_text(client, api_key, district_11_point):
    data = form(
        district_11_point,
        api_key,
        description=XSS_TEXT,
        **{"attribute[tree_kind]": "<b>plane</b>"},
    )
    response = post(client, data)
    assert response.status_code == 201, response.content
    code = response.json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(tracking_code=code)
    assert request.description == XSS_TEXT
    assert request.attributes["tree_kind"] == "<b>plane</b>"
    assert client.get(f"{BASE}/requests/{code}.json").json()[0]["description"] == XSS_TEXT
    body = client.get(f"{BASE}/requests/{code}.xml").content
    assert b"<script>" not in body and b"&lt;script&gt;" in body
    assert ET.fromstring(body).findtext("request/description") == XSS_TEXT


# --- bad input: the spec's error format, and nothing stored -----------------------------------


def bad_cases(point_11, key, parcel_11_point):
    huge = "x" * (70 * 1024)
    return {
        "missing api_key": (form(point_11, key, api_key=None), 403, "api_key"),
        "bad api_key": (form(point_11, key, api_key="o311_deadbeef_nope"), 403, "api_key"),
        "unknown service_code": (form(point_11, key, service_code="no-such"), 404, "no-such"),
        "no service_code": (form(point_11, key, service_code=""), 400, "service_code"),
        "outside the city": (
            form(OUTSIDE_CITY, key),
            400,
            "",
        ),
        "missing required attribute": (
            form(point_11, key, **{"attribute[tree_count]": None}),
            400,
            "attribute[tree_count]",
        ),
        "value outside the list": (
            form(point_11, key, **{"attribute[urgency]": "whenever"}),
            400,
            "attribute[urgency]",
        ),
        "value outside a multi-value list": (
            form(
                parcel_11_point,
                key,
                service_code="building-permit-renovation",
                **{
                    "attribute[tree_count]": None,
                    "attribute[urgency]": None,
                    "attribute[work_types][]": ["roof", "moat"],
                    "attribute[floors]": "2",
                    "attribute[intended_use]": "residential",
                },
            ),
            400,
            "attribute[work_types]",
        ),
        "number out of range": (
            form(point_11, key, **{"attribute[tree_count]": "1000"}),
            400,
            "attribute[tree_count]",
        ),
        "unknown attribute": (form(point_11, key, **{"attribute[colour]": "red"}), 400, "colour"),
        "malformed attribute key": (
            form(point_11, key, **{"attribute[a][b]": "x"}),
            400,
            "attribute",
        ),
        "malformed date attribute": (
            form(
                point_11,
                key,
                service_code="missed-waste-collection",
                **{
                    "attribute[tree_count]": None,
                    "attribute[urgency]": None,
                    "attribute[collection_date]": "next tuesday",
                },
            ),
            400,
            "attribute[collection_date]",
        ),
        "description over 4000": (form(point_11, key, description="د" * 4001), 400, "4000"),
        "huge body": (form(point_11, key, description=huge), 413, ""),
        "no point": (form(point_11, key, lat=None, long=None), 400, "lat"),
        "address_string only": (
            form(point_11, key, lat=None, long=None, address_string="Ferdowsi St 12"),
            400,
            "address_string",
        ),
        "unknown address_id": (
            form(point_11, key, lat=None, long=None, address_id="99-9-9-9"),
            400,
            "99-9-9-9",
        ),
        "lat out of range": (form(point_11, key, lat="136.3"), 400, "lat"),
        "lat not a number": (form(point_11, key, lat="north"), 400, "lat"),
        "long infinite": (form(point_11, key, long="inf"), 400, "long"),
        "bad email": (form(point_11, key, email="not-an-email"), 400, "email"),
        "bad phone": (form(point_11, key, phone="call me"), 400, "phone"),
        "bad media_url": (form(point_11, key, media_url="javascript:alert(1)"), 400, "media_url"),
        "device_id too long": (form(point_11, key, device_id="d" * 101), 400, "device_id"),
        "service_code twice": (
            {**form(point_11, key), "service_code": ["tree-pruning", "pothole"]},
            400,
            "service_code",
        ),
        "unknown jurisdiction": (form(point_11, key, jurisdiction_id="tehran.ir"), 404, "tehran"),
        "not online in this district": (
            form(point_11, key, service_code="tree-planting", **{"attribute[place]": "median"}),
            400,
            "",
        ),
        "permit without a parcel": (
            form(
                point_11,
                key,
                service_code="building-permit-new",
                **{
                    "attribute[floors]": "2",
                    "attribute[built_area_m2]": "200",
                    "attribute[intended_use]": "residential",
                },
            ),
            400,
            "",
        ),
    }


CASES = [
    "missing api_key",
    "bad api_key",
    "unknown service_code",
    "no service_code",
    "outside the city",
    "missing required attribute",
    "value outside the list",
    "value outside a multi-value list",
    "number out of range",
    "unknown attribute",
    "malformed attribute key",
    "malformed date attribute",
    "description over 4000",
    "huge body",
    "no point",
    "address_string only",
    "unknown address_id",
    "lat out of range",
    "lat not a number",
    "long infinite",
    "bad email",
    "bad phone",
    "bad media_url",
    "device_id too long",
    "service_code twice",
    "unknown jurisdiction",
    "not online in this district",
    "permit without a parcel",
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("case", CASES)
def test_bad_posts(
    client,
    api_key,
    districts,
    parcel_11,
    nothing_stored,
    django_capture_on_commit_callbacks,
    fmt,
    case,
):
    point_11 = inside_point(districts[11])
    if case == "not online in this district":
        point_11 = inside_point(districts[3])
    if case == "permit without a parcel":
        from .helpers import point_without_parcel

        point_11 = point_without_parcel(districts[11])
    data, status, word = bad_cases(point_11, api_key, parcel_point(parcel_11))[case]
    snapshot = nothing_stored()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, data, fmt=fmt, lang="en")
    assert callbacks == []
    assert_error(response, fmt, status, word)
    snapshot.check()
    assert Open311Submission.objects.count() == 0
    assert mail.outbox == [] and sms.outbox == []


@pytest.mark.parametrize(
    "body, content_type, word",
    [
        (b"api_key=%ZZ&service_code=pothole", "application/x-www-form-urlencoded", "form"),
        (b"service_code=%C3%28", "application/x-www-form-urlencoded", "form"),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded", "form"),
        (b"service_code", "application/x-www-form-urlencoded", "form"),
        (b'{"service_code": "pothole"}', "application/json", "x-www-form-urlencoded"),
        (b"service_code=pothole", "application/x-www-form-urlencoded; charset=latin-1", "UTF-8"),
        (b"&".join(b"a%d=1" % i for i in range(300)), "application/x-www-form-urlencoded", "form"),
    ],
)
def test_malformed_bodies(client, catalogue, nothing_stored, body, content_type, word):
    snapshot = nothing_stored()
    response = client.post(f"{BASE}/requests.json?lang=en", body, content_type=content_type)
    assert_error(response, "json", 400, word)
    snapshot.check()


def test_revoked_key_is_refused(client, api_key, district_11_point, nothing_stored):
    from permits.open311.keys import open311_client_revoke

    open311_client_revoke(name="call-centre-137")
    snapshot = nothing_stored()
    assert_error(post(client, form(district_11_point, api_key)), "json", 403, "api_key")
    snapshot.check()


def test_posts_are_rate_limited_per_key(client, api_key, district_11_point, settings):
    settings.OPEN311_POST_RATE = (2, 3600)
    other_key = open311_client_create(name="mobile-app")[1]
    for _ in range(2):
        assert post(client, form(district_11_point, api_key)).status_code == 201
    count = ServiceRequest.objects.count()
    assert_error(post(client, form(district_11_point, api_key), lang="en"), "json", 429, "api_key")
    assert ServiceRequest.objects.count() == count
    # another client is counted on its own
    assert post(client, form(district_11_point, other_key)).status_code == 201


def test_persian_by_default_with_jalali_dates_in_the_notice(client, api_key, district_11_point):
    text = assert_error(
        client.get(f"{BASE}/requests.json", {"start_date": "دیروز"}), "json", 400, "start_date"
    )
    assert "تاریخ نیست" in text
    client.cookies.clear()
    response = post(client, form(district_11_point, api_key))
    assert response.status_code == 201
    notice = response.json()[0]["service_notice"]
    assert "کد رهگیری شما" in notice and "منطقه ۱۱" in notice
    assert re.search("[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", notice)  # a Jalali date in Persian digits


# --- query plans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "59.5,36.2,59.6,36.3"},
        {"lat": "36.26", "long": "59.55", "radius": "500"},
    ],
)
def test_spatial_filters_use_the_gist_index(catalogue, params):
    from django.db import connection

    from permits.open311.selectors import spatial_filters as _spatial_filters

    # the spatial filter alone (with the date window the planner may pick either index)
    queryset = _spatial_filters(params, ServiceRequest.objects.all()).order_by().values("pk")
    sql, sql_params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # tiny test tables: forbid the sequential scan to see whether the index *can* be used
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, sql_params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "request_location_gist" in plan
