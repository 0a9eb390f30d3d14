"""Open311 API keys: issue (the raw key is returned once), revoke, authenticate, rate-limit.

A key looks like `o311_<prefix>_<secret>`. The database keeps the prefix (to find the
row) and the SHA-256 of the whole key (to prove it); the key itself is never stored.
SHA-256 without a slow KDF is enough here: the secret is 256 random bits, not a
password a person chose. POSTs are counted per client in Django's cache.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.ratelimit import rate_allow
from permits.models import Open311Client

KEY_PREFIX = "o311"
PREFIX_LENGTH = 8
#: POSTs per client per window (seconds); override with settings.OPEN311_POST_RATE.
DEFAULT_POST_RATE = (120, 3600)


class Open311KeyError(Exception):
    """A key operation that cannot be done; the message is for a person."""


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    """(prefix, raw key). The prefix is lower-case hex, so it never contains '_'."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def open311_client_create(*, name: str) -> tuple[Open311Client, str]:
    """A new active client and its raw key: show the key to the person once, then forget it.

    An existing revoked client of that name gets a fresh key and is active again.
    """
    name = (name or "").strip()
    client = Open311Client.objects.select_for_update().filter(name=name).first()
    if client is not None and client.active:
        raise Open311KeyError(
            _("A client named “%(name)s” already has an active key; revoke it first.")
            % {"name": name}
        )
    if client is None:
        client = Open311Client(name=name)
    for _attempt in range(5):
        prefix, raw_key = _new_key()
        if not Open311Client.objects.filter(key_prefix=prefix).exists():
            break
    else:  # pragma: no cover - 16^8 prefixes
        raise RuntimeError("could not draw an unused key prefix")
    client.key_prefix = prefix
    client.key_hash = _hash(raw_key)
    client.active = True
    client.revoked_at = None
    try:
        client.full_clean()
    except ValidationError as error:
        raise Open311KeyError("; ".join(error.messages)) from None
    client.save()
    return client, raw_key


@transaction.atomic
def open311_client_revoke(*, name: str) -> Open311Client:
    """Revoke the client's key: it stops working at once."""
    client = Open311Client.objects.select_for_update().filter(name=(name or "").strip()).first()
    if client is None:
        raise Open311KeyError(_("There is no Open311 client named “%(name)s”.") % {"name": name})
    if client.active:
        client.active = False
        client.revoked_at = timezone.now()
        client.full_clean()
        client.save(update_fields=["active", "revoked_at"])
    return client


def open311_client_authenticate(raw_key) -> Open311Client | None:
    """The active client this key belongs to, or None (missing, malformed, wrong, revoked)."""
    if not isinstance(raw_key, str) or len(raw_key) > 100:
        return None
    parts = raw_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != PREFIX_LENGTH:
        return None
    client = Open311Client.objects.filter(key_prefix=parts[1], active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(raw_key.strip())):
        return None
    return client


def open311_post_allowed(client: Open311Client) -> bool:
    """Count one POST for this client; False once it is over its limit for the window."""
    limit, window = getattr(settings, "OPEN311_POST_RATE", DEFAULT_POST_RATE)
    return rate_allow(f"open311:posts:{client.pk}:{client.key_prefix}", limit=limit, window=window)
