"""The typed rejections of filing and supporting a request (nothing is stored when one
is raised). Each surface turns them into its own error shape."""


class RequestRejected(Exception):
    """A request that cannot be filed. `message` and `errors` are for a person, in the
    active language; `errors` maps a field ("service_code", "location",
    "attributes.<code>", "description", "contact.<name|phone|email>", "photos") to
    messages. Nothing has been stored when this is raised."""

    code = "rejected"
    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class UnknownService(RequestRejected):
    code = "unknown_service"


class OutsideCityRejected(RequestRejected):
    code = "outside_city"


class ServiceNotOnline(RequestRejected):
    code = "service_not_online"


class ParcelRequired(RequestRejected):
    code = "parcel_required"


class InvalidRequest(RequestRejected):
    code = "invalid"


class IdempotencyConflict(RequestRejected):
    code = "idempotency_conflict"
    status_code = 409


class RequestNotFound(RequestRejected):
    code = "not_found"
    status_code = 404


class AlreadySupported(RequestRejected):
    code = "already_supported"
    status_code = 409


class RequestClosed(RequestRejected):
    code = "request_closed"
    status_code = 409
