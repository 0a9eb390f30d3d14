"""What a permit asks for, attaching documents, and that a refusal stores nothing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from permits.models import EventKind, RequestEvent, RequestStatus, ServiceType
from permits.permitting.documents import (
    DocumentRejected,
    documents_missing,
    documents_required_for,
)
from permits.permitting.documents_demo import documents_load_demo
from permits.permitting.models import DocumentRequirement, RequestDocument
from tests.permits.helpers import image_bytes

from . import documents_helpers
from .documents_helpers import (
    PERMIT,
    attach,
    make_request,
    pdf_bytes,
    private_files,
    stored,
    with_open_action_js,
)

# The shared fixtures of the document tests.
permit_catalogue, permit_request = (
    documents_helpers.permit_catalogue,
    documents_helpers.permit_request,
)

PERMITS = ["building-permit-new", "building-permit-renovation", "building-permit-demolition"]


def codes(requirements) -> list[str]:
    return [requirement.code for requirement in requirements]


def test_the_demo_catalogue_asks_the_building_permits_for_four_documents(permit_catalogue):
    for code in PERMITS:
        service = ServiceType.objects.get(code=code)
        assert codes(service.document_requirements.all()) == [
            "deed",
            "national-id",
            "power-of-attorney",
            "utm-map",
        ]
    deed = DocumentRequirement.objects.get(service_type__code=PERMIT, code="deed")
    assert (deed.name_fa, deed.name_en, deed.required) == ("سند مالکیت", "Title deed", True)
    assert deed.allowed_types == ["pdf", "jpeg", "png"]
    assert not DocumentRequirement.objects.exclude(service_type__code__in=PERMITS).exists()


def test_loading_the_demo_twice_changes_nothing(permit_catalogue):
    before = list(DocumentRequirement.objects.order_by("pk").values())
    assert documents_load_demo() == 12
    assert list(DocumentRequirement.objects.order_by("pk").values()) == before


def test_a_code_is_once_per_service(permit_catalogue):
    service = ServiceType.objects.get(code=PERMIT)
    with pytest.raises(IntegrityError):
        DocumentRequirement.objects.create(
            service_type=service, code="deed", name_fa="x", name_en="x"
        )


def test_allowed_types_are_checked(permit_catalogue):
    requirement = DocumentRequirement.objects.get(service_type__code=PERMIT, code="deed")
    requirement.allowed_types = ["pdf", "exe"]
    with pytest.raises(ValidationError):
        requirement.full_clean()


def test_the_power_of_attorney_is_required_only_when_an_agent_files(permit_catalogue):
    service = ServiceType.objects.get(code=PERMIT)
    assert codes(documents_required_for(service, agent=False)) == ["deed", "national-id", "utm-map"]
    assert codes(documents_required_for(service, agent=True)) == [
        "deed",
        "national-id",
        "power-of-attorney",
        "utm-map",
    ]


def test_documents_missing_follow_what_was_given(permit_request, districts):
    assert codes(documents_missing(permit_request)) == ["deed", "national-id", "utm-map"]
    attach(permit_request)
    assert codes(documents_missing(permit_request)) == ["national-id", "utm-map"]
    by_agent = make_request(districts, service=PERMIT, attributes={"filed_by": "agent"})
    assert "power-of-attorney" in codes(documents_missing(by_agent))


def test_attach_keeps_the_file_privately_with_its_facts(permit_request):
    data = pdf_bytes(pages=2)
    document = attach(permit_request, data, name="../../../etc/سند.pdf")
    document.refresh_from_db()
    assert document.original_name == "سند.pdf"
    assert (document.content_type, document.size_bytes, document.pages) == (
        "application/pdf",
        len(data),
        2,
    )
    import hashlib

    assert document.sha256 == hashlib.sha256(data).hexdigest()
    stored = Path(document.file.path)
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert stored.resolve().is_relative_to(root) and stored.read_bytes() == data
    assert not stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "سند" not in stored.name and stored.suffix == ".pdf"
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 - private files have no URL
    event = RequestEvent.objects.filter(request=permit_request).latest("id")
    assert (event.kind, event.public) == (EventKind.INTERNAL_NOTE, False)
    assert "Title deed" in event.note_en and "سند مالکیت" in event.note_fa


def test_an_image_is_stored_reencoded(permit_request):
    document = attach(
        permit_request,
        image_bytes("JPEG", exif_gps=True),
        code="national-id",
        name="id.jpeg",
        uploaded_by="staff",
    )
    assert document.content_type == "image/jpeg" and document.original_name == "id.jpg"
    assert b"SpyCam" not in Path(document.file.path).read_bytes()


def test_an_extra_document_has_no_requirement(permit_request):
    document = attach(permit_request, image_bytes("PNG"), code=None, name="site photo.png")
    assert document.requirement is None and document.original_name == "site photo.png"


@pytest.mark.parametrize(
    ("requirement_code", "data", "code"),
    [
        ("deed", b"MZ\x90\x00" + b"\x00" * 100, "type_not_allowed"),
        ("deed", "js", "pdf_javascript"),
        ("no-such-document", "pdf", "unknown_requirement"),
    ],
)
def test_a_refusal_stores_nothing(permit_request, requirement_code, data, code):
    data = {"js": pdf_bytes(build=with_open_action_js), "pdf": pdf_bytes()}.get(data, data)
    before = stored()
    with pytest.raises(DocumentRejected) as caught:
        attach(permit_request, data, code=requirement_code)
    assert caught.value.code == code
    assert stored() == before


def test_an_oversized_document_stores_nothing(permit_request):
    requirement = DocumentRequirement.objects.get(service_type__code=PERMIT, code="deed")
    requirement.max_bytes = 1000
    requirement.save()
    before = stored()
    with pytest.raises(DocumentRejected) as caught:
        attach(permit_request, pdf_bytes() + b"%" * 1000)
    assert caught.value.code == "too_large"
    assert stored() == before


def test_a_failure_after_the_file_is_written_leaves_no_file(permit_request, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(RequestEvent.objects, "create", broken)
    before = stored()
    with pytest.raises(RuntimeError):
        attach(permit_request)
    assert stored() == before


def test_a_closed_request_takes_no_documents(permit_catalogue, districts):
    closed = make_request(districts, service=PERMIT, status=RequestStatus.REJECTED)
    with pytest.raises(DocumentRejected) as caught:
        attach(closed)
    assert caught.value.code == "request_closed"


def test_a_request_holds_a_bounded_number_of_documents(permit_request, settings):
    settings.PERMIT_DOCUMENTS_PER_REQUEST = 2
    for _ in range(2):
        attach(permit_request)
    files = private_files()
    with pytest.raises(DocumentRejected) as caught:
        attach(permit_request)
    assert caught.value.code == "too_many_documents"
    assert RequestDocument.objects.count() == 2 and private_files() == files


def test_uploaded_by_is_applicant_or_staff(permit_request):
    with pytest.raises(ValueError):
        attach(permit_request, uploaded_by="someone")
