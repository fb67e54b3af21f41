"""Settings for the test suite: the real settings, plus what suits tests.

DATABASE_URL and REDIS_URL still apply, so CI runs the same suite on PostgreSQL/Redis.
"""

import os
import tempfile

os.environ.setdefault(
    "SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789"
)

from newsroom.settings import *  # noqa: E402, F403
from newsroom.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="newsroom-test-media-")
SECURE_SSL_REDIRECT = False
SITE_URL = "http://testserver"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files from the app folders; no collectstatic in tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# One process: its memory is the cache (REDIS_URL still switches to Redis).
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests change content between requests; the page cache is tested on its own.
CACHE_MIDDLEWARE_SECONDS = 0
# Hits re-read the shared purge counter every time (tests purge and read at once).
PAGE_CACHE_COUNTER_SECONDS = 0
# SQLite tests use a file, not memory: the browser tests' live server then gives each
# of its threads its own connection (two people saving at once must not share one).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(
            tempfile.gettempdir(), f"newsroom-test-{os.getpid()}.sqlite3"
        )
    }
# A read replica that is the test database itself (TEST MIRROR), so tests can check
# which alias a request reads from; the router is switched on by those tests alone
# (tests/test_replicas.py), since a mirror's own connection cannot see rows inside
# another connection's test transaction.
DATABASES["replica_0"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_ROUTERS = []
# Requests and tasks do not look for due stories (each test's first request would
# spend queries on it); tests/test_publication.py turns it on where it is tested.
STORY_ANNOUNCE_SECONDS = 0
