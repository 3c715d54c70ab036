"""Django settings for Qinqing.

One file, driven by environment variables so that the same code runs the embedded demo
(SQLite), the test suite (SQLite and PostgreSQL) and production (PostgreSQL behind HTTPS):

- ``DATABASE_URL``: ``postgres://user@host:5432/name``; default: SQLite in ``var/``.
- ``QINQING_SECRET_KEY``: required when ``QINQING_HTTPS=1``; otherwise one is generated
  once into ``var/secret_key``.
- ``QINQING_HTTPS=1``: production transport security (secure cookies, HSTS, SSL redirect).
- ``QINQING_DEBUG=1``: Django debug pages (development only).
- ``QINQING_ALLOWED_HOSTS``: comma-separated host names.
"""

from __future__ import annotations

import os
import secrets
import sys
import typing
from pathlib import Path

import csp.constants
import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QINQING_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

HTTPS = os.environ.get("QINQING_HTTPS") == "1"
DEBUG = os.environ.get("QINQING_DEBUG") == "1"


def _secret_key() -> str:
    key = os.environ.get("QINQING_SECRET_KEY")
    if key:
        return key
    if HTTPS:
        raise RuntimeError("QINQING_SECRET_KEY must be set when QINQING_HTTPS=1")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QINQING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_celery_beat",
    # core building blocks: they know no domain
    "qinqing.core.audit",
    "qinqing.core.orgs",
    "qinqing.core.accounts",
    "qinqing.core.workdays",
    "qinqing.core.enterprises",
    "qinqing.core.notifications",
    "qinqing.core.jobs",
    # domains
    "qinqing.plans",
    "qinqing.supervision",
    "qinqing.appeals",
    "qinqing.policies",
    "qinqing.inspections",
    "qinqing.assessment",
    "qinqing.engagement",
    "qinqing.problems",
    "qinqing.onsite",
    # shells
    "qinqing.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # before anything reads the body: oversized requests and NUL characters are refused
    "qinqing.web.security.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qinqing.web.security.ResponseHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qinqing.web.middleware.QinqingErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qinqing.urls"
WSGI_APPLICATION = "qinqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qinqing.web.context.shell",
                "qinqing.web.banners.banners",
                "qinqing.core.notifications.context.unread",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'qinqing.sqlite3'}"),
        conn_max_age=int(os.environ.get("QINQING_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server read while a job writes; the timeout waits for the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replica (issue 20): with QINQING_REPLICA_DATABASE_URL set, the report pages below
# (dashboards, cockpit, figures, exports) and code under qinqing.core.db_routers.reporting()
# read from it; every write and every other read uses the primary (docs/deploy.md).
QINQING_REPLICA_DATABASE_URL = os.environ.get("QINQING_REPLICA_DATABASE_URL", "")
QINQING_REPORT_VIEWS = (
    "web:cockpit",
    "appeals:figures",
    "appeals:figures_export",
    "engagement:dashboard",
    "engagement:dashboard_export",
    "problems:figures",
    "problems:arrears_dashboard",
    "assessment:run_export",
    "plans:ledger_export",
)
if QINQING_REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        QINQING_REPLICA_DATABASE_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["qinqing.core.db_routers.ReportReplicaRouter"]
MIDDLEWARE.append("qinqing.core.db_routers.ReportingMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: five failures lock the username+address pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("QINQING_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# the client's address behind the trusted reverse proxy, not the proxy's (one attacker behind
# the proxy could otherwise lock every account for everyone)
AXES_CLIENT_IP_CALLABLE = "qinqing.core.client_address.client_ip"
AXES_VERBOSE = False

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("QINQING_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed files once `collectstatic` has run (the demo and production do); plain
# files served from the apps otherwise, and always under pytest, so a collected var/ from a
# demo run never hides a static file a test needs.
STATIC_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists() and "pytest" not in sys.modules
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # uploads (attachments, imported files) live outside the web root and are served
        # only through permission-checked views
        "OPTIONS": {"location": str(VAR_DIR / "uploads")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
QINQING_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Request bodies are refused before they are read when larger than the page accepts (a 60 MB
# upload was once read completely before the 10 MB refusal): 25 MB by default; policy
# applications carry several materials of up to QINQING_MAX_UPLOAD_BYTES, plans one file.
QINQING_MAX_REQUEST_BYTES = int(os.environ.get("QINQING_MAX_REQUEST_BYTES", 25 * 1024 * 1024))
QINQING_REQUEST_BYTES_BY_NAMESPACE = {
    "policies": 3 * QINQING_MAX_UPLOAD_BYTES,
    "plans": QINQING_MAX_UPLOAD_BYTES + 5 * 1024 * 1024,
}

# Shared cache (rate limits, counters): Redis when QINQING_REDIS_URL is set (production);
# otherwise the database, so that every gunicorn worker and process counts together (a
# per-process cache let 9 of 14 rapid submissions through). `qinqing demo` and migrations
# create its table (`createcachetable`).
# Under pytest the cache is per process, as before, so that fixtures may clear it without a
# database; tests/security/test_rate_limit_and_audit_trail.py switches to the database cache.
QINQING_REDIS_URL = os.environ.get("QINQING_REDIS_URL", "")
SHARED_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "qinqing_cache",
}
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": QINQING_REDIS_URL}
        if QINQING_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if "pytest" in sys.modules
        else SHARED_CACHE
    )
}

# The documented reverse proxy's addresses (comma-separated addresses or networks). Only a
# connection from one of them may name the client in X-Forwarded-For (qinqing.core.client_address).
QINQING_TRUSTED_PROXIES = tuple(
    p.strip() for p in os.environ.get("QINQING_TRUSTED_PROXIES", "").split(",") if p.strip()
)

# Content-Security-Policy of every page, sent by django-csp (csp.middleware.CSPMiddleware):
# scripts only from our own static files (the pages carry no inline script or handler).
# style-src still allows inline styles, for two cosmetic cases outside our templates: the
# admin's changelist <style> block and ECharts' tooltip markers (docs/security.md). Our own
# templates carry none (tests/security/test_request_guards.py keeps it so).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF, csp.constants.UNSAFE_INLINE],
        "img-src": [csp.constants.SELF, "data:"],
        "font-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    }
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("qinqing.web.security.ResponseHeadersMiddleware"),
    "csp.middleware.CSPMiddleware",
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [
        o for o in os.environ.get("QINQING_CSRF_TRUSTED_ORIGINS", "").split(",") if o
    ]

# E-mail: SMTP when QINQING_SMTP_HOST is set; otherwise (the embedded demo) each message is
# written as an .eml file under var/mail, so no SMTP server is needed and none is tried.
EMAIL_BACKEND = os.environ.get(
    "QINQING_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("QINQING_SMTP_HOST")
    else "qinqing.core.notifications.mail.EmlFileBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("QINQING_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("QINQING_SMTP_PORT", "25"))
EMAIL_TIMEOUT = int(os.environ.get("QINQING_SMTP_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("QINQING_FROM_EMAIL", "qinqing@localhost")

# Notification centre (qinqing.core.notifications): SMS adapter, quiet hours for SMS to
# enterprises (Asia/Shanghai), retries, and the site address used in e-mail links.
QINQING_SMS_ADAPTER = os.environ.get(
    "QINQING_SMS_ADAPTER", "qinqing.core.notifications.sms.OutboxSmsAdapter"
)
QINQING_SMS_HTTP = {
    "URL": os.environ.get("QINQING_SMS_URL", ""),
    "API_KEY": os.environ.get("QINQING_SMS_API_KEY", ""),
    "API_SECRET": os.environ.get("QINQING_SMS_API_SECRET", ""),
    "SIGN_NAME": os.environ.get("QINQING_SMS_SIGN_NAME", "亲清"),
    "TEMPLATE_CODE": os.environ.get("QINQING_SMS_TEMPLATE", ""),
}
QINQING_SMS_QUIET_HOURS = tuple(os.environ.get("QINQING_SMS_QUIET_HOURS", "21:00-08:00").split("-"))
QINQING_NOTIFY_MAX_ATTEMPTS = 5
QINQING_SITE_URL = os.environ.get("QINQING_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINQING_LOG_LEVEL", "WARNING")},
}
CSRF_FAILURE_VIEW = "qinqing.web.views.csrf_failure"

# Scheduled jobs (docs/dev/jobs.md). QINQING_SCHEDULER: "embedded" (default: `qinqing serve`
# runs due jobs every minute), "off" (Celery beat and workers run them; or cron calls
# `qinqing jobs run-due`).
QINQING_SCHEDULER = os.environ.get("QINQING_SCHEDULER", "embedded")
QINQING_JOBS_LEASE_SECONDS = int(os.environ.get("QINQING_JOBS_LEASE_SECONDS", "3600"))
CELERY_BROKER_URL = os.environ.get("QINQING_CELERY_BROKER", "redis://127.0.0.1:6379/0")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True  # every run is recorded in JobRun; no result backend
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-run leaves the message for another one
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Prometheus metrics at /metrics (requests, database, and job runs) when QINQING_PROMETHEUS=1.
QINQING_PROMETHEUS = os.environ.get("QINQING_PROMETHEUS") == "1"
if QINQING_PROMETHEUS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")

# --- 等保 2.0 level 3 and 密评 controls (docs/security.md) -----------------------------------
# Audit chain: hash of new events (sm3 | sha256; older rows keep the one they were written
# with), and signed checkpoints of the chain head kept outside the database. Put the key
# file and the checkpoint directory on storage the database administrator cannot rewrite.
QINQING_AUDIT_HASH_ALGORITHM = os.environ.get("QINQING_AUDIT_HASH_ALGORITHM", "sm3")
# Chain shards on PostgreSQL (1-64): concurrent writes take different chain heads (SQLite: 1).
QINQING_AUDIT_CHAIN_SHARDS = int(os.environ.get("QINQING_AUDIT_CHAIN_SHARDS", "8"))
QINQING_AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("QINQING_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints")
)
QINQING_AUDIT_CHECKPOINT_KEY = os.environ.get("QINQING_AUDIT_CHECKPOINT_KEY", "")  # hex
QINQING_AUDIT_CHECKPOINT_KEY_FILE = Path(
    os.environ.get("QINQING_AUDIT_CHECKPOINT_KEY_FILE", VAR_DIR / "keys" / "audit-checkpoint.key")
)
QINQING_AUDIT_CHECKPOINT_EMAIL = os.environ.get("QINQING_AUDIT_CHECKPOINT_EMAIL", "")
# Checkpoints are SM2-signed (sm2, default) or HMAC-SM3 (hmac-sm3, the older format). The SM2
# private key: QINQING_AUDIT_SM2_PRIVATE_KEY (hex) or the key file (created on first use);
# `audit verify` needs only the public keys (QINQING_AUDIT_SM2_PUBLIC_KEYS or the .pub file).
QINQING_AUDIT_CHECKPOINT_SIGNATURE = os.environ.get("QINQING_AUDIT_CHECKPOINT_SIGNATURE", "sm2")
QINQING_AUDIT_SM2_PRIVATE_KEY = os.environ.get("QINQING_AUDIT_SM2_PRIVATE_KEY", "")
QINQING_AUDIT_SM2_PRIVATE_KEY_FILE = Path(
    os.environ.get("QINQING_AUDIT_SM2_PRIVATE_KEY_FILE", VAR_DIR / "keys" / "audit-sm2.key")
)
QINQING_AUDIT_SM2_PUBLIC_KEYS = os.environ.get("QINQING_AUDIT_SM2_PUBLIC_KEYS", "")
QINQING_AUDIT_SM2_PUBLIC_KEY_FILE = Path(
    os.environ.get("QINQING_AUDIT_SM2_PUBLIC_KEY_FILE", VAR_DIR / "keys" / "audit-sm2.pub")
)
# 《网络安全法》第二十一条: logs kept at least six months; no purge may go below 180 days.
QINQING_AUDIT_RETENTION_DAYS = int(os.environ.get("QINQING_AUDIT_RETENTION_DAYS", "365"))
if QINQING_AUDIT_RETENTION_DAYS < 180:
    raise RuntimeError("QINQING_AUDIT_RETENTION_DAYS must be at least 180 (网络安全法第二十一条)")
# Longer retention for one kind of log than QINQING_AUDIT_RETENTION_DAYS, by purge-rule name
# (qinqing/core/audit/retention.py), e.g. QINQING_RETENTION_DAYS="login_attempts=730,job_runs=400".
QINQING_RETENTION_DAYS = {
    name.strip(): int(days)
    for name, _, days in (
        item.partition("=") for item in os.environ.get("QINQING_RETENTION_DAYS", "").split(",")
    )
    if name.strip()
}
if any(days < QINQING_AUDIT_RETENTION_DAYS for days in QINQING_RETENTION_DAYS.values()):
    raise RuntimeError("QINQING_RETENTION_DAYS may only lengthen QINQING_AUDIT_RETENTION_DAYS")
# 身份鉴别: TOTP second factor (django-otp) for staff roles, idle timeout, password policy.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "qinqing.core.accounts.security.AccountSecurityMiddleware",
)
QINQING_REQUIRE_2FA = os.environ.get("QINQING_REQUIRE_2FA", "1") != "0"
OTP_TOTP_ISSUER = os.environ.get("QINQING_OTP_ISSUER", "亲清")
QINQING_IDLE_TIMEOUT_MINUTES = int(os.environ.get("QINQING_IDLE_TIMEOUT_MINUTES", "30"))
QINQING_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("QINQING_PASSWORD_MAX_AGE_DAYS", "90"))
_COMPLEXITY_VALIDATOR: dict[str, typing.Any] = {
    "NAME": "qinqing.core.accounts.passwords.ComplexityValidator",
    "OPTIONS": {"min_length": int(os.environ.get("QINQING_PASSWORD_MIN_LENGTH", "10"))},
}
AUTH_PASSWORD_VALIDATORS += [_COMPLEXITY_VALIDATOR]
# 数据保密性: SM4 encryption of personal data at rest; the key never enters the database.
# QINQING_DATA_KEY (32 hex digits) with QINQING_DATA_OLD_KEYS, or the key file (see
# qinqing/core/crypto/sm4.py; `qinqing keys rotate` re-encrypts under a new key).
QINQING_DATA_KEY = os.environ.get("QINQING_DATA_KEY", "")
QINQING_DATA_OLD_KEYS = os.environ.get("QINQING_DATA_OLD_KEYS", "")
QINQING_DATA_KEY_FILE = Path(os.environ.get("QINQING_DATA_KEY_FILE", VAR_DIR / "keys" / "data.key"))
# Blind-index key (HMAC-SM3 digests of encrypted values that must be found, e.g. ID numbers;
# qinqing/core/crypto/blind_index.py): QINQING_INDEX_KEY (64 hex digits) or the key file.
QINQING_INDEX_KEY = os.environ.get("QINQING_INDEX_KEY", "")
QINQING_INDEX_KEY_FILE = Path(
    os.environ.get("QINQING_INDEX_KEY_FILE", VAR_DIR / "keys" / "index.key")
)
# 统一身份认证: OpenID Connect sign-in through the province's unified identity platform, on when
# QINQING_OIDC_CLIENT_ID is set (qinqing/core/accounts/oidc.py); endpoints from the platform's
# discovery document. Local accounts stay the default and hold roles and units.
QINQING_OIDC_ENABLED = bool(os.environ.get("QINQING_OIDC_CLIENT_ID"))
AUTHENTICATION_BACKENDS += ["qinqing.core.accounts.oidc.UnifiedIdentityBackend"]
OIDC_RP_CLIENT_ID = os.environ.get("QINQING_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("QINQING_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("QINQING_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("QINQING_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("QINQING_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("QINQING_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("QINQING_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("QINQING_OIDC_SCOPES", "openid profile")
OIDC_CREATE_USER = False  # accounts are provisioned locally, with their role and unit
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?oidc=failed"
QINQING_OIDC_MATCH_CLAIM = os.environ.get("QINQING_OIDC_MATCH_CLAIM", "preferred_username")
# username | uscc | id_number (身份证号, matched through its blind index)
QINQING_OIDC_MATCH_FIELD = os.environ.get("QINQING_OIDC_MATCH_FIELD", "username")
QINQING_OIDC_LABEL = os.environ.get("QINQING_OIDC_LABEL", "统一身份认证平台")
