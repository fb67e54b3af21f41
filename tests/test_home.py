"""The home page: lead story, latest stories, topic rails, newsletter box."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import DailyReads, Status
from tests.factories import make_article, make_show, make_topic

pytestmark = pytest.mark.django_db


class TestHomePage:
    def test_featured_story_leads_even_when_older(self, client):
        featured = make_article(
            is_featured=True, publish_at=timezone.now() - timedelta(days=2)
        )
        newer = make_article()
        response = client.get("/")
        assert response.context["lead"] == featured
        assert list(response.context["latest"]) == [newer]

    def test_four_stories_beside_the_lead_then_more_up_to_twelve(self, client):
        stories = [
            make_article(publish_at=timezone.now() - timedelta(hours=h))
            for h in range(1, 16)
        ]
        context = client.get("/").context
        assert context["lead"] == stories[0]
        assert context["latest"] == stories[1:5]
        assert context["more"] == stories[5:13]

    def test_newest_story_leads_when_none_is_featured(self, client):
        make_article(publish_at=timezone.now() - timedelta(days=1))
        newest = make_article()
        assert client.get("/").context["lead"] == newest

    def test_unpublished_stories_never_appear(self, client):
        make_article(headline="Live story")
        hidden = [
            make_article(status=Status.DRAFT, is_featured=True),
            make_article(status=Status.REVIEW),
            make_article(
                publish_at=timezone.now() + timedelta(hours=1), is_featured=True
            ),
        ]
        html = client.get("/").content.decode()
        assert "Live story" in html
        for article in hidden:
            assert article.headline not in html

    def test_rails_for_navigation_topics(self, client):
        nav = make_topic("Netflix", in_navigation=True)
        off = make_topic("Off nav")
        make_article(topics=[nav], headline="On the rail")
        make_article(topics=[off], headline="Not on a rail")
        response = client.get("/")
        assert [topic for topic, _ in response.context["rails"]] == [nav]
        assert f'id="rail-{nav.slug}"' in response.text

    def test_lead_picture_loads_at_once(self, client):
        make_article(hero=True)
        html = client.get("/").content.decode()
        assert 'fetchpriority="high"' in html

    def test_empty_newsroom_says_so(self, client):
        assert "No stories have been published yet." in client.get("/").text

    def test_newsletter_form_and_no_cookie(self, client):
        make_article()
        response = client.get("/")
        assert 'name="email"' in response.text
        assert not response.cookies
        assert "public" in response["Cache-Control"]

    @pytest.mark.parametrize("featured", ["newest", "older", None])
    @pytest.mark.parametrize("n", [1, 20])
    def test_query_count_is_fixed(
        self, client, n, featured, django_assert_max_num_queries
    ):
        """Measured after one warm-up request, which caches the navigation topics
        (the rails reuse them) as any earlier page view would."""
        topics = [make_topic(in_navigation=True) for _ in range(3)]
        shows = [make_show() for _ in range(3)]
        lead = {"newest": 0, "older": n - 1}.get(featured)
        for i in range(n):
            story = make_article(
                topics=topics,
                n_authors=2,
                hero=i == 0,
                is_featured=i == lead,
                publish_at=timezone.now() - timedelta(hours=i + 1),
            )
            story.shows.add(*shows)
            DailyReads.objects.create(article=story, day=timezone.localdate(), count=i)
        client.get("/")
        # lead and latest stories (a second query when the lead is older than
        # them), the rails, the cards' authors and topics, shows in the news,
        # most read
        with django_assert_max_num_queries(7):
            response = client.get("/")
        assert response.status_code == 200
        assert len(response.context["rails"]) == 3
        assert len(response.context["shows_in_news"]) == 3
        assert len(response.context["most_read"]) == min(n, 5)
        assert response.text.count('<article class="card') == min(n, 13) + 3 * min(n, 4)


class TestShowsInTheNews:
    def test_shows_with_the_most_live_stories_this_month_first(self, client):
        busy, quiet, stale = make_show("Busy"), make_show("Quiet"), make_show("Stale")
        for _ in range(2):
            make_article().shows.add(busy)
        make_article().shows.add(quiet)
        make_article(publish_at=timezone.now() - timedelta(days=40)).shows.add(stale)
        response = client.get("/")
        assert list(response.context["shows_in_news"]) == [busy, quiet]
        section = response.text.split('id="shows-in-news-heading"')[1]
        section = section.split("</section>")[0]
        assert "2 stories this month" in section and "1 story this month" in section

    def test_ties_go_to_the_show_covered_most_recently(self, client):
        older, newer = make_show("Older"), make_show("Newer")
        make_article(publish_at=timezone.now() - timedelta(days=3)).shows.add(older)
        make_article(publish_at=timezone.now() - timedelta(days=1)).shows.add(newer)
        assert list(client.get("/").context["shows_in_news"]) == [newer, older]

    @pytest.mark.parametrize(
        "hidden",
        [
            {"status": Status.DRAFT},
            {"status": Status.REVIEW},
            {"publish_at": timezone.now() + timedelta(hours=1)},
        ],
        ids=["draft", "review", "scheduled"],
    )
    def test_unpublished_stories_do_not_put_a_show_in_the_news(self, client, hidden):
        make_article()
        make_article(**hidden).shows.add(make_show("Secret"))
        response = client.get("/")
        assert list(response.context["shows_in_news"]) == []
        assert 'id="shows-in-news-heading"' not in response.text
