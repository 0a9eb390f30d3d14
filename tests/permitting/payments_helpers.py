"""What the payment tests share: a filed request that owes fees, and the citizen's trip
through the fake bank (its real pages, over HTTP)."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings

from permits.catalogue import catalogue_load
from permits.filing import request_file
from permits.permitting.payments import payment_due_set
from tests.conftest import inside_point

AMOUNT = 125_000_000  # Rials
CATALOGUE = Path(settings.BASE_DIR) / "data/services.json"


def filed_request(districts, *, amount: int | None = AMOUNT):
    """A filed request of District 11; the server says it owes `amount` Rials."""
    catalogue_load(data=json.loads(CATALOGUE.read_text(encoding="utf-8")))
    filed = request_file(
        service_code="tree-pruning",
        point=inside_point(districts[11]),
        attributes={"tree_count": 2, "urgency": "danger"},
    )
    if amount is not None:
        payment_due_set(service_request=filed, amount_rials=amount)
    return filed


def start(client, code: str, **body):
    return client.post(f"/api/requests/{code}/payments/", body, content_type="application/json")


def at_bank(redirect_url: str, action: str) -> str:
    """Open the bank's page, press "Pay" or "Cancel"; the callback path the bank sends
    the browser to (relative to the portal)."""
    page = requests.get(redirect_url, timeout=5)
    assert page.status_code == 200
    assert "Pay" in page.text and "Cancel" in page.text
    pressed = requests.post(f"{redirect_url}/{action}", allow_redirects=False, timeout=5)
    assert pressed.status_code == 303
    location = urlsplit(pressed.headers["Location"])
    assert location.netloc == "testserver"
    return f"{location.path}?{location.query}"


def callback_path(payment, *, authority: str | None = None, status: str = "OK") -> str:
    """A callback as the bank would send it (for replays and forgeries)."""
    authority = payment.bank.reference_number if authority is None else authority
    return f"/payments/callback/?payment={payment.key}&Authority={authority}&Status={status}"
