"""Paying a request's fees online: start at the bank, come back, verify, receipt.

The amount always comes from the server (`payable_amount`), never from the citizen. A
payment is marked paid only after the bank has verified it; a callback that does not match
the payment it names, or that comes back for a payment already settled, changes nothing.
Two clicks pay once: a request has at most one payment in progress and one paid (database
constraints), and both steps lock the rows they decide on.
"""

import datetime
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import jdatetime
from azbankgateways.exceptions import (
    AmountDoesNotSupport,
    BankGatewayConnectionError,
    BankGatewayRejectPayment,
    BankGatewayStateInvalid,
)
from azbankgateways.models import Bank
from azbankgateways.models import PaymentStatus as BankStatus
from azbankgateways.utils import append_querystring
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gis_portal.core.i18n import TO_PERSIAN_DIGITS, local_digits, localized
from permits.models import EventKind, RequestEvent, ServiceRequest
from permits.permitting.models import (
    PAYMENT_MAX_RIALS,
    Payment,
    PaymentDue,
    PaymentStatus,
)
from permits.permitting.payments_gateway import (
    NOT_PAID_CODE,
    VERIFIED_CODES,
    BankAnswer,
    bank_answer,
    gateway_new,
)

#: The smallest amount the gateway takes: Zarinpal's floor of 1,000 Toman, in Rials.
PAYMENT_MIN_RIALS = 10_000


class PaymentRefused(Exception):
    """A payment step that did not happen. `message` is for a person, in the active
    language; `payment` is the payment concerned when there is one. Nothing was changed."""

    code = "refused"
    status_code = 409

    def __init__(self, message: str, *, payment: Payment | None = None):
        super().__init__(message)
        self.message = message
        self.payment = payment


class NothingToPay(PaymentRefused):
    code = "nothing_to_pay"


class AlreadyPaid(PaymentRefused):
    code = "already_paid"


class PaymentNotFound(PaymentRefused):
    code = "payment_not_found"
    status_code = 404


class PaymentForged(PaymentRefused):
    """A callback that does not match its payment, or claims a payment the bank denies."""

    code = "callback_rejected"
    status_code = 400


class PaymentReplayed(PaymentRefused):
    """A callback for a payment that is already settled."""

    code = "already_settled"


class GatewayUnavailable(PaymentRefused):
    code = "gateway_unavailable"
    status_code = 503


class GatewayRefused(PaymentRefused):
    code = "gateway_refused"
    status_code = 502


# --- reads ------------------------------------------------------------------------------------


def payable_amount(service_request: ServiceRequest) -> int | None:
    """What this request has to pay, in Rials, or None when nothing is due yet.

    The one place the amount comes from: today the `PaymentDue` row the server wrote
    (`payment_due_set`); the fee assessment takes its place when it lands.
    """
    due = PaymentDue.objects.filter(request=service_request).first()
    return due.amount_due_rials if due else None


def payment_by_key(key) -> Payment | None:
    """The payment with this public key (a UUID, or its text), or None."""
    parsed = _uuid(key)
    if parsed is None:
        return None
    return Payment.objects.select_related("request").filter(key=parsed).first()


def payment_paid(service_request: ServiceRequest) -> Payment | None:
    """The request's paid payment, if any."""
    return Payment.objects.filter(request=service_request, status=PaymentStatus.PAID).first()


def payment_receipt(payment: Payment) -> dict | None:
    """A paid payment's receipt (None for any other): number, amount, time, reference."""
    if payment.status != PaymentStatus.PAID:
        return None
    return {
        "number": payment.receipt_number,
        "amount_rials": payment.amount_rials,
        "amount_text": rials_text(payment.amount_rials),
        "paid_at": payment.paid_at,
        "gateway_reference": payment.gateway_reference,
        "tracking_code": payment.request.tracking_code,
    }


def rials_text(amount: int) -> str:
    """`12,500,000 Rials` / `۱۲٬۵۰۰٬۰۰۰ ریال` for the active language."""
    return localized(_rials_fa(amount), _rials_en(amount))


def _rials_fa(amount: int) -> str:
    return f"{amount:,}".replace(",", "٬").translate(TO_PERSIAN_DIGITS) + " ریال"


def _rials_en(amount: int) -> str:
    return f"{amount:,} Rials"


# --- writes -----------------------------------------------------------------------------------


def payment_due_set(*, service_request: ServiceRequest, amount_rials: int) -> PaymentDue:
    """Record what the request has to pay (the server's assessment, in Rials)."""
    _check_amount(amount_rials)
    due, _created = PaymentDue.objects.update_or_create(
        request=service_request, defaults={"amount_due_rials": amount_rials}
    )
    return due


def payment_start(
    *, service_request: ServiceRequest, amount_rials: int, callback_url: str
) -> Payment:
    """Open a payment of `amount_rials` at the bank; `payment.redirect_url` is the bank's
    page to send the citizen to. `callback_url` is the absolute URL of the portal's
    callback view; the payment's key is added to it as `?payment=<key>`.

    A payment already in progress for the same amount, and not yet stale, is handed back
    (`payment.reused` is True) rather than a second one opened; an older one, or one for
    another amount, is abandoned first. Raises PaymentRefused (AlreadyPaid, NothingToPay,
    GatewayUnavailable, GatewayRefused); nothing is stored then.
    """
    _check_amount(amount_rials)
    if urlsplit(callback_url).scheme not in ("http", "https"):
        raise ValueError("callback_url must be an absolute http(s) URL")
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
        if not locked.is_open:
            raise NothingToPay(localized("این درخواست بسته شده است.", "This request is closed."))
        current = _current_payment(locked)
        if current is not None:
            if current.amount_rials == amount_rials and not _is_stale(current):
                current.reused = True
                return current
            _abandon(current)
        payment = Payment.objects.create(request=locked, amount_rials=amount_rials)
        _open_at_bank(payment, callback_url=callback_url)
    payment.reused = False
    return payment


def payment_start_due(*, service_request: ServiceRequest, callback_url: str) -> Payment:
    """`payment_start` for what the request owes (`payable_amount`): what the pay buttons
    and the API call. NothingToPay when no amount is due yet."""
    amount = payable_amount(service_request)
    if amount is None:
        raise NothingToPay(
            localized(
                "هنوز مبلغی برای پرداخت تعیین نشده است.",
                "Nothing to pay yet: the fees have not been assessed.",
            )
        )
    return payment_start(
        service_request=service_request, amount_rials=amount, callback_url=callback_url
    )


def payment_callback(*, payment_key: str, authority: str, bank_status: str) -> Payment:
    """The bank sent the citizen back: verify with the bank, then record the outcome.

    Paid only when the bank verifies it (`payment.status` is then "paid", with a
    receipt); a cancelled, refused or mismatched payment is "failed" and the request can
    be paid again. Raises PaymentRefused with nothing changed: PaymentNotFound (unknown
    key), PaymentForged (the authority is not this payment's, or the callback says OK
    and the bank says not paid), PaymentReplayed (the payment was already settled),
    GatewayUnavailable (the bank could not be asked; the same callback can be retried).
    """
    key = _uuid(payment_key)
    if key is None:
        raise PaymentNotFound(_message_not_found())
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("bank", "request")
            .filter(key=key)
            .first()
        )
        if payment is None:
            raise PaymentNotFound(_message_not_found())
        if payment.bank is None or not authority or authority != payment.bank.reference_number:
            raise PaymentForged(
                localized(
                    "این بازگشت از بانک با این پرداخت نمی‌خواند؛ چیزی ثبت نشد.",
                    "This return from the bank does not match this payment; nothing was recorded.",
                ),
                payment=payment,
            )
        if payment.status != PaymentStatus.STARTED:
            raise PaymentReplayed(_message_settled(payment), payment=payment)
        if payment.bank.amount != str(payment.amount_rials):
            _fail(payment, BankAnswer(None, "the recorded amounts differ", ""))
            return payment
        answer = _verify_at_bank(payment, authority=authority, bank_status=bank_status)
        if answer.code in VERIFIED_CODES:
            _mark_paid(payment, answer, authority=authority)
        elif bank_status == "OK" and answer.code == NOT_PAID_CODE:
            raise PaymentForged(
                localized(
                    "بانک این پرداخت را تأیید نکرد؛ چیزی ثبت نشد.",
                    "The bank did not confirm this payment; nothing was recorded.",
                ),
                payment=payment,
            )
        else:
            _fail(payment, answer)
    return payment


def payment_abandon_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark payments that never came back from the bank as abandoned; how many."""
    count = 0
    with transaction.atomic():
        cutoff = (now or timezone.now()) - _pending_window()
        for payment in Payment.objects.select_for_update(skip_locked=True).filter(
            status=PaymentStatus.STARTED, created_at__lt=cutoff
        ):
            _abandon(payment)
            count += 1
    return count


# --- helpers ----------------------------------------------------------------------------------


def _check_amount(amount_rials) -> None:
    if not isinstance(amount_rials, int) or isinstance(amount_rials, bool):
        raise TypeError("amounts are whole Rials (int)")
    if not PAYMENT_MIN_RIALS <= amount_rials <= PAYMENT_MAX_RIALS:
        raise NothingToPay(
            localized(
                f"این مبلغ را نمی‌توان برخط پرداخت کرد: {rials_text(amount_rials)}.",
                f"This amount cannot be paid online: {rials_text(amount_rials)}.",
            )
        )


def _uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _pending_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.PAYMENTS_PENDING_MINUTES)


def _is_stale(payment: Payment) -> bool:
    return payment.created_at < timezone.now() - _pending_window()


def _current_payment(service_request: ServiceRequest) -> Payment | None:
    """The request's payment in progress (locked); AlreadyPaid when one is paid."""
    current = None
    for payment in Payment.objects.select_for_update().filter(
        request=service_request, status__in=[PaymentStatus.PAID, PaymentStatus.STARTED]
    ):
        if payment.status == PaymentStatus.PAID:
            raise AlreadyPaid(
                localized(
                    "هزینه‌های این درخواست پرداخت شده است "
                    f"(رسید {local_digits(payment.receipt_number)}).",
                    f"This request's fees are already paid (receipt {payment.receipt_number}).",
                ),
                payment=payment,
            )
        current = payment
    return current


def _open_at_bank(payment: Payment, *, callback_url: str) -> None:
    """Ask the bank for a payment session and keep its page's address on `payment`."""
    callback = append_querystring(callback_url, {"payment": str(payment.key)})
    gateway = gateway_new(callback_url=callback)
    gateway.set_amount(payment.amount_rials)
    gateway.set_client_callback_url(callback)
    gateway.set_custom_data(
        {
            "description": f"Permit fees {payment.request.tracking_code}",
            "metadata": {"order_id": str(payment.key)},
        }
    )
    try:
        bank = gateway.ready()
        page = gateway.get_gateway()
    except BankGatewayConnectionError as error:
        raise GatewayUnavailable(_message_bank_down()) from error
    except (BankGatewayRejectPayment, AmountDoesNotSupport) as error:
        raise GatewayRefused(
            localized(
                f"بانک درخواست پرداخت را نپذیرفت: {bank_answer(gateway.last_answer).message}",
                f"The bank refused to open a payment: {bank_answer(gateway.last_answer).message}",
            )
        ) from error
    payment.bank = bank
    payment.redirect_url = page["url"]
    payment.save(update_fields=["bank", "redirect_url"])


def _verify_at_bank(payment: Payment, *, authority: str, bank_status: str) -> BankAnswer:
    """The library's return-from-bank step (state check, then verify with the amount on
    record); a bank that cannot be asked leaves everything as it was (the caller's
    transaction rolls the library's state change back)."""
    gateway = gateway_new()
    returned = SimpleNamespace(GET={"Authority": authority, "Status": bank_status})
    try:
        gateway.verify_from_gateway(returned)
    except BankGatewayConnectionError as error:
        raise GatewayUnavailable(_message_bank_down(), payment=payment) from error
    except BankGatewayStateInvalid as error:
        raise PaymentReplayed(_message_settled(payment), payment=payment) from error
    payment.bank.refresh_from_db()
    return bank_answer(gateway.last_answer)


def _mark_paid(payment: Payment, answer: BankAnswer, *, authority: str) -> None:
    now = timezone.now()
    payment.status = PaymentStatus.PAID
    payment.paid_at = payment.finished_at = now
    payment.gateway_reference = answer.reference or authority
    payment.receipt_number = _receipt_number(payment, now)
    payment.save()
    RequestEvent.objects.create(
        request=payment.request,
        kind=EventKind.PUBLIC_NOTE,
        public=True,
        note_fa=f"هزینه‌ها پرداخت شد: رسید {payment.receipt_number.translate(TO_PERSIAN_DIGITS)}، "
        f"{_rials_fa(payment.amount_rials)}.",
        note_en=f"Fees paid: receipt {payment.receipt_number}, {_rials_en(payment.amount_rials)}.",
    )


def _receipt_number(payment: Payment, when: datetime.datetime) -> str:
    """`1404-000123`: the Jalali year and the payment's number, unique by construction."""
    year = jdatetime.date.fromgregorian(date=timezone.localtime(when).date()).year
    return f"{year}-{payment.pk:06d}"


def _fail(payment: Payment, answer: BankAnswer) -> None:
    payment.status = PaymentStatus.FAILED
    payment.finished_at = timezone.now()
    payment.failure_code = answer.code
    payment.failure_reason = answer.message
    payment.save(update_fields=["status", "finished_at", "failure_code", "failure_reason"])


def _abandon(payment: Payment) -> None:
    payment.status = PaymentStatus.ABANDONED
    payment.finished_at = timezone.now()
    payment.failure_reason = "never came back from the bank"
    payment.save(update_fields=["status", "finished_at", "failure_reason"])
    if payment.bank_id:
        Bank.objects.filter(pk=payment.bank_id, status=BankStatus.REDIRECT_TO_BANK).update(
            status=BankStatus.EXPIRE_GATEWAY_TOKEN
        )


def _message_not_found() -> str:
    return localized("چنین پرداختی نداریم.", "No payment has this key.")


def _message_bank_down() -> str:
    return localized(
        "درگاه بانک اکنون در دسترس نیست؛ چیزی ثبت نشد. چند دقیقه دیگر دوباره تلاش کنید.",
        "The bank's gateway cannot be reached right now; nothing was recorded. "
        "Try again in a few minutes.",
    )


def _message_settled(payment: Payment) -> str:
    if payment.status == PaymentStatus.PAID:
        return localized(
            f"این پرداخت پیش‌تر ثبت شده است (رسید {local_digits(payment.receipt_number or '')}); "
            "چیزی تغییر نکرد.",
            f"This payment was already recorded (receipt {payment.receipt_number}); "
            "nothing changed.",
        )
    return localized(
        "این پرداخت پیش‌تر بسته شده است؛ چیزی تغییر نکرد. اگر پولی کسر شده، بانک آن را برمی‌گرداند.",
        "This payment was already closed; nothing changed. "
        "Any money taken is returned by the bank.",
    )
