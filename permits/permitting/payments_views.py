"""HTML pages of a payment: pay (to the bank), the bank's way back, the result or receipt.

The texts are chosen here in both languages (`localized`), so the pages need no catalogue
entries of their own.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gis_portal.core.i18n import localized
from permits.models import ServiceRequest
from permits.permitting.models import PaymentStatus
from permits.permitting.payments import (
    PaymentRefused,
    payment_by_key,
    payment_callback,
    payment_receipt,
    payment_start_due,
    rials_text,
)
from permits.tracking import lookup_allowed, tracking_code_normalize


def texts() -> dict[str, str]:
    """Every label of the payment pages, in the active language."""
    pairs = {
        "receipt": ("رسید پرداخت", "Payment receipt"),
        "receipt_number": ("شمارهٔ رسید", "Receipt number"),
        "amount": ("مبلغ", "Amount"),
        "paid_at": ("زمان پرداخت", "Paid at"),
        "reference": ("شمارهٔ مرجع بانک", "Bank reference"),
        "tracking_code": ("کد پیگیری درخواست", "Request tracking code"),
        "paid_note": (
            "هزینه‌های درخواست شما پرداخت و در بانک تأیید شد.",
            "Your request's fees are paid and confirmed by the bank.",
        ),
        "failed": ("پرداخت انجام نشد", "The payment did not go through"),
        "failed_note": (
            "پولی از حساب شما برداشت نشده است یا بانک آن را برمی‌گرداند. درخواست شما همچنان "
            "در انتظار پرداخت است.",
            "No money was taken, or the bank returns it. Your request is still waiting "
            "for payment.",
        ),
        "started": ("در انتظار بانک", "Waiting for the bank"),
        "started_note": (
            "این پرداخت هنوز از بانک برنگشته است.",
            "This payment has not come back from the bank yet.",
        ),
        "continue": ("ادامه در درگاه بانک", "Continue at the bank"),
        "try_again": ("دوباره تلاش کنید", "Try again"),
        "track": ("پیگیری درخواست", "Track the request"),
        "problem": ("مشکل در پرداخت", "A problem with the payment"),
        "print": ("چاپ رسید", "Print the receipt"),
    }
    return {key: localized(fa, en) for key, (fa, en) in pairs.items()}


def _problem(request, error: PaymentRefused):
    payment = error.payment
    return render(
        request,
        "permitting/payments_problem.html",
        {"t": texts(), "message": error.message, "code": error.code, "payment": payment},
        status=error.status_code,
    )


@require_GET
def payments_callback(request):
    """Where the bank sends the citizen back (`?payment=…&Authority=…&Status=OK|NOK`)."""
    try:
        payment = payment_callback(
            payment_key=request.GET.get("payment", ""),
            authority=request.GET.get("Authority", ""),
            bank_status=request.GET.get("Status", ""),
        )
    except PaymentRefused as error:
        return _problem(request, error)
    return redirect("permitting:payments_result", key=payment.key)


@require_GET
def payments_result(request, key):
    """The receipt of a paid payment, or what happened to another one."""
    payment = payment_by_key(key)
    if payment is None:
        raise Http404("No payment has this key.")
    if payment.status == PaymentStatus.PAID:
        return render(
            request,
            "permitting/payment_receipt.html",
            {"t": texts(), "receipt": payment_receipt(payment), "payment": payment},
        )
    return render(
        request,
        "permitting/payments_result.html",
        {
            "t": texts(),
            "payment": payment,
            "amount_text": rials_text(payment.amount_rials),
            "pending": payment.status == PaymentStatus.STARTED,
        },
    )


@require_POST
def payments_pay(request, code: str):
    """The "Pay" (and "Try again") button: start a payment, then off to the bank."""
    if not lookup_allowed(request):
        return render(
            request,
            "permitting/payments_problem.html",
            {
                "t": texts(),
                "message": localized(
                    "درخواست‌های زیادی فرستادید؛ چند دقیقه دیگر تلاش کنید.",
                    "Too many requests; try again in a few minutes.",
                ),
            },
            status=429,
        )
    found = ServiceRequest.objects.filter(tracking_code=tracking_code_normalize(code)).first()
    if found is None:
        raise Http404("No request has this tracking code.")
    try:
        payment = payment_start_due(
            service_request=found,
            callback_url=request.build_absolute_uri(reverse("permitting:payments_callback")),
        )
    except PaymentRefused as error:
        return _problem(request, error)
    return redirect(payment.redirect_url)
