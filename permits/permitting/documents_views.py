"""Documents and photos of a request, for the two people who may see them.

Staff who may see the request (`permits.access.requests_visible_to`) and the applicant
(the browser session that filed it: permits.permitting.applicant) get the file; everyone
else gets 404, as if the request had no such file, so nothing tells a planner of another
district, or a stranger, that it exists. Files are streamed from private storage as
attachments (photos inline) that no cache keeps.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from gis_portal.core.i18n import localized
from gis_portal.staff.access import can_work_requests
from permits.access import requests_visible_to
from permits.models import Attachment, ServiceRequest
from permits.permitting.applicant import applicant_session_has
from permits.permitting.documents import (
    DocumentRejected,
    document_attach,
    document_too_large,
    documents_missing,
    request_filed_by_agent,
)
from permits.permitting.models import DocumentRequirement, RequestDocument, UploadedBy

#: Room in a request body for the form fields and multipart framing beside the file.
BODY_MARGIN = 64 * 1024
#: The partial's words, in both languages (picked for the active one).
LABELS = {
    "heading": ("مدارک", "Documents"),
    "required": ("الزامی", "Required"),
    "optional": ("اختیاری", "Optional"),
    "missing": ("ارسال نشده", "Not given yet"),
    "given": ("ارسال شده", "Given"),
    "other": ("مدرک دیگر", "Other document"),
    "others": ("مدارک دیگر", "Other documents"),
    "document": ("مدرک", "Document"),
    "file": ("فایل", "File"),
    "upload": ("ارسال مدرک", "Upload the document"),
    "types": ("نوع فایل", "File types"),
    "max_size": ("حداکثر حجم (مگابایت)", "Largest size (MB)"),
    "pages": ("صفحه", "pages"),
    "all_given": ("همهٔ مدارک لازم ارسال شده است.", "Every required document has been given."),
    "hint": (
        "فایل PDF، JPEG یا PNG. PDF نباید گذرواژه، پیوست یا کد اجرایی داشته باشد.",
        "A PDF, JPEG or PNG file. A PDF must have no password, attachments or scripts.",
    ),
    "uploaded": ("مدرک دریافت شد.", "The document was received."),
    "choose_file": ("یک فایل انتخاب کنید.", "Choose a file."),
    "back": ("بازگشت", "Back"),
}


def documents_labels() -> dict[str, str]:
    return {key: localized(fa, en) for key, (fa, en) in LABELS.items()}


def _no_store(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _request_for(request, tracking_code: str) -> tuple[ServiceRequest, str]:
    """The request and who is asking ("staff" or "applicant"), or 404."""
    if can_work_requests(request.user):
        found = (
            requests_visible_to(request.user)
            .filter(tracking_code=tracking_code)
            .select_related("service_type")
            .first()
        )
        if found is not None:
            return found, UploadedBy.STAFF
    if applicant_session_has(request, tracking_code):
        found = (
            ServiceRequest.objects.filter(tracking_code=tracking_code)
            .select_related("service_type")
            .first()
        )
        if found is not None:
            return found, UploadedBy.APPLICANT
    raise Http404


def _stream(field, *, content_type: str, filename: str, as_attachment: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    return _no_store(response)


@require_GET
def document_download(request, tracking_code: str, document_id: int):
    """A request's document, as an attachment with its sanitised name."""
    found, _who = _request_for(request, tracking_code)
    document = RequestDocument.objects.filter(pk=document_id, request=found).first()
    if document is None:
        raise Http404
    return _stream(
        document.file,
        content_type=document.content_type,
        filename=document.original_name,
        as_attachment=True,
    )


@require_GET
def photo_view(request, tracking_code: str, photo_id: int):
    """A request's photo (re-encoded on upload, so safe to show inline)."""
    found, _who = _request_for(request, tracking_code)
    photo = Attachment.objects.filter(pk=photo_id, request=found).first()
    if photo is None:
        raise Http404
    extension = photo.image.name.rsplit(".", 1)[-1] if "." in photo.image.name else "jpg"
    return _stream(
        photo.image,
        content_type=photo.content_type,
        filename=f"{found.tracking_code}-{photo.pk}.{extension}",
        as_attachment=False,
    )


def documents_context(service_request: ServiceRequest, *, can_upload: bool) -> dict:
    """What templates/permitting/documents.html needs: each requirement of the service
    with its documents, the extra documents, what is missing, and the labels."""
    documents = list(
        RequestDocument.objects.filter(request=service_request).select_related("requirement")
    )
    agent = request_filed_by_agent(service_request)
    missing = {requirement.pk for requirement in documents_missing(service_request)}
    rows = [
        {
            "requirement": requirement,
            "required": requirement.required_for(agent=agent),
            "missing": requirement.pk in missing,
            "documents": [d for d in documents if d.requirement_id == requirement.pk],
            "max_mb": requirement.max_bytes // (1024 * 1024),
        }
        for requirement in DocumentRequirement.objects.filter(
            service_type_id=service_request.service_type_id
        )
    ]
    missing_rows = [row["requirement"] for row in rows if row["missing"]]
    return {
        "req": service_request,
        "document_rows": rows,
        "other_documents": [d for d in documents if d.requirement_id is None],
        "documents_missing": missing_rows,
        "documents_next_code": missing_rows[0].code if missing_rows else "",
        "can_upload_documents": can_upload and service_request.is_open,
        "labels": documents_labels(),
    }


def _back(request, found: ServiceRequest, who: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if who == UploadedBy.STAFF:
        return reverse("staff-request", kwargs={"code": found.tracking_code})
    return reverse("track-detail", kwargs={"code": found.tracking_code})


def _refused(request, found, who: str, message: str, status: int):
    context = documents_context(found, can_upload=True)
    context.update(documents_error=message, back_url=_back(request, found, who))
    return render(request, "permitting/documents_upload.html", context, status=status)


@require_POST
def documents_upload(request, tracking_code: str):
    """A document given later (multipart: `requirement` code, empty for an extra one, and
    `file`), by the applicant's session or by staff; then back to the page it came from."""
    found, who = _request_for(request, tracking_code)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.PERMIT_DOCUMENT_MAX_BYTES + BODY_MARGIN:
        rejected = document_too_large(settings.PERMIT_DOCUMENT_MAX_BYTES)
        return _refused(request, found, who, rejected.message, 413)
    upload = request.FILES.get("file")
    if upload is None:
        return _refused(request, found, who, documents_labels()["choose_file"], 400)
    try:
        document_attach(
            service_request=found,
            requirement_code=request.POST.get("requirement", "")[:64] or None,
            upload=upload,
            uploaded_by=who,
            actor=request.user if who == UploadedBy.STAFF else None,
        )
    except DocumentRejected as rejected:
        status = 413 if rejected.code == "too_large" else 400
        return _refused(request, found, who, rejected.message, status)
    messages.success(request, documents_labels()["uploaded"])
    response = redirect(_back(request, found, who))
    response.status_code = 303  # See Other: the page is fetched again with GET
    return response
