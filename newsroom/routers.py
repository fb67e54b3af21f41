"""Read replicas: anonymous readers' queries go to a replica, everything else to the
primary.

`DATABASE_REPLICA_URLS` (comma-separated) adds the aliases `replica_0`, `replica_1`…
(newsroom.settings). `ReplicaReadsMiddleware` marks a request as an anonymous read
when it is a GET or HEAD without cookies (no session, so no staff member) outside the
admin, and picks a replica for it; `ReplicaRouter` sends that request's reads there
(one replica per request, so a page never mixes two replicas' states). Writes
always go to the primary, and so does every query of any other request: staff, the
admin, forms, beacons, commands and tasks, which must read what they have just
written.
"""

import contextvars
import random

from django.conf import settings

# The replica serving the current request's reads (None: the primary).
_replica = contextvars.ContextVar("replica", default=None)


def replicas():
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.COOKIES
        and not request.path.startswith("/admin/")
    )


class ReplicaReadsMiddleware:
    """Picks the replica for an anonymous read, for the whole request (rendering
    included); other requests read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        choices = replicas() if is_anonymous_read(request) else []
        token = _replica.set(random.choice(choices) if choices else None)  # noqa: S311
        try:
            return self.get_response(request)
        finally:
            _replica.reset(token)


class ReplicaRouter:
    """Anonymous reads to the request's replica; the rest to the primary. Every
    alias holds the same data, so relations between them are fine."""

    def db_for_read(self, model, **hints):
        return _replica.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
