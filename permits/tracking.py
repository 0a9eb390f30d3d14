"""Tracking codes: `MHD-7KX4-Q9MZ` — seven random characters and a check character —
and the limit on how often one client may look codes up.

The alphabet has 31 symbols (digits 2–9 and A–Z without I, L, O): no 0/O or 1/I/L
to confuse over the phone. 31 is prime, so the weighted check character catches
every single wrong character and every swap of two neighbours. The random part comes
from `secrets` (31⁷ ≈ 27.5 billion codes): codes are not guessable in sequence.
"""

import secrets

from django.conf import settings

from gis_portal.core.i18n import PERSIAN_DIGITS
from gis_portal.core.ratelimit import rate_allow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "MHD"
RANDOM_LENGTH = 7
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
assert len(ALPHABET) == 31
#: Tracking lookups (pages, API reads, support) per client address per window (seconds):
#: codes are not guessable, and this keeps anyone from trying many.
TRACK_RATE = getattr(settings, "PERMITS_TRACK_RATE", (30, 600))


def check_character(body: str) -> str:
    total = sum((position + 1) * _VALUE[symbol] for position, symbol in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def _format(body: str) -> str:
    full = body + check_character(body)
    return f"{PREFIX}-{full[:4]}-{full[4:]}"


def tracking_code_new() -> str:
    """A fresh random code (uniqueness is enforced by the database)."""
    return _format("".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH)))


def tracking_code_normalize(text: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be a valid code.

    Accepts lower case, Persian digits, spaces and missing dashes, with or without the
    `MHD` prefix. The check character is verified here, before any database lookup.
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    compact = "".join(ch for ch in text.translate(PERSIAN_DIGITS).upper() if ch.isalnum())
    if compact.startswith(PREFIX) and len(compact) == len(PREFIX) + RANDOM_LENGTH + 1:
        compact = compact[len(PREFIX) :]
    if len(compact) != RANDOM_LENGTH + 1 or any(ch not in _VALUE for ch in compact):
        return None
    body, check = compact[:-1], compact[-1]
    if check_character(body) != check:
        return None
    return _format(body)


def lookup_allowed(request) -> bool:
    """Count one tracking lookup for this client address; False once over the limit."""
    limit, window = TRACK_RATE
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return rate_allow(f"permits:track:{address}", limit=limit, window=window)
