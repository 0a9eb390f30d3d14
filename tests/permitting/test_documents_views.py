"""Who gets a request's documents and photos (the applicant's session and staff who may
see the request; everyone else 404), the headers they come with, and uploads later."""

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from permits.models import Attachment
from permits.permitting.applicant import (
    SESSION_KEY,
    applicant_session_grant,
    applicant_session_has,
)
from permits.permitting.documents import document_attach
from permits.permitting.documents_views import documents_context
from permits.permitting.models import RequestDocument
from tests.permits.helpers import image_bytes
from tests.permits.staff_fixtures import PASSWORD

from . import documents_helpers
from .documents_helpers import (
    grant,
    pdf_bytes,
    stored,
    upload,
    with_names_js,
)

# The shared fixtures of the document tests.
permit_catalogue, permit_request, staff = (
    documents_helpers.permit_catalogue,
    documents_helpers.permit_request,
    documents_helpers.staff,
)


@pytest.fixture
def deed(permit_request) -> RequestDocument:
    return document_attach(
        service_request=permit_request,
        requirement_code="deed",
        upload=upload(pdf_bytes(), name="C:\\Users\\sara\\سند ملک.pdf"),
        uploaded_by="applicant",
    )


@pytest.fixture
def photo(permit_request) -> Attachment:
    attachment = Attachment(request=permit_request, content_type="image/jpeg", size_bytes=1)
    attachment.image.save("photo.jpg", ContentFile(image_bytes("JPEG")), save=False)
    attachment.width, attachment.height = 64, 48
    attachment.save()
    return attachment


def download_url(document) -> str:
    return reverse(
        "permitting:documents-download", args=[document.request.tracking_code, document.pk]
    )


def photo_url(attachment) -> str:
    return reverse(
        "permitting:documents-photo", args=[attachment.request.tracking_code, attachment.pk]
    )


def upload_url(service_request) -> str:
    return reverse("permitting:documents-upload", args=[service_request.tracking_code])


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_applicant_session_gets_the_document_with_safe_headers(client, deed):
    grant(client, deed.request.tracking_code)
    response = client.get(download_url(deed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%D8%B3%D9%86%D8%AF" in disposition  # سند, RFC 5987
    assert "Users" not in disposition and "\\" not in disposition
    assert body(response) == deed.file.open("rb").read()


@pytest.mark.parametrize("who", ["planner11", "supervisor", "admin"])
def test_staff_who_may_see_the_request_get_the_document(client, staff, deed, who):
    response = signed_in(client, staff[who]).get(download_url(deed))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["planner2", "gis"])
def test_staff_who_may_not_see_the_request_get_404(client, staff, deed, who):
    assert signed_in(client, staff[who]).get(download_url(deed)).status_code == 404


def test_anonymous_and_other_sessions_get_404(client, deed, permit_request, districts):
    assert client.get(download_url(deed)).status_code == 404
    from .documents_helpers import make_request

    other = make_request(districts, service="building-permit-new")
    grant(client, other.tracking_code)
    assert client.get(download_url(deed)).status_code == 404
    # the document's id under the other request's code is not found either
    url = reverse("permitting:documents-download", args=[other.tracking_code, deed.pk])
    assert client.get(url).status_code == 404


def test_a_forged_session_list_is_ignored(client, deed):
    session = client.session
    session[SESSION_KEY] = f'["{deed.request.tracking_code}"]'
    session.save()
    assert client.get(download_url(deed)).status_code == 404


def test_the_session_grant_keeps_the_newest_codes():
    request = RequestFactory().get("/")
    request.session = {}
    for number in range(25):
        applicant_session_grant(request, f"MHD-{number}")
    assert applicant_session_has(request, "MHD-24") and not applicant_session_has(request, "MHD-0")
    assert not applicant_session_has(request, "")


def test_photos_are_served_to_the_same_people(client, staff, photo):
    url = photo_url(photo)
    assert client.get(url).status_code == 404
    assert signed_in(client, staff["planner2"]).get(url).status_code == 404
    response = signed_in(client, staff["planner11"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response)[:3] == b"\xff\xd8\xff"


def test_a_missing_file_on_disk_is_404_not_500(client, deed):
    deed.file.storage.delete(deed.file.name)
    grant(client, deed.request.tracking_code)
    assert client.get(download_url(deed)).status_code == 404


def test_the_applicant_uploads_a_document_later(client, permit_request):
    grant(client, permit_request.tracking_code)
    response = client.post(
        upload_url(permit_request),
        {"requirement": "utm-map", "file": upload(image_bytes("PNG"), "utm.png", "image/png")},
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("track-detail", args=[permit_request.tracking_code])
    document = RequestDocument.objects.get(request=permit_request)
    assert (document.requirement.code, document.uploaded_by) == ("utm-map", "applicant")


def test_staff_upload_and_go_back_to_a_local_page_only(client, staff, permit_request):
    signed_in(client, staff["planner11"])
    staff_page = reverse("staff-request", args=[permit_request.tracking_code])
    response = client.post(
        upload_url(permit_request),
        {"requirement": "deed", "file": upload(pdf_bytes()), "next": "https://evil.example/"},
    )
    assert response.status_code == 303 and response["Location"] == staff_page
    response = client.post(
        upload_url(permit_request),
        {"requirement": "", "file": upload(pdf_bytes()), "next": staff_page + "#documents"},
    )
    assert response["Location"] == staff_page + "#documents"
    assert list(
        RequestDocument.objects.filter(request=permit_request).values_list("uploaded_by", flat=True)
    ) == ["staff", "staff"]
    event = permit_request.events.latest("id")
    assert event.actor == staff["planner11"]


def test_a_refused_upload_says_why_and_stores_nothing(client, permit_request):
    grant(client, permit_request.tracking_code)
    before = stored()
    response = client.post(
        upload_url(permit_request) + "?lang=en",
        {"requirement": "deed", "file": upload(pdf_bytes(build=with_names_js))},
    )
    assert response.status_code == 400
    assert b"JavaScript" in response.content and b'id="documents-error"' in response.content
    response = client.post(upload_url(permit_request), {"requirement": "deed"})
    assert response.status_code == 400
    assert stored() == before


def test_an_oversized_body_is_413(client, permit_request, settings):
    settings.PERMIT_DOCUMENT_MAX_BYTES = 1000
    grant(client, permit_request.tracking_code)
    before = stored()
    big = upload(b"%PDF-" + b"0" * 200_000)
    response = client.post(upload_url(permit_request), {"requirement": "deed", "file": big})
    assert response.status_code == 413
    assert stored() == before


def test_strangers_cannot_upload(client, staff, permit_request):
    before = stored()
    data = {"requirement": "deed", "file": upload(pdf_bytes())}
    assert client.post(upload_url(permit_request), data).status_code == 404
    data["file"] = upload(pdf_bytes())
    assert (
        signed_in(client, staff["planner2"]).post(upload_url(permit_request), data).status_code
        == 404
    )
    assert client.get(upload_url(permit_request)).status_code == 405
    assert stored() == before


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fa", ["مدارک", "سند مالکیت", "الزامی", "ارسال نشده", "اختیاری"]),
        ("en", ["Documents", "Title deed", "Required", "Not given yet", "Optional"]),
    ],
)
def test_the_partial_lists_required_missing_and_given_documents(deed, language, words):
    request = RequestFactory().get("/track/")
    request.session = {}
    with translation.override(language):
        context = documents_context(deed.request, can_upload=True)
        html = render_to_string("permitting/documents.html", context, request=request)
    for word in words:
        assert word in html
    assert download_url(deed) in html
    assert 'data-code="deed"' in html and 'class="document-requirement"' in html
    assert 'class="document-requirement document-missing" data-code="national-id"' in html
    assert '<option value="national-id" selected>' in html
    assert 'enctype="multipart/form-data"' in html
    # the power of attorney is listed but not required: the owner filed
    assert [r["required"] for r in context["document_rows"]] == [True, True, False, True]


def test_the_admin_lists_requirements_and_documents(deed, django_user_model):
    # Registered by importing the module (the lead imports it beside permits/admin.py).
    from django.contrib import admin

    from permits.models import ServiceType
    from permits.permitting.documents_admin import DocumentRequirementInline
    from permits.permitting.models import DocumentRequirement

    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    assert DocumentRequirement in admin.site._registry
    documents_admin = admin.site._registry[RequestDocument]
    response = documents_admin.changelist_view(request)
    response.render()
    assert response.status_code == 200 and deed.original_name in response.content.decode()
    assert not documents_admin.has_delete_permission(request, deed)
    assert deed.file.name not in response.content.decode()
    service = ServiceType.objects.get(code="building-permit-new")
    inline = DocumentRequirementInline(ServiceType, admin.site)
    formset = inline.get_formset(request, service)(instance=service)
    assert [form.instance.code for form in formset.forms] == [
        "deed",
        "national-id",
        "power-of-attorney",
        "utm-map",
    ]
