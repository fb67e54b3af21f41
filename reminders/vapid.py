"""The VAPID key pair that signs our pushes (RFC 8292), from the settings.

Keys are base64url: the public key an uncompressed P-256 point (what browsers take
as `applicationServerKey`), the private key its 32-byte secret. With DEBUG on and no
keys set, a pair is made once and kept in VAPID_DEV_KEYS_FILE (git-ignored), so
`make run` works and browsers stay subscribed across restarts.
"""

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Bytes from unpadded base64url; ValueError for anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    text = text.strip().rstrip("=")
    if not text or any(c not in _ALPHABET for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_ALPHABET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)


def public_point(public_key):
    return public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class KeyPair:
    public: str
    private: str

    @classmethod
    def generate(cls):
        key = ec.generate_private_key(ec.SECP256R1())
        secret = key.private_numbers().private_value.to_bytes(32, "big")
        return cls(
            public=b64url(public_point(key.public_key())), private=b64url(secret)
        )

    def signer(self):
        """A py_vapid signer for pywebpush."""
        return Vapid.from_raw(self.private.encode())

    def problem(self):
        """Why the pair is unusable, or None."""
        try:
            secret = b64url_decode(self.private)
            point = b64url_decode(self.public)
        except ValueError:
            return "the keys are not base64url"
        if len(secret) != 32:
            return "VAPID_PRIVATE_KEY is not a 32-byte P-256 key"
        try:
            key = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
        except ValueError:
            return "VAPID_PRIVATE_KEY is not a P-256 key"
        if public_point(key.public_key()) != point:
            return "VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY"
        return None


@cache
def _dev_pair(path):
    try:
        with open(path) as kept:
            data = json.load(kept)
        return KeyPair(public=data["public"], private=data["private"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    pair = KeyPair.generate()
    # Written whole, then moved into place: two dev processes never read half a file.
    folder = os.path.dirname(path) or "."
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False) as new:
        json.dump({"public": pair.public, "private": pair.private}, new)
    os.chmod(new.name, 0o600)
    os.replace(new.name, path)
    return pair


def keys():
    """The KeyPair in use, or None when reminders are off: no keys with DEBUG off,
    or only half a pair (the system check reports that: reminders.E001)."""
    public, private = settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY
    if public and private:
        return KeyPair(public=public, private=private)
    if public or private:
        return None
    if settings.DEBUG:
        return _dev_pair(str(settings.VAPID_DEV_KEYS_FILE))
    return None


def public_key():
    """The applicationServerKey for browsers, "" when reminders are off."""
    pair = keys()
    return pair.public if pair else ""
