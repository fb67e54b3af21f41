"""Tell search engines at once when a story goes live, changes or is taken down.

Two standard pings, each sent only while its setting is set:

- IndexNow (`INDEXNOW_KEY`): the story's URL is POSTed to `INDEXNOW_ENDPOINT` (by
  default the shared endpoint, which passes it to Bing, Yandex, Naver, Seznam…).
  The engines check that the key file `/<INDEXNOW_KEY>.txt` on our site holds the key
  (articles.views.indexnow_key).
- WebSub (`WEBSUB_HUB_URL`): the hub is told that each feed the story is in has
  changed (latest RSS and Atom, its topics', writers' and shows' feeds); the feeds
  name the hub (articles.feeds), so subscribers get the new items pushed.

Pings are tasks, enqueued once the editor's save has committed; a failing search
engine never fails or slows the save beyond the task backend's own cost. A network
error, a 429 or a 5xx is tried again (core.tasks.retry_later, three attempts in
all); any other refusal is logged and dropped.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.tasks import task
from django.urls import reverse

from articles.models import Article
from articles.publication import story_went_live
from core.links import absolute
from core.tasks import retry_later

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for one ping


def enabled():
    return bool(settings.INDEXNOW_KEY or settings.WEBSUB_HUB_URL)


def feed_urls(article):
    """Absolute URLs of every feed that lists the story."""
    paths = [reverse("articles:feed_latest"), reverse("articles:feed_latest_atom")]
    paths += [
        reverse("articles:topic_feed", kwargs={"slug": slug})
        for slug in article.topics.values_list("slug", flat=True)
    ]
    paths += [
        reverse("articles:author_feed", kwargs={"slug": slug})
        for slug in article.authors.values_list("slug", flat=True)
    ]
    paths += [
        reverse("articles:show_feed", kwargs={"slug": slug})
        for slug in article.shows.values_list("slug", flat=True)
    ]
    return [absolute(path) for path in paths]


def ping_about(article):
    """Queue the pings for `article` once the current transaction commits."""
    if not enabled():
        return
    story_url = absolute(article.get_absolute_url())
    feeds = feed_urls(article) if settings.WEBSUB_HUB_URL else []

    def enqueue():
        if settings.INDEXNOW_KEY:
            indexnow_ping.enqueue(urls=[story_url])
        for feed in feeds:
            websub_ping.enqueue(feed_url=feed)

    transaction.on_commit(enqueue, robust=True)


@receiver(story_went_live, dispatch_uid="articles.pings.went_live")
def story_went_live_ping(sender, article, **kwargs):
    ping_about(article)


@receiver(post_save, sender=Article, dispatch_uid="articles.pings.saved")
def story_changed_ping(sender, instance, raw=False, **kwargs):
    """A live story whose words changed, or that was taken down."""
    was_live, wording = getattr(instance, "_loaded_state", (False, None))
    if raw or not was_live:
        return  # a story going live is pinged by story_went_live
    if not instance.is_published or wording != instance._wording():
        ping_about(instance)


def _post(url, body, content_type):
    """POST and return the HTTP status; raises OSError when no answer came."""
    request = urllib.request.Request(  # noqa: S310 - URLs come from settings
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _outcome(task_fn, status, attempt, what, **kwargs):
    if status is not None and 200 <= status < 300:
        return "sent"
    temporary = status is None or status == 429 or status >= 500
    if temporary and retry_later(task_fn, attempt, **kwargs):
        logger.info("%s: answer %s, trying again later", what, status)
        return "retrying"
    logger.warning("%s failed: answer %s after %s attempt(s)", what, status, attempt)
    return "failed"


def _status_of(url, body, content_type):
    try:
        return _post(url, body, content_type)
    except (OSError, ValueError) as error:  # network errors, timeouts, bad URLs
        logger.info("ping to %s got no answer: %s", url, error)
        return None


@task()
def indexnow_ping(urls, attempt=1):
    """Tell IndexNow that these URLs (on SITE_URL's host) are new or changed."""
    if not settings.INDEXNOW_KEY:
        return "off"
    key = settings.INDEXNOW_KEY
    body = json.dumps(
        {
            "host": urllib.parse.urlsplit(settings.SITE_URL).hostname,
            "key": key,
            "keyLocation": absolute(reverse("articles:indexnow_key", args=[key])),
            "urlList": urls,
        }
    ).encode()
    status = _status_of(
        settings.INDEXNOW_ENDPOINT, body, "application/json; charset=utf-8"
    )
    return _outcome(indexnow_ping, status, attempt, "IndexNow ping", urls=urls)


@task()
def websub_ping(feed_url, attempt=1):
    """Tell the WebSub hub that this feed has changed."""
    if not settings.WEBSUB_HUB_URL:
        return "off"
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url})
    status = _status_of(
        settings.WEBSUB_HUB_URL, body.encode(), "application/x-www-form-urlencoded"
    )
    return _outcome(websub_ping, status, attempt, "WebSub ping", feed_url=feed_url)
