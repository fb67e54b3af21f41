"""Read replicas (newsroom.routers): anonymous readers' queries go to a replica;
writes, staff, the admin and every other request stay on the primary."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from newsroom.routers import ReplicaRouter
from tests.factories import make_article, make_author, make_show, make_topic, make_user
from tests.test_settings import PROD, settings_json

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_0"])


@pytest.fixture(autouse=True)
def _router(settings):
    settings.DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]


@pytest.fixture
def story():
    return make_article(
        headline="Netflix renews Heartstopper",
        authors=[make_author("Grace Morris", slug="grace-morris")],
        topics=[make_topic("Netflix")],
        shows=[make_show("Heartstopper")],
        hero=True,
    )


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.on = {alias: CaptureQueriesContext(connections[alias]) for alias in DBS}
        for captured in self.on.values():
            captured.__enter__()
        return self

    def __exit__(self, *exc):
        for captured in self.on.values():
            captured.__exit__(*exc)

    def count(self, alias):
        return len(self.on[alias])


DBS = ["default", "replica_0"]
READER_PAGES = [
    "/",
    "/articles/netflix-renews-heartstopper/",
    "/topics/netflix/",
    "/shows/heartstopper/",
    "/authors/grace-morris/",
    "/search/?q=heartstopper",
    "/feeds/latest/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("url", READER_PAGES)
def test_anonymous_reader_pages_read_from_the_replica(client, story, url):
    with Queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert queries.count("replica_0") > 0
    assert queries.count("default") == 0


@pytest.mark.parametrize("url", ["/articles/netflix-renews-heartstopper/", "/"])
def test_staff_read_from_the_primary(client, story, url):
    """Staff must see what they have just saved, never a lagging replica."""
    client.force_login(make_user("editor"))
    with Queries() as queries:
        assert client.get(url).status_code == 200
    assert queries.count("default") > 0
    assert queries.count("replica_0") == 0


def test_the_admin_reads_from_the_primary(client, story):
    client.force_login(make_user("admin"))
    with Queries() as queries:
        assert client.get("/admin/articles/article/").status_code == 200
    assert queries.count("replica_0") == 0


def test_the_admin_login_page_reads_from_the_primary(client):
    with Queries() as queries:
        assert client.get("/admin/login/").status_code == 200
    assert queries.count("replica_0") == 0


def test_a_reader_with_a_cookie_reads_from_the_primary(client, story):
    client.cookies["sessionid"] = "anything"
    with Queries() as queries:
        assert client.get(story.get_absolute_url()).status_code == 200
    assert queries.count("replica_0") == 0


def test_an_anonymous_post_reads_and_writes_on_the_primary(client):
    same_origin = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    with Queries() as queries:
        response = client.post(
            "/newsletter/",
            {"email": "fan@example.com", "website": "", "source": "page"},
            headers=same_origin,
        )
    assert response.status_code == 302
    assert queries.count("default") > 0
    assert queries.count("replica_0") == 0


def test_writes_and_migrations_stay_on_the_primary(story):
    router = ReplicaRouter()
    assert router.db_for_write(Article) == "default"
    assert router.db_for_read(Article) == "default"  # outside an anonymous request
    assert router.allow_migrate("default", "articles")
    assert not router.allow_migrate("replica_0", "articles")


def test_replica_urls_add_aliases_and_the_router():
    values = settings_json(
        ["DATABASES", "DATABASE_ROUTERS"],
        {
            **PROD,
            "DATABASE_URL": "postgres://app@primary:5432/news",
            "DATABASE_REPLICA_URLS": "postgres://app@replica-a:5432/news,"
            "postgres://app@replica-b:5432/news",
        },
    )
    databases = values["DATABASES"]
    assert sorted(databases) == ["default", "replica_0", "replica_1"]
    assert databases["replica_0"]["HOST"] == "replica-a"
    assert databases["replica_1"]["HOST"] == "replica-b"
    assert databases["replica_1"]["TEST"]["MIRROR"] == "default"
    assert values["DATABASE_ROUTERS"] == ["newsroom.routers.ReplicaRouter"]


def test_no_replicas_no_router():
    values = settings_json(["DATABASES", "DATABASE_ROUTERS"], PROD)
    assert list(values["DATABASES"]) == ["default"]
    assert values["DATABASE_ROUTERS"] == []
