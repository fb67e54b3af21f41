"""Start-up of every entry point (manage.py, WSGI, ASGI): a settings mistake stops the
process with its one-line message on stderr instead of a traceback."""

import sys

# gunicorn's arbiter shuts down (rather than rebooting workers forever) when a worker
# exits with this code; any other caller just sees a non-zero status.
APP_LOAD_ERROR = 4


def load_settings():
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - imports and checks the settings module
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Newsroom cannot start: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(APP_LOAD_ERROR) from None
