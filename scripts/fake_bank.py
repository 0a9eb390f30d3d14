#!/usr/bin/env python3
"""A fake bank gateway on loopback, speaking Zarinpal's v4 protocol, for the demo and tests.

Run as its own process (`make fake-bank`, or `make run`, which starts it beside the web
server): the portal talks to it over HTTP exactly as it would to the bank, so the whole
redirect → pay → callback → verify cycle runs on this machine. Nothing is real money.

    POST /pg/v4/payment/request.json   {merchant_id, amount, currency, description,
                                        callback_url, metadata} → an authority
    GET  /pg/StartPay/<authority>      the payment page: "Pay" and "Cancel" (fa/en)
    POST /pg/StartPay/<authority>/pay  → 303 to callback_url?Authority=…&Status=OK
    POST /pg/StartPay/<authority>/cancel → 303 to callback_url?Authority=…&Status=NOK
    POST /pg/v4/payment/verify.json    {merchant_id, amount, authority} → 100 (verified),
                                        101 (verified before), or -50/-51/-53/-54/-9
    GET  /healthz                      "ok"

Answers carry Zarinpal's codes and messages in `{"data": …, "errors": …}`. Sessions live in
memory: restarting the process forgets them. Standard library only.

Environment: FAKE_BANK_PORT (default 54480), FAKE_BANK_HOST (default 127.0.0.1; only a
loopback address is accepted).
"""

import html
import ipaddress
import json
import os
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MIN_AMOUNT = {"IRR": 10_000, "IRT": 1_000}  # Zarinpal's floor: 1,000 Toman
MAX_BODY = 64 * 1024

MESSAGES = {
    100: "Success",
    101: "Verified",
    -9: "The input params invalid, validation error.",
    -50: "Session is not valid, amounts values is not the same.",
    -51: "Session is not valid, session is not active paid try.",
    -53: "Session is not this merchant_id session",
    -54: "Invalid authority.",
}


class Sessions:
    """Payment sessions by authority, safe across the server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_authority: dict[str, dict] = {}
        self._next_ref = 201

    def open(self, **fields) -> str:
        authority = "A" + "0" * 7 + secrets.token_hex(14)  # 36 characters, like Zarinpal's
        with self._lock:
            self._by_authority[authority] = {"state": "open", "ref_id": None, **fields}
        return authority

    def get(self, authority: str) -> dict | None:
        with self._lock:
            session = self._by_authority.get(authority)
            return dict(session) if session else None

    def finish(self, authority: str, paid: bool) -> dict | None:
        """Pay or cancel an open session; None when it is unknown or already finished."""
        with self._lock:
            session = self._by_authority.get(authority)
            if not session or session["state"] != "open":
                return None
            session["state"] = "paid" if paid else "cancelled"
            if paid:
                session["ref_id"] = self._next_ref
                self._next_ref += 1
            return dict(session)

    def verify(self, authority: str, merchant_id: str, amount) -> tuple[int, dict]:
        with self._lock:
            session = self._by_authority.get(authority)
            if session is None:
                return -54, {}
            if session["merchant_id"] != merchant_id:
                return -53, {}
            if amount != session["amount"]:
                return -50, {}
            if session["state"] == "verified":
                return 101, session
            if session["state"] != "paid":
                return -51, {}
            session["state"] = "verified"
            return 100, session


SESSIONS = Sessions()


def error_body(code: int, validations: list | None = None) -> dict:
    return {
        "data": [],
        "errors": {"code": code, "message": MESSAGES[code], "validations": validations or []},
    }


def request_errors(body: dict) -> list[dict]:
    """Zarinpal's validations of a payment request (code -9 when any fails)."""
    problems = []
    merchant_id = body.get("merchant_id")
    if not isinstance(merchant_id, str) or len(merchant_id) != 36:
        problems.append({"merchant_id": "The merchant id must be 36 characters."})
    currency = body.get("currency") or "IRR"
    amount = body.get("amount")
    if currency not in MIN_AMOUNT:
        problems.append({"currency": "The currency must be IRR or IRT."})
    elif not isinstance(amount, int) or isinstance(amount, bool) or amount < MIN_AMOUNT[currency]:
        problems.append({"amount": f"The amount must be at least {MIN_AMOUNT[currency]}."})
    callback = body.get("callback_url")
    if not isinstance(callback, str) or urlsplit(callback).scheme not in ("http", "https"):
        problems.append({"callback_url": "The callback url must be an http(s) URL."})
    description = body.get("description")
    if not isinstance(description, str) or not description or len(description) > 500:
        problems.append({"description": "The description is required (500 characters)."})
    return problems


def with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def grouped(amount: int) -> tuple[str, str]:
    """The amount with thousands separators, in ASCII and in Persian digits."""
    text = f"{amount:,}"
    return text, text.replace(",", "٬").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


PAGE = """<!DOCTYPE html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>درگاه پرداخت آزمایشی · Test payment gateway</title>
<style>
body {{ font-family: Vazirmatn, Tahoma, sans-serif; background: #f3f5f8; margin: 0; }}
main {{ max-width: 30rem; margin: 3rem auto; background: #fff; padding: 1.5rem 2rem;
  border-radius: .75rem; box-shadow: 0 1px 6px #0002; }}
h1 {{ font-size: 1.3rem; }} .en {{ direction: ltr; text-align: left; color: #445; }}
.amount {{ font-size: 1.6rem; font-weight: bold; }}
.warning {{ background: #fff4d6; padding: .1rem .75rem; border-radius: .5rem; }}
.actions {{ display: flex; gap: 1rem; margin-top: 1.5rem; }}
button {{ font: inherit; padding: .6rem 1.6rem; border-radius: .5rem; border: 0; cursor: pointer; }}
.pay {{ background: #0a7d38; color: #fff; }} .cancel {{ background: #ddd; }}
</style></head><body><main>
<h1>درگاه پرداخت آزمایشی</h1><p class="en" lang="en">Test payment gateway</p>
<div class="warning"><p>این بانک واقعی نیست؛ پولی جابه‌جا نمی‌شود.</p>
<p class="en" lang="en">This is not a real bank; no money moves.</p></div>
{body}
</main></body></html>"""


def payment_page(authority: str, session: dict) -> str:
    ascii_amount, persian_amount = grouped(session["amount"])
    unit_fa, unit_en = ("ریال", "Rials") if session["currency"] == "IRR" else ("تومان", "Toman")
    body = f"""<p>مبلغ</p>
<p class="amount" id="amount">{persian_amount} {unit_fa}</p>
<p class="en" lang="en">Amount: {ascii_amount} {unit_en}</p>
<p dir="auto">{html.escape(session["description"])}</p>
<div class="actions">
<form method="post" action="/pg/StartPay/{authority}/pay">
<button class="pay" type="submit" name="action" value="pay">پرداخت · Pay</button></form>
<form method="post" action="/pg/StartPay/{authority}/cancel">
<button class="cancel" type="submit" name="action" value="cancel">انصراف · Cancel</button></form>
</div>"""
    return PAGE.format(body=body)


def notice_page(persian: str, english: str) -> str:
    return PAGE.format(body=f'<p>{persian}</p><p class="en" lang="en">{english}</p>')


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeBank/1.0"

    def log_message(self, format, *args):  # one short line per request, on stderr
        sys.stderr.write("fake-bank: " + (format % args) + "\n")

    # --- plumbing -----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: dict, status: int = HTTPStatus.OK):
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _html(self, page: str, status: int = HTTPStatus.OK):
        self._send(status, page.encode(), "text/html; charset=utf-8")

    def _body_json(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    # --- routes -------------------------------------------------------------------------------

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/healthz":
            return self._send(HTTPStatus.OK, b"ok", "text/plain")
        if path.startswith("/pg/StartPay/"):
            authority = path.removeprefix("/pg/StartPay/").strip("/")
            session = SESSIONS.get(authority)
            if session is None:
                return self._html(
                    notice_page("این جلسهٔ پرداخت وجود ندارد.", "No such payment session."),
                    HTTPStatus.NOT_FOUND,
                )
            if session["state"] != "open":
                return self._html(
                    notice_page("این جلسهٔ پرداخت تمام شده است.", "This payment is finished."),
                    HTTPStatus.GONE,
                )
            return self._html(payment_page(authority, session))
        return self._json(error_body(-9), HTTPStatus.NOT_FOUND)

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/pg/v4/payment/request.json":
            return self._payment_request()
        if path == "/pg/v4/payment/verify.json":
            return self._verify()
        if path.startswith("/pg/StartPay/") and path.endswith(("/pay", "/cancel")):
            authority, _, action = path.removeprefix("/pg/StartPay/").rpartition("/")
            return self._finish(authority, paid=action == "pay")
        return self._json(error_body(-9), HTTPStatus.NOT_FOUND)

    def _payment_request(self):
        body = self._body_json()
        if body is None:
            return self._json(error_body(-9), HTTPStatus.BAD_REQUEST)
        problems = request_errors(body)
        if problems:
            return self._json(error_body(-9, problems))
        authority = SESSIONS.open(
            merchant_id=body["merchant_id"],
            amount=body["amount"],
            currency=body.get("currency") or "IRR",
            description=body["description"],
            callback_url=body["callback_url"],
        )
        data = {"code": 100, "message": MESSAGES[100], "authority": authority}
        self._json({"data": {**data, "fee_type": "Merchant", "fee": 0}, "errors": []})

    def _finish(self, authority: str, *, paid: bool):
        session = SESSIONS.finish(authority, paid)
        if session is None:
            return self._html(
                notice_page("این جلسهٔ پرداخت تمام شده است.", "This payment is finished."),
                HTTPStatus.GONE,
            )
        target = with_query(
            session["callback_url"], {"Authority": authority, "Status": "OK" if paid else "NOK"}
        )
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": target})

    def _verify(self):
        body = self._body_json()
        if body is None or not isinstance(body.get("authority"), str):
            return self._json(error_body(-9), HTTPStatus.BAD_REQUEST)
        code, session = SESSIONS.verify(
            body["authority"], body.get("merchant_id"), body.get("amount")
        )
        if code not in (100, 101):
            return self._json(error_body(code))
        data = {
            "code": code,
            "message": MESSAGES[code],
            "card_hash": secrets.token_hex(32).upper(),
            "card_pan": "502229******5995",
            "ref_id": session["ref_id"],
            "fee_type": "Merchant",
            "fee": 0,
        }
        self._json({"data": data, "errors": []})


def main() -> None:
    host = os.environ.get("FAKE_BANK_HOST", "127.0.0.1")
    port = int(os.environ.get("FAKE_BANK_PORT", "54480"))
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit("fake-bank: FAKE_BANK_HOST must be a loopback address")
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    print(f"fake-bank: Zarinpal-like gateway on http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
