"""The applicant, until citizens sign in: the browser session that filed a request.

The session keeps a signed list of the tracking codes it filed (newest last, at most
MAX_CODES). The signature (salted, with SECRET_KEY) means the list is trusted only as
written by this code, whatever session backend stores it. A later sign-in replaces this
without changing the callers: they ask `applicant_session_has`.
"""

from django.core import signing

SESSION_KEY = "permitting_applicant"
SALT = "permits.permitting.applicant"
MAX_CODES = 20


def _codes(request) -> list[str]:
    token = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not token:
        return []
    try:
        codes = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return []
    return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []


def applicant_session_grant(request, tracking_code: str) -> None:
    """Remember that this browser session filed `tracking_code` (call it at filing)."""
    codes = [code for code in _codes(request) if code != tracking_code]
    codes.append(tracking_code)
    request.session[SESSION_KEY] = signing.dumps(codes[-MAX_CODES:], salt=SALT)


def applicant_session_has(request, tracking_code: str) -> bool:
    """Whether this browser session filed `tracking_code`."""
    return bool(tracking_code) and tracking_code in _codes(request)
