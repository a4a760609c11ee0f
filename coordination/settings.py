"""Settings for Parallel, read from the environment.

Every default is safe: one machine (SQLite and a broker under var/), DEBUG off, a secret key generated once
under var/, served to this machine only. An installation others reach sets ALLOWED_HOSTS, SITE_URL (https),
DATABASE_URL and REDIS_URL, and usually SECRET_KEY (.env.example lists them all).
"""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for (DEBUG=1): Django's technical error page shows settings and tracebacks to whoever
# caused the error.
DEBUG = envbool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or else one generated on first start and kept in var/secret_key
    (readable by this user only), so sessions and signed links survive a restart without anyone choosing a key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    try:
        # O_EXCL: of two processes starting at once, one writes the key and both read the same one.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(50))
    for _ in range(50):  # another process may have created the file and not yet written it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.1)
    raise ImproperlyConfigured(f"{path} is empty: delete it, or set SECRET_KEY.")


SECRET_KEY = _secret_key()

# Only this machine unless told otherwise; behind a TLS proxy, the names people use (README, "Serving to others").
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",  # the REST API under /api/v1/ (integrations/api/)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our own static files, no CDN
    "coordination",
    "reviews",
    "investigations",
    "sharing",
    "accounts",
    "integrations",
    # The fictional demo world, built through all of the above (manage.py seed_demo); nothing depends on it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # gives request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    # accounts/security.py: sign out after idle or absolute time, require the second factor,
    # and keep signed-in pages out of every cache.
    "accounts.security.SessionTimeoutMiddleware",
    "accounts.security.TwoFactorRequiredMiddleware",
    "accounts.security.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its response
]

ROOT_URLCONF = "coordination.urls"
WSGI_APPLICATION = "coordination.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coordination.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'parallel.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The web server, the worker and beat share one SQLite file: WAL lets readers and a writer overlap,
    # and IMMEDIATE transactions take the write lock up front instead of failing half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a worker started by a test can open the test database too; one per
    # test run, so that two runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The access filters are short OLTP queries that PostgreSQL's planner costs high enough to JIT-compile:
    # on 20k cases compiling took ~1.4 s of a ~40 ms query (bench/access_bench.py). JIT never pays off here.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username and address before the rest
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user; every reader signs in.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Argon2 for every password set from now on; the others still check (and upgrade) older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Second factor (django-otp; enforced by accounts.security.TwoFactorRequiredMiddleware) --------
OTP_TOTP_ISSUER = "Parallel"
# After this many wrong codes in a row a device waits 1, 2, 4 … seconds (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Lockout after repeated failed sign-ins (django-axes) ------------------------------------------
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
# One username from one address: a typo-prone colleague does not lock out the office, and a guesser
# spraying one username from many addresses is slowed by each address's own count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"  # the sign-in page, saying why
# Behind the TLS proxy every request comes from the proxy's address; the client's is the last entry the
# proxy added to X-Forwarded-For, read only when the proxy is trusted (TRUST_X_FORWARDED_PROTO).
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip_address"

# --- Sessions -------------------------------------------------------------------------------------
# Absolute lifetime: a sign-in lasts SESSION_COOKIE_AGE (8 hours) however busy the user is.
# SessionTimeoutMiddleware fixes the session's expiry to a date at sign-in, so saving the session on
# later requests (it notes the last activity) does not push the expiry on; and it ends a session idle
# for SESSION_IDLE_SECONDS (30 minutes). SESSION_SAVE_EVERY_REQUEST stays False for the same reason.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False

# --- Content-Security-Policy (django-csp 4): no inline script or style, nothing from elsewhere -----
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Locale: the law's dates are England's --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- The statutory clock -------------------------------------------------------------------------
# A milestone is "due soon" when it falls due within this many working days.
DUE_SOON_WORKING_DAYS = envint("DUE_SOON_WORKING_DAYS", 5)

# --- Access ---------------------------------------------------------------------------------------
# Minutes that break-glass access to a case lasts before it stops matching (accounts/break_glass.py).
BREAK_GLASS_MINUTES = envint("BREAK_GLASS_MINUTES", 120)

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start if it is missing
# collectstatic compresses what it gathers (gzip and Brotli) for WhiteNoise. Only the hashed names are kept and
# served, and source maps (megabytes, fetched only by a developer's browser tools) are left uncompressed: that
# takes `make run`'s collectstatic from about 19 s to a few.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# --- Documents ------------------------------------------------------------------------------------
# Uploaded documents live outside the web root and are served only through the access-checked, audited
# download view. Local files under var/documents by default; DOCUMENT_STORAGE=s3 uses S3-compatible storage
# (pip install '.[s3]'), configured with AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME,
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
DOCUMENT_STORAGE = os.environ.get("DOCUMENT_STORAGE", "local")
DOCUMENT_ROOT = Path(os.environ.get("DOCUMENT_ROOT", VAR_DIR / "documents"))
DOCUMENT_MAX_BYTES = envint("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
if DOCUMENT_STORAGE == "s3":
    _DOCUMENTS = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _DOCUMENTS = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Readable by the service's own user and group only, whatever the host's umask.
        "OPTIONS": {"location": DOCUMENT_ROOT, "file_permissions_mode": 0o640, "directory_permissions_mode": 0o750},
    }
# Larger uploads are refused with a message (sharing/documents.py); this lets Django read them to say so.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": _DOCUMENTS,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    _EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    # With no mail server configured, messages are written to files so they can be read.
    _EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"  # used by the file backend only
# A dotted path to another backend class overrides the choice above (empty or unset: keep it).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or _EMAIL_BACKEND
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)  # a hung mail server must not hold a reminder run for long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parallel <parallel@localhost>")
# Where links in e-mails point: the address people use to reach Parallel, without a trailing slash.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Reminders ------------------------------------------------------------------------------------
# Seconds a reminder run's claims hold unless renewed (coordination/reminders.py). A live run renews them once a
# third of this has passed, so one step (one digest e-mail, bounded by EMAIL_TIMEOUT) must fit in two thirds of
# it; a dead run's claims lapse within this, beat looks every half of it, and a new run sends them.
REMINDER_CLAIM_LEASE_SECONDS = envint("REMINDER_CLAIM_LEASE_SECONDS", 60)
if REMINDER_CLAIM_LEASE_SECONDS * 2 / 3 <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured("REMINDER_CLAIM_LEASE_SECONDS must be more than 1.5 times EMAIL_TIMEOUT.")

# --- Webhooks (integrations/webhook_delivery.py) ----------------------------------------------------
# Seconds to wait for an endpoint to connect and for each read of its answer before counting the try as failed.
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", 10)
# Tries of one delivery before giving up on it and disabling its endpoint (backoff 30 s, 2 min, 8 min, … 6 h).
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 8)
# Endpoints on loopback, private, link-local or reserved addresses are refused (the worker must not be made to
# call into our own network) unless this is on: development and tests only.
WEBHOOK_ALLOW_PRIVATE_TARGETS = envbool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
# Plain http endpoints only in development; the tests turn it off for their loopback receiver.
WEBHOOK_REQUIRE_HTTPS = not DEBUG

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # No server needed: kombu's filesystem transport passes messages through files under var/.
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # Without this kombu keeps its exchange tables in ./control/ of whatever directory it starts in.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
    (VAR_DIR / "celery" / "results").mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-run is delivered again, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "coordination.tasks.record_heartbeat", "schedule": 60.0},
    # Works out from the milestones what is due, so a missed or repeated tick changes nothing.
    # Ticks a stopped worker missed expire rather than pile up in the broker.
    "dispatch-reminders": {
        "task": "coordination.tasks.dispatch_reminders",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    # A run that died holding reminder claims: once their lease lapses, a dispatch takes them over (within half a
    # lease of lapsing). Looking costs one indexed query.
    "take-over-reminders": {
        "task": "coordination.tasks.take_over_reminders",
        "schedule": REMINDER_CLAIM_LEASE_SECONDS / 2,
        "options": {"expires": REMINDER_CLAIM_LEASE_SECONDS / 2},
    },
    # E-mails the information-sharing notifications not yet e-mailed (sharing/emails.py); as above, the state
    # is in the database, so a tick a stopped worker missed expires and the next one picks the rows up.
    "send-sharing-emails": {
        "task": "sharing.tasks.send_sharing_emails",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Webhooks: sends the committed outbox rows that are due (retries included), then, every quarter of an
    # hour, announces deadlines due today or just passed. Both keep their state in the database.
    "send-webhooks": {"task": "integrations.tasks.send_webhooks", "schedule": 30.0, "options": {"expires": 25}},
    "emit-milestone-webhooks": {
        "task": "integrations.tasks.emit_milestone_webhooks",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
}

# --- PDF summaries (coordination/summaries/) ---------------------------------------------------------
# Rendered by a Celery worker of their own consuming the "pdf" queue (`make run` and docker-compose.yml start it
# with --max-tasks-per-child=PDF_WORKER_MAX_TASKS and --max-memory-per-child=PDF_WORKER_MAX_MEMORY_KB).
PDF_QUEUE = "pdf"
CELERY_TASK_ROUTES = {"coordination.tasks.render_summary": {"queue": PDF_QUEUE}}
# Seconds a render may take: at the soft limit it stops and the summary fails with that reason; at the hard limit
# the worker kills it.
PDF_TASK_SOFT_TIME_LIMIT = envint("PDF_TASK_SOFT_TIME_LIMIT", 60)
PDF_TASK_TIME_LIMIT = envint("PDF_TASK_TIME_LIMIT", 90)
if PDF_TASK_TIME_LIMIT <= PDF_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("PDF_TASK_TIME_LIMIT must be longer than PDF_TASK_SOFT_TIME_LIMIT.")
# Seconds a render's claim holds unless renewed. While the render runs, a heartbeat renews it every third of this;
# a worker killed mid-render stops renewing, the claim lapses within this, and the sweep below (every minute) sends
# the render again: taken over within 45 + 60 = 105 s by default. Under 3 s it would renew more than once a second
# and a brief database stall could let a live claim lapse; longer than the hard time limit, it only delays takeover.
PDF_CLAIM_LEASE_SECONDS = envint("PDF_CLAIM_LEASE_SECONDS", 45)
if not 3 <= PDF_CLAIM_LEASE_SECONDS <= PDF_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("PDF_CLAIM_LEASE_SECONDS must be at least 3 and at most PDF_TASK_TIME_LIMIT.")
# Re-sends renders whose message was lost (or never reached a broker that was down) or whose claim lapsed, and fails
# those still unfinished after 30 minutes.
CELERY_BEAT_SCHEDULE["sweep-pdf-summaries"] = {
    "task": "coordination.tasks.sweep_pdf_summaries",
    "schedule": 60.0,
    "options": {"expires": 50},
}

# --- Audit trail (coordination/audit.py, coordination/audit_anchors.py) -------------------------------
# Every AUDIT_ANCHOR_MINUTES the latest entry's id, hash and time are appended to AUDIT_ANCHOR_FILE (JSON lines;
# keep it where the database's users cannot write) and e-mailed to the auditors, so that removing the newest entries
# is detected: manage.py verify_audit checks the trail against every anchor.
AUDIT_ANCHOR_MINUTES = envint("AUDIT_ANCHOR_MINUTES", 60)
AUDIT_ANCHOR_FILE = Path(os.environ.get("AUDIT_ANCHOR_FILE") or VAR_DIR / "audit-anchors.log")
CELERY_BEAT_SCHEDULE["anchor-audit-trail"] = {
    "task": "coordination.tasks.anchor_audit_trail",
    "schedule": AUDIT_ANCHOR_MINUTES * 60.0,
    "options": {"expires": AUDIT_ANCHOR_MINUTES * 50.0},
}

# --- Transport security ---------------------------------------------------------------------------
# Follows the address people use (SITE_URL). Served over https (behind a TLS proxy, README "Serving to others"),
# the portal redirects plain http, sends HSTS and marks its cookies Secure. `make run` serves plain
# http://127.0.0.1:8000 to this machine only, where none of that can apply: a browser keeps no Secure cookie
# from a plain http site.
SERVED_OVER_HTTPS = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", SERVED_OVER_HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if SERVED_OVER_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SERVED_OVER_HTTPS
SECURE_HSTS_PRELOAD = SERVED_OVER_HTTPS
SESSION_COOKIE_SECURE = SERVED_OVER_HTTPS
CSRF_COOKIE_SECURE = SERVED_OVER_HTTPS
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of each PDF at INFO; its warnings (a resource refused, say) still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# --- REST API (integrations/api/) -----------------------------------------------------------------
# A key for an organisation's case system (Authorization: Bearer pk_…) or a signed-in, second-factor-verified
# session. What either sees comes from the access layer; errors are application/problem+json.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.api.authentication.ApiKeyAuthentication",
        "integrations.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON refusing NUL, unpaired surrogates and deep nesting (integrations/api/parsers.py); uploads take multipart.
    "DEFAULT_PARSER_CLASSES": ["integrations.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "integrations.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.throttling.PerKeyThrottle"],
    "EXCEPTION_HANDLER": "integrations.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "integrations.api.schema.ParallelAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# An address (path or query string) holding a NUL, a control character or an unpaired surrogate is answered 400
# before any session, sign-in or view can take it to the database (coordination/characters.py): problem JSON
# under /api/, the plain 400 page elsewhere.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "coordination.characters.RefuseUnfitAddressMiddleware",
)
# Requests per key (or per signed-in person) in a period: "600/min"; the period is s, min, hour or day.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
# Answers kept for Idempotency-Key replays are forgotten after 24 hours (integrations/api/idempotency.py).
CELERY_BEAT_SCHEDULE["purge-idempotency-records"] = {
    "task": "integrations.tasks.purge_idempotency_records",
    "schedule": 3600.0,
    "options": {"expires": 3000},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parallel API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Case coordination after a child dies or is seriously harmed: cases, processes, deadlines, "
        "information-sharing requests and documents, as the key's organisation may see them. OFFICIAL-SENSITIVE. "
        "Authenticate with `Authorization: Bearer pk_…`. Lists are cursor-paginated (follow `next`); "
        "reads carry an ETag, and changes to an existing object need `If-Match` (412 when stale, 428 when "
        "missing); a POST may carry an `Idempotency-Key`. Errors are application/problem+json."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}},
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "coordination.models.Case.Status",
        "ProcessStatusEnum": "coordination.models.Process.Status",
        "MilestoneStatusEnum": "integrations.api.serializers.milestones.STATUSES",
        "SharingRequestStatusEnum": "sharing.models.SharingRequest.Status",
    },
}
# The throttle's counts: in Redis when REDIS_URL is set, so every web worker shares them; otherwise in each
# process's memory (`make run` without Redis: each of its few gunicorn processes counts its own). A Redis that
# does not answer costs a request at most half a second before the throttle counts in memory
# (integrations/api/throttling.py).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
