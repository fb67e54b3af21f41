"""RSS 2.0 and Atom feeds: the latest stories and per topic, writer and show."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from articles.models import Status
from tests.factories import make_article, make_author, make_show, make_topic

pytestmark = pytest.mark.django_db

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}


def parse(xml):
    return ET.fromstring(xml)  # noqa: S314 - the site's own output, in a test


def rss_items(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = parse(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel"), root.findall("channel/item")


def hidden_stories(**fields):
    return [
        make_article(status=Status.DRAFT, headline="A draft", **fields),
        make_article(status=Status.REVIEW, headline="In review", **fields),
        make_article(
            publish_at=timezone.now() + timedelta(hours=2),
            headline="Scheduled",
            **fields,
        ),
    ]


class TestLatestRss:
    def test_items_carry_what_a_feed_reader_shows(self, client):
        topics = [make_topic("Netflix"), make_topic("LGBTQ")]
        authors = [make_author("Grace Morris"), make_author("Priya Shah")]
        article = make_article(
            headline="Netflix renews Heartstopper",
            standfirst="Two more seasons.",
            authors=authors,
            topics=topics,
            hero=True,
        )
        channel, items = rss_items(client, "/feeds/latest/")
        assert channel.findtext("title") == "Newsroom: latest stories"
        assert channel.findtext("link") == "http://testserver/"
        self_link = channel.find("atom:link", NS)
        assert self_link.get("href") == "http://testserver/feeds/latest/"
        (item,) = items
        assert item.findtext("title") == "Netflix renews Heartstopper"
        assert item.findtext("link") == f"http://testserver{article.get_absolute_url()}"
        assert item.findtext("description") == "Two more seasons."
        assert (
            item.findtext("dc:creator", namespaces=NS) == "Grace Morris and Priya Shah"
        )
        published = parsedate_to_datetime(item.findtext("pubDate"))
        assert abs(published - article.publish_at) < timedelta(seconds=1)
        assert sorted(c.text for c in item.findall("category")) == ["LGBTQ", "Netflix"]
        media = item.find("media:content", NS)
        assert media.get("url").startswith("http://testserver/media/")
        assert media.get("url").endswith(".jpg")
        assert media.get("type") == "image/jpeg" and media.get("medium") == "image"
        assert int(media.get("width")) > 0 and int(media.get("height")) > 0
        assert (
            media.findtext("media:description", namespaces=NS)
            == f"{article.hero_image.alt_text}"
        )
        assert media.findtext("media:credit", namespaces=NS) == "Netflix"

    def test_only_published_stories_newest_first(self, client):
        older = make_article(publish_at=timezone.now() - timedelta(days=2))
        newer = make_article()
        hidden_stories()
        _, items = rss_items(client, "/feeds/latest/")
        assert [i.findtext("title") for i in items] == [newer.headline, older.headline]

    def test_story_without_picture_has_no_media_element(self, client):
        make_article()
        _, (item,) = rss_items(client, "/feeds/latest/")
        assert item.find("media:content", NS) is None

    def test_text_that_looks_like_markup_stays_text(self, client):
        make_article(headline="Cast & crew say <b>wow</b>", standfirst="</item> oops")
        _, (item,) = rss_items(client, "/feeds/latest/")
        assert item.findtext("title") == "Cast & crew say <b>wow</b>"
        assert item.findtext("description") == "</item> oops"

    def test_limited_to_the_newest_thirty(self, client):
        for i in range(31):
            make_article(publish_at=timezone.now() - timedelta(minutes=i + 1))
        _, items = rss_items(client, "/feeds/latest/")
        assert len(items) == 30

    def test_cacheable_and_cookieless(self, client):
        make_article()
        response = client.get("/feeds/latest/")
        assert "public" in response["Cache-Control"]
        assert not response.cookies

    @pytest.mark.parametrize("n", [1, 12])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        for i in range(n):
            make_article(n_authors=2, n_topics=2, hero=i == 0)
        # stories; their authors; their topics
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(4):
            _, items = rss_items(client, "/feeds/latest/")
        assert len(items) == n


class TestLatestAtom:
    def test_entries_with_authors_dates_summary_and_picture(self, client):
        author = make_author("Grace Morris")
        article = make_article(authors=[author], standfirst="Summary.", hero=True)
        hidden_stories()
        response = client.get("/feeds/latest/atom/")
        assert response["Content-Type"].startswith("application/atom+xml")
        root = parse(response.content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        entries = root.findall("atom:entry", NS)
        assert len(entries) == 1
        entry = entries[0]
        assert entry.findtext("atom:title", namespaces=NS) == article.headline
        assert entry.findtext("atom:summary", namespaces=NS) == "Summary."
        assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Grace Morris"
        assert entry.findtext("atom:author/atom:uri", namespaces=NS) == (
            f"http://testserver{author.get_absolute_url()}"
        )
        assert entry.findtext("atom:published", namespaces=NS)
        assert entry.findtext("atom:updated", namespaces=NS)
        link = entry.find("atom:link[@rel='alternate']", NS)
        assert link.get("href") == f"http://testserver{article.get_absolute_url()}"
        assert entry.find("media:content", NS).get("type") == "image/jpeg"
        self_link = root.find("atom:link[@rel='self']", NS)
        assert self_link.get("href") == "http://testserver/feeds/latest/atom/"


class TestPerEntityFeeds:
    def test_topic_feed_lists_only_that_topics_live_stories(self, client):
        topic = make_topic("Netflix", description="Streaming news.")
        mine = make_article(topics=[topic])
        make_article(topics=[make_topic("Other")])
        hidden_stories(topics=[topic])
        channel, items = rss_items(client, f"/topics/{topic.slug}/feed/")
        assert channel.findtext("title") == "Netflix · Newsroom"
        assert channel.findtext("description") == "Streaming news."
        assert (
            channel.findtext("link") == f"http://testserver{topic.get_absolute_url()}"
        )
        assert [i.findtext("title") for i in items] == [mine.headline]

    def test_writer_feed_lists_only_their_live_stories(self, client):
        author = make_author("Grace Morris")
        mine = make_article(authors=[author])
        make_article()
        hidden_stories(authors=[author])
        channel, items = rss_items(client, f"/authors/{author.slug}/feed/")
        assert channel.findtext("title") == "Stories by Grace Morris · Newsroom"
        assert [i.findtext("title") for i in items] == [mine.headline]

    def test_show_feed_lists_only_live_stories_about_it(self, client):
        show = make_show("Heartstopper")
        mine = make_article()
        mine.shows.add(show)
        make_article()
        for hidden in hidden_stories():
            hidden.shows.add(show)
        channel, items = rss_items(client, f"/shows/{show.slug}/feed/")
        assert channel.findtext("title") == "Heartstopper · Newsroom"
        assert [i.findtext("title") for i in items] == [mine.headline]

    @pytest.mark.parametrize("prefix", ["topics", "authors", "shows"])
    def test_unknown_slug_is_404(self, client, prefix):
        assert client.get(f"/{prefix}/no-such-thing/feed/").status_code == 404

    @pytest.mark.parametrize("n", [1, 12])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        topic, author, show = make_topic(), make_author(), make_show()
        for _ in range(n):
            story = make_article(topics=[topic, make_topic()], authors=[author])
            story.shows.add(show)
        for url in (
            f"/topics/{topic.slug}/feed/",
            f"/authors/{author.slug}/feed/",
            f"/shows/{show.slug}/feed/",
        ):
            # the topic, writer or show; stories; their authors; their topics
            # +1 on a cold cache: when the next scheduled story goes live.
            with django_assert_max_num_queries(5):
                _, items = rss_items(client, url)
            assert len(items) == n


class TestFeedLinksOnPages:
    def test_every_page_points_to_the_latest_stories_feed(self, client):
        html = client.get("/").text
        assert (
            '<link rel="alternate" type="application/rss+xml" '
            'title="Newsroom: latest stories" href="/feeds/latest/">'
        ) in html

    def test_topic_writer_and_show_pages_offer_their_own_feed(self, client):
        topic, author, show = make_topic("Netflix"), make_author(), make_show()
        pages = {
            topic.get_absolute_url(): f"/topics/{topic.slug}/feed/",
            author.get_absolute_url(): f"/authors/{author.slug}/feed/",
            show.get_absolute_url(): f"/shows/{show.slug}/feed/",
        }
        for page, feed in pages.items():
            html = client.get(page).text
            assert 'type="application/rss+xml" title=' in html
            assert f'href="{feed}">' in html  # the <link> in the head
            assert f'<a class="feed-link" href="{feed}"' in html  # a visible link
