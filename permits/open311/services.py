"""Filing through Open311: the same `request_file` as the web form and the JSON API
(validation, routing, notifications), with channel "open311", plus the Open311Submission
row (which client filed it, its media_url and account_id) in the same transaction."""

from django.db import transaction

from permits.filing import Contact, request_file
from permits.models import Channel, Open311Client, Open311Submission, ServiceRequest
from permits.open311.params import Filing


def open311_request_file(*, client: Open311Client, filing: Filing) -> ServiceRequest:
    """File `filing` for `client`. Raises permits.filing.RequestRejected; nothing is
    stored then."""
    with transaction.atomic():
        filed = request_file(
            service_code=filing.service_code,
            point=filing.point,
            attributes=filing.attributes,
            description=filing.description,
            contact=Contact(name=filing.name, phone=filing.phone, email=filing.email),
            photos=filing.media,
            channel=Channel.OPEN311,
        )
        submission = Open311Submission(
            request=filed,
            client=client,
            media_url=filing.media_url,
            account_id=filing.account_id,
        )
        submission.full_clean()
        submission.save()
    return filed
