"""Two simultaneous submissions with one Idempotency-Key store one request."""

import threading

import pytest
from django.db import connection

from permits.filing import request_file
from permits.models import IdempotencyRecord, RequestEvent, ServiceRequest

from .helpers import pruning_attributes


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_share_one_request(catalogue, district_11_point):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=30)
            results.append(
                request_file(
                    service_code="tree-pruning",
                    point=district_11_point,
                    attributes=pruning_attributes(),
                    idempotency_key="same-key",
                ).pk
            )
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert ServiceRequest.objects.count() == 1
    assert RequestEvent.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1
