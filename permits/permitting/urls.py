"""Routes of the permitting steps (documents, brief, fees, payments)."""

from django.urls import path

from permits.permitting import documents_views, payments_api, payments_views

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
    path(
        "api/requests/<str:code>/payments/",
        payments_api.PaymentStartApi.as_view(),
        name="payments_start_api",
    ),
    path("payments/callback/", payments_views.payments_callback, name="payments_callback"),
    path("payments/<uuid:key>/", payments_views.payments_result, name="payments_result"),
    path("payments/pay/<str:code>/", payments_views.payments_pay, name="payments_pay"),
]
