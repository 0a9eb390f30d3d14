"""The rules around a payment: two clicks pay once (also at the same instant), nothing to
pay or already paid is refused clearly, stale payments are abandoned, and the database
itself refuses a second paid payment or a zero amount."""

import datetime
import threading

import pytest
import requests
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from permits.models import RequestStatus
from permits.permitting.models import Payment, PaymentDue, PaymentStatus
from permits.permitting.payments import (
    PaymentReplayed,
    payment_abandon_stale,
    payment_callback,
    payment_paid,
    payment_receipt,
    payment_start_due,
)

from .payments_helpers import AMOUNT, at_bank, callback_path, filed_request, start

CALLBACK = "http://testserver/payments/callback/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the tracking-lookup limit counts per client address
    yield


@pytest.mark.django_db
def test_second_click_hands_back_the_payment_in_progress(client, fake_bank, districts):
    owing = filed_request(districts)
    first = start(client, owing.tracking_code)
    second = start(client, owing.tracking_code)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["reused"] is True
    assert second.json()["payment"] == first.json()["payment"]
    assert second.json()["redirect_url"] == first.json()["redirect_url"]
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_already_paid_is_refused_clearly(client, fake_bank, districts):
    owing = filed_request(districts)
    body = start(client, owing.tracking_code).json()
    client.get(at_bank(body["redirect_url"], "pay"))
    again = client.post(f"/api/requests/{owing.tracking_code}/payments/?lang=en")
    assert again.status_code == 409 and again.json()["code"] == "already_paid"
    assert payment_paid(owing).receipt_number in again.json()["detail"]
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_nothing_due_unknown_code_and_closed_request(client, fake_bank, districts):
    owing = filed_request(districts, amount=None)
    nothing = start(client, owing.tracking_code)
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_pay"
    assert start(client, "MHD-2222-2222").status_code == 404
    assert start(client, "<script>").status_code == 404
    assert client.post("/payments/pay/MHD-2222-2222/").status_code == 404

    PaymentDue.objects.create(request=owing, amount_due_rials=AMOUNT)
    owing.status = RequestStatus.CLOSED
    owing.save(update_fields=["status"])
    closed = start(client, owing.tracking_code)
    assert closed.status_code == 409 and closed.json()["code"] == "nothing_to_pay"
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_result_page_of_a_payment_in_progress_offers_the_bank(client, fake_bank, districts):
    owing = filed_request(districts)
    body = start(client, owing.tracking_code).json()
    page = client.get(body["result_url"] + "?lang=en").content.decode()
    assert "Waiting for the bank" in page and body["redirect_url"] in page
    assert client.get("/payments/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert payment_receipt(Payment.objects.get()) is None


@pytest.mark.django_db
def test_a_stale_payment_is_abandoned_and_its_late_callback_changes_nothing(
    client, fake_bank, districts
):
    owing = filed_request(districts)
    old = start(client, owing.tracking_code).json()
    Payment.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    new = start(client, owing.tracking_code).json()
    assert new["payment"] != old["payment"] and new["reused"] is False
    stale = Payment.objects.get(key=old["payment"])
    assert stale.status == PaymentStatus.ABANDONED

    late = client.get(at_bank(old["redirect_url"], "pay"))  # paid at the bank after all
    assert late.status_code == 409
    stale.refresh_from_db()
    assert stale.status == PaymentStatus.ABANDONED and payment_paid(owing) is None


@pytest.mark.django_db
def test_a_new_amount_replaces_the_payment_in_progress(client, fake_bank, districts):
    owing = filed_request(districts)
    old = start(client, owing.tracking_code).json()
    PaymentDue.objects.filter(request=owing).update(amount_due_rials=AMOUNT * 2)
    new = start(client, owing.tracking_code).json()
    assert new["amount_rials"] == AMOUNT * 2 and new["payment"] != old["payment"]
    assert Payment.objects.get(key=old["payment"]).status == PaymentStatus.ABANDONED


@pytest.mark.django_db
def test_payment_abandon_stale(fake_bank, districts):
    owing = filed_request(districts)
    payment_start_due(service_request=owing, callback_url=CALLBACK)
    assert payment_abandon_stale() == 0
    later = timezone.now() + datetime.timedelta(hours=1)
    assert payment_abandon_stale(now=later) == 1
    assert Payment.objects.get().status == PaymentStatus.ABANDONED


@pytest.mark.django_db
def test_database_refuses_a_second_paid_payment_and_a_zero_amount(districts):
    owing = filed_request(districts)
    fields = {"request": owing, "amount_rials": AMOUNT, "paid_at": timezone.now()}
    Payment.objects.create(
        status="paid", receipt_number="1404-000001", gateway_reference="9", **fields
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            status="paid", receipt_number="1404-000002", gateway_reference="8", **fields
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(request=owing, amount_rials=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(request=owing, amount_rials=AMOUNT, status="paid")  # no receipt
    Payment.objects.create(request=owing, amount_rials=AMOUNT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(request=owing, amount_rials=AMOUNT)  # a second in progress


def run_together(count: int, work) -> tuple[list, list]:
    """`work()` in `count` threads released at the same instant; results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def one():
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_open_one_payment(fake_bank, districts):
    owing = filed_request(districts)
    results, errors = run_together(
        2, lambda: payment_start_due(service_request=owing, callback_url=CALLBACK)
    )
    assert errors == []
    assert results[0].pk == results[1].pk
    assert sorted(p.reused for p in results) == [False, True]
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_callbacks_pay_once(fake_bank, districts):
    owing = filed_request(districts)
    payment = payment_start_due(service_request=owing, callback_url=CALLBACK)
    pressed = requests.post(f"{payment.redirect_url}/pay", allow_redirects=False, timeout=5)
    assert pressed.status_code == 303
    payment = Payment.objects.select_related("bank").get(pk=payment.pk)
    query = dict(part.split("=", 1) for part in callback_path(payment).split("?", 1)[1].split("&"))

    results, errors = run_together(
        2,
        lambda: payment_callback(
            payment_key=query["payment"], authority=query["Authority"], bank_status="OK"
        ),
    )
    assert len(results) == 1 and results[0].status == PaymentStatus.PAID
    assert len(errors) == 1 and isinstance(errors[0], PaymentReplayed)
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == 1
