"""Query shapes that keep reader pages as fast with 100,000 stories as with 1,000
(bench/scale_bench.py measures them): lists of the newest stories read the top of
the live-stories index instead of sorting every story."""

import pytest
from django.db import connection

from articles.models import Article
from core.fragments import current_version
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def plan(queryset):
    """The database's plan for `queryset`, with sequential scans and sorts priced
    out on PostgreSQL, so the plan shows whether an index can give the order."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def sorts(queryset):
    text = plan(queryset)
    if connection.vendor == "postgresql":
        return "Sort" in text
    return "TEMP B-TREE FOR ORDER BY" in text


@pytest.fixture(autouse=True)
def _stories():
    topic = make_topic("Netflix")
    for _ in range(3):
        make_article(topics=[topic])


class TestNewestStoriesComeFromTheIndex:
    def test_the_latest_stories(self):
        assert not sorts(Article.objects.published()[:20])

    def test_newest_first_is_the_models_order(self):
        assert not sorts(Article.objects.published().newest_first()[:20])
        assert list(Article.objects.published().newest_first()) == list(
            Article.objects.published()
        )

    def test_the_newest_live_publish_time_in_the_content_version(self):
        newest = Article.objects.published().newest_first().values("publish_at")
        assert not sorts(newest[:1])
        assert current_version()
