"""Signed tokens for the confirmation and unsubscribe links.

A token carries the subscriber's id and a short fingerprint of the address, signed
with SECRET_KEY (rotation through SECRET_KEY_FALLBACKS keeps old links working). The
address itself never appears in a URL, and a token stops working if the row it named
now holds another address. Confirmation links expire; unsubscribe links never do,
because a reader may open an old issue months later.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def _signer(purpose):
    # Only confirmation links carry a time; unsubscribe links stay the same in
    # every mail, so any of them works.
    signer = signing.TimestampSigner if purpose == CONFIRM else signing.Signer
    return signer(salt=f"newsletter.{purpose}")


def _fingerprint(email):
    return salted_hmac(
        "newsletter.address", email.lower(), algorithm="sha256"
    ).hexdigest()[:16]


def make(subscriber, purpose):
    return maker(purpose)(subscriber.pk, subscriber.email)


def maker(purpose):
    """(pk, email) -> the token for the subscriber with this id and address; no
    row needed, and one signer for as many readers as a send has."""
    signer = _signer(purpose)
    return lambda pk, email: signer.sign_object(
        [pk, _fingerprint(email)], compress=False
    )


def read(token, purpose):
    """(subscriber id, address fingerprint) from a token, or raise TokenExpired /
    TokenInvalid. `Subscriber.objects.from_token()` finds the row it names."""
    options = (
        {"max_age": settings.NEWSLETTER_CONFIRM_MAX_AGE} if purpose == CONFIRM else {}
    )
    try:
        pk, fingerprint = _signer(purpose).unsign_object(token, **options)
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise TokenInvalid from exc
    if not isinstance(pk, int) or not isinstance(fingerprint, str):
        raise TokenInvalid
    return pk, fingerprint


def names(subscriber, fingerprint):
    """Whether the row still holds the address the token was made for."""
    return _fingerprint(subscriber.email) == fingerprint
