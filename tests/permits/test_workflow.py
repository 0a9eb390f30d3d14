"""The workflow: every allowed and every refused transition of both tables, reasons,
stale and illegal moves (409), one history row per action, notifications, duplicates,
reassignment, notes, and two planners acting at once."""

import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import translation

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create
from permits import workflow
from permits.models import (
    CLOSED_STATUSES,
    Attachment,
    EventKind,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
    Support,
)
from permits.workflow import PERMIT_TRANSITIONS, SERVICE_TRANSITIONS

from . import staff_fixtures
from .helpers import image_bytes
from .staff_fixtures import PASSWORD, make_request

staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker
req11, req2 = staff_fixtures.req11, staff_fixtures.req2

KINDS = {
    "service": ("pothole", SERVICE_TRANSITIONS),
    "permit": ("building-permit-new", PERMIT_TRANSITIONS),
}
ALL = list(RequestStatus.values)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (the portal's default language is Persian)."""
    with translation.override("en"):
        yield


def _pairs(allowed: bool):
    pairs = []
    for kind, (_service, table) in KINDS.items():
        for source in ALL:
            for target in ALL:
                if target == RequestStatus.DUPLICATE:
                    continue  # its own action, tested below
                ok = target in table.get(source, ())
                if ok == allowed:
                    pairs.append(
                        pytest.param(kind, source, target, id=f"{kind}:{source}->{target}")
                    )
    return pairs


def _history(request) -> int:
    return RequestEvent.objects.filter(request=request).count()


@pytest.mark.parametrize(("kind", "source", "target"), _pairs(allowed=True))
def test_allowed_transition(staff, request_maker, kind, source, target):
    request = request_maker(service=KINDS[kind][0], status=source)
    before = _history(request)
    event = workflow.request_transition(
        request=request,
        user=staff["planner11"],
        to_status=target,
        note="Reason for the citizen",
        expected_status=source,
    )
    request.refresh_from_db()
    assert request.status == target
    assert _history(request) == before + 1
    assert (event.kind, event.from_status, event.to_status) == (
        EventKind.STATUS_CHANGE,
        source,
        target,
    )
    assert event.actor == staff["planner11"] and event.public
    assert (request.closed_at is not None) == (target in CLOSED_STATUSES)


@pytest.mark.parametrize(("kind", "source", "target"), _pairs(allowed=False))
def test_refused_transition(staff, request_maker, kind, source, target):
    request = request_maker(service=KINDS[kind][0], status=source)
    before = _history(request)
    with pytest.raises(workflow.IllegalTransition) as refused:
        workflow.request_transition(
            request=request, user=staff["planner11"], to_status=target, note="Because"
        )
    assert refused.value.status_code == 409 and refused.value.message
    request.refresh_from_db()
    assert request.status == source
    assert _history(request) == before


@pytest.mark.parametrize("target", [RequestStatus.REJECTED])
def test_rejecting_needs_a_reason(staff, req11, target):
    with pytest.raises(workflow.InvalidAction, match="reason"):
        workflow.request_transition(request=req11, user=staff["planner11"], to_status=target)
    req11.refresh_from_db()
    assert req11.status == RequestStatus.SUBMITTED and _history(req11) == 1


def test_needs_info_needs_a_reason(staff, request_maker):
    permit = request_maker(service="building-permit-new", status=RequestStatus.DOCUMENT_REVIEW)
    with pytest.raises(workflow.InvalidAction):
        workflow.request_transition(
            request=permit, user=staff["planner11"], to_status="needs_info", note="   "
        )
    permit.refresh_from_db()
    assert permit.status == RequestStatus.DOCUMENT_REVIEW


def test_unknown_status_and_duplicate_through_transition_are_refused(staff, req11):
    for bad in ("archived", "", None, 3):
        with pytest.raises(workflow.InvalidAction):
            workflow.request_transition(request=req11, user=staff["planner11"], to_status=bad)
    with pytest.raises(workflow.InvalidAction, match="duplicate"):
        workflow.request_transition(request=req11, user=staff["planner11"], to_status="duplicate")
    assert _history(req11) == 1


def test_stale_transition(staff, req11):
    workflow.request_transition(request=req11, user=staff["planner11"], to_status="accepted")
    with pytest.raises(workflow.StaleTransition) as stale:
        workflow.request_transition(
            request=req11.pk,
            user=staff["supervisor"],
            to_status="rejected",
            note="Not ours",
            expected_status="submitted",
        )
    assert stale.value.status_code == 409
    req11.refresh_from_db()
    assert req11.status == "accepted" and _history(req11) == 2


def test_reopen_clears_the_closing_time(staff, request_maker):
    request = request_maker(status=RequestStatus.IN_PROGRESS)
    workflow.request_transition(request=request, user=staff["planner11"], to_status="resolved")
    request.refresh_from_db()
    assert request.closed_at is not None and not request.is_open
    workflow.request_transition(
        request=request, user=staff["planner11"], to_status="in_progress", note="It is back"
    )
    request.refresh_from_db()
    assert request.closed_at is None and request.is_open


def test_resolve_with_a_public_note_and_a_photo(staff, request_maker):
    request = request_maker(status=RequestStatus.IN_PROGRESS)
    photo = SimpleUploadedFile("done.jpg", image_bytes(exif_gps=True), content_type="image/jpeg")
    event = workflow.request_transition(
        request=request, user=staff["planner11"], to_status="resolved", note="Filled", photo=photo
    )
    assert event.note == "Filled" and event.public
    attachment = Attachment.objects.get(request=request)
    assert attachment.width == 64 and attachment.content_type == "image/jpeg"


def test_a_photo_that_is_not_an_image_changes_nothing(staff, request_maker):
    request = request_maker(status=RequestStatus.IN_PROGRESS)
    photo = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(workflow.InvalidAction):
        workflow.request_transition(
            request=request, user=staff["planner11"], to_status="resolved", photo=photo
        )
    request.refresh_from_db()
    assert request.status == "in_progress" and not Attachment.objects.exists()


def test_public_changes_notify_the_requester(staff, req11, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition(
            request=req11, user=staff["planner11"], to_status="accepted", note="We will fix it"
        )
    assert [message.to for message in mail.outbox] == [["sara@example.org"]]
    assert req11.tracking_code in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_add_note(request=req11, user=staff["planner11"], note="internal only")
    assert mail.outbox == []  # internal notes are not sent


def test_another_districts_request_is_not_visible(staff, req2):
    with pytest.raises(workflow.NotVisible):
        workflow.request_transition(request=req2, user=staff["planner11"], to_status="accepted")
    with pytest.raises(workflow.NotVisible):
        workflow.request_transition(request=req2, user=staff["gis"], to_status="accepted")
    req2.refresh_from_db()
    assert req2.status == "submitted"


def test_notes_public_and_internal(staff, req11, client):
    workflow.request_add_note(request=req11, user=staff["planner11"], note="Team sent")
    workflow.request_add_note(
        request=req11, user=staff["planner11"], note="Crew on site tomorrow", public=True
    )
    kinds = list(RequestEvent.objects.filter(request=req11).values_list("kind", "public"))
    assert kinds[-2:] == [(EventKind.INTERNAL_NOTE, False), (EventKind.PUBLIC_NOTE, True)]
    page = client.get(f"/track/{req11.tracking_code}/?lang=en").content.decode()
    assert "Crew on site tomorrow" in page and "Team sent" not in page
    with pytest.raises(workflow.InvalidAction):
        workflow.request_add_note(request=req11, user=staff["planner11"], note=" ")
    with pytest.raises(workflow.InvalidAction):
        workflow.request_add_note(request=req11, user=staff["planner11"], note="x" * 2001)


def test_reassign_by_a_supervisor(staff, req11, districts):
    event = workflow.request_reassign(
        request=req11,
        user=staff["supervisor"],
        district=districts[10],
        reason="The point is across the boundary street",
    )
    req11.refresh_from_db()
    assert req11.district == districts[10]
    assert event.kind == EventKind.REASSIGNED and not event.public
    assert event.actor == staff["supervisor"]
    assert "across the boundary" in event.note_en
    # Now outside planner11's districts.
    with pytest.raises(workflow.NotVisible):
        workflow.request_add_note(request=req11, user=staff["planner11"], note="hello")


def test_reassign_refusals(staff, req11, districts):
    with pytest.raises(workflow.NotAllowed):
        workflow.request_reassign(
            request=req11, user=staff["planner11"], district=districts[10], reason="x"
        )
    with pytest.raises(workflow.NotVisible):
        workflow.request_reassign(
            request=req11, user=staff["planner2"], district=districts[10], reason="x"
        )
    with pytest.raises(workflow.InvalidAction):
        workflow.request_reassign(
            request=req11, user=staff["supervisor"], district=districts[10], reason=" "
        )
    with pytest.raises(workflow.InvalidAction):
        workflow.request_reassign(
            request=req11, user=staff["supervisor"], district=districts[11], reason="same"
        )
    req11.refresh_from_db()
    assert req11.district == districts[11] and _history(req11) == 1


def test_mark_duplicate_moves_supporters(staff, request_maker):
    original = request_maker(supporters=2)
    copy = request_maker(supporters=3)
    Support.objects.create(request=original, contact_hash="a")
    Support.objects.create(request=copy, contact_hash="a")  # supported both: stays once
    Support.objects.create(request=copy, contact_hash="b")
    event = workflow.request_mark_duplicate(
        request=copy, user=staff["planner11"], original=original, expected_status="submitted"
    )
    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.status == RequestStatus.DUPLICATE and copy.duplicate_of == original
    assert copy.supporters == 0 and original.supporters == 5
    assert set(Support.objects.filter(request=original).values_list("contact_hash", flat=True)) == {
        "a",
        "b",
    }
    assert event.kind == EventKind.DUPLICATE and event.public
    assert original.tracking_code in event.note_en
    assert _history(copy) == 2 and _history(original) == 1


def test_mark_duplicate_refusals(staff, request_maker):
    original = request_maker()
    other_district = request_maker(district=2)
    closed = request_maker(status=RequestStatus.RESOLVED)
    permit = request_maker(service="building-permit-new")
    copy = request_maker()
    for target, error in [
        (copy, workflow.InvalidAction),  # itself
        (other_district, workflow.InvalidAction),  # not visible to planner11
        (closed, workflow.InvalidAction),  # not open
    ]:
        with pytest.raises(error):
            workflow.request_mark_duplicate(request=copy, user=staff["planner11"], original=target)
    with pytest.raises(workflow.IllegalTransition):  # permits are never duplicates
        workflow.request_mark_duplicate(request=permit, user=staff["planner11"], original=original)
    copy.refresh_from_db()
    assert copy.status == "submitted" and _history(copy) == 1


# --- the API answers ---------------------------------------------------------------------


def test_api_status_codes(client, staff, req11):
    client.force_login(staff["planner11"])
    url = f"/staff/api/requests/{req11.tracking_code}/transition/?lang=en"
    bad = client.post(url, {"to_status": "archived"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"]
    no_reason = client.post(url, {"to_status": "rejected"}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    illegal = client.post(url, {"to_status": "resolved"}, content_type="application/json")
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    ok = client.post(
        url, {"to_status": "accepted", "from_status": "submitted"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    stale = client.post(
        url,
        {"to_status": "rejected", "from_status": "submitted", "note": "No"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert _history(req11) == 2
    detail = client.get(f"/staff/api/requests/{req11.tracking_code}/").json()
    assert detail["status"] == "accepted"
    assert detail["allowed_transitions"] == ["in_progress", "rejected"]


def test_page_shows_errors_and_changes_nothing(client, staff, req11):
    client.force_login(staff["planner11"])
    response = client.post(
        f"/staff/requests/{req11.tracking_code}/transition/?lang=en",
        {"to_status": "rejected", "from_status": "submitted", "note": ""},
    )
    assert response.status_code == 400
    assert b"Give the reason" in response.content
    stale = client.post(
        f"/staff/requests/{req11.tracking_code}/transition/?lang=en",
        {"to_status": "accepted", "from_status": "in_progress"},
    )
    assert stale.status_code == 409 and b"changed by someone else" in stale.content
    req11.refresh_from_db()
    assert req11.status == "submitted" and _history(req11) == 1


# --- two planners at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_transitions_at_once_one_wins(districts, catalogue):
    first = staff_create(
        username="p-a", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[11]
    )
    second = staff_create(
        username="p-b", role=StaffRole.SUPERVISOR, password=PASSWORD, email="s@example.org"
    )
    request = make_request(districts)
    before = _history(request)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name, user, target, note):
        try:
            barrier.wait(timeout=10)
            workflow.request_transition(
                request=request.pk,
                user=user,
                to_status=target,
                note=note,
                expected_status="submitted",
            )
            outcomes[name] = "ok"
        except workflow.WorkflowError as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("a", first, "accepted", "")),
        threading.Thread(target=act, args=("b", second, "rejected", "Not a municipal road")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(str(type(v).__name__) for v in outcomes.values()) == ["StaleTransition", "str"]
    loser = next(v for v in outcomes.values() if v != "ok")
    assert loser.status_code == 409
    request.refresh_from_db()
    winner = "a" if outcomes["a"] == "ok" else "b"
    assert request.status == {"a": "accepted", "b": "rejected"}[winner]
    assert _history(request) == before + 1
    row = RequestEvent.objects.filter(request=request).order_by("-id").first()
    assert row.to_status == request.status
    assert connection.connection is None or connection.is_usable()
    assert ServiceRequest.objects.filter(pk=request.pk, status=request.status).exists()
