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
from permits import catalogue as selectors
from permits import sms
from permits.api.filing import RequestCreateApi
from permits.catalogue import service_type_get
from permits.filing import Contact, request_file
from permits.models import Department, ServiceDomain, ServiceType
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


# --- the request and its history in one statement --------------------------------------------


def _filed_rows(request_id):
    from permits.models import RequestEvent, ServiceRequest

    stored = ServiceRequest.objects.get(pk=request_id)
    events = list(
        RequestEvent.objects.filter(request_id=request_id)
        .order_by("id")
        .values("kind", "to_status", "public", "note", "note_fa", "note_en", "actor_id")
    )
    return stored, events


@pytest.mark.parametrize("one_statement", [True, False], ids=["one-statement", "orm-fallback"])
def test_request_and_history_are_stored_as_the_orm_would(
    catalogue, parcel_11, monkeypatch, one_statement
):
    from permits.filing import store as services

    if not one_statement:

        def not_plain(*args, **kwargs):
            raise services._NotPlain("forced")

        monkeypatch.setattr(services, "_insert_values", not_plain)
    filed = request_file(
        service_code="building-permit-new",
        point=parcel_point(parcel_11),
        attributes=permit_attributes(),
        description="  A new house  ",
        contact={"name": "Sara", "phone": "0912 345 6789", "email": "s@example.org"},
    )
    from permits.models import ServiceRequest

    stored, events = _filed_rows(filed.pk)
    assert not filed._state.adding and filed.pk == stored.pk
    for field in ServiceRequest._meta.concrete_fields:  # the instance is what was stored
        if field.name != "location":
            assert getattr(stored, field.attname) == getattr(filed, field.attname), field.name
    assert stored.location.equals_exact(filed.location, 1e-12) and stored.location.srid == 4326
    assert stored.description == "A new house" and stored.contact_phone == "09123456789"
    assert stored.updated_at is not None and stored.supporters == 0
    assert [e["kind"] for e in events][:2] == ["submitted", "routed"]
    assert events[0]["to_status"] == "submitted" and events[0]["public"]
    assert all(e["note_fa"] and e["note_en"] for e in events[:2])
    assert all(e["actor_id"] is None for e in events)
    if stored.zoning_flag:
        assert events[2]["kind"] == "internal_note" and not events[2]["public"]


def test_filing_sends_one_insert_statement(catalogue, districts):
    with CaptureQueriesContext(connection) as captured:
        request_file(
            service_code="pothole",
            point=inside_point(districts[11]),
            attributes={"size": "medium"},
        )
    inserts = [q["sql"] for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("WITH new_request AS (INSERT")


def test_a_drawn_tracking_code_in_use_is_drawn_again(catalogue, districts, monkeypatch):
    from permits.filing import store as services
    from permits.models import RequestEvent, ServiceRequest

    point = inside_point(districts[11])
    first = request_file(service_code="pothole", point=point, attributes={"size": "medium"})
    fresh = services.tracking_code_new
    codes = iter([first.tracking_code, first.tracking_code])
    monkeypatch.setattr(services, "tracking_code_new", lambda: next(codes, None) or fresh())
    second = request_file(service_code="pothole", point=point, attributes={"size": "medium"})
    assert second.tracking_code != first.tracking_code
    assert ServiceRequest.objects.count() == 2
    assert RequestEvent.objects.filter(request=second).count() == 2


# --- outside a transaction: one statement, no BEGIN/COMMIT ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_plain_filing_outside_a_transaction(catalogue, districts, monkeypatch):
    from permits.filing import store as services
    from permits.models import RequestEvent, ServiceRequest

    assert not connection.in_atomic_block  # as under gunicorn: autocommit, no outer atomic
    point = inside_point(districts[11])
    first = request_file(
        service_code="pothole",
        point=point,
        attributes={"size": "medium"},
        contact={"phone": "09121111111", "email": "a@example.org"},
    )
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1  # sent once stored
    # A tracking code already in use: the failed statement stored nothing; a new code.
    fresh = services.tracking_code_new
    codes = iter([first.tracking_code])
    monkeypatch.setattr(services, "tracking_code_new", lambda: next(codes, None) or fresh())
    second = request_file(service_code="pothole", point=point, attributes={"size": "medium"})
    assert second.tracking_code != first.tracking_code
    assert ServiceRequest.objects.count() == 2
    assert RequestEvent.objects.filter(request=first).count() == 2
    assert RequestEvent.objects.filter(request=second).count() == 2
    # The ORM fallback keeps its own transaction.
    monkeypatch.setattr(services, "_insert_values", _raise_not_plain)
    third = request_file(service_code="pothole", point=point, attributes={"size": "medium"})
    assert RequestEvent.objects.filter(request=third).count() == 2


def _raise_not_plain(*args, **kwargs):
    from permits.filing import store as services

    raise services._NotPlain("forced")


# --- bad input the model would refuse is a 400, never a 500 ----------------------------------


@pytest.mark.parametrize("checked_first", [True, False], ids=["contact-check", "model-check"])
def test_an_email_too_long_for_the_column_is_a_400(
    client, catalogue, district_11_point, nothing_stored, monkeypatch, checked_first
):
    from permits.filing import validation as services

    if not checked_first:  # the safety net: full_clean's verdict becomes the 400
        monkeypatch.setattr(services, "MAX_EMAIL", 320)
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org"  # valid shape, 260 characters
    snapshot = nothing_stored()
    response = client.post(
        "/api/requests/",
        json.dumps(
            {
                "service_code": "pothole",
                "lat": district_11_point.y,
                "lon": district_11_point.x,
                "attributes": {"size": "medium"},
                "contact": {"email": email},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and response.json()["errors"]["contact.email"]
    snapshot.check()
