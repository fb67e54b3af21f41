"""Long lists without a COUNT of the whole list on its own (core.pagination).

LookaheadPaginator counts a few pages ahead: the topic and writer pages still link
the next page, 404 past the end and give the total when they counted to the end.
WindowCountPaginator reads the total with the page (search)."""

from datetime import timedelta

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from core.pagination import LookaheadPaginator, WindowCountPaginator
from tests.factories import make_article, make_author, make_show, make_topic

pytestmark = pytest.mark.django_db


class TestLookaheadPaginator:
    def test_counts_only_a_few_pages_past_the_asked_one(self):
        paginator = LookaheadPaginator(list(range(100)), per_page=10, pages_ahead=2)
        page = paginator.page(1)
        assert paginator.count == 31  # three pages and one more story
        assert paginator.partial_count
        assert page.has_next() and page.next_page_number() == 2
        assert list(page) == list(range(10))

    def test_near_the_end_the_count_is_the_total(self):
        paginator = LookaheadPaginator(list(range(25)), per_page=10, pages_ahead=2)
        page = paginator.page(2)
        assert (paginator.count, paginator.num_pages) == (25, 3)
        assert not paginator.partial_count
        assert page.has_next()

    def test_the_last_page_has_no_next_and_past_it_is_empty(self):
        items = list(range(30))
        last = LookaheadPaginator(items, per_page=10, pages_ahead=1).page(3)
        assert not last.has_next() and list(last) == list(range(20, 30))
        with pytest.raises(EmptyPage):
            LookaheadPaginator(items, per_page=10, pages_ahead=1).page(4)
        with pytest.raises(EmptyPage):
            LookaheadPaginator(items, per_page=10, pages_ahead=1).page(400)

    def test_the_count_asked_before_a_page_is_the_total(self):
        """?page=last asks for the number of pages first."""
        paginator = LookaheadPaginator(list(range(100)), per_page=10, pages_ahead=1)
        assert paginator.num_pages == 10
        assert not paginator.partial_count
        assert list(paginator.page(10)) == list(range(90, 100))

    def test_a_queryset_is_counted_with_a_limit(self):
        for _ in range(5):
            make_article()
        paginator = LookaheadPaginator(
            Article.objects.published().newest_first(), per_page=1, pages_ahead=1
        )
        with CaptureQueriesContext(connection) as queries:
            paginator.page(2)
        (count,) = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert "LIMIT 4" in count.upper()
        assert paginator.count == 4 and paginator.partial_count


@pytest.fixture
def few_pages_ahead(monkeypatch):
    """Count one page ahead, so a list of 40 stories is a long one."""
    monkeypatch.setattr(LookaheadPaginator, "pages_ahead", 1)


def stories(n, **fields):
    now = timezone.now()
    return [
        make_article(n_authors=0, publish_at=now - timedelta(hours=i), **fields)
        for i in range(n)
    ]


@pytest.mark.usefixtures("few_pages_ahead")
class TestLongTopicPages:
    def test_a_long_topic_links_the_next_page_without_a_total(self, client):
        topic = make_topic("Many")
        made = stories(40, topics=[topic])
        first = client.get(topic.get_absolute_url())
        assert list(first.context["articles"]) == made[:12]
        assert 'rel="next" href="?page=2"' in first.text
        assert ">Page 1</span>" in first.text
        assert "Page 1 of" not in first.text

    def test_every_page_to_the_end_and_a_404_past_it(self, client):
        topic = make_topic("Many")
        made = stories(40, topics=[topic])
        url = topic.get_absolute_url()
        seen = []
        for number in (1, 2, 3, 4):
            response = client.get(f"{url}?page={number}")
            assert response.status_code == 200
            seen += response.context["articles"]
        assert seen == made
        last = client.get(f"{url}?page=4").text
        assert "Page 4 of 4" in last and 'rel="next"' not in last
        assert 'rel="prev" href="?page=3"' in last
        assert client.get(f"{url}?page=5").status_code == 404
        assert client.get(f"{url}?page=50").status_code == 404

    def test_the_last_page_keyword_counts_to_the_end(self, client):
        topic = make_topic("Many")
        stories(40, topics=[topic])
        response = client.get(f"{topic.get_absolute_url()}?page=last")
        assert response.context["page_obj"].number == 4
        assert len(response.context["articles"]) == 4

    def test_a_writers_long_list_too(self, client):
        author = make_author()
        now = timezone.now()
        for i in range(30):
            make_article(authors=[author], publish_at=now - timedelta(hours=i))
        first = client.get(author.get_absolute_url()).text
        assert 'rel="next" href="?page=2"' in first and "Page 1 of" not in first
        assert "Page 3 of 3" in client.get(f"{author.get_absolute_url()}?page=3").text
        assert client.get(f"{author.get_absolute_url()}?page=4").status_code == 404


class TestWindowCountPaginator:
    @pytest.fixture
    def newest(self):
        now = timezone.now()
        made = [
            make_article(n_authors=0, publish_at=now - timedelta(hours=i))
            for i in range(7)
        ]
        return made, Article.objects.published().newest_first()

    def test_the_page_and_the_total_in_one_query(self, newest):
        made, stories = newest
        with CaptureQueriesContext(connection) as queries:
            paginator = WindowCountPaginator(stories, per_page=3)
            page = paginator.page(2)
            assert (paginator.count, paginator.num_pages) == (7, 3)
        assert len(queries) == 1
        assert list(page) == made[3:6] and page.has_next() and page.has_previous()
        assert page.start_index() == 4

    def test_the_last_page_and_orphans(self, newest):
        made, stories = newest
        assert list(WindowCountPaginator(stories, per_page=3).page(3)) == made[6:]
        paginator = WindowCountPaginator(stories, per_page=3, orphans=1)
        last = paginator.page(2)
        assert list(last) == made[3:] and not last.has_next()
        assert paginator.num_pages == 2

    def test_past_the_end_and_bad_numbers(self, newest):
        _made, stories = newest
        with pytest.raises(EmptyPage):
            WindowCountPaginator(stories, per_page=3).page(4)
        with pytest.raises(EmptyPage):
            WindowCountPaginator(stories, per_page=3).page(0)
        with pytest.raises(PageNotAnInteger):
            WindowCountPaginator(stories, per_page=3).page("x")

    def test_an_empty_list_has_an_empty_first_page(self):
        paginator = WindowCountPaginator(Article.objects.none(), per_page=3)
        assert list(paginator.page(1)) == [] and paginator.count == 0

    def test_the_count_asked_first_counts_then_pages(self, newest):
        """?page=last"""
        made, stories = newest
        paginator = WindowCountPaginator(stories, per_page=3)
        assert paginator.num_pages == 3
        assert list(paginator.page(3)) == made[6:]


class TestPageNumbersPastEveryLimit:
    """A page number too large for a database's LIMIT is past the end: 404."""

    @pytest.mark.parametrize("page", ["9" * 19, "9" * 30, str(2**63)])
    def test_topic_writer_and_show_pages(self, client, page):
        topic, author, show = make_topic("Drama"), make_author(), make_show()
        make_article(topics=[topic], authors=[author], shows=[show])
        for url in (
            topic.get_absolute_url(),
            author.get_absolute_url(),
            show.get_absolute_url(),
        ):
            assert client.get(f"{url}?page={page}").status_code == 404

    @pytest.mark.parametrize("page", ["9" * 19, "9" * 30, str(2**63)])
    def test_search(self, client, page):
        make_article(headline="Season renews")
        assert client.get(f"/search/?q=season&page={page}").status_code == 404
