"""Checking a document by its content: types, fake extensions, PDFs with active content,
encrypted PDFs, page and size caps, images stripped of metadata, file names."""

import io

import pytest
from django.utils import translation
from PIL import Image

from permits.permitting.documents import (
    DocumentRejected,
    document_clean,
    document_name_sanitise,
)
from tests.permits.helpers import image_bytes

from .documents_helpers import (
    escaped_js_pdf,
    pdf_bytes,
    upload,
    with_attachment,
    with_file_annotation,
    with_launch,
    with_names_js,
    with_open_action_js,
    with_page_aa,
    with_password,
)

ALL = ["pdf", "jpeg", "png"]
MB = 1024 * 1024


def clean(data, *, allowed=ALL, max_bytes=10 * MB, name="deed.pdf"):
    return document_clean(upload(data, name), allowed_types=allowed, max_bytes=max_bytes)


def refused(data, **kwargs) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        clean(data, **kwargs)
    assert caught.value.message_fa and caught.value.message_en
    return caught.value


def test_a_good_pdf_is_kept_as_sent_with_its_pages():
    data = pdf_bytes(pages=3)
    document = clean(data)
    assert document.data == data
    assert (document.content_type, document.extension, document.pages) == (
        "application/pdf",
        "pdf",
        3,
    )


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "Windows program"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "web page"),
        (b"PK\x03\x04" + b"\x00" * 200, "ZIP archive"),
        (b"\x7fELF" + b"\x00" * 200, "program"),
        (b"just some text pretending", "another kind"),
    ],
)
def test_a_fake_extension_is_refused_by_content(content, what):
    rejection = refused(content, name="deed.pdf")
    assert rejection.code == "type_not_allowed"
    assert what in rejection.message_en and "whatever its name says" in rejection.message_en


def test_a_type_the_requirement_does_not_take_is_refused():
    rejection = refused(image_bytes("PNG"), allowed=["pdf"], name="scan.pdf")
    assert rejection.code == "type_not_allowed"
    assert "PDF" in rejection.message_en and "PDF" in rejection.message_fa


def test_a_webp_photo_is_not_a_document():
    assert refused(image_bytes("WEBP"), name="id.jpg").code == "type_not_allowed"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (with_open_action_js, "pdf_javascript"),
        (with_names_js, "pdf_javascript"),
        (with_page_aa, "pdf_javascript"),
        (with_launch, "pdf_launch"),
        (with_attachment, "pdf_embedded_file"),
        (with_file_annotation, "pdf_embedded_file"),
    ],
)
def test_pdfs_with_active_content_are_refused_with_the_reason(build, code):
    rejection = refused(pdf_bytes(build=build))
    assert rejection.code == code
    with translation.override("fa"):
        assert str(rejection) == rejection.message_fa
    assert str(rejection) == rejection.message_en


def test_javascript_behind_escaped_names_is_found_by_the_parser():
    data = escaped_js_pdf()
    assert b"/JavaScript" not in data and b"/JS " not in data
    assert refused(data).code == "pdf_javascript"


def test_an_encrypted_pdf_is_refused():
    rejection = refused(pdf_bytes(build=with_password))
    assert rejection.code == "pdf_encrypted"
    assert "password" in rejection.message_en


def test_too_many_pages(settings):
    settings.PERMIT_DOCUMENT_MAX_PAGES = 3
    assert clean(pdf_bytes(pages=3)).pages == 3
    rejection = refused(pdf_bytes(pages=4))
    assert rejection.code == "pdf_too_many_pages"
    assert "4 pages" in rejection.message_en and "۴" in rejection.message_fa


def test_a_damaged_pdf_is_refused():
    data = pdf_bytes()
    assert refused(data[:40]).code == "pdf_damaged"
    assert refused(b"%PDF-1.7\n" + b"\x00garbage" * 50).code == "pdf_damaged"


def test_the_requirements_size_cap(settings):
    data = pdf_bytes()
    assert clean(data, max_bytes=len(data)).pages == 1
    rejection = refused(data, max_bytes=len(data) - 1)
    assert rejection.code == "too_large"


def test_the_absolute_size_cap_is_above_every_requirement(settings):
    data = pdf_bytes()
    settings.PERMIT_DOCUMENT_MAX_BYTES = len(data) - 1
    assert refused(data, max_bytes=50 * MB).code == "too_large"


def test_an_oversized_file_is_not_read_past_the_cap():
    class Endless:
        """A stream of unknown size that never ends."""

        name = "huge.pdf"
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"%PDF-" + b"0" * (n - 5)

    endless = Endless()
    with pytest.raises(DocumentRejected) as caught:
        document_clean(endless, allowed_types=ALL, max_bytes=MB)
    assert caught.value.code == "too_large" and endless.read_bytes == MB + 1


def test_an_empty_file_is_refused():
    assert refused(b"").code == "empty"


def test_a_jpeg_is_reencoded_without_its_gps_position():
    original = image_bytes("JPEG", exif_gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    document = clean(original, name="id.jpg")
    assert (document.content_type, document.extension, document.pages) == (
        "image/jpeg",
        "jpg",
        None,
    )
    stored = Image.open(io.BytesIO(document.data))
    assert stored.format == "JPEG"
    assert not stored.getexif()


def test_a_png_loses_its_text_chunks():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Sara Ahmadi, 09123456789")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "PNG", pnginfo=info)
    document = clean(out.getvalue(), name="map.png")
    assert document.content_type == "image/png"
    assert b"Sara" not in document.data
    assert not Image.open(io.BytesIO(document.data)).text


def test_a_truncated_image_is_refused():
    data = image_bytes("JPEG", size=(400, 300))
    assert refused(data[: len(data) // 3], name="id.jpg").code == "image_damaged"


def test_an_image_larger_than_the_photo_pipeline_takes_is_told_to_use_pdf():
    from permits.photos import MAX_PHOTO_BYTES

    data = image_bytes("PNG") + b"\x00" * MAX_PHOTO_BYTES
    rejection = refused(data, name="map.png", max_bytes=20 * MB)
    assert rejection.code == "too_large" and "PDF" in rejection.message_en


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("..\\..\\Windows\\System32\\deed.PDF", "pdf", "deed.pdf"),
        ("/var/www/index.html", "pdf", "index.pdf"),
        ("deed.exe", "pdf", "deed.pdf"),
        ("my.deed.exe", "pdf", "my_deed.pdf"),
        ("scan\u202egpj.exe", "jpg", "scangpj.jpg"),
        ("سند\u200cمالکیت.pdf", "pdf", "سند\u200cمالکیت.pdf"),
        ("a\x00b\r\nc<d>\"e'.pdf", "pdf", "abcde.pdf"),
        ("", "png", "document.png"),
        ("..", "pdf", "document.pdf"),
        (".htaccess", "pdf", "htaccess.pdf"),
        ("x" * 300 + ".pdf", "pdf", "x" * 100 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(name, extension, expected):
    assert document_name_sanitise(name, extension) == expected
