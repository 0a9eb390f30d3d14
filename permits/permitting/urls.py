"""Routes of the permitting steps (documents, brief, fees, payments)."""

from django.urls import path  # noqa: F401

app_name = "permitting"

urlpatterns: list = [
    # documents
    # brief
    # fees
    # payments
]
