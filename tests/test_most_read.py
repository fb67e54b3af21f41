"""Most read: anonymous read beacons counted in the cache, flushed to the database,
listed on the home page. No cookie, nothing stored about readers."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from articles import reads
from articles.models import Article, DailyReads, Status
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SAME_SITE = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture(autouse=True)
def _flush_only_when_asked(settings):
    settings.READS_FLUSH_SECONDS = 0


def beacon(client, article, **headers):
    return client.post(f"/reads/{article.pk}/", **{**SAME_SITE, **headers})


def stored(article):
    return sum(
        DailyReads.objects.filter(article=article).values_list("count", flat=True)
    )


class TestBeacon:
    def test_counts_a_read_and_answers_with_nothing(self, client):
        article = make_article()
        response = beacon(client, article)
        assert response.status_code == 204
        assert not response.content and not response.cookies
        assert "no-store" in response["Cache-Control"]
        reads.flush()
        assert stored(article) == 1

    def test_the_article_page_asks_for_the_beacon_script(self, client):
        article = make_article()
        html = client.get(article.get_absolute_url()).text
        assert f'data-read-url="/reads/{article.pk}/"' in html
        assert '<script src="/static/js/reads.js" defer></script>' in html

    def test_staff_viewing_a_draft_send_no_beacon(self, admin_client):
        draft = make_article(status=Status.DRAFT)
        html = admin_client.get(draft.get_absolute_url()).text
        assert "data-read-url" not in html and "reads.js" not in html

    def test_get_is_refused(self, client):
        assert client.get(f"/reads/{make_article().pk}/").status_code == 405

    @pytest.mark.parametrize(
        "hidden",
        [
            {"status": Status.DRAFT},
            {"status": Status.REVIEW},
            {"publish_at": timezone.now() + timedelta(days=1)},
        ],
        ids=["draft", "review", "scheduled"],
    )
    def test_unpublished_stories_are_not_counted(self, client, hidden):
        article = make_article(**hidden)
        assert beacon(client, article).status_code == 404
        assert reads.flush() == (0, 0)

    @pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999999"])
    def test_unknown_ids_are_404(self, client, pk):
        assert client.post(f"/reads/{pk}/", **SAME_SITE).status_code == 404

    def test_not_an_id_is_404(self, client):
        assert client.post("/reads/abc/", **SAME_SITE).status_code == 404

    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_SEC_FETCH_SITE": "cross-site"},
            {"HTTP_SEC_FETCH_SITE": "same-site"},
            {"HTTP_SEC_FETCH_SITE": None, "HTTP_ORIGIN": "https://elsewhere.example"},
        ],
    )
    def test_other_sites_cannot_count(self, client, headers):
        article = make_article()
        headers = {key: value for key, value in headers.items() if value}
        response = client.post(f"/reads/{article.pk}/", **headers)
        assert response.status_code == 403
        assert reads.flush() == (0, 0)

    def test_too_many_from_one_address_is_429(self, client, settings):
        settings.READS_RATE_PER_IP = "3/m"
        article = make_article()
        codes = [beacon(client, article).status_code for _ in range(5)]
        assert codes == [204, 204, 204, 429, 429]
        reads.flush()
        assert stored(article) == 3

    def test_costs_one_query(self, client, django_assert_num_queries):
        article = make_article()
        with django_assert_num_queries(1):  # is the story live?
            beacon(client, article)


class TestFlush:
    def test_adds_counts_to_todays_row(self):
        first, second = make_article(), make_article()
        for _ in range(3):
            reads.count_read(first.pk)
        reads.count_read(second.pk)
        assert reads.flush() == (4, 2)
        assert stored(first) == 3 and stored(second) == 1
        assert DailyReads.objects.get(article=first).day == timezone.localdate()

    def test_flushing_twice_never_counts_twice(self):
        article = make_article()
        reads.count_read(article.pk)
        reads.flush()
        assert reads.flush() == (0, 0)
        reads.count_read(article.pk)
        reads.count_read(article.pk)
        reads.flush()
        assert stored(article) == 3
        assert DailyReads.objects.filter(article=article).count() == 1

    def test_reads_counted_during_a_flush_wait_for_the_next(self, monkeypatch):
        article = make_article()
        reads.count_read(article.pk)
        real_save = reads._save

        def save_while_a_reader_arrives(counted):
            reads.count_read(article.pk)
            real_save(counted)

        monkeypatch.setattr(reads, "_save", save_while_a_reader_arrives)
        assert reads.flush() == (1, 1)
        monkeypatch.undo()
        assert reads.flush() == (1, 1)
        assert stored(article) == 2

    def test_a_running_flush_is_not_doubled(self):
        article = make_article()
        reads.count_read(article.pk)
        cache.add(reads.LOCK, 1)
        assert reads.flush() is None
        cache.delete(reads.LOCK)
        assert reads.flush() == (1, 1)

    def test_a_story_deleted_since_it_was_read_is_skipped(self):
        article = make_article()
        reads.count_read(article.pk)
        Article.objects.filter(pk=article.pk).delete()
        reads.flush()
        assert not DailyReads.objects.exists()

    def test_an_emptied_cache_starts_afresh(self):
        article = make_article()
        reads.count_read(article.pk)
        reads.flush()
        cache.clear()
        reads.count_read(article.pk)
        assert reads.flush() == (1, 1)

    def test_the_endpoint_flushes_now_and_then(self, client, settings):
        settings.READS_FLUSH_SECONDS = 300
        article = make_article()
        beacon(client, article)  # the first after a quiet spell flushes
        beacon(client, article)  # within the interval: only counted
        assert stored(article) == 1
        reads.flush()
        assert stored(article) == 2

    def test_command(self):
        article = make_article()
        reads.count_read(article.pk)
        out = io.StringIO()
        call_command("flush_view_counts", stdout=out)
        assert "Flushed 1 reads of 1 stories." in out.getvalue()
        assert stored(article) == 1


class TestMostRead:
    def read(self, article, times, days_ago=0):
        DailyReads.objects.create(
            article=article,
            day=timezone.localdate() - timedelta(days=days_ago),
            count=times,
        )

    def test_ranks_by_reads_over_the_last_seven_days(self):
        popular, steady, old_hit = make_article(), make_article(), make_article()
        self.read(popular, 50)
        self.read(steady, 10, days_ago=1)
        self.read(steady, 10, days_ago=6)
        self.read(old_hit, 500, days_ago=7)
        ranked = Article.objects.published().most_read()
        assert list(ranked) == [popular, steady]
        assert [story.recent_reads for story in ranked] == [50, 20]

    def test_home_lists_the_most_read_live_stories(self, client):
        popular = make_article(headline="Read by many")
        unpublished = make_article(headline="Pulled story")
        self.read(popular, 5)
        self.read(unpublished, 50)
        Article.objects.filter(pk=unpublished.pk).update(status=Status.DRAFT)
        html = client.get("/").text
        section = html.split('id="most-read-heading"')[1].split("</section>")[0]
        assert "Read by many" in section
        assert "Pulled story" not in section

    def test_no_section_without_reads(self, client):
        make_article()
        assert 'id="most-read-heading"' not in client.get("/").text
