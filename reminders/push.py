"""Web Push: which push services we post to, and one push to one browser.

Browsers hand us an endpoint URL on their vendor's push service. We accept only those
services' hosts (plus PUSH_SERVICE_HOSTS), over HTTPS, so a forged subscription can
never make the server post to an address of the sender's choosing. Payloads are
encrypted for the browser (RFC 8291, aes128gcm) and signed with our VAPID key
(RFC 8292) by pywebpush.
"""

import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from reminders import vapid

# Chrome and other Chromium browsers (FCM), Firefox, Safari, Edge (WNS).
KNOWN_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    ".push.services.mozilla.com",
    ".push.apple.com",
    ".notify.windows.com",
)
MAX_ENDPOINT_LENGTH = 1000
TIMEOUT = 10  # seconds
TTL = 24 * 60 * 60  # a reminder a day late is still worth showing


def _host_matches(host, entry):
    entry = entry.strip().lower()
    if entry.startswith("."):
        return host.endswith(entry)
    return host == entry


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(endpoint):
    """Why we will not post to this endpoint, or None if we will."""
    if not isinstance(endpoint, str) or not endpoint:
        return "The subscription has no endpoint."
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return "The endpoint is too long."
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "The endpoint is not a URL."
    if not host or parts.username is not None or parts.password is not None:
        return "The endpoint is not a push service URL."
    known = any(_host_matches(host, entry) for entry in KNOWN_PUSH_HOSTS)
    listed = any(_host_matches(host, e) for e in settings.PUSH_SERVICE_HOSTS if e)
    if not (known or listed):
        return "The endpoint is not on a known push service."
    # Plain HTTP only for a push service on this machine that the settings list
    # (a local test service); anything else must be HTTPS.
    if parts.scheme != "https" and not (
        parts.scheme == "http" and listed and _is_loopback(host)
    ):
        return "The endpoint must use HTTPS."
    return None


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the push service's answer; None when none came
    error: str = ""

    @property
    def delivered(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self):
        """The browser unsubscribed or the subscription expired: forget it."""
        return self.status in (404, 410)

    @property
    def temporary(self):
        return self.status is None or self.status == 429 or self.status >= 500


def _session():
    session = requests.Session()
    session.max_redirects = 0  # a push service answers; it never sends us elsewhere
    session.trust_env = False  # no proxy settings from the environment
    return session


def send(subscription, payload, *, topic=None):
    """Push `payload` (a dict, sent as JSON) to one subscription; return an Outcome.

    `topic` (the Web Push Topic header) lets a newer push with the same topic replace
    one the push service still holds, so a retried reminder is never shown twice.
    """
    problem = endpoint_problem(subscription.endpoint)
    if problem:  # the allow-list changed since it subscribed
        return Outcome(status=None, error=problem)
    pair = vapid.keys()
    if pair is None:
        return Outcome(status=None, error="No VAPID keys are set.")
    headers = {"Urgency": "normal"}
    if topic:
        headers["Topic"] = topic
    try:
        with _session() as session:
            response = webpush(
                subscription_info=subscription.info(),
                data=json.dumps(payload, separators=(",", ":")),
                vapid_private_key=pair.signer(),
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=TTL,
                headers=headers,
                timeout=TIMEOUT,
                requests_session=session,
            )
    except WebPushException as error:
        status = error.status_code
        if status is None:
            return Outcome(status=None, error=str(error.message)[:500])
        return Outcome(status=status, error=f"{status}: {error.response.text[:300]}")
    except requests.RequestException as error:
        return Outcome(status=None, error=f"{type(error).__name__}: {error}"[:500])
    return Outcome(status=response.status_code)
