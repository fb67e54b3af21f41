"""Related stories under an article: published stories sharing its shows and topics,
best match first, in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Status
from tests.factories import make_article, make_show, make_topic

pytestmark = pytest.mark.django_db


def related(article):
    article = Article.objects.for_page().get(pk=article.pk)
    return list(Article.objects.published().related_to(article))


def hours_ago(n):
    return timezone.now() - timedelta(hours=n)


class TestRelatedTo:
    def test_a_shared_show_beats_a_shared_topic_and_more_shared_beats_fewer(self):
        show, topic, other_topic = make_show(), make_topic(), make_topic()
        article = make_article(topics=[topic, other_topic])
        article.shows.add(show)
        one_topic = make_article(topics=[topic], publish_at=hours_ago(2))
        two_topics = make_article(topics=[topic, other_topic], publish_at=hours_ago(3))
        same_show = make_article(publish_at=hours_ago(4))
        same_show.shows.add(show)
        show_and_topic = make_article(topics=[topic], publish_at=hours_ago(5))
        show_and_topic.shows.add(show)
        assert related(article) == [show_and_topic, same_show, two_topics, one_topic]

    def test_among_equal_matches_the_newer_story_comes_first(self):
        topic = make_topic()
        article = make_article(topics=[topic])
        older = make_article(topics=[topic], publish_at=hours_ago(9))
        newer = make_article(topics=[topic], publish_at=hours_ago(2))
        assert related(article) == [newer, older]

    def test_leaves_out_the_article_itself_and_unrelated_stories(self):
        topic = make_topic()
        article = make_article(topics=[topic])
        make_article(topics=[make_topic()])
        make_article()
        assert related(article) == []

    @pytest.mark.parametrize(
        "hidden",
        [
            {"status": Status.DRAFT},
            {"status": Status.REVIEW},
            {"publish_at": timezone.now() + timedelta(days=1)},
        ],
        ids=["draft", "review", "scheduled"],
    )
    def test_never_offers_a_story_readers_cannot_see(self, hidden):
        topic, show = make_topic(), make_show()
        article = make_article(topics=[topic])
        article.shows.add(show)
        unpublished = make_article(topics=[topic], **hidden)
        unpublished.shows.add(show)
        assert related(article) == []

    def test_topic_matches_come_from_the_newest_stories_show_matches_from_all(self):
        """A broad topic tags much of the archive: only the newest stories are
        ranked for it, while every story about the same show stays a candidate."""
        topic, show = make_topic(), make_show()
        article = make_article(topics=[topic])
        article.shows.add(show)
        old_show_story = make_article(publish_at=hours_ago(500))
        old_show_story.shows.add(show)
        old_topic_story = make_article(topics=[topic], publish_at=hours_ago(400))
        recent = [make_article(topics=[topic], publish_at=hours_ago(i)) for i in (2, 3)]
        article = Article.objects.for_page().get(pk=article.pk)
        found = Article.objects.published().related_to(article, among_newest=3)
        assert list(found) == [old_show_story, *recent]
        assert old_topic_story not in found

    def test_stories_published_with_the_last_of_the_newest_count_as_newest(self):
        """Stories "among the newest" are bounded by publish time: one published at the
        same moment as the last of them is one too, and with fewer live stories than
        that every story is."""
        topic = make_topic()
        article = make_article(topics=[topic])
        moment = hours_ago(5)
        tied = [make_article(topics=[topic], publish_at=moment) for _ in range(3)]
        older = make_article(topics=[topic], publish_at=hours_ago(9))
        article = Article.objects.for_page().get(pk=article.pk)
        found = Article.objects.published().related_to(article, among_newest=3)
        assert set(found) == set(tied)
        everything = Article.objects.published().related_to(article, among_newest=50)
        assert set(everything) == {*tied, older}

    def test_a_story_with_no_shows_or_topics_has_none_and_asks_nothing(
        self, django_assert_num_queries
    ):
        article = Article.objects.for_page().get(pk=make_article().pk)
        make_article()
        with django_assert_num_queries(0):
            assert list(Article.objects.published().related_to(article)) == []

    @pytest.mark.parametrize("n", [1, 8])
    def test_one_query_whatever_the_number_of_matches(self, n):
        topics = [make_topic() for _ in range(3)]
        shows = [make_show() for _ in range(2)]
        article = make_article(topics=topics)
        article.shows.add(*shows)
        for i in range(n):
            story = make_article(topics=topics[: i % 3 + 1], hero=i == 0)
            story.shows.add(*shows[: i % 2])
        article = Article.objects.for_page().get(pk=article.pk)
        with CaptureQueriesContext(connection) as queries:
            found = list(
                Article.objects.published()
                .related_to(article)
                .select_related("hero_image")[:4]
            )
            for story in found:  # what the page prints
                assert story.headline and story.get_absolute_url()
                assert story.hero_image is None or story.hero_image.alt_text
        assert len(queries) == 1
        assert len(found) == min(n, 4)


class TestArticlePageRelatedStories:
    def test_lists_up_to_four_related_stories_best_first(self, client):
        topic, show = make_topic(), make_show()
        article = make_article(topics=[topic])
        article.shows.add(show)
        best = make_article(topics=[topic], headline="Same show and topic")
        best.shows.add(show)
        others = [
            make_article(topics=[topic], publish_at=hours_ago(2 + i)) for i in range(5)
        ]
        response = client.get(article.get_absolute_url())
        assert list(response.context["related"]) == [best, *others[:3]]
        html = response.text
        section = html.split('id="related-heading"')[1].split("</section>")[0]
        assert section.index("Same show and topic") < section.index(others[0].headline)
        assert others[3].headline not in section

    def test_no_section_when_nothing_is_related(self, client):
        article = make_article(topics=[make_topic()])
        assert 'id="related-heading"' not in client.get(article.get_absolute_url()).text

    def test_related_pictures_have_alt_text_and_size(self, client):
        topic = make_topic()
        article = make_article(topics=[topic])
        make_article(topics=[topic], hero=True)
        html = client.get(article.get_absolute_url()).text
        section = html.split('id="related-heading"')[1].split("</section>")[0]
        assert '<img src="' in section
        assert 'alt="Hero' in section and 'width="' in section
