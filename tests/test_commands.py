"""seed_demo, seed_bulk and setup_roles."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import (
    Article,
    Correction,
    GallerySlide,
    Kind,
    LiveUpdate,
    Status,
    Topic,
)
from authors.models import Author
from newsletter.models import Subscriber
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_renditions(monkeypatch):
    """Drawing every rendition of every demo picture is the images app's job (and
    its tests'); here pictures show their master file, which keeps these tests fast."""
    monkeypatch.setattr("images.processing.make_renditions", lambda image, **kwargs: {})


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    return run("seed_demo")


class TestSeedDemo:
    def test_creates_both_stories_with_their_writers_and_topics(self, seeded):
        stories = Article.objects.published().of_kind(Kind.NEWS).order_by("publish_at")
        assert stories.count() == 2
        grace = Author.objects.get(slug="grace-morris")
        assert (grace.name, grace.role) == ("Grace Morris", "Staff Writer")
        assert grace.bio and grace.full_bio and grace.photo
        writers = {story.authors.get() for story in stories}
        assert len(writers) == 2 and grace in writers
        for story in stories:
            assert {t.name for t in story.topics.all()} == {
                "Netflix",
                "TV and Film",
                "LGBTQ",
            }
            assert story.hero_image.credit == "Netflix"
            assert story.standfirst and story.word_count > 150
        assert Topic.objects.filter(in_navigation=True).count() == 3

    def test_one_story_embeds_the_trailer_and_one_shows_a_credited_picture(
        self, seeded
    ):
        bodies = "".join(
            Article.objects.published().values_list("body_html", flat=True)
        )
        assert "embed--youtube" in bodies
        assert "Image credit: Netflix" in bodies

    def test_stories_are_related_to_the_show(self, seeded):
        for story in Article.objects.published():
            assert [show.slug for show in story.shows.all()] == ["heartstopper"]

    def test_a_review_of_season_one_and_a_spoiler_guarded_finale_recap(self, seeded):
        review = Article.objects.published().reviews().get()
        assert review.subject_season.number == 1
        assert review.rating_label == "4.5 out of 5 stars" and review.verdict
        recap = Article.objects.published().recaps().get()
        assert (recap.subject_episode.season.number, recap.subject_episode.number) == (
            1,
            8,
        )
        assert '<details class="spoiler">' in recap.body_html
        assert recap.spoilers_hidden
        assert recap.public_headline == recap.safe_headline != recap.headline

    def test_a_story_awaits_review_for_the_workflow_demo(self, seeded):
        assert Article.objects.filter(status=Status.REVIEW).count() == 1

    def test_a_live_blog_a_gallery_and_a_correction(self, seeded):
        blog = Article.objects.published().get(kind=Kind.LIVE)
        assert blog.is_live and blog.hero_image.credit
        updates = list(blog.live_updates.all())
        assert len(updates) == 4 and updates[0].is_pinned
        assert all(update.writers.exists() for update in updates)
        gallery = Article.objects.published().get(kind=Kind.GALLERY)
        slides = list(gallery.slides.select_related("image"))
        assert [slide.position for slide in slides] == [1, 2, 3, 4]
        assert all(slide.image.credit == "Netflix" for slide in slides)
        assert all(slide.caption_text for slide in slides)
        correction = Correction.objects.visible().get()
        assert "4.3 billion" in correction.text

    def test_is_idempotent(self, seeded):
        def counts():
            return [
                model.objects.count()
                for model in (
                    Article,
                    Author,
                    Topic,
                    LiveUpdate,
                    GallerySlide,
                    Correction,
                )
            ]

        before = counts()
        again = run("seed_demo")
        assert "already there" in again
        assert counts() == before

    def test_demo_logins_in_their_groups_with_debug(self, seeded):
        assert "writer / newsroom-writer" in seeded
        assert "editor / newsroom-editor" in seeded
        users = get_user_model().objects
        writer, editor = users.get(username="writer"), users.get(username="editor")
        assert writer.check_password("newsroom-writer") and writer.is_staff
        assert list(writer.groups.values_list("name", flat=True)) == ["Writer"]
        assert editor.has_perm("articles.publish_article")
        assert not writer.has_perm("articles.publish_article")
        assert writer.author.slug == "grace-morris"

    def test_no_logins_without_debug(self, settings):
        settings.DEBUG = False
        out = run("seed_demo")
        assert "no demo logins" in out
        assert not get_user_model().objects.filter(username="writer").exists()

    def test_demo_pages_render(self, seeded, client):
        for story in Article.objects.all():
            client.force_login(get_user_model().objects.get(username="editor"))
            assert client.get(story.get_absolute_url()).status_code == 200
        client.logout()
        for url in [
            "/",
            "/topics/",
            "/topics/netflix/",
            "/authors/grace-morris/",
            "/corrections/",
        ]:
            assert client.get(url).status_code == 200, url


class TestSeedBulk:
    def test_adds_published_stories_and_confirmed_subscribers(self):
        out = run("seed_bulk", articles=25, subscribers=30, batch_size=10, seed=1)
        assert Article.objects.published().count() == 25
        assert Subscriber.objects.confirmed().count() == 30
        assert "25/25" in out and "30/30" in out
        story = Article.objects.first()
        assert story.authors.count() == 1
        assert story.topics.count() == 2
        assert story.body_html and story.word_count

    def test_can_run_twice(self):
        run("seed_bulk", articles=3, subscribers=3)
        run("seed_bulk", articles=3, subscribers=3)
        assert Article.objects.count() == 6
        assert Subscriber.objects.count() == 6

    def test_bulk_stories_render(self, client):
        make_article()
        run("seed_bulk", articles=3)
        for article in Article.objects.all():
            assert client.get(article.get_absolute_url()).status_code == 200

    def test_stories_look_like_the_desks(self):
        """Formats, shows with networks and posters, reused pictures, many writers
        and topics, spread over the years."""
        run("seed_bulk", articles=200, batch_size=64, seed=1)
        stories = Article.objects.all()
        assert stories.values("kind").distinct().count() >= 5
        assert stories.values("authors").distinct().count() > 10
        assert stories.values("topics").distinct().count() > 8
        assert stories.exclude(hero_image=None).count() > 100
        assert stories.values("hero_image").distinct().count() <= 7  # reused files
        about_shows = stories.filter(shows__isnull=False).distinct()
        assert about_shows.count() > 100
        show = about_shows.first().shows.first()
        assert show.network and show.poster
        assert show.title in " ".join(story.headline for story in show.articles.all())
        oldest = stories.order_by("publish_at").first().publish_at
        assert oldest < timezone.now() - timedelta(days=365)

    def test_pages_show_the_new_stories_at_once(self, client):
        """bulk_create sends no signals, so the command outdates cached fragments."""
        run("seed_bulk", articles=1, seed=1)  # writers, topics, shows exist now
        make_article(headline="Before the load", publish_at=timezone.now())
        client.get("/")  # cached under a version the bulk rows leave as it was
        run("seed_bulk", articles=20, seed=2)
        newest_bulk = Article.objects.exclude(headline="Before the load").first()
        assert newest_bulk.headline in client.get("/").text

    def test_the_page_cache_lets_the_new_stories_through(
        self, client, settings, django_capture_on_commit_callbacks
    ):
        """bulk_create sends no signals, so the command purges the story lists."""
        settings.CACHE_MIDDLEWARE_SECONDS = 600
        run("seed_bulk", articles=1, seed=1)
        make_article(headline="Before the load", publish_at=timezone.now())
        client.get("/")
        assert client.get("/")["X-Cache"] == "HIT"
        with django_capture_on_commit_callbacks(execute=True):
            run("seed_bulk", articles=20, seed=2)
        response = client.get("/")
        assert response["X-Cache"] == "MISS"
        newest_bulk = Article.objects.exclude(headline="Before the load").first()
        assert newest_bulk.headline in response.text

    @pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the search trigger is PostgreSQL's"
    )
    def test_bulk_stories_are_searchable(self):
        run("seed_bulk", articles=20, seed=1)
        assert not Article.objects.filter(search_row=None).exists()

    @pytest.mark.skipif(
        connection.vendor != "postgresql", reason="ANALYZE is for PostgreSQL's planner"
    )
    def test_refreshes_the_planners_statistics_on_postgresql(self):
        """Without them, pages over the new stories took minutes (load bench)."""
        with CaptureQueriesContext(connection) as queries:
            run("seed_bulk", articles=3)
        assert queries.captured_queries[-1]["sql"] == "ANALYZE"

    @pytest.mark.parametrize(
        "options",
        [{}, {"articles": -1}, {"articles": 1, "batch_size": 0}],
    )
    def test_bad_arguments_are_refused(self, options):
        with pytest.raises(CommandError):
            run("seed_bulk", **options)
