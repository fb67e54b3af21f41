"""Live blogs: updates on the story page (pinned first, then the newest), the JSON of
newer updates that the page polls, their structured data, and who may post them in
the back office."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import services
from articles.models import Article, Kind, LiveUpdate, Status, next_coverage_end
from tests.factories import (
    make_article,
    make_author,
    make_live_blog,
    make_live_update,
    make_user,
    picture,
)

pytestmark = pytest.mark.django_db

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def updates_url(article, after="0"):
    return f"/articles/{article.slug}/updates.json?after={after}"


def update_ids(html):
    return [int(pk) for pk in re.findall(r'data-update-id="(\d+)"', html)]


class TestLiveState:
    def test_live_until_coverage_ends(self):
        blog = make_live_blog()
        assert blog.is_live
        blog.coverage_end_at = timezone.now() + timedelta(minutes=5)
        assert blog.is_live
        blog.coverage_end_at = timezone.now() - timedelta(seconds=1)
        assert not blog.is_live

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW])
    def test_unpublished_live_blog_is_not_live(self, status):
        assert not make_live_blog(status=status).is_live

    def test_other_kinds_are_never_live(self):
        assert not make_article(kind=Kind.NEWS).is_live

    def test_coverage_starts_at_publication_unless_set(self):
        blog = make_live_blog()
        assert blog.coverage_started_at == blog.publish_at
        blog.coverage_start_at = blog.publish_at - timedelta(hours=1)
        assert blog.coverage_started_at == blog.coverage_start_at


class TestUpdateBody:
    def test_body_is_sanitised_and_rendered_like_a_story(self):
        image = picture("Red carpet", caption="Arrivals", credit="Netflix")
        update = make_live_update(
            make_live_blog(),
            body=(
                '<p onclick="x()">Hello<script>alert(1)</script></p>'
                f"<p>[picture {image.pk}]</p>"
                "<p>https://www.youtube.com/watch?v=3_qx_fDDtjc</p>"
            ),
        )
        assert "script" not in update.body and "onclick" not in update.body
        assert "Image credit: Netflix" in update.body_html
        assert "embed--youtube" in update.body_html
        assert list(update.inline_images.all()) == [image]
        assert update.text == "Hello https://www.youtube.com/watch?v=3_qx_fDDtjc"

    def test_new_caption_reaches_the_updates_that_show_the_picture(self):
        image = picture("Stage", caption="Old caption")
        update = make_live_update(make_live_blog(), body=f"<p>[picture {image.pk}]</p>")
        image.caption = "New caption"
        image.save()
        update.refresh_from_db()
        assert "New caption" in update.body_html


class TestLiveBlogPage:
    def test_pinned_first_then_newest_with_time_permalink_and_writers(self, client):
        blog = make_live_blog()
        grace = make_author("Grace Morris")
        old = make_live_update(blog, minutes_ago=30, title="Doors open")
        pinned = make_live_update(blog, minutes_ago=60, is_pinned=True)
        new = make_live_update(blog, minutes_ago=1, writers=[grace])
        html = client.get(blog.get_absolute_url()).text
        assert update_ids(html) == [pinned.pk, new.pk, old.pk]
        assert f'id="update-{new.pk}"' in html
        assert f'href="#update-{new.pk}"' in html
        assert f'<time datetime="{new.posted_at.isoformat()}"' in html
        assert 'By <span class="byline__author">Grace Morris</span>' in html
        assert '<h3 class="live-update__title">Doors open</h3>' in html
        assert "Pinned" in html

    def test_while_live_the_page_polls_for_updates(self, client):
        blog = make_live_blog()
        html = client.get(blog.get_absolute_url()).text
        assert f'data-live-url="/articles/{blog.slug}/updates.json"' in html
        assert re.search(r'<script src="/static/js/liveblog\.js[^"]*" defer>', html)
        assert 'role="status"' in html
        assert "Live</span>" in html

    def test_after_coverage_ends_the_page_stops_polling(self, client):
        blog = make_live_blog(coverage_end_at=timezone.now() - timedelta(minutes=1))
        make_live_update(blog)
        html = client.get(blog.get_absolute_url()).text
        assert "data-live-url" not in html
        assert "liveblog.js" not in html
        assert "Live coverage ended" in html
        assert len(update_ids(html)) == 1

    def test_other_stories_have_no_live_section(self, client):
        html = client.get(make_article().get_absolute_url()).text
        assert "live-blog" not in html and "liveblog.js" not in html

    def test_page_is_cacheable_whole(self, client):
        response = client.get(make_live_blog().get_absolute_url())
        assert not response.cookies
        assert "public" in response["Cache-Control"]

    @pytest.mark.parametrize("n", [1, 8])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        blog = make_live_blog()
        writers = [make_author() for _ in range(3)]
        for i in range(n):
            make_live_update(blog, minutes_ago=i, writers=writers[: 1 + i % 3])
        client.get(blog.get_absolute_url())  # warms the cached navigation
        # The story page's 4, plus the updates and their writers.
        with django_assert_max_num_queries(6):
            html = client.get(blog.get_absolute_url()).text
        assert len(update_ids(html)) == n


class TestUpdatesJson:
    def test_lists_updates_newer_than_after_newest_first(self, client):
        blog = make_live_blog()
        first = make_live_update(blog, minutes_ago=10)
        second = make_live_update(blog, minutes_ago=5)
        third = make_live_update(blog, minutes_ago=0, title="Winner announced")
        data = client.get(updates_url(blog, first.pk)).json()
        assert data["live"] is True
        assert [u["id"] for u in data["updates"]] == [third.pk, second.pk]
        assert "Winner announced" in data["updates"][0]["html"]
        assert f'id="update-{third.pk}"' in data["updates"][0]["html"]
        assert data["updates"][0]["pinned"] is False
        assert client.get(updates_url(blog, third.pk)).json()["updates"] == []

    def test_says_when_coverage_has_ended(self, client):
        blog = make_live_blog(coverage_end_at=timezone.now() - timedelta(seconds=1))
        assert client.get(updates_url(blog)).json()["live"] is False

    def test_is_cacheable_like_the_page(self, client):
        blog = make_live_blog()
        response = client.get(updates_url(blog))
        assert response["Content-Type"] == "application/json"
        assert "public" in response["Cache-Control"]
        page = client.get(blog.get_absolute_url())
        assert response["Cache-Control"] == page["Cache-Control"]
        assert not response.cookies

    @pytest.mark.parametrize(
        "after",
        ["", "-1", "abc", "1.5", "0x10", "1e3", "9" * 30, "%00", "1;2", "None"],
    )
    def test_after_that_is_not_a_whole_number_from_0_is_a_400(self, client, after):
        assert client.get(updates_url(make_live_blog(), after)).status_code == 400

    def test_missing_after_is_a_400(self, client):
        blog = make_live_blog()
        assert client.get(f"/articles/{blog.slug}/updates.json").status_code == 400

    # Each example only reads, so sharing the test's client and story is safe.
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(after=st.text(max_size=40))
    def test_any_after_gets_a_200_or_a_400_never_a_500(self, client, after):
        blog = Article.objects.filter(kind=Kind.LIVE).first() or make_live_blog()
        response = client.get(f"/articles/{blog.slug}/updates.json", {"after": after})
        assert response.status_code in (200, 400)
        if after.isascii() and after.isdigit() and int(after) < 2**63:
            assert response.status_code == 200

    @pytest.mark.parametrize(
        "make",
        [
            lambda: make_article(kind=Kind.NEWS),
            lambda: make_live_blog(status=Status.DRAFT),
            lambda: make_live_blog(publish_at=timezone.now() + timedelta(hours=1)),
        ],
        ids=["not-a-live-blog", "draft", "scheduled"],
    )
    def test_only_live_blogs_readers_can_see(self, client, make):
        assert client.get(updates_url(make())).status_code == 404

    def test_post_is_refused(self, client):
        assert client.post(updates_url(make_live_blog())).status_code == 405

    @pytest.mark.parametrize("n", [1, 10])
    def test_query_count_is_fixed(self, client, n, django_assert_num_queries):
        blog = make_live_blog()
        writer = make_author()
        for i in range(n):
            make_live_update(blog, minutes_ago=i, writers=[writer])
        client.get(updates_url(blog))  # the next scheduled changes, then cached
        with django_assert_num_queries(3):  # story, updates, their writers
            data = client.get(updates_url(blog)).json()
        assert len(data["updates"]) == n


class TestFreshness:
    """Through the page cache: a new update reaches the cached page and answers at
    once, each `after` is its own entry, and a live blog stops looking live when its
    coverage ends although no save says so."""

    @pytest.fixture(autouse=True)
    def page_cache_on(self, settings):
        settings.CACHE_MIDDLEWARE_SECONDS = 600
        cache.clear()

    @pytest.fixture
    def commit(self, django_capture_on_commit_callbacks):
        def run(change, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return change(*args, **kwargs)

        return run

    def test_answers_are_tagged_with_the_story_and_keyed_by_after(self, client):
        blog = make_live_blog()
        first = make_live_update(blog)
        response = client.get(updates_url(blog))
        assert {f"article-{blog.pk}", "live-coverage"} <= set(response["xkey"].split())
        assert response["X-Cache"] == "MISS"
        assert client.get(updates_url(blog))["X-Cache"] == "HIT"
        newer = client.get(updates_url(blog, first.pk))
        assert newer["X-Cache"] == "MISS"
        assert newer.json()["updates"] == []

    def test_a_new_update_reaches_the_cached_answer_and_page(self, client, commit):
        blog = make_live_blog()
        first = make_live_update(blog)
        client.get(updates_url(blog, first.pk))
        client.get(blog.get_absolute_url())
        update = commit(make_live_update, blog, title="Just in")
        answer = client.get(updates_url(blog, first.pk))
        assert answer["X-Cache"] == "MISS"
        assert [u["id"] for u in answer.json()["updates"]] == [update.pk]
        assert "Just in" in client.get(blog.get_absolute_url()).text

    def test_a_changed_byline_on_an_update_reaches_the_page(self, client, commit):
        blog = make_live_blog()
        update = make_live_update(blog)
        client.get(blog.get_absolute_url())
        commit(update.writers.set, [make_author("Priya Shah")])
        assert "Priya Shah" in client.get(blog.get_absolute_url()).text

    def test_cached_page_stops_at_the_end_of_coverage(self, client, monkeypatch):
        end = timezone.now() + timedelta(seconds=90)
        blog = make_live_blog(coverage_end_at=end)
        assert next_coverage_end() == end
        response = client.get(blog.get_absolute_url())
        max_age = int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])
        assert 80 <= max_age <= 90
        assert client.get(blog.get_absolute_url())["X-Cache"] == "HIT"
        real_time, real_now = time.time, timezone.now
        monkeypatch.setattr(time, "time", lambda: real_time() + 91)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=91))
        response = client.get(blog.get_absolute_url())
        assert response["X-Cache"] == "MISS"
        assert "Live coverage ended" in response.text


class TestStructuredData:
    def test_live_blog_posting_with_coverage_and_updates(self, client):
        start = timezone.now() - timedelta(hours=2)
        end = timezone.now() + timedelta(hours=2)
        blog = make_live_blog(coverage_start_at=start, coverage_end_at=end)
        writer = make_author("Priya Shah")
        titled = make_live_update(
            blog, minutes_ago=20, title="Red carpet opens", writers=[writer]
        )
        plain = make_live_update(blog, minutes_ago=5, body="<p>Joe Locke arrives.</p>")
        html = client.get(blog.get_absolute_url()).text
        blocks = [json.loads(text) for text in LD_BLOCK.findall(html)]
        data = next(b for b in blocks if b["@type"] == "LiveBlogPosting")
        assert timezone.datetime.fromisoformat(data["coverageStartTime"]) == start
        assert timezone.datetime.fromisoformat(data["coverageEndTime"]) == end
        updates = data["liveBlogUpdate"]
        assert [u["@type"] for u in updates] == ["BlogPosting", "BlogPosting"]
        assert updates[0]["headline"] == "Joe Locke arrives."
        assert updates[0]["articleBody"] == "Joe Locke arrives."
        assert updates[0]["url"].endswith(f"#update-{plain.pk}")
        assert updates[1]["headline"] == "Red carpet opens"
        assert updates[1]["author"][0]["name"] == "Priya Shah"
        published = timezone.datetime.fromisoformat(updates[1]["datePublished"])
        assert abs(published - titled.posted_at) < timedelta(seconds=1)
        modified = timezone.datetime.fromisoformat(data["dateModified"])
        assert abs(modified - plain.posted_at) < timedelta(seconds=1)

    def test_open_coverage_has_no_end_time(self, client):
        html = client.get(make_live_blog().get_absolute_url()).text
        data = json.loads(LD_BLOCK.findall(html)[0])
        assert data["@type"] == "LiveBlogPosting"
        assert "coverageStartTime" in data
        assert "coverageEndTime" not in data


# --- Back office -----------------------------------------------------------------

ADD_UPDATE = "/admin/articles/liveupdate/add/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def writer(client):
    user = make_user("writer")
    user.test_author = make_author("Grace Morris", user=user)
    client.force_login(user)
    return user


@pytest.fixture
def editor(client):
    user = make_user("editor")
    client.force_login(user)
    return user


def post_update(client, blog, **fields):
    data = {"article": blog.pk, "title": "", "body": "<p>Breaking.</p>"}
    return client.post(ADD_UPDATE, data | fields)


class TestPostingAnUpdate:
    def test_editor_gets_the_form_at_the_top_of_the_story_page(self, client, editor):
        blog = make_live_blog()
        make_live_update(blog, title="Earlier news")
        html = client.get(change_url(blog)).text
        assert "Post an update" in html
        assert html.index("Post an update") < html.index('id="article_form"')
        assert 'id="id_update_body"' in html  # its own ids beside the story's body
        assert 'action="/admin/articles/liveupdate/add/"' in html
        assert "Earlier news" in html

    def test_editor_posts_and_returns_to_the_story(self, client, editor):
        blog = make_live_blog()
        response = post_update(client, blog, title="Best drama", is_pinned="on")
        assert response.status_code == 302
        assert response["Location"] == f"{change_url(blog)}#live-updates"
        update = blog.live_updates.get()
        assert update.title == "Best drama" and update.is_pinned
        assert update.created_by == editor
        assert abs(update.posted_at - timezone.now()) < timedelta(minutes=1)

    def test_writer_in_the_byline_posts_to_the_live_story(self, client, writer):
        blog = make_live_blog(authors=[writer.test_author])
        html = client.get(change_url(blog)).text
        assert "Post an update" in html  # the story itself is read-only to them
        assert post_update(client, blog).status_code == 302
        update = blog.live_updates.get()
        assert list(update.writers.all()) == [writer.test_author]

    def test_writer_posts_to_their_own_draft_live_blog(self, client, writer):
        blog = make_live_blog(status=Status.DRAFT, authors=[make_author()])
        Article.objects.filter(pk=blog.pk).update(created_by=writer)
        assert post_update(client, blog).status_code == 302
        assert blog.live_updates.count() == 1

    def test_writer_cannot_post_to_someone_elses_live_blog(self, client, writer):
        blog = make_live_blog(authors=[make_author()])
        assert "Post an update" not in client.get(change_url(blog)).text
        response = post_update(client, blog)
        assert response.status_code == 200  # the form, with its error
        assert "Select a valid choice" in response.text
        assert not LiveUpdate.objects.exists()

    def test_nobody_posts_to_a_story_that_is_not_a_live_blog(self, client, editor):
        story = make_article(kind=Kind.NEWS)
        assert "Post an update" not in client.get(change_url(story)).text
        assert post_update(client, story).status_code == 200
        assert not LiveUpdate.objects.exists()

    @pytest.mark.parametrize(
        "fields",
        [
            {"body": ""},
            {"article": "not-a-number"},
            {"article": "999999"},
            {"writers": ["nobody"]},
            {"posted_at_0": "yesterday", "posted_at_1": "noon"},
        ],
    )
    def test_bad_posts_get_form_errors_not_500s(self, client, editor, fields):
        response = post_update(client, make_live_blog(), **fields)
        assert response.status_code == 200
        assert "errornote" in response.text
        assert not LiveUpdate.objects.exists()

    def test_an_oversized_update_is_refused_like_an_oversized_story(
        self, client, editor, settings
    ):
        settings.ARTICLE_BODY_MAX_BYTES = 1000
        response = post_update(client, make_live_blog(), body=f"<p>{'x' * 1200}</p>")
        assert response.status_code == 200
        assert "the limit is" in response.text
        assert not LiveUpdate.objects.exists()

    def test_reader_accounts_cannot_post(self, client):
        client.force_login(make_user())
        assert post_update(client, make_live_blog()).status_code == 302  # to login
        assert not LiveUpdate.objects.exists()

    @pytest.mark.parametrize("n", [1, 12])
    def test_story_page_query_count_is_fixed(
        self, client, editor, n, django_assert_max_num_queries
    ):
        blog = make_live_blog()
        for i in range(n):
            make_live_update(blog, minutes_ago=i, writers=[make_author()])
        client.get(change_url(blog))
        with django_assert_max_num_queries(22):
            response = client.get(change_url(blog))
        assert len(response.context["live_updates"]) == n

    def test_a_long_live_blog_links_to_all_its_updates(self, client, editor):
        blog = make_live_blog()
        other = make_live_update(make_live_blog(), title="Another blog's update")
        for i in range(21):
            make_live_update(blog, minutes_ago=i, title=f"Number {i}")
        response = client.get(change_url(blog))
        assert len(response.context["live_updates"]) == 20
        link = f"/admin/articles/liveupdate/?article__id__exact={blog.pk}"
        assert link in response.text
        listed = client.get(link)
        assert listed.status_code == 200
        assert "Number 20" in listed.text and other.title not in listed.text


class TestEditingUpdates:
    def test_writer_edits_their_own_update(self, client, writer):
        blog = make_live_blog(authors=[writer.test_author])
        update = make_live_update(blog, writers=[writer.test_author])
        url = f"/admin/articles/liveupdate/{update.pk}/change/"
        response = client.post(
            url,
            {
                "posted_at_0": timezone.localtime(update.posted_at).strftime(
                    "%Y-%m-%d"
                ),
                "posted_at_1": "12:00:00",
                "title": "Fixed title",
                "body": "<p>Fixed.</p>",
                "writers": [writer.test_author.pk],
            },
        )
        assert response.status_code == 302
        update.refresh_from_db()
        assert update.title == "Fixed title"

    def test_writer_cannot_edit_another_writers_update(self, client, writer):
        blog = make_live_blog(authors=[writer.test_author, make_author()])
        theirs = make_live_update(blog, writers=[blog.authors.last()])
        url = f"/admin/articles/liveupdate/{theirs.pk}/change/"
        response = client.post(url, {"title": "Hijacked", "body": "<p>No.</p>"})
        assert response.status_code == 403
        theirs.refresh_from_db()
        assert theirs.title != "Hijacked"
        html = client.get(change_url(blog)).text
        assert f"/admin/articles/liveupdate/{theirs.pk}/change/" not in html

    def test_only_editors_delete_updates(self, client, writer):
        update = make_live_update(
            make_live_blog(authors=[writer.test_author]), writers=[writer.test_author]
        )
        url = f"/admin/articles/liveupdate/{update.pk}/delete/"
        assert client.post(url, {"post": "yes"}).status_code == 403
        client.force_login(make_user("editor"))
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not LiveUpdate.objects.exists()


class TestPostingService:
    def test_refuses_stories_that_are_not_live_blogs(self):
        with pytest.raises(services.WorkflowError):
            services.live_update_post(
                article=make_article(), by=make_user("editor"), body="<p>x</p>"
            )

    def test_refuses_writers_outside_the_byline(self):
        writer = make_user("writer")
        make_author(user=writer)
        with pytest.raises(PermissionDenied):
            services.live_update_post(
                article=make_live_blog(), by=writer, body="<p>x</p>"
            )

    def test_credits_the_writer_who_posts(self):
        writer = make_user("writer")
        author = make_author(user=writer)
        update = services.live_update_post(
            article=make_live_blog(authors=[author]), by=writer, body="<p>x</p>"
        )
        assert list(update.writers.all()) == [author]
