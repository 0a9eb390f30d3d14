"""Test overrides: the same settings, with fast hashing, captured mail, temp media."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API

from gis_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "permits.sms.MemorySmsBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="gis-portal-media-")
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Parallel suites (several checkouts or developers on one cluster) need distinct names.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_gis_portal")}  # noqa: F405
ALLOWED_HOSTS = ["*"]
PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="gis-portal-private-")
