"""Malformed input never yields a 500: admin forms, reader URLs and public forms.

Each admin add and change form is first fetched as a browser would see it; what the
browser would post is then sent with some fields replaced by malformed values (ids
that are not numbers or are out of range, unicode, NUL bytes, empty values, lists,
over-long strings, impossible dates). The answer must be a page or a redirect, never
a server error, and a form that was refused must have left the stored rows as they
were. Hypothesis picks the fields and values; examples are few so the suite stays fast.
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import serializers
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Status
from newsletter import tokens
from newsletter.models import Issue, IssueStory, Subscriber
from shows.models import Credit, Genre, Rating, Season
from tests.factories import (
    make_article,
    make_author,
    make_network,
    make_person,
    make_show,
    make_topic,
    make_user,
    picture,
)

pytestmark = pytest.mark.django_db
ROOT = str(Path(__file__).resolve().parent.parent)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# An admin POST renders a whole change form: fewer examples per form and role.
FUZZ_ADMIN = settings(FUZZ, max_examples=20)

# Values a hand-made request can carry in any field.
scalars = st.one_of(
    st.sampled_from(
        [
            "Netflix",
            "",
            " ",
            "0",
            "-1",
            "1.5",
            "1e309",
            "9" * 30,
            str(2**63),
            str(-(2**63) - 1),
            "\x00",
            "12\x00",
            "2026-02-30",
            "9999-99-99",
            "0000-00-00",
            "25:61:61",
            "null",
            "[]",
            "{}",
            "<script>alert(1)</script>",
            "x" * 5000,
            "ü" * 300,
            "🎬" * 100,
            "\u202e\ufeff",
            "../../etc/passwd",
        ]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
values = st.one_of(scalars, st.lists(scalars, min_size=2, max_size=3))


class FormFields(HTMLParser):
    """What a browser would submit from the form with the given id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def add(self, name, value):
        if name and "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = name
            self._multiple = "multiple" in attrs
            self._chosen = []
        elif tag == "option" and self._select and "selected" in attrs:
            self._chosen.append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            for value in self._chosen or ([] if self._multiple else [""]):
                self.add(self._select, value)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def browser_post_data(client, url, model_name):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = FormFields(f"{model_name}_form")
    parser.feed(response.content.decode())
    assert parser.data, f"no form found at {url}"
    return parser.data


def snapshot(*querysets):
    return [serializers.serialize("python", qs.order_by("pk")) for qs in querysets]


@pytest.fixture
def desk():
    """One of everything the back office edits, with its relations."""
    writer = make_user("writer")
    author = make_author("Grace Morris", user=writer)
    editor = make_user("editor")
    network = make_network("Netflix", logo=picture("Logo"))
    genre = Genre.objects.create(name="Drama", slug="drama")
    show = make_show("Heartstopper", network=network)
    show.genres.add(genre)
    season = Season.objects.create(show=show, number=1)
    person = make_person("Kit Connor")
    credit = Credit.objects.create(
        show=show, person=person, character="Nick", billing=1
    )
    credit.seasons.add(season)
    Rating.objects.create(show=show, source="Critics", score=100, scale=100)
    topic = make_topic("Netflix")
    live = make_article(topics=[topic], shows=[show], people=[person], hero=True)
    draft = make_article(
        status=Status.DRAFT, authors=[author], topics=[topic], shows=[show]
    )
    subscriber = Subscriber.objects.create(email="fan@example.com")
    issue = Issue.objects.create(subject="This week")
    IssueStory.objects.create(issue=issue, article=live, position=0)
    return {
        "writer": writer,
        "editor": editor,
        "live": live,
        "draft": draft,
        "show": show,
        "person": person,
        "network": network,
        "genre": genre,
        "topic": topic,
        "author": author,
        "image": live.hero_image,
        "subscriber": subscriber,
        "issue": issue,
    }


def admin_url(obj):
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/"


def add_url(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"


# (fixture key, the rows a refused form must leave as they were)
CHANGE_FORMS = {
    "draft": lambda o: [type(o).objects.filter(pk=o.pk), o.byline_set.all()],
    "live": lambda o: [type(o).objects.filter(pk=o.pk), o.byline_set.all()],
    "show": lambda o: [
        type(o).objects.filter(pk=o.pk),
        o.seasons.all(),
        o.credits.all(),
        o.ratings.all(),
    ],
    "person": lambda o: [type(o).objects.filter(pk=o.pk), o.credits.all()],
    "network": lambda o: [type(o).objects.filter(pk=o.pk)],
    "genre": lambda o: [type(o).objects.filter(pk=o.pk)],
    "topic": lambda o: [type(o).objects.filter(pk=o.pk)],
    "author": lambda o: [type(o).objects.filter(pk=o.pk)],
    "image": lambda o: [type(o).objects.filter(pk=o.pk)],
    "subscriber": lambda o: [type(o).objects.filter(pk=o.pk)],
    "issue": lambda o: [type(o).objects.filter(pk=o.pk), o.stories.all()],
}


def fuzzed(data, draw_fields, draw_values):
    data = {key: list(value) for key, value in data.items()}
    for key, value in zip(draw_fields, draw_values, strict=False):
        data[key] = value if isinstance(value, list) else [value]
    return data


@pytest.mark.parametrize("role", ["writer", "editor"])
@pytest.mark.parametrize("key", sorted(CHANGE_FORMS))
def test_admin_change_forms_refuse_malformed_values_without_losing_data(
    client, desk, role, key
):
    obj = desk[key]
    client.force_login(desk[role])
    url = admin_url(obj)
    if client.get(url).status_code != 200:
        pytest.skip(f"a {role} cannot open this form")
    base = browser_post_data(client, url, obj._meta.model_name)
    fields = sorted(k for k in base if not k.endswith("-DELETE"))
    rows = CHANGE_FORMS[key]

    @FUZZ_ADMIN
    @given(
        st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True),
        st.lists(values, min_size=4, max_size=4),
    )
    def post(chosen, new_values):
        before = snapshot(*rows(obj))
        response = client.post(url, fuzzed(base, chosen, new_values))
        assert response.status_code < 500, (chosen, new_values)
        if response.status_code != 302:
            assert snapshot(*rows(obj)) == before, (chosen, new_values)
        assert type(obj).objects.filter(pk=obj.pk).exists()

    post()


ADD_FORMS = ["draft", "show", "person", "network", "topic", "author", "issue"]


@pytest.mark.parametrize("role", ["writer", "editor"])
@pytest.mark.parametrize("key", ADD_FORMS)
def test_admin_add_forms_refuse_malformed_values(client, desk, role, key):
    model = type(desk[key])
    client.force_login(desk[role])
    url = add_url(model)
    if client.get(url).status_code != 200:
        pytest.skip(f"a {role} cannot add these")
    base = browser_post_data(client, url, model._meta.model_name)
    fields = sorted(base)
    existing = snapshot(model.objects.all())

    @FUZZ_ADMIN
    @given(
        st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True),
        st.lists(values, min_size=4, max_size=4),
    )
    def post(chosen, new_values):
        response = client.post(url, fuzzed(base, chosen, new_values))
        assert response.status_code < 500, (chosen, new_values)

    post()
    kept = {row["pk"] for row in existing[0]}
    assert kept <= set(model.objects.values_list("pk", flat=True))


def test_every_admin_and_inline_takes_relation_keys_safely():
    """New admins must not bring Django's raw relation widgets back."""
    from django.apps import apps
    from django.contrib import admin

    from core.relations import RelationKeysAdminMixin

    for model, model_admin in admin.site._registry.items():
        app_path = Path(apps.get_app_config(model._meta.app_label).path)
        if app_path.parent != Path(ROOT):
            continue  # Django's and libraries' own admins (a .venv may sit in ROOT)
        for cls in [type(model_admin), *model_admin.inlines]:
            assert issubclass(cls, RelationKeysAdminMixin), cls


def test_topics_given_by_name_is_a_form_error_not_a_500(client, desk):
    """The report that started this: a topic posted by name instead of id."""
    client.force_login(desk["editor"])
    data = browser_post_data(client, add_url(type(desk["draft"])), "article")
    data |= {"headline": ["A story"], "slug": ["a-story"], "topics": ["Netflix"]}
    response = client.post(add_url(type(desk["draft"])), data)
    assert response.status_code == 200
    assert "topics" in response.context["adminform"].form.errors


# --- Reader URLs and public forms --------------------------------------------------

path_parts = st.one_of(
    scalars, st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
)


@FUZZ
@given(
    prefix=st.sampled_from(
        [
            "/articles/",
            "/topics/",
            "/shows/",
            "/people/",
            "/authors/",
            "/newsletter/confirm/",
            "/newsletter/unsubscribe/",
            "/reads/",
            "/articles/preview/",
        ]
    ),
    part=path_parts,
)
def test_reader_urls_with_any_slug_never_fail(client, desk, prefix, part):
    response = client.get(prefix + part + "/")
    assert response.status_code < 500


@FUZZ
@given(
    path=st.sampled_from(
        ["/", "/topics/netflix/", "/shows/", "/authors/", "/search/", "/topics/"]
    ),
    params=st.dictionaries(
        st.sampled_from(["page", "q", "network", "status", "after", "p"]),
        values,
        max_size=3,
    ),
)
def test_reader_query_strings_never_fail(client, desk, path, params):
    response = client.get(path, params)
    assert response.status_code < 500


SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(["email", "source", "website", "consent", "next"]),
        values,
        max_size=4,
    )
)
def test_newsletter_signup_never_fails(client, desk, data):
    response = client.post("/newsletter/", data, **SAME_ORIGIN)
    assert response.status_code < 500


@FUZZ
@given(token=path_parts, method=st.sampled_from(["get", "post"]))
def test_token_pages_never_fail(client, desk, token, method):
    for kind in ("confirm", "unsubscribe"):
        url = f"/newsletter/{kind}/{token}/"
        response = getattr(client, method)(url, **SAME_ORIGIN)
        assert response.status_code < 500


def test_a_real_token_still_works(client, desk):
    """The fuzzing above must not hide that a good token answers."""
    token = tokens.make(desk["subscriber"], tokens.UNSUBSCRIBE)
    assert client.get(f"/newsletter/unsubscribe/{token}/").status_code == 200


@FUZZ
@given(
    pk=st.integers(min_value=-(2**70), max_value=2**70),
    body=st.one_of(values.map(str), st.binary(max_size=200)),
)
def test_read_beacon_never_fails(desk, pk, body):
    client = Client()
    for url in (f"/reads/{pk}/", f"/reads/{desk['live'].pk}/"):
        response = client.post(
            url, body, content_type="application/json", **SAME_ORIGIN
        )
        assert response.status_code < 500
