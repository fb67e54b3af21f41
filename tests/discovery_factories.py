"""Shows and people for the discovery tests (search, feeds, sitemaps, SEO, related).

Stories, writers and topics come from tests/articles_factories.py.
"""

import itertools

from django.utils.text import slugify

from shows.models import Network, Person, Show

_numbers = itertools.count(1)


def make_show(title=None, *, network=None, **fields):
    title = title or f"Show {next(_numbers)}"
    fields.setdefault("slug", f"{slugify(title)}-{next(_numbers)}")
    return Show.objects.create(title=title, network=network, **fields)


def make_network(name="Netflix"):
    return Network.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]


def make_person(name=None, **fields):
    name = name or f"Person {next(_numbers)}"
    fields.setdefault("slug", f"{slugify(name)}-{next(_numbers)}")
    return Person.objects.create(name=name, **fields)
