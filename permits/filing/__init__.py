"""Filing a request, and supporting an existing one.

`request_file` (services) checks what a person sent (validation), finds where the
request goes (routing), answers a retry with its first request (idempotency), and
stores the request and its history in one statement (store). `request_support`
(support) adds a supporter to an open request instead of a duplicate. The rejections
(errors) are typed; each surface turns them into its own error shape.
"""

from permits.filing.errors import (
    AlreadySupported,
    IdempotencyConflict,
    InvalidRequest,
    OutsideCityRejected,
    ParcelRequired,
    RequestClosed,
    RequestNotFound,
    RequestRejected,
    ServiceNotOnline,
    UnknownService,
)
from permits.filing.idempotency import idempotency_record_response
from permits.filing.routing import request_route
from permits.filing.services import request_file
from permits.filing.support import request_support
from permits.filing.validation import Contact

__all__ = [
    "AlreadySupported",
    "Contact",
    "IdempotencyConflict",
    "InvalidRequest",
    "OutsideCityRejected",
    "ParcelRequired",
    "RequestClosed",
    "RequestNotFound",
    "RequestRejected",
    "ServiceNotOnline",
    "UnknownService",
    "idempotency_record_response",
    "request_file",
    "request_route",
    "request_support",
]
