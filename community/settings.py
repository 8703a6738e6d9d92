"""Tongxin settings: the one place that reads the environment.

Development is the default and needs nothing: SQLite under ``var/``, Celery tasks
run in-process, e-mail printed to the console. ``DJANGO_ENV=production`` turns the
same file into production settings that refuse to start without a secret key,
allowed hosts, a database and a broker (see ``_require`` below), and that pass
``manage.py check --deploy`` without warnings.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"


def _require(name: str) -> str:
    """Production refuses to start without ``name``; development never asks."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_ENV=production (see README, Production)."
        )
    return value


# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

if PRODUCTION:
    SECRET_KEY = _require("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: use 50+ random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    ALLOWED_HOSTS = [h.strip() for h in _require("ALLOWED_HOSTS").split(",") if h.strip()]
    # "*" answers any Host header: password-reset links and absolute URLs could
    # then be built on an attacker's host name.
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS=* is refused in production: list the portal's host names."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-tongxin-development-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Old keys still accepted for signatures (sessions, the building QR posters)
# after SECRET_KEY is rotated.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, its site refusing changelist filters the database
    # cannot hold (community/admin_site.py).
    "community.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "community",
    "grids",
    "petitions",
    "mediation",
    "volunteers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "community.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the language and the user (its page is a normal page), before any
    # view or CSRF check reads the body.
    "community.middleware.BodySizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"

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
                "community.context_processors.portal",
                "grids.context_processors.running_patrol",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'tongxin.sqlite3'}"
_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
DATABASE_URL = (
    _require("DATABASE_URL")
    if PRODUCTION
    else env.str("DATABASE_URL", default=_DEFAULT_DATABASE_URL)
)
if DATABASE_URL == _DEFAULT_DATABASE_URL:
    VAR_DIR.mkdir(exist_ok=True)
try:
    _scheme = urlsplit(DATABASE_URL).scheme
    _db = env.db_url_config(DATABASE_URL) if _scheme in _DB_SCHEMES else None
except ValueError as exc:  # a bad port, an unclosed [ipv6 bracket, ...
    raise ImproperlyConfigured(
        f"DATABASE_URL could not be read ({exc}); expected "
        "postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:///PATH."
    ) from None
if _db is None:
    raise ImproperlyConfigured(
        "DATABASE_URL must look like postgres://USER:PASSWORD@HOST:5432/NAME "
        f"or sqlite:///PATH (got {_scheme or 'no'} scheme)."
    )
if not _db.get("NAME"):
    raise ImproperlyConfigured("DATABASE_URL names no database (…/NAME at the end).")
if PRODUCTION and _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: DATABASE_URL=postgres://...")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Tests that hand rows to a real Celery worker need a file, not :memory:,
    # so that the worker process sees what the test committed.
    _db["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default=None)}
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue
    # instead of failing half-way with "database is locked".
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and login ---------------------------------------------------------

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username+IP before any password check.
    "axes.backends.AxesStandaloneBackend",
    "community.auth.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Five failures for the same username from the same address lock that pair
# for 15 minutes. Locking by the pair (not by IP alone) keeps a whole
# community office behind one NAT address working while one person is locked.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_CALLABLE = "community.auth.axes_username"
AXES_CLIENT_IP_CALLABLE = "community.auth.client_ip"
# How many reverse proxies (nginx, a load balancer) stand in front of gunicorn;
# the client address is taken that many hops from the right of X-Forwarded-For.
# Production is documented behind one nginx; a wrong count either lets
# clients forge their address or makes every client look like the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)

# --- Language and time ---------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Development and tests serve straight from static/ (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Cache (throttling, axes) -------------------------------------------------------

# Per-process memory by default; in production point CACHE_URL at Redis
# (rediscache://127.0.0.1:6379/1) so API throttling counts across workers.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://tongxin")}

# --- E-mail ---------------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="同心 Tongxin <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Group-bot webhooks (WeCom / DingTalk style) time out fast: a slow bot must
# not hold a worker for long, and the outbox retries later anyway.
NOTIFY_WEBHOOK_TIMEOUT = env.float("NOTIFY_WEBHOOK_TIMEOUT", default=5.0)
# A bot URL must be https in production; plain http is allowed for local bots.
NOTIFY_WEBHOOK_ALLOW_HTTP = env.bool("NOTIFY_WEBHOOK_ALLOW_HTTP", default=not PRODUCTION)
# Where links in e-mails and bot messages point to.
SITE_URL = (
    _require("SITE_URL") if PRODUCTION else env.str("SITE_URL", default="http://127.0.0.1:8000")
)

# --- SMS (verification codes) --------------------------------------------------------
# Residents sign up, sign in and reset their password with a 6-digit code sent
# by SMS (community.sms). Development and tests use the console backend, which
# logs the message (code included) so `make run` needs no provider. Production
# defaults to Aliyun Dysmsapi (SendSms over its HTTP API) and refuses to start
# without its keys; the deploy check refuses the console backend in production.
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="community.sms.AliyunBackend" if PRODUCTION else "community.sms.ConsoleBackend",
)
_SMS_REAL = SMS_BACKEND == "community.sms.AliyunBackend"
SMS_ACCESS_KEY_ID = (
    _require("SMS_ACCESS_KEY_ID") if _SMS_REAL else env.str("SMS_ACCESS_KEY_ID", default="")
)
SMS_ACCESS_KEY_SECRET = (
    _require("SMS_ACCESS_KEY_SECRET") if _SMS_REAL else env.str("SMS_ACCESS_KEY_SECRET", default="")
)
# The approved signature (签名, e.g. 同心社区) and the template (模板) whose
# text holds ${code}, both from the provider's console.
SMS_SIGN_NAME = _require("SMS_SIGN_NAME") if _SMS_REAL else env.str("SMS_SIGN_NAME", default="")
SMS_TEMPLATE_CODE = (
    _require("SMS_TEMPLATE_CODE") if _SMS_REAL else env.str("SMS_TEMPLATE_CODE", default="")
)
SMS_ENDPOINT = env.str("SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
SMS_REGION = env.str("SMS_REGION", default="cn-hangzhou")
# A person waits on the page while the code is sent: give up quickly.
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=5.0)
# The template of the SMS that brings a poster report's follow link (text with
# ${reference} and ${link}); without it the link is only shown on the page.
SMS_FOLLOW_TEMPLATE_CODE = env.str("SMS_FOLLOW_TEMPLATE_CODE", default="")

# --- Uploads -------------------------------------------------------------------------
# A request body past this is refused before it is read, with a page saying so
# (413, community.middleware.BodySizeLimitMiddleware): six photos of at most
# 15 MB each are refused one by one by community.images; a body this large is
# never a sensible form. The proxy in front must allow at least this much.
MAX_REQUEST_BODY = env.int("MAX_REQUEST_BODY", default=40 * 1024 * 1024)

# --- Volunteers ------------------------------------------------------------------------
# A volunteer checks in with the activity's QR code from this many minutes before
# it starts until it ends, and checks out from the start until this many minutes
# after it ends (volunteers.services.checkin). Hours run from check-in to check-out,
# within the activity's own times.
VOLUNTEER_CHECK_IN_OPENS = timedelta(
    minutes=max(0, env.int("VOLUNTEER_CHECK_IN_OPENS_MINUTES", default=30))
)
VOLUNTEER_CHECK_OUT_GRACE = timedelta(
    minutes=max(0, env.int("VOLUNTEER_CHECK_OUT_GRACE_MINUTES", default=30))
)

# --- Celery --------------------------------------------------------------------------
# All Celery settings are here (namespace CELERY_); community/celery.py only
# loads them. With no broker configured, tasks run in-process so that the
# embedded default needs no Redis; production requires a broker.

CELERY_BROKER_URL = (
    _require("CELERY_BROKER_URL") if PRODUCTION else env.str("CELERY_BROKER_URL", default="")
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only after it ran, and handed back if its worker
# dies, so a crash never loses a delivery; tasks are idempotent for that.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"community.tasks.*": {"queue": "notifications"}}
# Redis re-delivers an unacknowledged task after this long; it must exceed
# the longest task (time limit above) by a wide margin.
# Every broker command is bounded: without socket_timeout a Redis that accepts
# connections but never answers (frozen, failing over, a dead NAT entry) keeps
# a publish waiting forever, and with it the person whose action committed.
# A healthy Redis answers in milliseconds, so a second is a wide margin; the
# worker's BRPOP is read only once readable, so it is not cut short by this.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
# The same bound for transports other than Redis.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps reconnecting through any outage (the default gives up after
# 100 tries, about 45 minutes, and the worker exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing happens after a user's action has committed. When the broker is
# down we give up at once: the outbox row stays pending and the beat sweep
# sends it later, so the user is never kept waiting on the broker. No retry:
# each would cost another socket timeout, and a pooled connection that the
# broker closed is noticed and replaced before the publish anyway.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BEAT_SCHEDULE = {
    # Re-queue notifications whose first hand-off failed (broker down) or
    # whose worker died mid-delivery, and retry failed ones with back-off.
    # Every 10 s: a backlog starts moving within seconds of the broker's
    # return, and the scan (a partial index of the rows owed) costs next to
    # nothing when there are none.
    "sweep-notifications": {
        "task": "community.tasks.sweep_notifications",
        "schedule": 10.0,
    },
    # Overdue home visits: to the grid worker, and after three days to the
    # secretary. 08:00 Shanghai time, when the working day starts.
    "notify-overdue-visits": {
        "task": "grids.tasks.notify_overdue_visits",
        "schedule": crontab(hour=8, minute=0),
    },
    # Thumbnails whose task was lost (broker down when the photo was saved).
    "sweep-hazard-thumbnails": {
        "task": "grids.tasks.sweep_hazard_thumbnails",
        "schedule": 600.0,
    },
    "sweep-petition-thumbnails": {
        "task": "petitions.sweep_thumbnails",
        "schedule": 600.0,
    },
    # Request deadlines: warn before, mark the breach, climb the ladder
    # (dispatcher, then street lead) once per level; close requests left
    # unrated a week after the callback. Safe to run from two beats at once.
    # Poster reports left at the code (a day old): the draft and its photos go.
    "sweep-poster-drafts": {
        "task": "petitions.sweep_poster_drafts",
        "schedule": 3600.0,
    },
    # Photos kept with a refused form (hazard, request, poster) left unsent for a day.
    "sweep-photo-drafts": {
        "task": "community.tasks.sweep_photo_drafts",
        "schedule": 3600.0,
    },
    "watch-petition-deadlines": {
        "task": "petitions.watch_deadlines",
        "schedule": 60.0,
    },
    # Mediation cases nearing their month and follow-up visits due: to the
    # mediators, once each (08:05, as the working day starts).
    "watch-mediation-cases": {
        "task": "mediation.watch",
        "schedule": crontab(hour=8, minute=5),
    },
    # Volunteer activities starting within 24 hours: a reminder to everyone with
    # a place, once per activity and start time (claimed by a conditional update).
    "remind-volunteer-activities": {
        "task": "volunteers.remind",
        "schedule": 900.0,
    },
}

# How much history the demo data (manage.py seed_demo) makes: 1 is the full two
# months of requests; the browser tests, which only need one of each, ask for less.
DEMO_SCALE = env.float("DEMO_SCALE", default=1.0)

# --- REST API ---------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: its "WWW-Authenticate: Token" makes a missing or wrong
    # token a 401 (with the session first, DRF answers 403 for both).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "community.api_pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "login": env.str("API_THROTTLE_LOGIN", default="20/minute"),
    },
    # drf-spectacular's, documenting every operation's error responses.
    "DEFAULT_SCHEMA_CLASS": "community.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "community.api_errors.exception_handler",
    # 0 means "use REMOTE_ADDR" (None would trust any X-Forwarded-For sent).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongxin 同心 API",
    "DESCRIPTION": "Community grid management: organisation, people, notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "PatrolStatusEnum": "grids.models.PatrolStatus",
        "HazardStatusEnum": "grids.models.HazardStatus",
        "DeliveryStatusEnum": "community.models.DeliveryStatus",
        "PetitionStatusEnum": "petitions.models.Status",
        "PetitionListStatusEnum": "petitions.api.STATUS_FILTER_CHOICES",
    },
}

# --- Content security policy ------------------------------------------------------
# Everything is served from our own origin (no CDN); the API docs page needs
# inline styles, which its view allows for itself (community/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Security (production) ----------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
