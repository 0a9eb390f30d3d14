"""The bank gateway as az-iranian-bank-gateways speaks it, pointed where settings say.

The library's Zarinpal class speaks Zarinpal's v4 REST protocol (payment request →
StartPay page → callback with `Authority` and `Status` → verify with the amount) and keeps
its state in its own `Bank` record. Its addresses are fixed in the class, so this subclass
takes them from `PAYMENTS_GATEWAY_URL` (the fake bank on loopback in development and tests),
asks in Rials (Zarinpal accepts `currency: IRR`, so no Toman rounding of the amount), sends
the bank back to the portal's own callback, and keeps the bank's last answer: the library
drops the verify answer, which carries the reference (`ref_id`) printed on the receipt.
"""

from dataclasses import dataclass

import requests
from azbankgateways.banks import Zarinpal
from azbankgateways.exceptions import BankGatewayConnectionError
from azbankgateways.models import CurrencyEnum
from django.conf import settings

#: Zarinpal's codes for a verified payment: just now, or already before.
VERIFIED_CODES = (100, 101)
#: Zarinpal's code for "this session was not paid" (cancelled, failed or not yet paid).
NOT_PAID_CODE = -51


class PortalZarinpal(Zarinpal):
    def __init__(self, *, base_url: str, callback_url: str = "", **kwargs):
        super().__init__(**kwargs)
        self.set_gateway_currency(CurrencyEnum.IRR)
        base = base_url.rstrip("/")
        self._payment_url = f"{base}/pg/v4/payment/request.json"
        self._startpay_url = f"{base}/pg/StartPay/"
        self._verify_url = f"{base}/pg/v4/payment/verify.json"
        self._portal_callback_url = callback_url
        self.last_answer: dict = {}

    def _get_gateway_callback_url(self) -> str:
        return self._portal_callback_url

    def _send_data(self, api, data):
        """The library's call, with every way a bank can fail to answer (refused
        connection, HTTP error page, a body that is not Zarinpal's JSON) as one error."""
        try:
            self.last_answer = super()._send_data(api, data)
        except requests.RequestException as error:
            raise BankGatewayConnectionError(str(error)) from error
        except (ValueError, KeyError, TypeError) as error:
            raise BankGatewayConnectionError(f"unreadable answer from the bank: {error}") from error
        if not isinstance(self.last_answer, dict):
            raise BankGatewayConnectionError("unreadable answer from the bank")
        return self.last_answer


@dataclass(frozen=True)
class BankAnswer:
    """The code, message and reference of the bank's last answer."""

    code: int | None
    message: str
    reference: str


def bank_answer(answer: dict) -> BankAnswer:
    """Zarinpal answers `{"data": {...}, "errors": []}` or `{"data": [], "errors": {...}}`."""
    data = answer.get("data") if isinstance(answer, dict) else None
    errors = answer.get("errors") if isinstance(answer, dict) else None
    part = data if isinstance(data, dict) and data else errors if isinstance(errors, dict) else {}
    code = part.get("code")
    return BankAnswer(
        code=code if isinstance(code, int) else None,
        message=str(part.get("message", "")),
        reference=str(part.get("ref_id", "")) if isinstance(data, dict) else "",
    )


def gateway_new(*, callback_url: str = "") -> PortalZarinpal:
    """A gateway client configured from settings, read at call time (tests override them)."""
    config = dict(settings.AZ_IRANIAN_BANK_GATEWAYS["GATEWAYS"]["ZARINPAL"])
    gateway = PortalZarinpal(
        base_url=settings.PAYMENTS_GATEWAY_URL,
        callback_url=callback_url,
        identifier="1",
        **config,
    )
    gateway.set_currency(CurrencyEnum.IRR)
    return gateway
