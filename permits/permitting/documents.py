"""Permit documents: what a service asks for, checking an upload by its content, attaching it.

A file is judged by what it is, never by its name or declared type: the first bytes must
be a PDF, JPEG or PNG the requirement accepts. A PDF is parsed (pypdf) and refused when it
is encrypted, has too many pages, or carries active content (JavaScript, additional or
launch actions, embedded files, XFA forms). An image is decoded and re-encoded by the
photo pipeline (permits.photos), which drops its metadata (EXIF GPS, camera serial…).
Every refusal is a DocumentRejected with a reason a person can act on, in both languages.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from gis_portal.core.i18n import TO_PERSIAN_DIGITS, localized
from permits.models import EventKind, RequestEvent, ServiceRequest, ServiceType
from permits.permitting.models import (
    DocumentRequirement,
    DocumentType,
    RequestDocument,
    UploadedBy,
    private_storage,
)
from permits.photos import MAX_PHOTO_BYTES, PhotoRejected, photo_clean

#: What the first bytes of each accepted type are, and how it is stored and served.
MAGIC = {
    DocumentType.PDF: (b"%PDF-",),
    DocumentType.JPEG: (b"\xff\xd8\xff",),
    DocumentType.PNG: (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {
    DocumentType.PDF: ("application/pdf", "pdf"),
    DocumentType.JPEG: ("image/jpeg", "jpg"),
    DocumentType.PNG: ("image/png", "png"),
}
#: Files people often send by mistake, named so the refusal says what the file really is.
KNOWN_OTHERS = (
    (b"MZ", "a Windows program", "یک برنامهٔ ویندوز"),
    (b"\x7fELF", "a program", "یک برنامه"),
    (b"PK\x03\x04", "a ZIP archive (or Word/Excel file)", "یک فایل فشرده (یا Word/Excel)"),
    (b"GIF8", "a GIF image", "یک تصویر GIF"),
    (b"\xd0\xcf\x11\xe0", "an old Office document", "یک سند قدیمی Office"),
)
#: A PDF's object graph is walked to find active content; past this many objects the
#: file is refused rather than walked (a scanned document has far fewer).
MAX_PDF_OBJECTS = 200_000
#: Names whose presence anywhere in a PDF means active content, by the reason refused.
ACTIVE_KEYS = {
    "/JS": "pdf_javascript",
    "/JavaScript": "pdf_javascript",
    "/AA": "pdf_javascript",  # additional actions: run on open, close, focus, print…
    "/XFA": "pdf_javascript",  # XFA forms carry their own scripts
    "/EmbeddedFiles": "pdf_embedded_file",
    "/EF": "pdf_embedded_file",
    "/RichMedia": "pdf_embedded_file",
}
ACTIVE_ACTIONS = {
    "/JavaScript": "pdf_javascript",
    "/Launch": "pdf_launch",
    "/GoToE": "pdf_embedded_file",
    "/FileAttachment": "pdf_embedded_file",  # an annotation /Subtype
    "/RichMedia": "pdf_embedded_file",
}
#: The same names in the raw bytes: a viewer that rebuilds a damaged cross-reference table
#: may find objects the parser did not reach. (Escaped or compressed names are only seen
#: by the walk above, which is why both run.)
RAW_ACTIVE = re.compile(
    rb"/(JS|JavaScript|Launch|EmbeddedFiles?|FileAttachment|XFA|RichMedia)(?=[\s/<>\[\]()%]|$)"
)
RAW_REASONS = {
    b"JS": "pdf_javascript",
    b"JavaScript": "pdf_javascript",
    b"XFA": "pdf_javascript",
    b"Launch": "pdf_launch",
}
MAX_NAME_LENGTH = 100
#: Characters of a person's file name kept besides letters and digits (ZWNJ/ZWJ join
#: Persian words; every other control or formatting character, bidi overrides included,
#: is dropped).
NAME_KEEP = {" ", "-", "_", "(", ")", "\u200c", "\u200d"}
#: A request filed by an agent (وکیل) rather than the owner: the filing form's attribute.
AGENT_ATTRIBUTE = "filed_by"
AGENT_VALUE = "agent"


class DocumentRejected(ValueError):
    """The upload cannot be accepted. `code` names the reason for programs; `message` says
    what to do, in the active language (both are kept: `message_fa`, `message_en`)."""

    def __init__(self, code: str, message_fa: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message_fa = message_fa
        self.message_en = message_en

    @property
    def message(self) -> str:
        return localized(self.message_fa, self.message_en)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CleanDocument:
    data: bytes
    document_type: str
    content_type: str
    extension: str
    pages: int | None


def _megabytes(size: int) -> tuple[str, str]:
    text = f"{size / (1024 * 1024):.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.1f}"
    return text.translate(TO_PERSIAN_DIGITS), text


def document_too_large(cap: int) -> DocumentRejected:
    """The refusal of a file larger than `cap` bytes."""
    fa, en = _megabytes(cap)
    return DocumentRejected(
        "too_large",
        f"این فایل بزرگ‌تر از حد مجاز ({fa} مگابایت) است. آن را با کیفیت کمتر اسکن یا فشرده کنید.",
        f"The file is larger than {en} MB. Scan it at a lower resolution or compress it.",
    )


def _read_capped(upload, cap: int) -> bytes:
    """The upload's bytes (a file-like object or bytes), refusing past `cap` without
    reading more than one byte beyond it."""
    size = getattr(upload, "size", None)
    if size is not None and size > cap:
        raise document_too_large(cap)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(cap + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > cap:
        raise document_too_large(cap)
    if not data:
        raise DocumentRejected("empty", "فایل خالی است.", "The file is empty.")
    return data


def _type_names(types) -> tuple[str, str]:
    names = [DocumentType(t).label for t in DocumentType.values if t in types]
    return "، ".join(names), ", ".join(names)


def document_type_detect(data: bytes, allowed_types) -> str:
    """The document type of `data` by its first bytes, if `allowed_types` accepts it."""
    for document_type, signatures in MAGIC.items():
        if data.startswith(signatures):
            if document_type not in allowed_types:
                fa, en = _type_names(allowed_types)
                raise DocumentRejected(
                    "type_not_allowed",
                    f"این مدرک را فقط به صورت {fa} بفرستید.",
                    f"Send this document as {en} only.",
                )
            return document_type
    fa, en = _type_names(allowed_types)
    head = data[:512].lstrip().lower()
    what = next(((e, f) for sig, e, f in KNOWN_OTHERS if data.startswith(sig)), None)
    if what is None and head.startswith((b"<!doctype", b"<html", b"<?xml", b"<svg", b"<")):
        what = ("a web page or XML file", "یک صفحهٔ وب یا فایل XML")
    if what is None and data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        what = ("a HEIC photo", "یک عکس HEIC")
    found_en, found_fa = what or ("of another kind", "از نوع دیگری")
    raise DocumentRejected(
        "type_not_allowed",
        f"محتوای این فایل {found_fa} است، نه {fa}؛ نام فایل مهم نیست. "
        f"مدرک را دوباره به صورت {fa} ذخیره یا اسکن کنید.",
        f"This file is {found_en}, not {en}, whatever its name says. "
        f"Save or scan the document again as {en}.",
    )


def _pdf_reason(code: str) -> DocumentRejected:
    messages = {
        "pdf_javascript": (
            "این PDF کد اجرایی (جاوااسکریپت یا اقدام خودکار) دارد و پذیرفته نمی‌شود. "
            "آن را با «چاپ به PDF» دوباره بسازید.",
            "This PDF contains JavaScript or automatic actions, which are not accepted. "
            "Make it again with “Print to PDF”.",
        ),
        "pdf_embedded_file": (
            "این PDF فایل پیوست‌شده دارد و پذیرفته نمی‌شود. هر مدرک را جداگانه بفرستید.",
            "This PDF has files attached inside it, which are not accepted. "
            "Send each document on its own.",
        ),
        "pdf_launch": (
            "این PDF دستور اجرای برنامه دارد و پذیرفته نمی‌شود. "
            "آن را با «چاپ به PDF» دوباره بسازید.",
            "This PDF tries to start a program, which is not accepted. "
            "Make it again with “Print to PDF”.",
        ),
        "pdf_too_complex": (
            "ساختار این PDF بیش از حد پیچیده است. آن را با «چاپ به PDF» دوباره بسازید.",
            "This PDF is too complex to check. Make it again with “Print to PDF”.",
        ),
    }
    return DocumentRejected(code, *messages[code])


def _pdf_active_content(trailer) -> str | None:
    """The reason code of the first active content reachable from the trailer, if any.
    Raw dict/list access keeps references unresolved until they are visited once."""
    seen: set[tuple[int, int]] = set()
    stack = [trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            reference = (node.idnum, node.generation)
            if reference in seen:
                continue
            seen.add(reference)
            if len(seen) > MAX_PDF_OBJECTS:
                return "pdf_too_complex"
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for key, value in dict.items(node):
                if key in ACTIVE_KEYS:
                    return ACTIVE_KEYS[key]
                if key in ("/S", "/Subtype"):
                    name = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(name, NameObject) and name in ACTIVE_ACTIONS:
                        return ACTIVE_ACTIONS[name]
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(list.__iter__(node))
    return None


def _pdf_check(data: bytes, *, max_pages: int) -> int:
    """The page count of an acceptable PDF, or DocumentRejected."""
    damaged = DocumentRejected(
        "pdf_damaged",
        "این PDF خراب یا ناقص است و باز نمی‌شود. آن را دوباره ذخیره یا اسکن کنید.",
        "This PDF is damaged or incomplete and cannot be opened. Save or scan it again.",
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected(
                "pdf_encrypted",
                "این PDF رمزگذاری شده یا گذرواژه دارد. نسخهٔ بدون گذرواژه را بفرستید.",
                "This PDF is encrypted or password-protected. Send a copy without a password.",
            )
        pages = len(reader.pages)
        reason = _pdf_active_content(reader.trailer) if pages <= max_pages else None
    except DocumentRejected:
        raise
    except Exception:  # noqa: BLE001 - a damaged file can fail anywhere in the parser
        raise damaged from None
    if pages == 0:
        raise damaged
    if pages > max_pages:
        raise DocumentRejected(
            "pdf_too_many_pages",
            f"این PDF {str(pages).translate(TO_PERSIAN_DIGITS)} صفحه دارد؛ حداکثر "
            f"{str(max_pages).translate(TO_PERSIAN_DIGITS)} صفحه پذیرفته می‌شود. "
            "آن را به چند فایل تقسیم کنید.",
            f"This PDF has {pages} pages; at most {max_pages} are accepted. Split it into parts.",
        )
    if reason is None:
        raw = RAW_ACTIVE.search(data)
        if raw is not None:
            reason = RAW_REASONS.get(raw.group(1), "pdf_embedded_file")
    if reason is not None:
        raise _pdf_reason(reason)
    return pages


def _image_clean(data: bytes, document_type: str) -> bytes:
    """Re-encoded image bytes (metadata dropped) through the photo pipeline."""
    if len(data) > MAX_PHOTO_BYTES:
        fa, en = _megabytes(MAX_PHOTO_BYTES)
        raise DocumentRejected(
            "too_large",
            f"تصویر حداکثر می‌تواند {fa} مگابایت باشد. تصویر بزرگ‌تر را به صورت PDF بفرستید.",
            f"An image can be at most {en} MB. Send a larger scan as a PDF.",
        )
    try:
        clean = photo_clean(data)
    except PhotoRejected:
        raise DocumentRejected(
            "image_damaged",
            "این تصویر خراب، ناقص یا بیش از حد بزرگ (بیش از ۴۰ مگاپیکسل) است. "
            "آن را دوباره به صورت JPEG یا PNG ذخیره کنید.",
            "This image is damaged, incomplete or too large (over 40 megapixels). "
            "Save it again as JPEG or PNG.",
        ) from None
    if clean.content_type != CONTENT_TYPES[document_type][0]:
        raise DocumentRejected(
            "image_damaged",
            "نوع این تصویر با محتوای آن نمی‌خواند. آن را دوباره به صورت JPEG یا PNG ذخیره کنید.",
            "This image's content does not match its type. Save it again as JPEG or PNG.",
        )
    return clean.data


def document_clean(upload, *, allowed_types, max_bytes: int) -> CleanDocument:
    """Check `upload` (a file-like object or bytes) by its content and return what to
    store: a PDF as sent (once found free of active content), an image re-encoded."""
    cap = min(max_bytes, settings.PERMIT_DOCUMENT_MAX_BYTES)
    data = _read_capped(upload, cap)
    document_type = document_type_detect(data, allowed_types)
    pages = None
    if document_type == DocumentType.PDF:
        pages = _pdf_check(data, max_pages=settings.PERMIT_DOCUMENT_MAX_PAGES)
    else:
        data = _image_clean(data, document_type)
    content_type, extension = CONTENT_TYPES[document_type]
    return CleanDocument(
        data=data,
        document_type=document_type,
        content_type=content_type,
        extension=extension,
        pages=pages,
    )


def document_name_sanitise(name: str, extension: str) -> str:
    """A file name safe to show and to put in Content-Disposition: no folders, no control
    or bidi characters, letters (any script), digits and a few marks, and the extension
    of the detected type (a `deed.exe` that is a PDF becomes `deed_exe.pdf`)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    kept = "".join(
        ch if ch.isalnum() or ch in NAME_KEEP else "_" if ch == "." else ""
        for ch in stem
        if unicodedata.category(ch)[0] != "C" or ch in NAME_KEEP
    )
    stem = re.sub(r"[\s_]+", lambda m: "_" if "_" in m.group() else " ", kept)
    stem = stem.strip(" _-")[:MAX_NAME_LENGTH].strip(" _-") or "document"
    return f"{stem}.{extension}"


# --- what a service asks for ---------------------------------------------------------------


def request_filed_by_agent(service_request: ServiceRequest) -> bool:
    """Whether an agent (not the owner) filed the request, as the filing form recorded."""
    return (service_request.attributes or {}).get(AGENT_ATTRIBUTE) == AGENT_VALUE


def documents_required_for(service_type: ServiceType, *, agent: bool) -> list[DocumentRequirement]:
    """The documents that must be given for `service_type`, in display order."""
    return [
        requirement
        for requirement in DocumentRequirement.objects.filter(service_type=service_type)
        if requirement.required_for(agent=agent)
    ]


def documents_missing(service_request: ServiceRequest) -> list[DocumentRequirement]:
    """Required documents of the request not given yet (a corrected copy counts once)."""
    given = set(
        RequestDocument.objects.filter(
            request=service_request, requirement__isnull=False
        ).values_list("requirement_id", flat=True)
    )
    required = documents_required_for(
        service_request.service_type, agent=request_filed_by_agent(service_request)
    )
    return [requirement for requirement in required if requirement.pk not in given]


# --- attaching a document ------------------------------------------------------------------


def _requirement_get(service_request: ServiceRequest, code: str | None):
    if not code:
        return None
    requirement = DocumentRequirement.objects.filter(
        service_type_id=service_request.service_type_id, code=code
    ).first()
    if requirement is None:
        raise DocumentRejected(
            "unknown_requirement",
            "این خدمت چنین مدرکی نمی‌خواهد؛ مدرک را از فهرست انتخاب کنید.",
            "This service does not ask for such a document; choose one from the list.",
        )
    return requirement


def _history_note(requirement, name: str) -> tuple[str, str]:
    if requirement is None:
        return f"مدرک دیگری افزوده شد: {name}", f"Another document was added: {name}"
    return (
        f"مدرک «{requirement.name_fa}» افزوده شد: {name}",
        f"Document “{requirement.name_en}” added: {name}",
    )


def _room_for_one_more(service_request: ServiceRequest) -> None:
    """Refuse a document past the per-request cap. The row lock serialises uploads to one
    request until the caller's transaction ends, so the count holds."""
    ServiceRequest.objects.select_for_update().filter(pk=service_request.pk).first()
    if RequestDocument.objects.filter(request=service_request).count() >= (
        settings.PERMIT_DOCUMENTS_PER_REQUEST
    ):
        raise DocumentRejected(
            "too_many_documents",
            "این درخواست بیشترین تعداد مدرک ممکن را دارد. با دفتر منطقه تماس بگیرید.",
            "This request already holds as many documents as it may. "
            "Please contact the district office.",
        )


def document_attach(
    *,
    service_request: ServiceRequest,
    requirement_code: str | None,
    upload,
    uploaded_by: str,
    actor=None,
) -> RequestDocument:
    """Check `upload` and keep it with the request, with a line in its (internal) history.

    `requirement_code` empty: an extra document, checked against the absolute caps.
    `actor`: the staff user uploading, recorded on the history line. On any refusal or
    failure nothing is stored: no row, no file.
    """
    if uploaded_by not in UploadedBy.values:
        raise ValueError(f"uploaded_by must be one of {', '.join(UploadedBy.values)}")
    if not service_request.is_open:
        raise DocumentRejected(
            "request_closed",
            "این درخواست بسته شده است و مدرک تازه نمی‌پذیرد.",
            "This request is closed and takes no more documents.",
        )
    requirement = _requirement_get(service_request, requirement_code)
    allowed = requirement.allowed_types if requirement else DocumentType.values
    cap = requirement.max_bytes if requirement else settings.PERMIT_DOCUMENT_MAX_BYTES
    clean = document_clean(upload, allowed_types=allowed, max_bytes=cap)
    name = document_name_sanitise(getattr(upload, "name", ""), clean.extension)
    document = RequestDocument(
        request=service_request,
        requirement=requirement,
        original_name=name,
        content_type=clean.content_type,
        size_bytes=len(clean.data),
        sha256=hashlib.sha256(clean.data).hexdigest(),
        pages=clean.pages,
        uploaded_by=uploaded_by,
    )
    saved = None
    try:
        with transaction.atomic():
            _room_for_one_more(service_request)
            document.file.save(f"document.{clean.extension}", ContentFile(clean.data), save=False)
            saved = document.file.name
            document.full_clean(exclude=["file", "request", "requirement"])
            document.save()
            note_fa, note_en = _history_note(requirement, name)
            RequestEvent.objects.create(
                request=service_request,
                kind=EventKind.INTERNAL_NOTE,
                public=False,
                note_fa=note_fa,
                note_en=note_en,
                actor=actor if uploaded_by == UploadedBy.STAFF else None,
            )
    except BaseException:
        if saved:
            private_storage().delete(saved)
        raise
    return document
