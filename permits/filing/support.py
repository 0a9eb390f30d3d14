"""'Support this instead': a citizen who finds the same problem already reported adds
their support to the open request (once per contact) rather than filing a duplicate.
The nearby candidates come from `permits.selectors.nearby_open_requests`."""

import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gis_portal.core.i18n import in_both_languages
from permits.filing.errors import AlreadySupported, RequestClosed, RequestNotFound
from permits.filing.validation import phone_normalize
from permits.models import EventKind, RequestEvent, ServiceRequest, Support
from permits.selectors import request_public


def _contact_hash(contact: str) -> str:
    """A keyed digest of the contact (spaces, dashes, case and digit script ignored): the
    contact itself is not stored."""
    normalized = phone_normalize(contact).lower()
    return hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def request_support(
    *,
    request: ServiceRequest | None = None,
    tracking_code: str | None = None,
    contact: str = "",
) -> ServiceRequest:
    """Add a supporter to an open request (once per contact, when one is given)."""
    if request is None:
        request = request_public(tracking_code or "")
        if request is None:
            raise RequestNotFound(_("No request has this tracking code."))
    if not request.is_open:
        raise RequestClosed(_("This request is closed and cannot be supported."))
    contact_hash = _contact_hash(contact) if contact else ""
    try:
        with transaction.atomic():
            support = Support(request=request, contact_hash=contact_hash)
            support.full_clean(validate_constraints=False)
            support.save()
            ServiceRequest.objects.filter(pk=request.pk).update(supporters=F("supporters") + 1)
            fa, en = in_both_languages(lambda: _("Another citizen supported this request."))
            RequestEvent.objects.create(
                request=request, kind=EventKind.SUPPORT_ADDED, public=True, note_fa=fa, note_en=en
            )
    except IntegrityError:
        raise AlreadySupported(_("You have already supported this request.")) from None
    request.refresh_from_db(fields=["supporters"])
    return request
