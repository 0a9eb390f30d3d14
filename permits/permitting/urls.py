"""Routes of the permitting steps (documents, brief, fees, payments)."""

from django.urls import path

from permits.permitting import documents_views

app_name = "permitting"

urlpatterns: list = [
    # documents
    path(
        "requests/<str:tracking_code>/documents/",
        documents_views.documents_upload,
        name="documents-upload",
    ),
    path(
        "requests/<str:tracking_code>/documents/<int:document_id>/",
        documents_views.document_download,
        name="documents-download",
    ),
    path(
        "requests/<str:tracking_code>/photos/<int:photo_id>/",
        documents_views.photo_view,
        name="documents-photo",
    ),
    # brief
    # fees
    # payments
]
