"""Test data for every area: staff, writers, topics, stories, shows and people.

Plain functions with keyword defaults (as djangoproject.com does). Slugs come from the
name, so a test can name its URL ("Heartstopper" is /shows/heartstopper/); names left
out are numbered, so repeated calls make distinct rows.
"""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, Byline, Status, Topic
from authors.models import Author
from core.roles import EDITOR, WRITER, sync_roles
from images.demo import demo_image
from shows.models import Network, Person, Show

_numbers = itertools.count(1)


def make_user(role=None, **fields):
    """A user: role None (a reader with an account), "writer", "editor" or "admin"."""
    n = next(_numbers)
    fields.setdefault("username", f"{role or 'reader'}{n}")
    fields.setdefault("email", f"{fields['username']}@example.com")
    user = get_user_model().objects.create_user(password="pw", **fields)
    if role == "admin":
        user.is_staff = user.is_superuser = True
        user.save()
    elif role in ("writer", "editor"):
        sync_roles()
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=WRITER if role == "writer" else EDITOR))
    return user


def make_author(name=None, *, user=None, with_photo=False, **fields):
    n = next(_numbers)
    name = name or f"Writer {n}"
    fields.setdefault("slug", f"writer-{n}")
    fields.setdefault("role", "Staff Writer")
    fields.setdefault("bio", f"{name} covers television.")
    if with_photo:
        fields["photo"] = demo_image(
            f"W{n}", alt_text=f"Portrait of {name}", size=(200, 200)
        )
    return Author.objects.create(name=name, user=user, **fields)


def make_topic(name=None, **fields):
    name = name or f"Topic {next(_numbers)}"
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    return Topic.objects.create(name=name, **fields)


def picture(label="Pic", **fields):
    fields.setdefault("alt_text", f"{label} picture")
    fields.setdefault("size", (320, 180))
    return demo_image(label, **fields)


def make_article(
    *,
    status=Status.PUBLISHED,
    publish_at=None,
    authors=None,
    topics=(),
    n_authors=1,
    n_topics=0,
    hero=False,
    shows=(),
    people=(),
    **fields,
):
    """An article; published an hour ago unless told otherwise.

    `authors` (a list) wins over `n_authors`; `topics` (names or Topic) adds to
    `n_topics` fresh ones.
    """
    n = next(_numbers)
    fields.setdefault("headline", f"Story number {n}")
    fields.setdefault("body", f"<p>Words of story {n}.</p>")
    if status == Status.PUBLISHED and publish_at is None:
        publish_at = timezone.now() - timedelta(hours=1)
    if hero:
        fields["hero_image"] = picture(f"Hero {n}", credit="Netflix")
    article = Article.objects.create(status=status, publish_at=publish_at, **fields)
    if authors is None:
        authors = [make_author() for _ in range(n_authors)]
    for position, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, position=position)
    topic_list = [*topics, *(make_topic() for _ in range(n_topics))]
    if topic_list:
        article.topics.add(*topic_list)
    if shows:
        article.shows.add(*shows)
    for person in people:
        person.articles.add(article)
    return article


def make_network(name="Netflix", **fields):
    return Network.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, **fields}
    )[0]


def make_show(title=None, **fields):
    title = title or f"Show {next(_numbers)}"
    fields.setdefault("slug", slugify(title))
    return Show.objects.create(title=title, **fields)


def make_person(name=None, **fields):
    name = name or f"Person {next(_numbers)}"
    fields.setdefault("slug", slugify(name))
    return Person.objects.create(name=name, **fields)
