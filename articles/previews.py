"""Signed preview links: a reviewer without an account reads a draft until it expires.

The token is the article's id and its `preview_secret`, signed with SECRET_KEY and a
timestamp (`TimestampSigner` via `signing.dumps`), so it cannot be forged or altered,
and it stops working after ARTICLE_PREVIEW_MAX_AGE seconds (48 hours by default).
`revoke()` gives the story a new secret, and every link made before stops working.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

SALT = "articles.preview"


class PreviewExpired(Exception):
    pass


class PreviewInvalid(Exception):
    pass


def max_age():
    return timedelta(seconds=settings.ARTICLE_PREVIEW_MAX_AGE)


def new_secret():
    """A fresh per-story value for preview tokens (Article.preview_secret)."""
    return get_random_string(24)


def make_token(article):
    return signing.dumps(
        {"article": article.pk, "secret": article.preview_secret},
        salt=SALT,
        compress=True,
    )


def revoke(article):
    """Make every preview link of `article` made so far stop working."""
    article.preview_secret = new_secret()
    # Not save(): revoking is not an edit (no re-render, history or "updated").
    type(article).objects.filter(pk=article.pk).update(
        preview_secret=article.preview_secret
    )


def preview_url(article):
    return reverse("articles:preview", kwargs={"token": make_token(article)})


def read(token):
    """(article id, preview secret) from `token`; raises PreviewExpired or
    PreviewInvalid. The caller checks the secret against the story's."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise PreviewExpired from exc
    except signing.BadSignature as exc:
        raise PreviewInvalid from exc
    if not isinstance(data, dict):
        raise PreviewInvalid
    article_id, secret = data.get("article"), data.get("secret")
    if not isinstance(article_id, int) or not isinstance(secret, str) or not secret:
        raise PreviewInvalid
    return article_id, secret
