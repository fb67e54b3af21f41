"""Sitemaps (index and sections, Google News) and robots.txt."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Status
from articles.sitemaps import ArticleSitemap
from tests.factories import (
    make_article,
    make_author,
    make_person,
    make_show,
    make_topic,
)

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 - the site's own output


def locations(root):
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def hidden_stories(**fields):
    return [
        make_article(status=Status.DRAFT, **fields),
        make_article(status=Status.REVIEW, **fields),
        make_article(publish_at=timezone.now() + timedelta(hours=2), **fields),
    ]


class TestIndex:
    def test_lists_every_section_on_the_site_url(self, client):
        make_article()
        # Asked through another host name (an app server behind the CDN): the
        # addresses still use SITE_URL.
        root = parse(client.get("/sitemap.xml", HTTP_HOST="localhost"))
        assert root.tag == f"{SITEMAP}sitemapindex"
        assert locations(root) == [
            f"http://testserver/sitemap-{section}.xml"
            for section in ("articles", "topics", "shows", "people", "writers")
        ]

    def test_articles_section_carries_the_latest_change(self, client):
        make_article(publish_at=timezone.now() - timedelta(days=3))
        newest = make_article(publish_at=timezone.now() - timedelta(hours=2))
        root = parse(client.get("/sitemap.xml"))
        first = root.find(f"{SITEMAP}sitemap")
        lastmod = datetime.fromisoformat(first.findtext(f"{SITEMAP}lastmod"))
        assert abs(lastmod - newest.publish_at) < timedelta(seconds=1)

    def test_split_past_the_limit_into_pages(self, client, monkeypatch):
        monkeypatch.setattr(ArticleSitemap, "limit", 2)
        stories = [
            make_article(publish_at=timezone.now() - timedelta(hours=i + 1))
            for i in range(5)
        ]
        index = locations(parse(client.get("/sitemap.xml")))
        assert index[:3] == [
            "http://testserver/sitemap-articles.xml",
            "http://testserver/sitemap-articles.xml?p=2",
            "http://testserver/sitemap-articles.xml?p=3",
        ]
        third = locations(parse(client.get("/sitemap-articles.xml?p=3")))
        assert third == [f"http://testserver{stories[4].get_absolute_url()}"]

    def test_the_protocol_limit_is_50000(self):
        assert ArticleSitemap.limit == 50_000

    @pytest.mark.parametrize("n", [1, 20])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        for _ in range(n):
            make_article(topics=[make_topic()], authors=[make_author()])
            make_show()
            make_person()
        # articles' latest change, then a count per section
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(7):
            parse(client.get("/sitemap.xml"))


class TestSections:
    def test_articles_only_published_with_lastmod(self, client):
        live = make_article()
        hidden_stories()
        root = parse(client.get("/sitemap-articles.xml"))
        (url,) = root.findall(f"{SITEMAP}url")
        assert url.findtext(f"{SITEMAP}loc") == (
            f"http://testserver{live.get_absolute_url()}"
        )
        lastmod = url.findtext(f"{SITEMAP}lastmod")
        assert lastmod.startswith(live.publish_at.date().isoformat())

    def test_an_updated_story_reports_its_update(self, client):
        story = make_article(publish_at=timezone.now() - timedelta(days=2))
        revised = timezone.now() - timedelta(hours=1)
        Article.objects.filter(pk=story.pk).update(revised_at=revised)
        root = parse(client.get("/sitemap-articles.xml"))
        lastmod = root.find(f"{SITEMAP}url").findtext(f"{SITEMAP}lastmod")
        assert lastmod.startswith(revised.date().isoformat())

    def test_topics_and_writers_with_live_stories(self, client):
        topic, writer = make_topic("Netflix"), make_author("Grace Morris")
        idle_topic, idle_writer = make_topic("Idle"), make_author("Idle Writer")
        make_article(topics=[topic], authors=[writer])
        hidden_stories(topics=[idle_topic], authors=[idle_writer])
        topics = locations(parse(client.get("/sitemap-topics.xml")))
        writers = locations(parse(client.get("/sitemap-writers.xml")))
        assert topics == [f"http://testserver{topic.get_absolute_url()}"]
        assert writers == [f"http://testserver{writer.get_absolute_url()}"]

    def test_shows_and_people(self, client):
        show, person = make_show("Heartstopper"), make_person("Joe Locke")
        assert locations(parse(client.get("/sitemap-shows.xml"))) == [
            f"http://testserver{show.get_absolute_url()}"
        ]
        assert locations(parse(client.get("/sitemap-people.xml"))) == [
            f"http://testserver{person.get_absolute_url()}"
        ]

    @pytest.mark.parametrize(
        "url",
        [
            "/sitemap-nothing.xml",
            "/sitemap-articles.xml?p=abc",
            "/sitemap-articles.xml?p=9",
        ],
    )
    def test_unknown_sections_and_pages_are_404(self, client, url):
        make_article()
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("n", [1, 25])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        for _ in range(n):
            make_article(topics=[make_topic()], n_authors=2)
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(3):  # count, rows
            root = parse(client.get("/sitemap-articles.xml"))
        assert len(root.findall(f"{SITEMAP}url")) == n


class TestNewsSitemap:
    def test_stories_of_the_last_48_hours_with_news_details(self, client):
        fresh = make_article(
            headline="Fresh & new", publish_at=timezone.now() - timedelta(hours=5)
        )
        make_article(publish_at=timezone.now() - timedelta(hours=49))
        hidden_stories()
        root = parse(client.get("/sitemap-news.xml"))
        (url,) = root.findall(f"{SITEMAP}url")
        assert url.findtext(f"{SITEMAP}loc") == (
            f"http://testserver{fresh.get_absolute_url()}"
        )
        news = url.find(f"{NEWS}news")
        publication = news.find(f"{NEWS}publication")
        assert publication.findtext(f"{NEWS}name") == "Newsroom"
        assert publication.findtext(f"{NEWS}language") == "en"
        assert news.findtext(f"{NEWS}title") == "Fresh & new"
        published = datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
        assert abs(published - fresh.publish_at) < timedelta(seconds=1)

    def test_publication_name_follows_site_name(self, client, settings):
        settings.SITE_NAME = "The Screen Desk"
        make_article()
        root = parse(client.get("/sitemap-news.xml"))
        assert root.findtext(f".//{NEWS}name") == "The Screen Desk"

    def test_empty_when_nothing_is_new(self, client):
        make_article(publish_at=timezone.now() - timedelta(days=3))
        assert parse(client.get("/sitemap-news.xml")).findall(f"{SITEMAP}url") == []

    @pytest.mark.parametrize("n", [1, 20])
    def test_one_query_for_the_stories(self, client, n, django_assert_num_queries):
        for _ in range(n):
            make_article(n_topics=1)
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_num_queries(2):
            root = parse(client.get("/sitemap-news.xml"))
        assert len(root.findall(f"{SITEMAP}url")) == n


class TestRobots:
    def test_names_both_sitemaps_and_keeps_crawlers_out_of_private_pages(
        self, client, django_assert_num_queries
    ):
        with django_assert_num_queries(0):
            response = client.get("/robots.txt")
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        lines = response.text.splitlines()
        assert "User-agent: *" in lines
        for path in ("/admin/", "/articles/preview/", "/search/"):
            assert f"Disallow: {path}" in lines
        assert "Sitemap: http://testserver/sitemap.xml" in lines
        assert "Sitemap: http://testserver/sitemap-news.xml" in lines
        assert "public" in response["Cache-Control"]

    def test_every_listed_sitemap_answers(self, client):
        make_article()
        for line in client.get("/robots.txt").text.splitlines():
            if line.startswith("Sitemap: "):
                path = line.removeprefix("Sitemap: http://testserver")
                assert client.get(path).status_code == 200
