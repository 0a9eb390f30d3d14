"""What the filing path does to stay cheap, and that it changes nothing a client sees:
the process's snapshot of the service catalogue (and when it is read again), the response
body built without the serializer, notifications rendering only what is sent."""

import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parcels.models import District
from permits import selectors, sms
from permits.api import RequestCreateApi
from permits.models import Department, ServiceDomain, ServiceType
from permits.selectors import service_type_get
from permits.services import Contact, request_file
from tests.conftest import inside_point

from .helpers import parcel_point, permit_attributes, point_without_parcel

pytestmark = pytest.mark.django_db


def queries(function):
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return result, len(captured)


# --- the catalogue snapshot ------------------------------------------------------------------


def test_service_type_read_once_per_process(catalogue):
    first, count = queries(lambda: service_type_get("tree-pruning"))
    assert first is not None and count >= 1
    again, count = queries(lambda: service_type_get("pothole"))
    assert again.code == "pothole" and count == 0
    assert again.domain.code and again.department.code  # read with the service


def test_callers_get_their_own_copy(catalogue):
    service = service_type_get("tree-pruning")
    service.name_en = "changed by a caller"
    assert service_type_get("tree-pruning").name_en != "changed by a caller"


@pytest.mark.parametrize(
    "change",
    [
        lambda s: _save(ServiceType.objects.get(pk=s.pk), active=False),
        lambda s: ServiceType.objects.get(pk=s.pk).online_districts.set(
            District.objects.filter(code=3)
        ),
        lambda s: _save(Department.objects.get(pk=s.department_id), name_en="Renamed"),
        lambda s: _save(ServiceDomain.objects.get(pk=s.domain_id), name_en="Renamed"),
    ],
    ids=["deactivated", "districts", "department", "domain"],
)
def test_a_saved_change_is_seen_at_once(catalogue, change):
    before = service_type_get("tree-pruning")
    assert before is not None and before.online_district_ids == []
    change(before)
    after = service_type_get("tree-pruning")
    if after is None:
        return  # deactivated: no longer offered
    assert (after.online_district_ids, after.department.name_en, after.domain.name_en) != (
        before.online_district_ids,
        before.department.name_en,
        before.domain.name_en,
    )


def _save(instance, **values):
    for key, value in values.items():
        setattr(instance, key, value)
    instance.save()


def test_a_new_service_is_found_even_without_a_signal(catalogue):
    assert service_type_get("tree-pruning") is not None  # the snapshot is taken
    template = ServiceType.objects.get(code="pothole")
    ServiceType.objects.bulk_create(  # bulk_create sends no post_save
        [
            ServiceType(
                code="snow-clearing",
                domain_id=template.domain_id,
                department_id=template.department_id,
                name_fa="برف‌روبی",
                name_en="Snow clearing",
            )
        ]
    )
    assert service_type_get("snow-clearing").name_en == "Snow clearing"
    assert service_type_get("no-such-service") is None


def test_another_workers_stamp_or_the_age_limit_reads_again(catalogue, monkeypatch):
    service_type_get("tree-pruning")
    # A change made without a signal (queryset update) is not seen while the stamp holds…
    ServiceType.objects.filter(code="tree-pruning").update(sla_days=99)
    assert service_type_get("tree-pruning").sla_days != 99
    # …and is seen once another process sets a new stamp in the shared cache,
    cache.set(selectors.CATALOGUE_STAMP_KEY, "set-by-another-worker", timeout=None)
    assert service_type_get("tree-pruning").sla_days == 99
    # or once the snapshot is older than the age limit (a per-process cache).
    ServiceType.objects.filter(code="tree-pruning").update(sla_days=98)
    assert service_type_get("tree-pruning").sla_days == 99
    monkeypatch.setattr(selectors, "CATALOGUE_MAX_AGE", -1.0)
    assert service_type_get("tree-pruning").sla_days == 98


def test_a_cleared_cache_reads_again(catalogue):
    service_type_get("tree-pruning")
    ServiceType.objects.filter(code="tree-pruning").update(sla_days=77)
    cache.clear()
    assert service_type_get("tree-pruning").sla_days == 77


def test_filing_a_deactivated_service_is_refused_at_once(client, catalogue, district_11_point):
    assert service_type_get("tree-pruning") is not None
    _save(ServiceType.objects.get(code="tree-pruning"), active=False)
    response = client.post(
        "/api/requests/",
        json.dumps(
            {
                "service_code": "tree-pruning",
                "lat": district_11_point.y,
                "lon": district_11_point.x,
                "attributes": {"tree_count": 1},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "unknown_service"


# --- the response body -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fa", "en"])
def test_response_body_is_what_the_serializer_gives(catalogue, parcel_11, districts, language):
    parcel = parcel_11
    with translation.override(language):
        filed = [
            request_file(
                service_code="pothole",
                point=point_without_parcel(districts[11]),
                attributes={"size": "medium"},
            ),
            request_file(
                service_code="building-permit-new",
                point=parcel_point(parcel),
                attributes=permit_attributes(),
                contact=Contact(name="Sara", phone="09123456789"),
            ),
        ]
        for request in filed:
            built = RequestCreateApi.output(request)
            serialized = RequestCreateApi.OutputSerializer(request).data
            assert json.dumps(built, sort_keys=False) == json.dumps(serialized, sort_keys=False)
    assert filed[0].parcel is None and filed[1].parcel is not None


# --- notifications -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "contact, emails, texts",
    [
        ({"phone": "09121111111"}, 0, 1),
        ({"email": "a@example.org"}, 1, 0),
        ({"phone": "09121111111", "email": "a@example.org"}, 1, 1),
        ({}, 0, 0),
    ],
)
def test_only_the_messages_sent_are_rendered(
    catalogue, districts, django_capture_on_commit_callbacks, monkeypatch, contact, emails, texts
):
    from permits import notifications

    rendered = []
    original = notifications.render_to_string

    def spy(name, context):
        rendered.append(name.rsplit("/", 1)[-1])
        return original(name, context)

    monkeypatch.setattr(notifications, "render_to_string", spy)
    with django_capture_on_commit_callbacks(execute=True):
        request_file(
            service_code="pothole",
            point=inside_point(districts[11]),
            attributes={"size": "medium"},
            contact=contact,
        )
    assert (len(mail.outbox), len(sms.outbox)) == (emails, texts)
    expected = ["subject.txt", "status.txt"] * emails + ["sms.txt"] * texts
    assert sorted(rendered) == sorted(expected)
