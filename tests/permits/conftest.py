"""Fixtures for the permits app: clean outboxes, a clean cache, "nothing stored" checks.

The demo catalogue is the `catalogue` fixture of tests/conftest.py."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from permits import sms
from permits.models import Attachment, IdempotencyRecord, RequestEvent, ServiceRequest, Support


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()
    cache.clear()


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


class NothingStored:
    """Counts of everything a filing writes, and the files on disk, before and after."""

    def __init__(self):
        self.before = self._snapshot()

    @staticmethod
    def _snapshot():
        return (
            ServiceRequest.objects.count(),
            RequestEvent.objects.count(),
            Attachment.objects.count(),
            Support.objects.count(),
            IdempotencyRecord.objects.count(),
            media_files(),
        )

    def check(self):
        assert self._snapshot() == self.before


@pytest.fixture
def nothing_stored():
    """`with nothing_stored():`-style: take a snapshot, call `.check()` after the act."""
    return NothingStored
