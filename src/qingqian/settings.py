"""Django settings for Qingqian.

Everything that differs between a laptop demo and production comes from the environment:

* ``DATABASE_URL`` — default: SQLite file ``var/qingqian.sqlite3`` in the checkout.
* ``QINGQIAN_SECRET_KEY`` — Django's secret key.
* ``QINGQIAN_FIELD_KEY`` — base64 32-byte key for field-level encryption of ID and phone
  numbers; ``QINGQIAN_LOOKUP_KEY`` — key for their keyed look-up hashes.
* ``QINGQIAN_LOG_SIGNING_KEY`` — the case log's note signer; ``QINGQIAN_VOICE_WEBHOOK_SECRET``
  — the robot-call webhook's HMAC key.
  These five are required: without them start-up is refused unless ``QINGQIAN_DEV=1`` (or
  debug) allows development keys derived from a published secret (docs/security.md).
* ``QINGQIAN_DEBUG`` — ``1`` for debug pages; ``QINGQIAN_ALLOWED_HOSTS`` — comma list.
* ``QINGQIAN_DATA_DIR`` — where the SQLite file and uploaded files live (default ``var/``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import dj_database_url

from qingqian.ledger.checkpoint import origin_for_url
from qingqian.ledger.note import SignerKey
from qingqian.ops.sqlite_wal import init_pragmas as sqlite_wal_pragmas

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("QINGQIAN_DATA_DIR", REPO_DIR / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("QINGQIAN_DEBUG", False)
# Development and the demo: debug on, or ``QINGQIAN_DEV=1`` (``make demo``, ``make test`` and
# the test suite set it). Only then may keys be derived from a development secret; anywhere
# else start-up is refused until every key is set (docs/security.md, "Keys").
DEV_MODE = DEBUG or _env_bool("QINGQIAN_DEV", False)
_DEV_SECRET = "qingqian-development-only-secret-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("QINGQIAN_SECRET_KEY", "") or _DEV_SECRET
IS_DEV_SECRET = SECRET_KEY == _DEV_SECRET

# Every key production needs; none may be derived from the development secret.
REQUIRED_KEYS = (
    "QINGQIAN_SECRET_KEY",
    "QINGQIAN_FIELD_KEY",
    "QINGQIAN_LOOKUP_KEY",
    "QINGQIAN_LOG_SIGNING_KEY",
    "QINGQIAN_VOICE_WEBHOOK_SECRET",
)
MISSING_KEYS = [name for name in REQUIRED_KEYS if not os.environ.get(name, "").strip()]
if MISSING_KEYS and not DEV_MODE:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "拒绝启动：缺少密钥 / Refusing to start without these keys: "
        + ", ".join(MISSING_KEYS)
        + ". Generate them with `QINGQIAN_DEV=1 qingqian keys generate` (docs/security.md); "
        "for development or the demo only, set QINGQIAN_DEV=1."
    )


def _derived_key(env_name: str, purpose: str) -> bytes:
    """A key from the environment (base64), or one derived from SECRET_KEY for development."""
    raw = os.environ.get(env_name)
    if raw:
        key = base64.b64decode(raw)
        if len(key) != 32:
            raise ValueError(f"{env_name} must be 32 bytes, base64-encoded")
        return key
    return hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()


FIELD_ENCRYPTION_KEY = _derived_key("QINGQIAN_FIELD_KEY", "field-encryption")
FIELD_LOOKUP_KEY = _derived_key("QINGQIAN_LOOKUP_KEY", "field-lookup")
# Previous field keys (comma-separated base64), still able to decrypt during a rotation
# (`qingqian keys rotate-field-key`; docs/security.md).
FIELD_ENCRYPTION_OLD_KEYS = [
    base64.b64decode(k) for k in os.environ.get("QINGQIAN_FIELD_OLD_KEYS", "").split(",") if k
]

# The case log (docs/ledger.md): origin line, Ed25519 note signer key
# (PRIVATE+KEY+<origin>+…; `qingqian ledger keygen` prints one), witness verifier keys.
# The public base URL of this deployment; the log origin is derived from it (the tiles are
# served under <public URL>/tlog/), unless QINGQIAN_LOG_ORIGIN names one explicitly.
QINGQIAN_PUBLIC_URL = os.environ.get("QINGQIAN_PUBLIC_URL", "http://127.0.0.1:8000")
QINGQIAN_LOG_ORIGIN = os.environ.get("QINGQIAN_LOG_ORIGIN") or origin_for_url(QINGQIAN_PUBLIC_URL)
QINGQIAN_LOG_SIGNING_KEY = os.environ.get("QINGQIAN_LOG_SIGNING_KEY") or (
    SignerKey(QINGQIAN_LOG_ORIGIN, 1, _derived_key("", "log-signing")).encode()
)
# The log's first signing key, pinned (its verifier key): after a key rotation, `ledger
# verify` follows the announced keys from it (docs/security.md, key rotation). Unset: the
# signing key above, which holds only while no rotation was announced.
QINGQIAN_LOG_FIRST_KEY = os.environ.get("QINGQIAN_LOG_FIRST_KEY", "")
QINGQIAN_WITNESS_KEYS = os.environ.get("QINGQIAN_WITNESS_KEYS", "").replace(",", " ").split()
# h16p: checkpoint signing is batched (docs/ledger.md): after a commit the log signs a new
# checkpoint once it has grown by this many entries or its newest checkpoint is this old;
# a served or exported checkpoint is always signed first and covers the whole log.
QINGQIAN_LOG_CHECKPOINT_EVERY = int(os.environ.get("QINGQIAN_LOG_CHECKPOINT_EVERY", "1000"))
QINGQIAN_LOG_CHECKPOINT_MS = int(os.environ.get("QINGQIAN_LOG_CHECKPOINT_MS", "1000"))
# Distinct witnesses an exported checkpoint needs (default 1 when witnesses are configured).
QINGQIAN_WITNESS_QUORUM = os.environ.get("QINGQIAN_WITNESS_QUORUM", "")
# RFC 3161 time-stamping authority for checkpoints (URL + PEM file of trusted roots); unset: none.
QINGQIAN_TSA_URL = os.environ.get("QINGQIAN_TSA_URL", "")
QINGQIAN_TSA_ROOTS = os.environ.get("QINGQIAN_TSA_ROOTS", "")
# Or an adapter factory (dotted path); `make demo` uses the labelled, untrusted in-process
# authority `qingqian.ledger.demo_tsa.demo_authority`. Production sets the two above.
QINGQIAN_TIMESTAMP_AUTHORITY = os.environ.get("QINGQIAN_TIMESTAMP_AUTHORITY", "")

# h23f: the consortium (docs/consortium.md). This member's key name and Ed25519 signing key
# (PRIVATE+KEY+<name>+…; `qingqian consortium key` prints the public half); with none set,
# one derived from the secret key and the name. Queries each member may send per hour and
# per day (PSI and facts together), codes per query, and the time allowed for an answer.
QINGQIAN_CONSORTIUM_NAME = os.environ.get("QINGQIAN_CONSORTIUM_NAME") or origin_for_url(
    QINGQIAN_PUBLIC_URL, "consortium"
)
QINGQIAN_CONSORTIUM_SIGNING_KEY = os.environ.get("QINGQIAN_CONSORTIUM_SIGNING_KEY") or (
    SignerKey(
        QINGQIAN_CONSORTIUM_NAME,
        1,
        _derived_key("", "consortium-signing:" + QINGQIAN_CONSORTIUM_NAME),
    ).encode()
)
QINGQIAN_CONSORTIUM_PER_HOUR = int(os.environ.get("QINGQIAN_CONSORTIUM_PER_HOUR", "40"))
QINGQIAN_CONSORTIUM_PER_DAY = int(os.environ.get("QINGQIAN_CONSORTIUM_PER_DAY", "200"))
QINGQIAN_CONSORTIUM_CODES_PER_QUERY = 1
QINGQIAN_CONSORTIUM_TIMEOUT = float(os.environ.get("QINGQIAN_CONSORTIUM_TIMEOUT", "30"))

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QINGQIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("QINGQIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "qingqian.accounts",
    "qingqian.audit",  # the audit trail every app writes (docs/architecture.md)
    "qingqian.compliance",
    "qingqian.parties",
    "qingqian.cases",
    "qingqian.legaldata",
    "qingqian.ledger",
    "qingqian.evidence",
    "qingqian.fees",  # schedules, caps, commission, agreements (ADR 0008)
    "qingqian.reports",
    "qingqian.payments",
    "qingqian.netting",
    "qingqian.strategy",
    "qingqian.contact",
    "qingqian.desk",  # the collector's desk, above contact, scoring and strategy
    "qingqian.scoring",
    "qingqian.negotiation",
    "qingqian.litigation",
    "qingqian.kpis",
    "qingqian.mediation",  # h18
    "qingqian.portal",
    "qingqian.web",
    "qingqian.api",
    "qingqian.commands",
    "qingqian.ops",
    # h19b: the demo outbox (SMS and e-mail kept, not sent) and the creditor's desk
    "qingqian.outbox",
    "qingqian.vouchers",  # h23v: electronic debt vouchers
    "qingqian.creditors",
    # h23f: sharing bad-debtor facts between firms (docs/consortium.md)
    "qingqian.consortium",
]

MIDDLEWARE = [
    "qingqian.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "qingqian.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qingqian.common.middleware.RequestIdMiddleware",
    # A request never runs as a declared platform job (common.system).
    "qingqian.common.middleware.SystemJobBoundaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qingqian.accounts.middleware.IdleSessionMiddleware",
    "qingqian.common.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # h15b: who verified a second factor (django-otp), then staff who must are held to it.
    "django_otp.middleware.OTPMiddleware",
    "qingqian.accounts.middleware.TwoFactorMiddleware",
    "qingqian.web.middleware.RouteAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qingqian.common.middleware.ErrorBoundaryMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qingqian.urls"
WSGI_APPLICATION = "qingqian.wsgi.application"
ASGI_APPLICATION = "qingqian.asgi.application"

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
                "qingqian.web.context_processors.help_link",  # h24: the page's guide section
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'qingqian.sqlite3'}",
        conn_max_age=int(os.environ.get("QINGQIAN_CONN_MAX_AGE", "0")),
    )
}
# Behind a transaction-mode pooler (PgBouncer, docs/operations.md) a server session is lent
# for one transaction only: nothing may live in it across transactions — no named
# server-side cursors, no prepared statements (psycopg's own or the contact gate's PREPARE).
QINGQIAN_DB_POOLED = _env_bool("QINGQIAN_DB_POOLED", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The default database is a file in var/ of the checkout; create the folder on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # WAL checkpoints run on a thread of their own unless
            # QINGQIAN_SQLITE_CHECKPOINT=inline (qingqian/ops/sqlite_wal.py).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            + sqlite_wal_pragmas(),
        }
    )
elif QINGQIAN_DB_POOLED:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed logins (staff login and admin login alike) lock the account for a cool-off period
# (django-axes; security finding 6): counted per user name and, separately, per address.
AUTHENTICATION_BACKENDS = [
    "qingqian.accounts.backends.LockoutBackend",
    "qingqian.accounts.backends.StaffModelBackend",  # ModelBackend, organisation joined
]
AXES_FAILURE_LIMIT = int(os.environ.get("QINGQIAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=int(os.environ.get("QINGQIAN_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# h15b: staff two-factor authentication (docs/security.md, "Two-factor"). These roles must
# enrol a TOTP authenticator and verify a code after the password; anyone else may enrol.
QINGQIAN_2FA_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get("QINGQIAN_2FA_REQUIRED_ROLES", "admin,compliance").split(",")
    if r.strip()
]
# Wrong codes in a row before the session is signed out (the password again, counted by axes).
QINGQIAN_2FA_MAX_WRONG_PER_SESSION = 5
OTP_TOTP_ISSUER = "Qingqian"
# h15b: password reset links expire after an hour; at most this many go to one account an hour.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("QINGQIAN_PASSWORD_RESET_SECONDS", "3600"))
QINGQIAN_PASSWORD_RESET_PER_HOUR = 3
# h15b: years a natural person's identity is kept after the last of their cases closed,
# unless the organisation set its own period (parties.RetentionRule; docs/pipl.md).
QINGQIAN_RETENTION_YEARS = {"debtor_identity": 5}
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# API tokens expire after this many days unless created with another lifetime.
QINGQIAN_API_TOKEN_DAYS = int(os.environ.get("QINGQIAN_API_TOKEN_DAYS", "90"))
# Sessions end after 30 idle minutes and with the browser. Activity renews the idle clock at
# most once a minute (accounts.middleware.IdleSessionMiddleware), not with a write per request.
SESSION_COOKIE_AGE = int(os.environ.get("QINGQIAN_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
QINGQIAN_SESSION_RENEW_SECONDS = int(os.environ.get("QINGQIAN_SESSION_RENEW_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Chinese numbers grouped by thousands with commas, as on invoices (common/formats).
FORMAT_MODULE_PATH = ["qingqian.common.formats"]
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# h24: the user guide. `make docs` builds it into var/guide, served at /guide/; a deployment
# that publishes it elsewhere sets QINGQIAN_GUIDE_URL and every page's help link goes there.
GUIDE_DIR = Path(os.environ.get("QINGQIAN_GUIDE_DIR", REPO_DIR / "var" / "guide")).resolve()
GUIDE_URL = os.environ.get("QINGQIAN_GUIDE_URL", "/guide/")
# Uploaded files (evidence, imports) go through the storage API: a local folder by default,
# an S3-compatible object store (SeaweedFS, MinIO, a cloud's) when QINGQIAN_S3_BUCKET is set.
QINGQIAN_S3_BUCKET = os.environ.get("QINGQIAN_S3_BUCKET", "")
_DEFAULT_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if QINGQIAN_S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": QINGQIAN_S3_BUCKET,
            "endpoint_url": os.environ.get("QINGQIAN_S3_ENDPOINT") or None,
            "access_key": os.environ.get("QINGQIAN_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("QINGQIAN_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("QINGQIAN_S3_REGION", "us-east-1"),
            "location": os.environ.get("QINGQIAN_S3_PREFIX", ""),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            # Never overwrite: a second upload under a taken name gets a new name.
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Case lists (page and API) count their result exactly up to this many cases; past it they
# show PostgreSQL's plan estimate ("about N"): COUNT(*) over 100,000 cases cost 42 ms a page.
QINGQIAN_EXACT_COUNT_UP_TO = int(os.environ.get("QINGQIAN_EXACT_COUNT_UP_TO", "10000"))

# Uploads: ledgers up to 50 MB are read from a temporary file, never held in memory whole.
QINGQIAN_MAX_IMPORT_BYTES = int(os.environ.get("QINGQIAN_MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))
# What one ledger may make the reader hold (docs/security.md, "Import memory bombs").
QINGQIAN_IMPORT_MAX_CELL_CHARS = int(os.environ.get("QINGQIAN_IMPORT_MAX_CELL_CHARS", "4096"))
QINGQIAN_IMPORT_MAX_ROWS = int(os.environ.get("QINGQIAN_IMPORT_MAX_ROWS", "200000"))
QINGQIAN_IMPORT_MAX_ERRORS = int(os.environ.get("QINGQIAN_IMPORT_MAX_ERRORS", "1000"))
QINGQIAN_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("QINGQIAN_IMPORT_MAX_UNZIPPED_BYTES", str(256 * 1024 * 1024))
)
# Uploaded ledgers are deleted once their import has finished (0), or after this many hours.
QINGQIAN_IMPORT_FILE_RETENTION_HOURS = int(
    os.environ.get("QINGQIAN_IMPORT_FILE_RETENTION_HOURS", "0")
)
# Uploaded files are readable by the service's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("QINGQIAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production (docs/security.md, "Deployment"): HTTPS only, behind a TLS-terminating proxy
# that sets X-Forwarded-Proto. Each can be turned off by its variable, and `qingqian check
# --deploy` then says so.
if not DEV_MODE:
    SESSION_COOKIE_SECURE = _env_bool("QINGQIAN_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = _env_bool("QINGQIAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("QINGQIAN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("QINGQIAN_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("QINGQIAN_HSTS_PRELOAD", True)
if _env_bool("QINGQIAN_BEHIND_PROXY", not DEV_MODE):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy and Permissions-Policy (common.middleware.SecurityHeadersMiddleware):
# scripts, styles, images and requests from this origin only; no plugins, no framing.
QINGQIAN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    # The portal's pay form redirects to WeChat Pay's H5 cashier (docs/portal.md).
    "form-action 'self' https://wx.tenpay.com; frame-ancestors 'none'"
)
QINGQIAN_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)

# Logs: text by default; one JSON object per line (QINGQIAN_LOG_FORMAT=json, what
# `qingqian serve` sets) for a log shipper. QINGQIAN_REQUEST_LOG=INFO logs every request.
QINGQIAN_LOG_FORMAT = os.environ.get("QINGQIAN_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "qingqian.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if QINGQIAN_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("QINGQIAN_LOG_LEVEL", "WARNING")},
    "loggers": {
        "qingqian.request": {"level": os.environ.get("QINGQIAN_REQUEST_LOG", "WARNING")},
    },
}

# /metrics (docs/operations.md): a scraper with this bearer token; with no token set, only
# the client addresses listed (this machine by default).
QINGQIAN_METRICS_TOKEN = os.environ.get("QINGQIAN_METRICS_TOKEN", "")
QINGQIAN_METRICS_ALLOW = [
    a.strip()
    for a in os.environ.get("QINGQIAN_METRICS_ALLOW", "127.0.0.1,::1").split(",")
    if a.strip()
]

# What a debtor says on a robot call (transcript events at the signed webhook) is analysed
# and acted on: distress stops automated contact, anger goes to a person (docs/contact-gate.md).
QINGQIAN_CONTACT_TRANSCRIPT_HOOK = os.environ.get(
    "QINGQIAN_CONTACT_TRANSCRIPT_HOOK", "qingqian.contact.followups.transcript_event_handle"
)

# Contact channels and the contact policy in force (docs/contact-gate.md). Without provider
# keys the SMS adapter refuses to send (code sms_not_configured).
QINGQIAN_CONTACT_POLICY = os.environ.get("QINGQIAN_CONTACT_POLICY", "cn-default")
# The callback number printed in reminders and notices the strategy engine sends.
QINGQIAN_CONTACT_PHONE = os.environ.get("QINGQIAN_CONTACT_PHONE", "")
QINGQIAN_SMS_ACCESS_KEY_ID = os.environ.get("QINGQIAN_SMS_ACCESS_KEY_ID", "")
QINGQIAN_SMS_ACCESS_KEY_SECRET = os.environ.get("QINGQIAN_SMS_ACCESS_KEY_SECRET", "")
QINGQIAN_SMS_SIGN_NAME = os.environ.get("QINGQIAN_SMS_SIGN_NAME", "清欠")
# {"purpose": "SMS_123456", ...}: the provider's approved template code per message purpose
QINGQIAN_SMS_TEMPLATES = json.loads(os.environ.get("QINGQIAN_SMS_TEMPLATES", "{}"))
QINGQIAN_VOICE_PROVIDER_URL = os.environ.get("QINGQIAN_VOICE_PROVIDER_URL", "")
QINGQIAN_VOICE_WEBHOOK_SECRET = os.environ.get("QINGQIAN_VOICE_WEBHOOK_SECRET", "")  # required


def _pem(env_name: str) -> str:
    """A PEM key from the file the environment names ('' when unset)."""
    path = os.environ.get(env_name, "")
    return Path(path).read_text(encoding="ascii") if path else ""


# WeChat Pay API v3 (docs/portal.md): H5 orders from the portal and the payment notices.
# Without the merchant's id, app id, certificate serial, private key and notify URL the
# portal offers bank transfer only.
QINGQIAN_WECHATPAY = {
    "mchid": os.environ.get("QINGQIAN_WECHATPAY_MCHID", ""),
    "appid": os.environ.get("QINGQIAN_WECHATPAY_APPID", ""),
    "merchant_serial": os.environ.get("QINGQIAN_WECHATPAY_MERCHANT_SERIAL", ""),
    "merchant_private_key": _pem("QINGQIAN_WECHATPAY_MERCHANT_KEY_FILE"),
    "notify_url": os.environ.get("QINGQIAN_WECHATPAY_NOTIFY_URL", ""),
    "api_base": os.environ.get("QINGQIAN_WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com"),
    "platform_public_key": _pem("QINGQIAN_WECHATPAY_PLATFORM_KEY_FILE"),
    "platform_serial": os.environ.get("QINGQIAN_WECHATPAY_PLATFORM_SERIAL", ""),
    "apiv3_key": os.environ.get("QINGQIAN_WECHATPAY_APIV3_KEY", ""),
}
# E-mail (contact channel, one-time codes): Django's SMTP backend when a host is given.
if os.environ.get("QINGQIAN_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["QINGQIAN_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("QINGQIAN_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("QINGQIAN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("QINGQIAN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("QINGQIAN_EMAIL_TLS", "1") == "1"
else:  # development and the demo: messages are printed, never sent
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("QINGQIAN_EMAIL_FROM", "清欠 Qingqian <noreply@localhost>")
# The debt radar (docs/scoring.md): the AUC lift over the live model (the expert card
# included) a trained model needs on the held-out window to be promoted, and the monitoring
# alert thresholds (PSI of the score and of each feature; |observed - predicted| rate).
QINGQIAN_SCORING_MIN_LIFT = float(os.environ.get("QINGQIAN_SCORING_MIN_LIFT", "0.02"))
QINGQIAN_SCORING_DRIFT = {
    "psi_score": float(os.environ.get("QINGQIAN_SCORING_PSI_SCORE", "0.25")),
    "psi_feature": float(os.environ.get("QINGQIAN_SCORING_PSI_FEATURE", "0.25")),
    "calibration_gap": float(os.environ.get("QINGQIAN_SCORING_CALIBRATION_GAP", "0.10")),
    "min_outcomes": int(os.environ.get("QINGQIAN_SCORING_MIN_OUTCOMES", "30")),
}

# h19b: the bank account debtors pay into (docs/portal.md); shown with the case's reference.
if os.environ.get("QINGQIAN_TRUST_ACCOUNT_NUMBER"):
    QINGQIAN_TRUST_ACCOUNT = {
        "name": os.environ.get("QINGQIAN_TRUST_ACCOUNT_NAME", ""),
        "bank": os.environ.get("QINGQIAN_TRUST_ACCOUNT_BANK", ""),
        "number": os.environ["QINGQIAN_TRUST_ACCOUNT_NUMBER"],
    }
# h19b: demo mode (``make demo`` sets QINGQIAN_DEMO=1; development keys only). SMS and e-mail
# go to the outbox page (/outbox/) instead of a provider, online payment to the fake provider,
# transfers to a trust account labelled as the demo's. Every one of these is labelled demo.
QINGQIAN_DEMO = DEV_MODE and _env_bool("QINGQIAN_DEMO", False)
if QINGQIAN_DEMO:
    QINGQIAN_CONTACT_ADAPTERS = {
        "sms": "qingqian.outbox.adapters.OutboxSmsAdapter",
        "email": "qingqian.outbox.adapters.OutboxEmailAdapter",
    }
    PORTAL_FAKE_PROVIDER = True
    QINGQIAN_TRUST_ACCOUNT = {
        "name": "苏州清欠商事调解服务中心客户资金专户（演示）",
        "bank": "演示银行苏州工业园区支行",
        "number": "3202 0000 0000 0000 000（演示账号）",
    }
