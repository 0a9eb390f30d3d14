"""Settings for the GIS Portal, read from the environment (see .env.example).

Every value has a development default so `make run` works on a fresh clone; with
DJANGO_DEBUG=false the production hardening below applies.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from .env without overriding the real environment."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


_load_dotenv(BASE_DIR / ".env")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "gis_portal",
    "parcels",
    "permits",
    "layers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gis_portal.site.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Widgets render through TEMPLATES, so templates/gis/ can hold the offline map widget.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "gis_portal.urls"
WSGI_APPLICATION = "gis_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gis_portal.site.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"postgis://postgres@127.0.0.1:{env('PGPORT', '54329')}/gis_portal"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Session settings of the portal's connections. JIT compilation adds tens of ms to the
# few-hundred-ms GeoJSON/MVT queries and saves nothing on a web workload (make bench,
# row 5); "" keeps the server's defaults.
if env("DB_SESSION_OPTIONS", "-c jit=off"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env(
        "DB_SESSION_OPTIONS", "-c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Persian first (RTL), English second. The portal ignores the browser's
# Accept-Language: the city's default is Persian, the switch in the header sets a cookie.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tehran"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/leaflet", BASE_DIR / "node_modules/leaflet/dist"),
    ("vendor/leaflet.markercluster", BASE_DIR / "node_modules/leaflet.markercluster/dist"),
    ("vendor/leaflet.heat", BASE_DIR / "node_modules/leaflet.heat/dist"),
    ("vendor/leaflet.vectorgrid", BASE_DIR / "node_modules/leaflet.vectorgrid/dist"),
    ("vendor/ol", BASE_DIR / "node_modules/ol"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "media")

# Request bodies: uploads are capped per file by the services; this is the outer cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "gis_portal.site.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GIS Portal API",
    "DESCRIPTION": "District services anchored to the map: lookup, filing, tracking, layers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the request statuses wherever a serializer offers them as choices.
    "ENUM_NAME_OVERRIDES": {"RequestStatusEnum": "permits.models.RequestStatus"},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env("CACHE_BACKEND") == "db"
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal_cache",
    }
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "portal@example.org")
SMS_BACKEND = env("SMS_BACKEND", "permits.sms.ConsoleSmsBackend")

# Map and spatial settings.
MAP_CENTER = (36.2970, 59.6062)  # Mashhad (lat, lon)
MAP_TILE_URL = env("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION")
GPS_TOLERANCE_M = float(env("GPS_TOLERANCE_M", "30"))
PILOT_DISTRICT_CODE = 11

LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

# gis.W001: GDAL < 3.9 cannot block network access for spatial references. The portal
# never builds a SpatialReference or geometry from user text (gis_portal/geo.py), opens
# uploads only through an allow-list of drivers (gis_portal/vector_files.py) and refuses
# GeoJSON crs links; see README "Security".
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Permit documents --------------------------------------------------------------------
# Documents given with permit requests (deeds, ID cards…) live outside MEDIA_ROOT and are
# never served under a URL of their own: only a view that checks who asks returns them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private-media")
# The cap above every requirement's own size cap, and the pages a PDF may have.
PERMIT_DOCUMENT_MAX_BYTES = int(env("PERMIT_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
PERMIT_DOCUMENT_MAX_PAGES = int(env("PERMIT_DOCUMENT_MAX_PAGES", "100"))
# How many documents one request may hold (corrected scans included).
PERMIT_DOCUMENTS_PER_REQUEST = int(env("PERMIT_DOCUMENTS_PER_REQUEST", "30"))
# --- payments --------------------------------------------------------------------------------
# Online payment of a permit's fees through az-iranian-bank-gateways, speaking Zarinpal's v4
# protocol (permits/permitting/payments_gateway.py). PAYMENTS_GATEWAY_URL is the bank's base
# URL: by default the fake bank that `make run` starts on loopback (scripts/fake_bank.py);
# production sets it to the bank's own address and ZARINPAL_MERCHANT_CODE to the real terminal.
INSTALLED_APPS += ["azbankgateways"]  # its Bank record keeps the gateway's own state
FAKE_BANK_PORT = int(env("FAKE_BANK_PORT", "54480"))
PAYMENTS_GATEWAY_URL = env("PAYMENTS_GATEWAY_URL", f"http://127.0.0.1:{FAKE_BANK_PORT}")
AZ_IRANIAN_BANK_GATEWAYS = {
    "GATEWAYS": {
        "ZARINPAL": {
            "MERCHANT_CODE": env("ZARINPAL_MERCHANT_CODE", "00000000-0000-4000-8000-000000000000"),
            "SANDBOX": 0,
        },
    },
    "DEFAULT": "ZARINPAL",
    "CURRENCY": "IRR",
    "BANK_TIMEOUT": int(env("PAYMENTS_GATEWAY_TIMEOUT", "5")),
}
# A started payment older than this is abandoned when the citizen starts another one.
PAYMENTS_PENDING_MINUTES = int(env("PAYMENTS_PENDING_MINUTES", "15"))
