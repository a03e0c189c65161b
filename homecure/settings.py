"""HomeCure settings, read from the environment (see `.env.example`).

Every value has a safe default for a developer's machine except `SECRET_KEY`, which must be
set whenever `DEBUG` is off: a production server never starts with a key that is in the repository.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-homecure-development-key-never-used-in-production"  # noqa: S105
# Empty when missing with DEBUG off: commands that sign nothing (migrations, checks) still run, the
# app servers refuse to start (homecure/wsgi.py, asgi.py) and anything that would sign with it
# fails with Django's own error. Never a key from the repository in production.
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base for links in e-mails and QR codes.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, on the back-office site that only platform administrators enter.
    "homecure.site.admin_site.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    # Second factor for staff log-in: authenticator apps (TOTP) and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "homecure",
    "accounts",
    "technicians",
    "bookings",
    "records",
    "earnings",
    "notifications",
]

MIDDLEWARE = [
    # Outermost, so every answer carries them: static files (WhiteNoise answers before the
    # middleware below it runs), the request guard's 400 and the bad-host 400 (raised in
    # CommonMiddleware) included.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "homecure.base.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: a request over MAX_REQUEST_BYTES gets a 413.
    "homecure.base.middleware.RequestSizeMiddleware",
    # Before anything reads the request: a NUL or non-UTF-8 byte in it gets a 400, never a query.
    "homecure.base.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives `request.user.is_verified()`: true once this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "homecure.base.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionSecurityMiddleware",
    # A user who owes a second factor reaches only its pages (and log-out) until it is given.
    "accounts.middleware.SecondFactorMiddleware",
    # Last, as django-axes requires: it turns a refused log-in into the "log-in paused" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homecure.site.urls"
WSGI_APPLICATION = "homecure.wsgi.application"

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
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: SQLite file in the project unless DATABASE_URL names another database.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so a re-check followed by an insert
    # (booking a time) cannot interleave with another writer; the timeout makes a second
    # writer wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # A new connection per request costs more than the page itself: keep them open and check
    # them before reuse, so a database restart costs one reconnect instead of an error.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, checking a kept connection by looking at its socket before asking the
        # server (homecure.base.postgresql.base).
        DATABASES["default"]["ENGINE"] = "homecure.base.postgresql"
    # Parameters bound by the server, and a query run 5 times on a connection prepared there: the
    # queries every page runs (the kept pages' stamps, the portal's profile) are then planned once
    # per connection instead of on every request. Off behind a pooler that hands one session's
    # statements to another (PgBouncer's transaction mode before 1.21).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The django-axes backend refuses a log-in while the account or client address is locked.
# The account of a logged-in request comes from the cache (accounts.user_cache), not a query.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.CachedModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:after-login"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password-reset links stop working after an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
# Dates as the site writes them everywhere ("3 December 2026, 14:00"; homecure.base.dates).
FORMAT_MODULE_PATH = ["homecure.base.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Private files (health documents, technician photos) live outside any public URL and are
# served only by views that check permission.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Several app servers without a shared directory keep private files in an S3-compatible bucket
# instead (needs `pip install django-storages[s3]`; see the README, "Deploying and scaling"). The
# bucket must not be public: files are still served only through the views that check permission.
PRIVATE_MEDIA_S3_BUCKET = env.str("PRIVATE_MEDIA_S3_BUCKET", default="")
if PRIVATE_MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_MEDIA_S3_BUCKET,
            "endpoint_url": env.str("PRIVATE_MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PRIVATE_MEDIA_S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# The largest request body the site takes (homecure.base.middleware.RequestSizeMiddleware answers
# 413 past it, before anything reads the body): the largest upload, a 10 MB health document
# (records.documents.MAX_DOCUMENT_BYTES; a technician's photo takes 5 MB), with its form around it.
# nginx in front says the same with `client_max_body_size 12m`.
MAX_REQUEST_BYTES = 12 * 1024 * 1024
# A form without files never needs more than this; uploads over 2 MB go to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The most pixels an uploaded picture may have (25 megapixels, a phone camera's photo with room to
# spare), checked from its header before anything decodes it; also Pillow's own limit
# (`Image.MAX_IMAGE_PIXELS`, set from this at start-up by `homecure.apps`).
IMAGE_MAX_PIXELS = 25_000_000

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://homecure")}
# Sites sharing one cache server (or one site's copies on several databases, as the benchmark
# runs) keep their entries apart with a prefix of their own.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same cache, with one Redis client per process instead of one per cache operation.
    CACHES["default"]["BACKEND"] = "homecure.base.cache.RedisCache"

# Sessions: "db" keeps them in the database; "cached_db" also keeps them in the cache, so reading
# one costs a cache lookup instead of a query (the same lookup as the account's: accounts.sessions),
# and a cache restart logs nobody out. The default is "cached_db" with a shared (Redis) cache and
# "db" with the per-process default cache.
_SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cached_db": "accounts.sessions",
}
_SHARED_CACHE = CACHES["default"]["BACKEND"] == "homecure.base.cache.RedisCache"
# The booking form's free times are kept in the cache only when every process shares it: an
# answer is forgotten by bumping a counter in the cache, which a per-process cache would not see.
FREE_TIMES_CACHE = env.bool("FREE_TIMES_CACHE", default=_SHARED_CACHE)
# Logged-in pages kept under keys that change with what they show (homecure.base.page_cache): safe
# with any cache, shared or per process, as nothing needs forgetting.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
_SESSION_STORE = env.str("SESSION_ENGINE", default="cached_db" if _SHARED_CACHE else "db")
if _SESSION_STORE not in _SESSION_ENGINES:
    raise ImproperlyConfigured(f"SESSION_ENGINE must be one of {', '.join(_SESSION_ENGINES)}, not {_SESSION_STORE!r}.")
SESSION_ENGINE = _SESSION_ENGINES[_SESSION_STORE]

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HomeCure <no-reply@homecure.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (notification e-mails). "immediate" runs each task in the process that queues it,
# right after the transaction commits: fine for development and tests. "database" stores tasks in
# the database for a separate worker (`python manage.py db_worker`), so a slow mail server never
# holds up a page: use it in production.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Sessions: short-lived and never readable from JavaScript. A session ends after 30 minutes
# without a request (15 for administrators) and 12 hours after log-in in any case
# (accounts.middleware.SessionSecurityMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_ABSOLUTE_TIMEOUT = SESSION_COOKIE_AGE
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_IDLE_TIMEOUT_ADMIN = env.int("SESSION_IDLE_TIMEOUT_ADMIN", default=15 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Transport and header security. Off on a developer's plain-HTTP server, on in production.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the app servers over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_PROXY", default=False):
    # Only behind a proxy that sets this header itself; otherwise a client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the application append to X-Forwarded-For. The audit log
# and the contact form's limit take the client's address from that header only this far; with
# the default 0 they use the connecting address, which a client cannot forge.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): every script, stylesheet, font and image comes from this
# site, with no inline script or style attribute, so injected markup cannot run or restyle
# anything. `data:` images are the QR codes shown inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Log-in throttling (django-axes, accounts.throttling): failures are counted per pair of e-mail
# address and client address; after 5 from one client to one account, log-in pauses there (not for
# the owner elsewhere) for 1 minute, doubled with each further failure up to an hour. Failures are
# remembered for a day after the last one; administrators unlock early in the back office.
LOGIN_FAILURES_BEFORE_PAUSE = env.int("LOGIN_FAILURES_BEFORE_PAUSE", default=5)
LOGIN_PAUSE_FIRST = timedelta(minutes=1)
LOGIN_PAUSE_MAX = timedelta(minutes=env.int("LOGIN_PAUSE_MAX_MINUTES", default=60))
AXES_FAILURE_LIMIT = "accounts.throttling.failure_limit"
AXES_COOLOFF_TIME = timedelta(days=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A try while paused is refused without counting: it neither lengthens the pause nor the next one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.attempt_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.attempt_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.locked_out"
AXES_VERBOSE = False

# Sign-up and password-reset e-mails (accounts.emails.account_email_allowed), one budget for both:
# at most 3 asked for one address and 10 from one client address in an hour; over it the page
# answers as usual and nothing is sent. Counted in the cache (share it between servers).
ACCOUNT_EMAILS_PER_ADDRESS = 3
ACCOUNT_EMAILS_PER_CLIENT = 10
ACCOUNT_EMAIL_WINDOW = 60 * 60

# Two-factor log-in (django-otp): the name authenticator apps show beside the account, and the
# throttling of wrong codes, per device: after n wrong codes in a row the next try waits 2^(n-1)
# seconds (1, 2, 4, 8, ... ; 10 wrong codes make it about 8.5 minutes). The device admin pages of
# django-otp are not used (accounts.admin): nobody reads a secret after enrolment.
OTP_TOTP_ISSUER = "HomeCure"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
