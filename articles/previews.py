"""Signed preview links: a reviewer without an account reads a draft until it expires.

The token is the article's id signed with SECRET_KEY and a timestamp
(`TimestampSigner` via `signing.dumps`), so it cannot be forged or altered, and it
stops working after ARTICLE_PREVIEW_MAX_AGE seconds (48 hours by default).
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "articles.preview"


class PreviewExpired(Exception):
    pass


class PreviewInvalid(Exception):
    pass


def max_age():
    return timedelta(seconds=settings.ARTICLE_PREVIEW_MAX_AGE)


def make_token(article):
    return signing.dumps({"article": article.pk}, salt=SALT, compress=True)


def preview_url(article):
    return reverse("articles:preview", kwargs={"token": make_token(article)})


def article_id_from(token):
    """The article id in `token`; raises PreviewExpired or PreviewInvalid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise PreviewExpired from exc
    except signing.BadSignature as exc:
        raise PreviewInvalid from exc
    article_id = data.get("article") if isinstance(data, dict) else None
    if not isinstance(article_id, int):
        raise PreviewInvalid
    return article_id
