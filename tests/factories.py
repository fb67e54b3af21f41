"""Test data for every area: staff, writers, topics, stories, shows and people.

Plain functions with keyword defaults (as djangoproject.com does). Slugs come from the
name, so a test can name its URL ("Heartstopper" is /shows/heartstopper/); names left
out are numbered, so repeated calls make distinct rows.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from articles.models import (
    Article,
    Byline,
    Correction,
    GallerySlide,
    Kind,
    LiveUpdate,
    Status,
    Topic,
)
from authors.models import Author
from core.roles import EDITOR, WRITER, sync_roles
from images.demo import demo_image
from shows.models import (
    Episode,
    Network,
    Person,
    Provider,
    Season,
    Show,
    WatchOffer,
)

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


def make_season(show, number=1, **fields):
    return Season.objects.create(show=show, number=number, **fields)


def make_episode(season, number=1, **fields):
    fields.setdefault("title", f"Episode {number}")
    return Episode.objects.create(season=season, number=number, **fields)


def make_offer(show, region="GB", provider="Netflix", **fields):
    """Where to watch `show` in `region`; `provider` is a name or a Provider."""
    if isinstance(provider, str):
        provider = Provider.objects.get_or_create(
            slug=slugify(provider), defaults={"name": provider}
        )[0]
    fields.setdefault("url", f"https://{provider.slug}.example/{show.slug}")
    return WatchOffer.objects.create(
        show=show, region=region, provider=provider, **fields
    )


def make_review(subject, *, rating="4", verdict="Worth your time.", **fields):
    """A published review of a Show, Season or Episode, listed on its show."""

    if isinstance(subject, Episode):
        fields["subject_episode"], show = subject, subject.season.show
    elif isinstance(subject, Season):
        fields["subject_season"], show = subject, subject.show
    else:
        fields["subject_show"], show = subject, subject
    return make_article(
        kind=Kind.REVIEW,
        rating=Decimal(rating),
        verdict=verdict,
        shows=[show],
        **fields,
    )


def make_recap(episode, **fields):
    """A published recap of `episode`, listed on its show."""
    return make_article(
        kind=Kind.RECAP,
        subject_episode=episode,
        shows=[episode.season.show],
        **fields,
    )


def make_live_blog(**fields):
    """A published live blog whose coverage has not ended."""
    fields.setdefault("headline", f"Live: story {next(_numbers)}")
    return make_article(kind=Kind.LIVE, **fields)


def make_live_update(article, *, writers=(), minutes_ago=0, **fields):
    n = next(_numbers)
    fields.setdefault("body", f"<p>Update {n} words.</p>")
    fields.setdefault("posted_at", timezone.now() - timedelta(minutes=minutes_ago))
    update = LiveUpdate.objects.create(article=article, **fields)
    update.writers.set(writers)
    return update


def make_gallery(n_slides=3, **fields):
    """A published gallery of `n_slides` Netflix-credited pictures."""
    fields.setdefault("headline", f"Gallery {next(_numbers)}")
    article = make_article(kind=Kind.GALLERY, **fields)
    for position in range(1, n_slides + 1):
        make_slide(article, position=position)
    return article


def make_slide(article, *, image=None, **fields):
    n = next(_numbers)
    image = image or picture(
        f"Slide {n}", caption=f"Slide {n} caption", credit="Netflix"
    )
    return GallerySlide.objects.create(article=article, image=image, **fields)


def make_correction(article, **fields):
    fields.setdefault("text", f"An earlier version got fact {next(_numbers)} wrong.")
    return Correction.objects.create(article=article, **fields)
