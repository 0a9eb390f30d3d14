"""Telling the requester: email (Django mail backends) and SMS (permits.sms).

Messages are plain text in the requester's language (the one active when they filed),
so markup typed into a request is shown as text. Sending never breaks a request:
failures are logged.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from permits.models import RequestEvent, ServiceRequest
from permits.sms import send_sms

logger = logging.getLogger(__name__)


def _context(request: ServiceRequest, event: RequestEvent | None) -> dict:
    return {
        "request": request,
        "event": event,
        "track_url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/track/{request.tracking_code}/"
        if getattr(settings, "PORTAL_BASE_URL", "")
        else f"/track/{request.tracking_code}/",
    }


def request_notify(*, request: ServiceRequest, event: RequestEvent | None = None) -> None:
    """Email and SMS the requester about `event` (the filing itself when it is 'submitted')."""
    if not (request.contact_email or request.contact_phone):
        return
    # Only the messages that will be sent are rendered (most requesters give one contact).
    with translation.override(request.language or settings.LANGUAGE_CODE):
        context = _context(request, event)
        if request.contact_email:
            subject = " ".join(render_to_string("permits/email/subject.txt", context).split())
            body = render_to_string("permits/email/status.txt", context)
        if request.contact_phone:
            sms = render_to_string("permits/email/sms.txt", context).strip()
    if request.contact_email:
        try:
            send_mail(subject, body, None, [request.contact_email])
        except Exception:  # a mail outage must not lose the request
            logger.exception("email to the requester of %s failed", request.tracking_code)
    if request.contact_phone:
        try:
            send_sms(request.contact_phone, sms)
        except Exception:
            logger.exception("SMS to the requester of %s failed", request.tracking_code)


def request_notify_status(*, request: ServiceRequest, event: RequestEvent) -> None:
    """Tell the requester about a public change (every public status change or public
    note). Sent after the surrounding transaction commits."""
    if not event.public:
        return
    transaction.on_commit(partial(request_notify, request=request, event=event), robust=True)
