"""The one filing path (permits.filing.request_file) and its neighbours, at unit level."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.utils import InternalError
from django.utils import translation
from PIL import Image

from permits import sms
from permits.filing import (
    AlreadySupported,
    IdempotencyConflict,
    InvalidRequest,
    OutsideCityRejected,
    ParcelRequired,
    ServiceNotOnline,
    UnknownService,
    request_file,
    request_support,
)
from permits.models import Attachment, EventKind, RequestEvent, ServiceRequest, ServiceType
from permits.notifications import request_notify_status
from permits.zoning import ZoningVerdict
from tests.conftest import inside_point

from .helpers import (
    OUTSIDE_CITY,
    PERMIT_CONTACT,
    XSS_TEXT,
    image_bytes,
    parcel_point,
    permit_attributes,
    point_without_parcel,
    pruning_attributes,
)

pytestmark = pytest.mark.django_db


def file_pruning(point, **overrides):
    arguments = dict(
        service_code="tree-pruning",
        point=point,
        attributes=pruning_attributes(),
        description="Branches over the school entrance.",
        contact={"name": "", "phone": "09121111111", "email": "citizen@example.org"},
    )
    arguments.update(overrides)
    return request_file(**arguments)


def test_filing_routes_to_district_and_department(catalogue, district_11_point):
    request = file_pruning(district_11_point)
    assert request.district.code == 11
    assert request.department.code == "parks"
    assert request.status == "submitted"
    assert request.due_at - request.submitted_at == timedelta(days=10)
    events = list(request.events.order_by("id"))
    assert [event.kind for event in events] == [EventKind.SUBMITTED, EventKind.ROUTED]
    assert all(event.public for event in events)
    assert "District 11" in events[1].note_en and "منطقه" in events[1].note_fa
    assert request.attributes == {"tree_count": 2, "urgency": "danger"}


def test_permit_on_a_parcel(catalogue, parcel_11):
    request = request_file(
        service_code="building-permit-new",
        point=parcel_point(parcel_11),
        attributes=permit_attributes(),
        contact=PERMIT_CONTACT,
    )
    assert request.parcel == parcel_11
    assert request.department.code == "urban-planning"
    assert request.zoning_flag is False


def test_notifications_sent_after_commit(
    catalogue, district_11_point, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_pruning(district_11_point)
    assert len(mail.outbox) == 1
    assert request.tracking_code in mail.outbox[0].subject
    assert request.tracking_code in mail.outbox[0].body
    assert mail.outbox[0].to == ["citizen@example.org"]
    assert len(sms.outbox) == 1 and sms.outbox[0].to == "09121111111"
    assert request.tracking_code in sms.outbox[0].text


def test_notification_in_the_requesters_language(
    catalogue, district_11_point, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        file_pruning(district_11_point)
    with translation.override("fa"), django_capture_on_commit_callbacks(execute=True):
        file_pruning(district_11_point)
    assert "received" in mail.outbox[0].subject
    assert "received" not in mail.outbox[1].subject


def test_status_change_notifies(catalogue, district_11_point, django_capture_on_commit_callbacks):
    request = file_pruning(district_11_point)
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.STATUS_CHANGE,
        from_status="submitted",
        to_status="in_progress",
        public=True,
        note="Crew booked for Monday.",
    )
    request.status = "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        request_notify_status(request=request, event=event)
    assert len(mail.outbox) == 1 and "Crew booked for Monday." in mail.outbox[0].body
    assert len(sms.outbox) == 1
    internal = RequestEvent.objects.create(request=request, kind=EventKind.INTERNAL_NOTE, note="x")
    with django_capture_on_commit_callbacks(execute=True):
        request_notify_status(request=request, event=internal)
    assert len(mail.outbox) == 1  # internal notes are never sent


def test_xss_payload_stays_plain_text_in_email(
    catalogue, district_11_point, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file_pruning(
            district_11_point,
            description=XSS_TEXT,
            attributes={"tree_count": 1, "urgency": "normal", "tree_kind": XSS_TEXT[:200]},
        )
    message = mail.outbox[0]
    assert XSS_TEXT in message.body  # verbatim, in a text/plain message
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])


# --- bad input: a typed rejection and nothing stored -------------------------------------


def test_outside_city(catalogue, nothing_stored):
    snapshot = nothing_stored()
    with pytest.raises(OutsideCityRejected) as rejected:
        file_pruning(OUTSIDE_CITY)
    assert "outside" in str(rejected.value.message).lower() or rejected.value.errors["location"]
    snapshot.check()


def test_unknown_service(catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    for code in ("no-such-service", "", None, 12, "x" * 500):
        with pytest.raises(UnknownService):
            file_pruning(district_11_point, service_code=code)
    snapshot.check()


def test_service_not_online_names_where_it_is(catalogue, districts, nothing_stored):
    snapshot = nothing_stored()
    with translation.override("en"), pytest.raises(ServiceNotOnline) as rejected:
        request_file(
            service_code="tree-planting",
            point=inside_point(districts[3]),
            attributes={"place": "park"},
        )
    assert "District 11" in rejected.value.message
    snapshot.check()


def test_permit_without_parcel(catalogue, parcels, districts, nothing_stored):
    point = point_without_parcel(districts[11])
    snapshot = nothing_stored()
    with pytest.raises(ParcelRequired):
        request_file(
            service_code="building-permit-new",
            point=point,
            attributes=permit_attributes(),
            contact=PERMIT_CONTACT,
        )
    snapshot.check()


@pytest.mark.parametrize(
    "attributes, field",
    [
        ({"urgency": "danger"}, "attributes.tree_count"),  # required missing
        ({"tree_count": "many", "urgency": "danger"}, "attributes.tree_count"),  # wrong type
        ({"tree_count": True, "urgency": "danger"}, "attributes.tree_count"),
        ({"tree_count": float("nan"), "urgency": "danger"}, "attributes.tree_count"),
        ({"tree_count": 1000, "urgency": "danger"}, "attributes.tree_count"),  # out of range
        ({"tree_count": 2, "urgency": "whenever"}, "attributes.urgency"),  # not allowed
        ({"tree_count": 2, "urgency": ["danger"]}, "attributes.urgency"),
        ({"tree_count": 2, "urgency": "danger", "colour": "red"}, "attributes"),  # unknown
        ({"tree_count": 2, "urgency": "danger", "tree_kind": "x" * 201}, "attributes.tree_kind"),
        ([1, 2], "attributes"),
    ],
)
def test_bad_attributes(catalogue, district_11_point, nothing_stored, attributes, field):
    snapshot = nothing_stored()
    with pytest.raises(InvalidRequest) as rejected:
        file_pruning(district_11_point, attributes=attributes)
    assert field in rejected.value.errors
    snapshot.check()


def test_multivaluelist(catalogue, district_11_point, nothing_stored):
    request = request_file(
        service_code="park-damage",
        point=district_11_point,
        attributes={"damaged_items": ["fence", "bench", "fence"]},
    )
    assert request.attributes == {"damaged_items": ["bench", "fence"]}
    snapshot = nothing_stored()
    for bad in (["bench", "rocket"], "bench", [1]):
        with pytest.raises(InvalidRequest) as rejected:
            request_file(
                service_code="park-damage",
                point=district_11_point,
                attributes={"damaged_items": bad},
            )
        assert "attributes.damaged_items" in rejected.value.errors
    snapshot.check()


def test_numbers_and_dates_are_normalised(catalogue, district_11_point):
    request = request_file(
        service_code="missed-waste-collection",
        point=district_11_point,
        attributes={"collection_date": "۲۰۲۶-۱۱-۲۰"},
    )
    assert request.attributes == {"collection_date": "2026-11-20"}
    request = file_pruning(district_11_point, attributes={"tree_count": "۳", "urgency": "normal"})
    assert request.attributes["tree_count"] == 3
    with pytest.raises(InvalidRequest):
        request_file(
            service_code="missed-waste-collection",
            point=district_11_point,
            attributes={"collection_date": "yesterday"},
        )


def test_permit_needs_name_and_phone(catalogue, parcel_11, nothing_stored):
    snapshot = nothing_stored()
    with pytest.raises(InvalidRequest) as rejected:
        request_file(
            service_code="building-permit-new",
            point=parcel_point(parcel_11),
            attributes=permit_attributes(),
            contact={"email": "not-an-email"},
        )
    assert {"contact.name", "contact.phone", "contact.email"} <= set(rejected.value.errors)
    snapshot.check()


def test_nul_characters_and_long_description(catalogue, district_11_point, nothing_stored):
    request = file_pruning(district_11_point, description="a\x00b")
    assert request.description == "ab"
    snapshot = nothing_stored()
    with pytest.raises(InvalidRequest) as rejected:
        file_pruning(district_11_point, description="x" * 4001)
    assert "description" in rejected.value.errors
    snapshot.check()


# --- photos ---------------------------------------------------------------------------------


def test_photos_are_reencoded_without_gps(catalogue, district_11_point):
    original = image_bytes("JPEG", exif_gps=True)
    assert Image.open(__import__("io").BytesIO(original)).getexif().get_ifd(0x8825)
    request = file_pruning(
        district_11_point, photos=[original, image_bytes("PNG"), image_bytes("WEBP")]
    )
    photos = list(request.photos.all())
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png", "image/webp"]
    stored = Path(photos[0].image.path)
    assert stored.exists() and stored.name != "photo.jpg"
    with Image.open(stored) as image:
        assert not image.getexif().get_ifd(0x8825)
        assert 0x010F not in image.getexif()
    assert b"SpyCam" not in stored.read_bytes()


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"",
        image_bytes("JPEG")[:40],  # truncated
    ],
)
def test_non_images_are_refused(catalogue, district_11_point, nothing_stored, payload):
    snapshot = nothing_stored()
    with pytest.raises(InvalidRequest) as rejected:
        file_pruning(district_11_point, photos=[image_bytes("PNG"), payload])
    assert "photos" in rejected.value.errors
    snapshot.check()


def test_oversized_and_too_many_photos(catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    big = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(InvalidRequest):
        file_pruning(district_11_point, photos=[big])
    with pytest.raises(InvalidRequest):
        file_pruning(district_11_point, photos=[image_bytes()] * 4)
    snapshot.check()


def test_failure_after_photo_is_saved_leaves_no_file(
    catalogue, district_11_point, nothing_stored, monkeypatch
):
    """A failure inside the transaction after files were written removes them too."""
    from permits.filing import store as services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    snapshot = nothing_stored()
    monkeypatch.setattr(services.IdempotencyRecord.objects, "create", broken)
    with pytest.raises(RuntimeError):
        file_pruning(district_11_point, photos=[image_bytes()], idempotency_key="k-broken")
    snapshot.check()


# --- idempotency ----------------------------------------------------------------------------


def test_idempotent_retry_returns_the_first_request(catalogue, district_11_point):
    first = file_pruning(district_11_point, idempotency_key="key-1", photos=[image_bytes()])
    second = file_pruning(district_11_point, idempotency_key="key-1", photos=[image_bytes()])
    assert second.pk == first.pk and second.replayed
    assert ServiceRequest.objects.count() == 1 and Attachment.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        file_pruning(district_11_point, idempotency_key="key-1", description="other")


# --- zoning and routing overrides ---------------------------------------------------------


def test_zoning_verdict_is_stored(catalogue, parcel_11, monkeypatch):
    from permits.filing import routing as services

    calls = []

    def verdict(*, point, use, floors):
        calls.append((use, floors))
        return ZoningVerdict("R2", "Residential, low", True, False, 2, "At most 2 floors here.")

    monkeypatch.setattr(services, "zoning_check", verdict)
    request = request_file(
        service_code="building-permit-new",
        point=parcel_point(parcel_11),
        attributes=permit_attributes(),
        contact=PERMIT_CONTACT,
    )
    assert calls == [("residential", 3)]
    assert request.zoning_flag is True and request.zoning_note == "At most 2 floors here."
    assert request.events.filter(kind=EventKind.INTERNAL_NOTE, public=False).exists()


def test_routing_override_replaces_department(catalogue, district_11_point, monkeypatch):
    from permits.filing import routing as services

    monkeypatch.setattr(
        services,
        "routing_override_for",
        lambda *, point, service_code: "transport" if service_code == "tree-pruning" else None,
    )
    request = file_pruning(district_11_point)
    assert request.department.code == "transport"
    routed = request.events.get(kind=EventKind.ROUTED)
    assert "routing rule" in routed.note_en


# --- support --------------------------------------------------------------------------------


def test_support_counts_once_per_contact(catalogue, district_11_point):
    request = file_pruning(district_11_point)
    request_support(tracking_code=request.tracking_code, contact="0912 111 2222")
    request_support(tracking_code=request.tracking_code.lower())
    with pytest.raises(AlreadySupported):
        request_support(request=request, contact="09121112222")
    request.refresh_from_db()
    assert request.supporters == 2
    assert request.events.filter(kind=EventKind.SUPPORT_ADDED, public=True).count() == 2


# --- the history is append-only at the database level ---------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE permits_requestevent SET note = 'rewritten'",
        "DELETE FROM permits_requestevent",
    ],
)
def test_history_cannot_be_updated_or_deleted(catalogue, district_11_point, sql):
    file_pruning(district_11_point)
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert RequestEvent.objects.count() == 2
    assert not RequestEvent.objects.filter(note="rewritten").exists()


# --- the catalogue --------------------------------------------------------------------------


def test_catalogue_loads_idempotently(catalogue):
    from django.core.management import call_command

    count = ServiceType.objects.count()
    assert count >= 12
    call_command("load_demo_services", stdout=open("/dev/null", "w"))
    assert ServiceType.objects.count() == count
    pilot_only = ServiceType.objects.filter(online_districts__code=11)
    assert pilot_only.exists()
    assert {d.domain.code for d in ServiceType.objects.select_related("domain")} >= {
        "urban-planning",
        "green-space",
        "urban-services",
        "transport",
    }
    assert settings.MEDIA_ROOT  # photos go to the test media folder


def test_pixel_bomb_is_refused(catalogue, district_11_point, nothing_stored):
    import io

    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 megapixels in a few kilobytes
    assert len(out.getvalue()) < 1024 * 1024
    snapshot = nothing_stored()
    with pytest.raises(InvalidRequest) as rejected:
        file_pruning(district_11_point, photos=[out.getvalue()])
    assert "photos" in rejected.value.errors
    snapshot.check()
