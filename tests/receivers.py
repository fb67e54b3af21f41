"""Local HTTP servers on 127.0.0.1 that stand in for the services the site posts to.

``Receiver`` records every POST (path, headers, body) and answers with the statuses a
test queues for a path (201 by default): a search engine's ping endpoint or a WebSub
hub. ``PushService`` is a Web Push service as a browser vendor runs one: it hands out
subscriptions with fresh browser keys, and for each push it verifies the VAPID
signature (RFC 8292) and decrypts the aes128gcm payload (RFC 8291) with the
subscription's private key, as the browser would.
"""

import base64
import json
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict  # names in lower case
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """POSTs to http://127.0.0.1:<port>/…, recorded; answers queued per path."""

    requests: list = field(default_factory=list)
    answers: dict = field(default_factory=lambda: defaultdict(deque))
    default_status: int = 201

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                received = Received(self.path, headers, body)
                status = receiver.handle(received)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, path, *statuses):
        """The next POSTs to `path` get these statuses, in order."""
        self.answers[path].extend(statuses)

    def handle(self, received):
        self.requests.append(received)
        queued = self.answers[urlsplit(received.path).path]
        return queued.popleft() if queued else self.default_status

    def to(self, path):
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def wait_for(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BadPush(AssertionError):
    pass


@dataclass
class Browser:
    """A subscription's private half: what a browser keeps to read its pushes."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self):
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription_json(self):
        """What PushSubscription.toJSON() gives a page."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


class PushService(Receiver):
    """A push service on 127.0.0.1 that checks and decrypts what it is sent."""

    def __init__(self, *, vapid_public_key, subject):
        self.vapid_public_key = vapid_public_key
        self.subject = subject
        self.browsers = {}
        self.delivered = []  # (path, decrypted payload as a dict)
        self.errors = []  # what was wrong with pushes it refused (answered 400)
        super().__init__()

    def subscribe(self):
        path = f"/push/{b64url(os.urandom(12))}"
        browser = Browser(
            endpoint=self.url + path,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.browsers[path] = browser
        return browser

    def handle(self, received):
        status = super().handle(received)
        if status < 300:
            browser = self.browsers[urlsplit(received.path).path]
            try:
                self.delivered.append((received.path, self.open(received, browser)))
            except Exception as error:  # noqa: BLE001 - reported to the test
                self.errors.append(f"{type(error).__name__}: {error}")
                return 400
        return status

    def open(self, received, browser):
        """Check the push as a push service and the browser would; the payload."""
        headers = received.headers
        if headers.get("content-encoding") != "aes128gcm":
            raise BadPush(f"content-encoding {headers.get('content-encoding')!r}")
        if not headers.get("ttl", "").isdigit():
            raise BadPush("no TTL header")
        self.verify_vapid(headers.get("authorization", ""))
        plain = http_ece.decrypt(
            received.body,
            private_key=browser.private_key,
            auth_secret=browser.auth,
            version="aes128gcm",
        )
        return json.loads(plain)

    def verify_vapid(self, authorization):
        """`vapid t=<JWT>, k=<public key>`: ES256 by our key, for this origin."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise BadPush(f"authorization scheme {scheme!r}")
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        if parts.get("k") != self.vapid_public_key:
            raise BadPush("the push is signed with another key")
        header_b64, claims_b64, signature_b64 = parts["t"].split(".")
        header = json.loads(unb64url(header_b64))
        if header != {"typ": "JWT", "alg": "ES256"}:
            raise BadPush(f"JWT header {header}")
        raw = unb64url(signature_b64)
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(parts["k"])
        )
        try:
            public.verify(
                signature,
                f"{header_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            raise BadPush("the VAPID signature does not verify") from None
        claims = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.url:
            raise BadPush(f"aud {claims.get('aud')!r} is not {self.url}")
        if claims.get("sub") != self.subject:
            raise BadPush(f"sub {claims.get('sub')!r}")
        if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
            raise BadPush("exp is not within the next 24 hours")
