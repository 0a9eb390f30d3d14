"""JSON API: start paying a request's fees.

The body is not read: the amount is the server's (`payable_amount`), whatever a client
sends. The answer carries the bank page to redirect to and never any personal data.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from permits.api.common import ERROR_RESPONSE
from permits.models import ServiceRequest
from permits.permitting.payments import PaymentRefused, payment_start_due
from permits.tracking import lookup_allowed, tracking_code_normalize


def refused_response(error: PaymentRefused) -> Response:
    return Response({"detail": error.message, "code": error.code}, status=error.status_code)


class PaymentStartApi(APIView):
    """Start paying a request's fees; answers with the bank page to send the citizen to."""

    OUTPUT = inline_serializer(
        "PaymentStarted",
        {
            "payment": serializers.UUIDField(),
            "status": serializers.CharField(),
            "amount_rials": serializers.IntegerField(),
            "redirect_url": serializers.URLField(),
            "result_url": serializers.CharField(),
            "reused": serializers.BooleanField(),
        },
    )

    @extend_schema(
        request=None,
        responses={
            200: OUTPUT,
            201: OUTPUT,
            404: ERROR_RESPONSE,
            409: ERROR_RESPONSE,
            502: ERROR_RESPONSE,
            503: ERROR_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Started",
                response_only=True,
                status_codes=["201"],
                value={
                    "payment": "1b0f0d3e-3c53-4a0e-9d0e-6f1f5b2f4a10",
                    "status": "started",
                    "amount_rials": 125000000,
                    "redirect_url": "http://127.0.0.1:54480/pg/StartPay/A0000000aa55",
                    "result_url": "/payments/1b0f0d3e-3c53-4a0e-9d0e-6f1f5b2f4a10/",
                    "reused": False,
                },
            )
        ],
    )
    def post(self, request, code: str):
        if not lookup_allowed(request):
            raise Throttled(detail=_("Too many tracking lookups; try again in a few minutes."))
        normalized = tracking_code_normalize(code)
        found = ServiceRequest.objects.filter(tracking_code=normalized).first()
        if normalized is None or found is None:
            raise NotFound(_("No request has this tracking code. Check the code and try again."))
        try:
            payment = payment_start_due(
                service_request=found,
                callback_url=request.build_absolute_uri(reverse("permitting:payments_callback")),
            )
        except PaymentRefused as error:
            return refused_response(error)
        return Response(
            {
                "payment": str(payment.key),
                "status": payment.status,
                "amount_rials": payment.amount_rials,
                "redirect_url": payment.redirect_url,
                "result_url": reverse("permitting:payments_result", args=[payment.key]),
                "reused": payment.reused,
            },
            status=status.HTTP_200_OK if payment.reused else status.HTTP_201_CREATED,
        )
