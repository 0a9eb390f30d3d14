"""Paying a request's fees through the fake bank, a real process on loopback: the whole
start → bank page → pay or cancel → callback → verify → receipt cycle, and what a bank
that fails, a replayed or a forged callback, and an amount the bank disputes change."""

import re

import pytest
import requests
from azbankgateways.models import Bank
from azbankgateways.models import PaymentStatus as BankStatus
from django.core.cache import cache

from permits.models import RequestEvent
from permits.permitting.models import Payment, PaymentStatus
from permits.permitting.payments import payment_paid

from .payments_helpers import AMOUNT, at_bank, callback_path, filed_request, start
from .ports import dead_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the tracking-lookup limit counts per client address
    yield


@pytest.fixture
def owing(districts):
    return filed_request(districts)


def snapshot(payment: Payment) -> tuple:
    """Everything a callback could change."""
    payment.refresh_from_db()
    bank = Bank.objects.get(pk=payment.bank_id)
    return (
        payment.status,
        payment.receipt_number,
        payment.paid_at,
        payment.gateway_reference,
        payment.failure_code,
        bank.status,
        Payment.objects.count(),
        RequestEvent.objects.count(),
    )


def test_full_cycle_start_pay_verify_receipt(client, fake_bank, owing):
    started = start(client, owing.tracking_code)
    assert started.status_code == 201
    body = started.json()
    assert body["amount_rials"] == AMOUNT and body["status"] == "started"
    assert body["redirect_url"].startswith(f"{fake_bank.url}/pg/StartPay/")
    assert set(body) == {
        "payment",
        "status",
        "amount_rials",
        "redirect_url",
        "result_url",
        "reused",
    }

    page = requests.get(body["redirect_url"], timeout=5).text
    assert "۱۲۵٬۰۰۰٬۰۰۰ ریال" in page and "125,000,000 Rials" in page

    back = client.get(at_bank(body["redirect_url"], "pay"))
    assert back.status_code == 302 and back["Location"] == body["result_url"]

    payment = Payment.objects.get(key=body["payment"])
    assert payment.status == PaymentStatus.PAID
    assert payment.amount_rials == AMOUNT and payment.paid_at is not None
    assert payment.gateway_reference.isdigit()
    assert re.fullmatch(r"1[34]\d\d-\d{6}", payment.receipt_number)
    assert Bank.objects.get(pk=payment.bank_id).status == BankStatus.COMPLETE
    assert payment_paid(owing) == payment
    assert RequestEvent.objects.filter(
        request=owing, public=True, note_en__contains="paid"
    ).exists()

    persian = client.get(body["result_url"]).content.decode()
    digits = payment.receipt_number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert "رسید پرداخت" in persian and digits in persian and "۱۲۵٬۰۰۰٬۰۰۰ ریال" in persian
    english = client.get(body["result_url"] + "?lang=en").content.decode()
    assert "Payment receipt" in english and payment.receipt_number in english
    assert "125,000,000 Rials" in english and payment.gateway_reference in english


def test_amount_is_the_servers_whatever_the_client_sends(client, fake_bank, owing):
    started = start(client, owing.tracking_code, amount_rials=10_000, amount=1)
    assert started.status_code == 201 and started.json()["amount_rials"] == AMOUNT
    assert Bank.objects.get().amount == str(AMOUNT)


def test_cancel_at_the_bank_is_not_paid_and_can_be_tried_again(client, fake_bank, owing):
    first = start(client, owing.tracking_code).json()
    back = client.get(at_bank(first["redirect_url"], "cancel"))
    assert back.status_code == 302
    failed = Payment.objects.get(key=first["payment"])
    assert failed.status == PaymentStatus.FAILED and failed.failure_code == -51
    assert payment_paid(owing) is None

    result = client.get(back["Location"] + "?lang=en").content.decode()
    assert "did not go through" in result and 'id="payment-retry"' in result

    again = client.post(f"/payments/pay/{owing.tracking_code}/")
    assert again.status_code == 302 and again["Location"].startswith(fake_bank.url)
    assert again["Location"] != first["redirect_url"]
    client.get(at_bank(again["Location"], "pay"))
    assert payment_paid(owing).amount_rials == AMOUNT
    assert list(Payment.objects.values_list("status", flat=True).order_by("created_at")) == [
        "failed",
        "paid",
    ]


def test_replayed_callback_changes_nothing(client, fake_bank, owing):
    body = start(client, owing.tracking_code).json()
    callback = at_bank(body["redirect_url"], "pay")
    assert client.get(callback).status_code == 302
    payment = Payment.objects.get(key=body["payment"])
    before = snapshot(payment)

    replayed = client.get(callback + "&lang=en")
    assert replayed.status_code == 409
    assert "already recorded" in replayed.content.decode() and "nothing changed" in (
        replayed.content.decode()
    )
    assert snapshot(payment) == before


def test_replayed_cancel_after_payment_changes_nothing(client, fake_bank, owing):
    body = start(client, owing.tracking_code).json()
    client.get(at_bank(body["redirect_url"], "pay"))
    payment = Payment.objects.get(key=body["payment"])
    before = snapshot(payment)
    assert client.get(callback_path(payment, status="NOK")).status_code == 409
    assert snapshot(payment) == before


@pytest.mark.parametrize(
    ("forge", "status_code"),
    [
        (
            lambda p: f"/payments/callback/?payment=not-a-key&Authority={p.bank.reference_number}",
            404,
        ),
        (
            lambda p: callback_path(p).replace(str(p.key), "00000000-0000-4000-8000-000000000000"),
            404,
        ),
        (lambda p: callback_path(p, authority="A00000000000000000000000000000000000"), 400),
        (lambda p: callback_path(p, authority=""), 400),
        (lambda p: callback_path(p, status="OK"), 400),  # says paid; the bank says not
    ],
    ids=["bad-key", "unknown-key", "wrong-authority", "no-authority", "unpaid-says-ok"],
)
def test_forged_callback_changes_nothing(client, fake_bank, owing, forge, status_code):
    body = start(client, owing.tracking_code).json()
    payment = Payment.objects.select_related("bank").get(key=body["payment"])
    before = snapshot(payment)

    forged = client.get(forge(payment) + "&lang=en")
    assert forged.status_code == status_code
    assert "nothing was recorded" in forged.content.decode() or status_code == 404
    assert snapshot(payment) == before

    # The citizen's own payment still goes through afterwards.
    client.get(at_bank(body["redirect_url"], "pay"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_bank_down_at_start_is_a_clear_503_and_stores_nothing(client, fake_bank, owing, settings):
    settings.PAYMENTS_GATEWAY_URL = dead_url()
    answer = client.post(
        f"/api/requests/{owing.tracking_code}/payments/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 503
    assert answer.json()["code"] == "gateway_unavailable"
    assert "cannot be reached" in answer.json()["detail"] or "دسترس" in answer.json()["detail"]
    assert Payment.objects.count() == 0 and Bank.objects.count() == 0


def test_bank_down_at_verify_leaves_the_payment_open(client, fake_bank, owing, settings):
    body = start(client, owing.tracking_code).json()
    callback = at_bank(body["redirect_url"], "pay")
    payment = Payment.objects.get(key=body["payment"])
    before = snapshot(payment)

    settings.PAYMENTS_GATEWAY_URL = dead_url()
    down = client.get(callback + "&lang=en")
    assert down.status_code == 503 and "nothing was recorded" in down.content.decode()
    assert snapshot(payment) == before
    assert before[0] == PaymentStatus.STARTED and before[5] == BankStatus.REDIRECT_TO_BANK

    settings.PAYMENTS_GATEWAY_URL = fake_bank.url
    assert client.get(callback).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_amount_mismatch_reported_by_the_bank_is_not_paid(client, fake_bank, owing):
    body = start(client, owing.tracking_code).json()
    callback = at_bank(body["redirect_url"], "pay")
    # The server now expects another amount than the one the bank charged.
    payment = Payment.objects.get(key=body["payment"])
    Payment.objects.filter(pk=payment.pk).update(amount_rials=AMOUNT + 10)
    Bank.objects.filter(pk=payment.bank_id).update(amount=str(AMOUNT + 10))

    assert client.get(callback).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.failure_code == -50
    assert "amounts" in payment.failure_reason
    assert payment_paid(owing) is None


def test_amounts_on_record_that_disagree_are_not_paid(client, fake_bank, owing):
    body = start(client, owing.tracking_code).json()
    callback = at_bank(body["redirect_url"], "pay")
    payment = Payment.objects.get(key=body["payment"])
    Bank.objects.filter(pk=payment.bank_id).update(amount="10000")
    assert client.get(callback).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment_paid(owing) is None


def test_bank_refusing_the_request_is_a_502_and_stores_nothing(client, fake_bank, owing, settings):
    settings.AZ_IRANIAN_BANK_GATEWAYS = {
        **settings.AZ_IRANIAN_BANK_GATEWAYS,
        "GATEWAYS": {"ZARINPAL": {"MERCHANT_CODE": "too-short", "SANDBOX": 0}},
    }
    answer = start(client, owing.tracking_code)
    assert answer.status_code == 502 and answer.json()["code"] == "gateway_refused"
    assert "validation" in answer.json()["detail"]
    assert Payment.objects.count() == 0 and Bank.objects.count() == 0
