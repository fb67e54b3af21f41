"""Newsroom settings: one module, configured entirely from the environment.

Defaults give a self-contained site (SQLite, local-memory cache, console e-mail, local
media, tasks run immediately). Setting DATABASE_URL, REDIS_URL, EMAIL_URL or
AWS_STORAGE_BUCKET_NAME switches to the shared services that several app servers use.
"""

import re
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; the real environment wins

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: export SECRET_KEY=<a long random string> "
            "(or DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Newsroom")
SITE_DESCRIPTION = env(
    "SITE_DESCRIPTION",
    default="Entertainment news: TV, film and the people who make them.",
)
# Where most readers are (ISO 3166-1 alpha-2): "where to watch" lists this country's
# offers first and /watch/ lists only them; other countries are one click away.
SITE_REGION = env("SITE_REGION", default="GB").upper()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "taggit",
    "easy_thumbnails",
    "django_prose_editor",
    "reversion",
    "django_tasks_db",
    "core",
    "django_countries",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "newsroom",
    "images",
    "authors",
    "shows",
    "articles",
    "newsletter",
    "reminders",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous reads go to a read replica when there are any (DATABASE_REPLICA_URLS).
    "newsroom.routers.ReplicaReadsMiddleware",
    # Right after static files: a cached page is answered before sessions, CSRF,
    # authentication and messages run, and the stored copy is the finished response
    # (CSP included). newsroom/page_cache.py.
    "newsroom.page_cache.PageCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # A lost database connection gives the 503 page (newsroom/faults.py), not a
    # 500; the page cache above still answers with its last good copy when it has one.
    "newsroom.faults.DatabaseUnavailableMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Only requests the page cache did not answer look for due stories.
    "articles.publication.AnnounceDueStoriesMiddleware",
    "newsroom.twofactor.SecondFactorMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# Anonymous reader pages are served whole from the shared cache for up to this long
# (and their own s-maxage); any change to what a page shows purges it at once
# (core/cache_tags.py). 0 turns the app's page cache off.
CACHE_MIDDLEWARE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0 if DEBUG else 600)
# The last good copy of a page is kept this much longer, for when it cannot be made.
PAGE_CACHE_STALE_SECONDS = env.int("PAGE_CACHE_STALE_SECONDS", default=86400)
# A hit trusts this process's reading of the shared purge counter for this long
# (seconds), so most hits read nothing from the shared cache; a purge made on another
# server reaches this one within it.
PAGE_CACHE_COUNTER_SECONDS = env.float("PAGE_CACHE_COUNTER_SECONDS", default=0.25)
# The query parameters reader pages read; others (utm_*, fbclid, cache-busters) are
# left out of the page cache's key.
PAGE_CACHE_QUERY_PARAMS = {
    "page",
    "p",
    "q",
    "network",
    "status",
    "kind",
    "region",
    "after",
}
# Called with the tags to purge when content changes (e.g. core.varnish.purge_tags).
CACHE_TAG_PURGERS = env.list("CACHE_TAG_PURGERS", default=[])

# Varnish in front (core/varnish.py, `manage.py varnish_vcl`): the servers the app
# purges by cache tag, as base URLs (http://10.0.0.5:6081), and the addresses the
# generated VCL accepts purges from (addresses or networks such as 10.0.0.0/24).
VARNISH_URLS = env.list("VARNISH_URLS", default=[])
VARNISH_PURGE_FROM = env.list("VARNISH_PURGE_FROM", default=["127.0.0.1", "::1"])
if VARNISH_URLS and "core.varnish.purge_tags" not in CACHE_TAG_PURGERS:
    CACHE_TAG_PURGERS.append("core.varnish.purge_tags")
# Costly pieces of reader pages are cached under the content version, so a change
# shows on the next request (core.fragments); 0 turns them off. Off in debug,
# where templates change without a release.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=0 if DEBUG else 3600)

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "articles.context_processors.navigation",
            ],
        },
    },
]

# --- Data --------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock up front (no "database is locked" mid-transaction when
    # the dev server, a worker and a command write at once); WAL lets reads go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Persistent connections, checked before reuse so a restarted server costs no 500.
# SQLite too: opening it and setting its pragmas cost about as much as a cached page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast (a 503 page) instead of holding the worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=5
    )
# Read replicas (comma-separated URLs): anonymous readers' queries go to them, writes,
# staff and the admin stay on the primary (newsroom.routers).
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
for _n, _url in enumerate(DATABASE_REPLICA_URLS):
    DATABASES[f"replica_{_n}"] = {
        **env.db_url_config(_url),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        # Tests read the primary's test database through the replica's alias.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            # A cache outage degrades the site instead of failing every request.
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
elif DEBUG:
    # One process (runserver): its memory is the whole cache.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
else:
    # Several worker processes on one machine, no Redis: they share a folder, so a
    # purge (core/cache_tags.py) or a rate-limit count reaches every worker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.path("CACHE_DIR", default=BASE_DIR / "var" / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Credentials come from the usual AWS_* variables or the instance role (boto3).
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}

# --- E-mail --------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <news@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _mailer_from_url(url):
    """Turn EMAIL_URL (parsed by django-environ) into a Django 6.1 MAILERS entry."""
    if not url:
        if DEBUG:
            return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        url = (
            "smtp://localhost:25"  # the host's own mail relay, as Django always assumed
        )
    cfg = environ.Env.email_url_config(url)
    options = {
        "host": cfg.get("EMAIL_HOST") or "localhost",
        "port": cfg.get("EMAIL_PORT") or 25,
        "username": cfg.get("EMAIL_HOST_USER") or "",
        "password": cfg.get("EMAIL_HOST_PASSWORD") or "",
        "timeout": 30,
    }
    extra = {key.lower(): value for key, value in cfg.get("OPTIONS", {}).items()}
    use_tls = cfg.get("EMAIL_USE_TLS") or str(extra.pop("tls", "")).lower() == "true"
    use_ssl = cfg.get("EMAIL_USE_SSL") or str(extra.pop("ssl", "")).lower() == "true"
    options.update(use_tls=bool(use_tls), use_ssl=bool(use_ssl))
    return {"BACKEND": cfg["EMAIL_BACKEND"], "OPTIONS": options}


MAILERS = {"default": _mailer_from_url(env("EMAIL_URL", default=""))}

# --- Security ------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT failed sign-ins for one
# account, or from one client address, both are refused for LOGIN_COOLOFF_MINUTES,
# even with the right password. Attempts are kept in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "newsroom.twofactor.locked_out"
AXES_RESET_ON_SUCCESS = True
# Second factor (django-otp, TOTP): staff who can publish must add an authenticator
# app and enter its code after their password. Staff who added one always use it.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=False)
OTP_TOTP_ISSUER = SITE_NAME

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *env.list("CSP_IMG_SRC", default=[])],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    # Players load only after a reader clicks an embed placeholder.
    "frame-src": [
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://www.instagram.com",
        "https://platform.twitter.com",
        "https://www.tiktok.com",
    ],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Proxies (load balancer, CDN) in front of the app servers: the client address is the
# right-most X-Forwarded-For hop they did not write (core/clients.py). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Public POST endpoints (signup, read beacon) refuse bigger bodies unread (413).
PUBLIC_POST_MAX_BYTES = env.int("PUBLIC_POST_MAX_BYTES", default=16 * 1024)

# --- Locale --------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Libraries -----------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
TAGGIT_CASE_INSENSITIVE = True

# Picture library (images/processing.py): uploads over these limits are refused.
IMAGES_MAX_UPLOAD_BYTES = env.int("IMAGES_MAX_UPLOAD_MB", default=20) * 1024 * 1024
IMAGES_MAX_PIXELS = env.int("IMAGES_MAX_MEGAPIXELS", default=50) * 1_000_000
IMAGES_MAX_SIDE = env.int("IMAGES_MAX_SIDE", default=3000)  # long side of the master
# Rendition names are hashes (no commas, which would break srcset).
THUMBNAIL_NAMER = "easy_thumbnails.namers.source_hashed"
THUMBNAIL_EXTENSION = "webp"
THUMBNAIL_TRANSPARENCY_EXTENSION = "webp"
# WebP effort 2 of 6: a third of the default's encoding time, files ~3% larger
# (bench/images_bench.py). Quality is set per format in images/processing.py.
THUMBNAIL_IMAGE_SAVE_OPTIONS = {"WEBP": {"method": 2}}

# --- Tasks and newsletter ------------------------------------------------------------
# "immediate" (default) runs a task inside the request or command that queues it;
# "database" queues it in the database for the worker: `manage.py db_worker`.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# Signup limits, counted in the cache (django-ratelimit's functions, without its app:
# its system check refuses the local-memory cache of the single-process default; with
# REDIS_URL the counters are shared by all app servers).
NEWSLETTER_SIGNUP_RATE_PER_IP = env("NEWSLETTER_SIGNUP_RATE_PER_IP", default="20/h")
NEWSLETTER_SIGNUP_RATE_PER_ADDRESS = env(
    "NEWSLETTER_SIGNUP_RATE_PER_ADDRESS", default="3/h"
)
RATELIMIT_FAIL_OPEN = True  # a cache outage must not turn readers away
NEWSLETTER_CONFIRM_MAX_AGE = env.int("NEWSLETTER_CONFIRM_DAYS", default=3) * 86400
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=200)
NEWSLETTER_MAX_STORIES = 12
NEWSLETTER_THUMBNAIL_WIDTH = 800  # JPEG rendition width for digest pictures

# Signed preview links to unpublished stories work this long (seconds).
ARTICLE_PREVIEW_MAX_AGE = env.int("ARTICLE_PREVIEW_MAX_AGE", default=48 * 3600)
# Story bodies over this many bytes of HTML are refused with a form error.
ARTICLE_BODY_MAX_BYTES = env.int("ARTICLE_BODY_MAX_BYTES", default=1_000_000)

# --- Discovery -----------------------------------------------------------------------
# "Most read" (articles/reads.py): reads are counted in the cache and added to the
# database by `manage.py flush_view_counts` and, at most this often, by the counting
# endpoint itself (0: only by the command). Beacons per client address are limited.
READS_FLUSH_SECONDS = env.int("READS_FLUSH_SECONDS", default=300)
READS_RATE_PER_IP = env("READS_RATE_PER_IP", default="60/m")

# --- Going live: reminders and search engines --------------------------------------
# Scheduled stories are noticed by requests the page cache does not answer, at most
# once in this many seconds across all app servers (articles.publication).
STORY_ANNOUNCE_SECONDS = env.int("STORY_ANNOUNCE_SECONDS", default=30)
# Search engines hear of new and changed stories at once (articles.pings); nothing is
# sent while these are unset.
INDEXNOW_KEY = env("INDEXNOW_KEY", default="")
if INDEXNOW_KEY and not re.fullmatch(r"[A-Za-z0-9-]{8,128}", INDEXNOW_KEY):
    raise ImproperlyConfigured(
        "INDEXNOW_KEY must be 8 to 128 letters, digits or dashes."
    )
INDEXNOW_ENDPOINT = env(
    "INDEXNOW_ENDPOINT", default="https://api.indexnow.org/indexnow"
)
WEBSUB_HUB_URL = env("WEBSUB_HUB_URL", default="")
# Story reminders (reminders/): Web Push with these VAPID keys (`manage.py
# vapid_keys` makes a pair; with DEBUG on and none set, a local pair is made and kept
# in .vapid-keys.json). Unset without DEBUG: the reminders control is not shown.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env(
    "VAPID_SUBJECT", default=f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}"
)
VAPID_DEV_KEYS_FILE = BASE_DIR / ".vapid-keys.json"
# Push services subscriptions may point at, besides Google's, Mozilla's, Apple's and
# Microsoft's (host names; ".example.com" also takes its subdomains).
PUSH_SERVICE_HOSTS = env.list("PUSH_SERVICE_HOSTS", default=[])
REMINDERS_SUBSCRIBE_RATE = env("REMINDERS_SUBSCRIBE_RATE", default="20/m")
REMINDERS_PER_HOUR = env.int("REMINDERS_PER_HOUR", default=6)

# --- Desk ---------------------------------------------------------------------------
# The story change page sends a heartbeat and an autosave this often; a tab silent for
# DESK_PRESENCE_TIMEOUT_SECONDS no longer counts as someone editing the story.
DESK_HEARTBEAT_SECONDS = env.int("DESK_HEARTBEAT_SECONDS", default=30)
DESK_AUTOSAVE_SECONDS = env.int("DESK_AUTOSAVE_SECONDS", default=30)
DESK_PRESENCE_TIMEOUT = timedelta(
    seconds=env.int("DESK_PRESENCE_TIMEOUT_SECONDS", default=90)
)

from django_countries.data import COUNTRIES  # noqa: E402 - a plain dict of codes

if SITE_REGION not in COUNTRIES:
    raise ImproperlyConfigured(
        f"SITE_REGION={SITE_REGION!r} is not an ISO 3166-1 alpha-2 country code "
        "(e.g. GB, US, IE)."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
