"""Titles, descriptions, canonical links, Open Graph and Twitter Card tags, and the
schema.org JSON-LD each reader page carries."""

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, Status
from newsroom import seo
from shows.models import Credit, Genre, Role, Season
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

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld(html):
    """Every JSON-LD block of a page, parsed, by @type."""
    blocks = [json.loads(text) for text in LD_BLOCK.findall(html)]
    return {block["@type"]: block for block in blocks}


def meta(html, key):
    """The content of <meta property|name=key>, or None."""
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html
    )
    return found.group(1) if found else None


class TestNewsArticle:
    def test_carries_what_google_asks_for(self, client):
        authors = [
            make_author("Grace Morris", role="Staff Writer"),
            make_author("Priya Shah", role="Senior Editor"),
        ]
        topic = make_topic("Netflix")
        article = make_article(
            headline="Netflix renews Heartstopper",
            standfirst="Two more seasons.",
            authors=authors,
            topics=[topic],
            hero=True,
        )
        data = json_ld(client.get(article.get_absolute_url()).text)["NewsArticle"]
        url = f"http://testserver{article.get_absolute_url()}"
        assert data["@context"] == "https://schema.org"
        assert data["headline"] == "Netflix renews Heartstopper"
        assert data["description"] == "Two more seasons."
        assert data["mainEntityOfPage"]["@id"] == url
        assert data["image"] and all(
            image.startswith("http://testserver/media/") and image.endswith(".jpg")
            for image in data["image"]
        )
        published = timezone.datetime.fromisoformat(data["datePublished"])
        assert abs(published - article.publish_at) < timedelta(seconds=1)
        assert data["dateModified"] == data["datePublished"]
        assert data["author"] == [
            {
                "@type": "Person",
                "name": "Grace Morris",
                "url": f"http://testserver{authors[0].get_absolute_url()}",
                "jobTitle": "Staff Writer",
            },
            {
                "@type": "Person",
                "name": "Priya Shah",
                "url": f"http://testserver{authors[1].get_absolute_url()}",
                "jobTitle": "Senior Editor",
            },
        ]
        publisher = data["publisher"]
        assert publisher["name"] == "Newsroom"
        assert publisher["logo"]["url"] == "http://testserver/static/img/logo.png"
        assert data["articleSection"] == "Netflix"

    def test_an_updated_story_reports_its_update(self, client):
        article = make_article(publish_at=timezone.now() - timedelta(days=2))
        revised = timezone.now() - timedelta(hours=1)
        Article.objects.filter(pk=article.pk).update(revised_at=revised)
        data = json_ld(client.get(article.get_absolute_url()).text)["NewsArticle"]
        modified = timezone.datetime.fromisoformat(data["dateModified"])
        assert abs(modified - revised) < timedelta(seconds=1)

    def test_text_cannot_break_out_of_the_script_element(self, client):
        hostile = '</script><script>alert("x")</script> & <!-- friends'
        article = make_article(headline=hostile, standfirst="<b>bold</b>")
        html = client.get(article.get_absolute_url()).text
        blocks = LD_BLOCK.findall(html)
        assert all("<" not in block and ">" not in block for block in blocks)
        data = json_ld(html)["NewsArticle"]
        assert data["headline"] == hostile
        assert data["description"] == "<b>bold</b>"
        assert "<script>alert" not in html

    def test_long_headlines_are_cut_to_googles_limit(self):
        article = make_article(headline="x" * 150)
        article = Article.objects.for_page().get(pk=article.pk)
        assert len(seo.news_article(article)["headline"]) == 110

    def test_breadcrumbs_through_the_first_topic(self, client):
        topic = make_topic("Netflix")
        article = make_article(topics=[topic], headline="Renewed")
        trail = json_ld(client.get(article.get_absolute_url()).text)["BreadcrumbList"]
        assert [
            (item["position"], item["name"], item["item"])
            for item in trail["itemListElement"]
        ] == [
            (1, "Home", "http://testserver/"),
            (2, "Netflix", "http://testserver/topics/netflix/"),
            (3, "Renewed", f"http://testserver{article.get_absolute_url()}"),
        ]


class TestSocialTags:
    def test_article_share_tags_use_a_1200_wide_jpeg_of_the_hero(self, client):
        hero = picture("Share", size=(1600, 900), credit="Netflix")
        article = make_article(
            headline="Headline",
            seo_title="A title for shares",
            seo_description="A description for shares.",
            hero_image=hero,
        )
        html = client.get(article.get_absolute_url()).text
        url = f"http://testserver{article.get_absolute_url()}"
        assert "<title>A title for shares · Newsroom</title>" in html
        assert '<meta name="description" content="A description for shares.">' in html
        assert f'<link rel="canonical" href="{url}">' in html
        assert meta(html, "og:type") == "article"
        assert meta(html, "og:title") == "A title for shares"
        assert meta(html, "og:description") == "A description for shares."
        assert meta(html, "og:url") == url
        image = meta(html, "og:image")
        assert image.startswith("http://testserver/media/") and image.endswith(".jpg")
        assert meta(html, "og:image:type") == "image/jpeg"
        assert meta(html, "og:image:width") == "1200"
        assert meta(html, "og:image:height") == "675"
        assert meta(html, "og:image:alt") == hero.alt_text
        assert meta(html, "twitter:card") == "summary_large_image"
        assert meta(html, "twitter:title") == "A title for shares"
        path = image.removeprefix("http://testserver/media/")
        with PILImage.open(Path(settings.MEDIA_ROOT) / path) as shared:
            assert shared.format == "JPEG" and shared.size == (1200, 675)

    def test_without_a_picture_the_card_is_a_summary(self, client):
        html = client.get(make_article().get_absolute_url()).text
        assert meta(html, "twitter:card") == "summary"
        assert meta(html, "og:image") is None

    def test_drafts_shown_to_staff_are_not_indexed(self, client):
        client.force_login(make_user("editor"))
        draft = make_article(status=Status.DRAFT)
        html = client.get(draft.get_absolute_url()).text
        assert '<meta name="robots" content="noindex">' in html

    @pytest.mark.parametrize(
        "path, title",
        [
            ("/", "Newsroom: entertainment news"),
            ("/topics/", "Topics"),
            ("/authors/", "Our writers"),
            ("/shows/", "TV shows"),
            ("/search/", "Newsroom"),
        ],
    )
    def test_every_page_has_a_title_description_canonical_and_share_tags(
        self, client, path, title
    ):
        html = client.get(path).text
        assert meta(html, "og:title") == title
        assert meta(html, "description")
        assert meta(html, "og:description")
        assert meta(html, "og:url") == f"http://testserver{path}"
        assert f'<link rel="canonical" href="http://testserver{path}">' in html
        assert meta(html, "twitter:card") == "summary"

    def test_later_pages_are_their_own_canonical(self, client):
        topic = make_topic("Netflix")
        for _ in range(13):
            make_article(topics=[topic])
        html = client.get(f"{topic.get_absolute_url()}?page=2").text
        assert (
            '<link rel="canonical" href="http://testserver/topics/netflix/?page=2">'
        ) in html


class TestShowAndPeople:
    def test_show_page_describes_a_tv_series(self, client):
        show = make_show(
            "Heartstopper",
            network=make_network("Netflix"),
            synopsis="Two boys meet at school.",
            premiere_date=date(2022, 4, 22),
            official_site="https://www.netflix.com/title/81059939",
            poster=picture("Poster", size=(400, 600)),
        )
        show.genres.add(Genre.objects.create(name="Drama", slug="drama"))
        Season.objects.create(show=show, number=1, episode_count=8)
        Season.objects.create(show=show, number=2)
        joe, alice = make_person("Joe Locke"), make_person("Alice Oseman")
        Credit.objects.create(show=show, person=joe, character="Charlie", billing=1)
        Credit.objects.create(show=show, person=alice, role=Role.CREATOR)
        html = client.get(show.get_absolute_url()).text
        blocks = json_ld(html)
        data = blocks["TVSeries"]
        assert data["name"] == "Heartstopper"
        assert data["url"] == f"http://testserver{show.get_absolute_url()}"
        assert data["description"] == "Two boys meet at school."
        assert data["startDate"] == "2022-04-22"
        assert data["genre"] == ["Drama"]
        assert data["numberOfSeasons"] == 2
        assert data["containsSeason"][0] == {
            "@type": "TVSeason",
            "seasonNumber": 1,
            "name": "Season 1",
            "url": "http://testserver/shows/heartstopper/seasons/1/",
            "numberOfEpisodes": 8,
        }
        assert data["actor"] == [
            {
                "@type": "Person",
                "name": "Joe Locke",
                "url": f"http://testserver{joe.get_absolute_url()}",
            }
        ]
        assert data["creator"][0]["name"] == "Alice Oseman"
        assert data["image"][0].startswith("http://testserver/media/")
        assert [
            item["name"] for item in blocks["BreadcrumbList"]["itemListElement"]
        ] == [
            "Home",
            "TV shows",
            "Heartstopper",
        ]
        assert meta(html, "og:type") == "video.tv_show"

    def test_person_page_share_tags(self, client):
        person = make_person("Joe Locke", bio="Plays Charlie.")
        html = client.get(person.get_absolute_url()).text
        assert meta(html, "og:type") == "profile"
        assert meta(html, "og:title") == "Joe Locke"
        assert meta(html, "og:description") == "Plays Charlie."


class TestWriterPage:
    def test_profile_page_with_the_writer_as_person(self, client):
        author = make_author(
            "Grace Morris",
            role="Staff Writer",
            bio="Grace covers streaming.",
            with_photo=True,
            x="https://x.com/grace",
        )
        make_article(authors=[author])
        blocks = json_ld(client.get(author.get_absolute_url()).text)
        data = blocks["ProfilePage"]
        person = data["mainEntity"]
        assert person["@type"] == "Person"
        assert person["name"] == "Grace Morris"
        assert person["url"] == f"http://testserver{author.get_absolute_url()}"
        assert person["jobTitle"] == "Staff Writer"
        assert person["description"] == "Grace covers streaming."
        assert person["sameAs"] == ["https://x.com/grace"]
        assert person["image"].startswith("http://testserver/media/")
        assert person["worksFor"]["name"] == "Newsroom"
        assert [
            item["name"] for item in blocks["BreadcrumbList"]["itemListElement"]
        ] == [
            "Home",
            "Our writers",
            "Grace Morris",
        ]

    def test_topic_page_breadcrumbs(self, client):
        topic = make_topic("Netflix")
        trail = json_ld(client.get(topic.get_absolute_url()).text)["BreadcrumbList"]
        assert [item["item"] for item in trail["itemListElement"]] == [
            "http://testserver/",
            "http://testserver/topics/",
            "http://testserver/topics/netflix/",
        ]


class TestHomeAndLogo:
    def test_home_describes_the_site_and_how_to_search_it(self, client):
        data = json_ld(client.get("/").text)["WebSite"]
        assert data["name"] == "Newsroom"
        assert data["url"] == "http://testserver/"
        target = data["potentialAction"]["target"]["urlTemplate"]
        assert target == "http://testserver/search/?q={search_term_string}"

    def test_the_publisher_logo_is_a_raster_of_the_stated_size(self):
        path = Path(settings.BASE_DIR) / "static" / seo.LOGO
        with PILImage.open(path) as logo:
            assert logo.format == "PNG"
            assert logo.size == (seo.LOGO_SIZE, seo.LOGO_SIZE)

    @pytest.mark.parametrize("page", ["article", "show", "writer"], ids=str)
    def test_structured_data_costs_no_query(
        self, client, page, django_assert_max_num_queries
    ):
        """The JSON-LD reads only what the page fetched already: the page's
        usual count holds (after a warm-up request for the header's topics)."""
        author = make_author(with_photo=True)
        show = make_show(poster=picture("P", size=(400, 600)))
        article = make_article(authors=[author], n_topics=2, hero=True)
        article.shows.add(show)
        url, limit = {
            # +1 each for where to watch; the show page's story kinds and our
            # reviews +2 more
            "article": (article.get_absolute_url(), 7),
            "show": (show.get_absolute_url(), 13),
            "writer": (author.get_absolute_url(), 6),
        }[page]
        client.get(url)
        with django_assert_max_num_queries(limit):
            html = client.get(url).text
        assert LD_BLOCK.search(html)
