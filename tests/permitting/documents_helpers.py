"""Fixtures and test files of the permit-document tests: PDFs built with pypdf (clean,
with JavaScript, with attachments, encrypted), images, a permit request made to order."""

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from permits.catalogue import catalogue_load
from permits.models import RequestEvent
from permits.permitting.applicant import applicant_session_grant
from permits.permitting.documents import document_attach
from permits.permitting.documents_demo import documents_load_demo
from permits.permitting.models import RequestDocument
from tests.permits.staff_fixtures import make_request, staff  # noqa: F401 - a fixture

CATALOGUE = Path(settings.BASE_DIR) / "data/services.json"
PERMIT = "building-permit-new"


def pdf_bytes(pages: int = 1, build=None) -> bytes:
    """A small valid PDF; `build(writer)` adds whatever the test needs before writing."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(writer, **entries):
    return writer._add_object(
        DictionaryObject({NameObject(key): value for key, value in entries.items()})
    )


def with_open_action_js(writer):
    writer._root_object[NameObject("/OpenAction")] = _action(
        writer, **{"/S": NameObject("/JavaScript"), "/JS": TextStringObject("AAAAAAAA")}
    )


def with_names_js(writer):
    writer.add_open_action(JavaScript("app.alert(1)"))


def with_page_aa(writer):
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action(writer, **{"/S": NameObject("/Named")})}
    )


def with_launch(writer):
    writer._root_object[NameObject("/OpenAction")] = _action(
        writer, **{"/S": NameObject("/Launch"), "/F": TextStringObject("calc.exe")}
    )


def with_attachment(writer):
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really a program")


def with_file_annotation(writer):
    annotation = _action(
        writer,
        **{
            "/Type": NameObject("/Annot"),
            "/Subtype": NameObject("/FileAttachment"),
            "/Rect": ArrayObject([]),
        },
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([annotation])


def with_password(writer):
    writer.encrypt(user_password="", owner_password="secret", algorithm="RC4-128")


def escaped_js_pdf() -> bytes:
    """JavaScript whose names are written with #-escapes (`/J#53` is `/JS`): invisible
    to a byte search, seen by the parser. Same length, so the xref offsets still hold."""
    data = pdf_bytes(build=with_open_action_js)
    original = b"/S /JavaScript\n/JS (AAAAAAAA)"
    escaped = b"/S /J#61vaScript\n/J#53 (AAAA)"
    assert len(original) == len(escaped) and original in data
    return data.replace(original, escaped)


def upload(data: bytes, name: str = "deed.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def private_files() -> set[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def stored() -> tuple:
    """What an upload writes: document rows, history rows and private files (compare
    before and after an act to see that nothing was stored)."""
    return RequestDocument.objects.count(), RequestEvent.objects.count(), private_files()


def attach(service_request, data: bytes | None = None, *, code="deed", name="deed.pdf", **kw):
    """document_attach with a PDF deed from the applicant unless told otherwise."""
    return document_attach(
        service_request=service_request,
        requirement_code=code,
        upload=upload(pdf_bytes() if data is None else data, name),
        uploaded_by=kw.pop("uploaded_by", "applicant"),
        **kw,
    )


def grant(client, tracking_code: str) -> None:
    """Make the test client's session the one that filed `tracking_code`."""
    session = client.session
    applicant_session_grant(SimpleNamespace(session=session), tracking_code)
    session.save()


@pytest.fixture
def permit_catalogue(districts):
    catalogue_load(data=json.loads(CATALOGUE.read_text(encoding="utf-8")))
    documents_load_demo()


@pytest.fixture
def permit_request(permit_catalogue, districts):
    """A new-building permit in District 11, filed by the owner."""
    return make_request(districts, district=11, service=PERMIT)
