"""Articles: the reader rule, model rules, bodies, the article page, preview links."""

import re
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles import previews
from articles.body import render_body, validate_size
from articles.models import Article, Status
from shows.models import Network, Show
from tests.factories import (
    make_article,
    make_author,
    make_topic,
    make_user,
    picture,
)

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward: later(hours=2) makes timezone.now() two hours ahead."""

    def move(**delta):
        moved = timezone.now() + timedelta(**delta)
        monkeypatch.setattr(timezone, "now", lambda: moved)
        return moved

    return move


class TestPublishedQuerySet:
    def test_excludes_drafts_reviews_and_scheduled(self):
        live = make_article()
        make_article(status=Status.DRAFT)
        make_article(status=Status.REVIEW)
        make_article(publish_at=timezone.now() + timedelta(hours=1))
        assert list(Article.objects.published()) == [live]

    def test_scheduled_story_goes_live_by_itself(self, later):
        """No worker flips a flag: the reader rule compares with the clock."""
        scheduled = make_article(publish_at=timezone.now() + timedelta(hours=2))
        assert not Article.objects.published().exists()
        later(hours=3)
        assert list(Article.objects.published()) == [scheduled]

    @pytest.mark.parametrize(
        ("role", "sees_drafts"),
        [(None, False), ("writer", True), ("editor", True)],
    )
    def test_visible_to_widens_for_staff_only(self, role, sees_drafts):
        make_article()
        make_article(status=Status.DRAFT)
        expected = 2 if sees_drafts else 1
        assert Article.objects.visible_to(make_user(role)).count() == expected

    def test_newest_first_with_undated_drafts_last(self):
        old = make_article(publish_at=timezone.now() - timedelta(days=2))
        new = make_article(publish_at=timezone.now() - timedelta(hours=2))
        draft = make_article(status=Status.DRAFT)
        assert list(Article.objects.all()) == [new, old, draft]

    def test_lead_is_the_newest_featured_story(self):
        make_article(is_featured=True, publish_at=timezone.now() - timedelta(days=5))
        featured = make_article(
            is_featured=True, publish_at=timezone.now() - timedelta(days=3)
        )
        make_article()
        assert Article.objects.published().front_page(4)[0] == featured

    def test_lead_is_the_newest_story_when_none_is_featured(self):
        make_article(publish_at=timezone.now() - timedelta(days=3))
        newest = make_article()
        assert Article.objects.published().front_page(4)[0] == newest

    def test_no_lead_without_stories(self):
        make_article(status=Status.DRAFT, is_featured=True)
        assert Article.objects.published().front_page(4)[0] is None


class TestArticleModel:
    def test_slug_comes_from_the_headline_and_stays_unique(self):
        first = make_article(headline="Netflix renews Heartstopper!")
        second = make_article(headline="Netflix renews Heartstopper")
        assert first.slug == "netflix-renews-heartstopper"
        assert second.slug == "netflix-renews-heartstopper-2"

    def test_publishing_without_a_time_means_now(self):
        before = timezone.now()
        article = make_article(status=Status.DRAFT)
        article.status = Status.PUBLISHED
        article.save()
        assert before <= article.publish_at <= timezone.now()
        assert article.first_published_at == article.publish_at

    def test_first_published_follows_the_schedule_until_live_then_stays(self, later):
        soon = timezone.now() + timedelta(hours=1)
        article = make_article(publish_at=soon)
        assert article.first_published_at == soon
        article.publish_at = soon + timedelta(hours=1)
        article.save()
        assert article.first_published_at == soon + timedelta(hours=1)
        later(hours=3)
        article.publish_at = timezone.now()
        article.save()
        assert article.first_published_at == soon + timedelta(hours=1)

    def test_editing_the_words_of_a_live_story_marks_it_updated(self):
        article = Article.objects.get(pk=make_article().pk)
        assert not article.was_updated
        article.body = "<p>New words.</p>"
        article.save()
        assert article.was_updated
        assert article.revised_at > article.publish_at

    @pytest.mark.parametrize(
        "change",
        [
            {"is_featured": True},
            {"seo_title": "Something for search"},
        ],
    )
    def test_other_changes_do_not_mark_it_updated(self, change):
        article = Article.objects.get(pk=make_article().pk)
        for field, value in change.items():
            setattr(article, field, value)
        article.save()
        assert article.revised_at is None

    def test_editing_before_going_live_does_not_mark_it_updated(self):
        article = Article.objects.get(pk=make_article(status=Status.DRAFT).pk)
        article.body = "<p>Second draft.</p>"
        article.status = Status.PUBLISHED
        article.save()
        assert not article.was_updated

    def test_saving_some_fields_renders_the_body_only_when_it_is_among_them(
        self, monkeypatch
    ):
        """Featuring a story (update_fields) must not clean and render its body
        again, nor write fields it was not asked to."""
        from articles import models as article_models

        article = Article.objects.get(pk=make_article(body="<p>Stored.</p>").pk)
        renders = []
        real_render = article_models.render_body

        def counting_render(*args, **kwargs):
            renders.append(args)
            return real_render(*args, **kwargs)

        monkeypatch.setattr(article_models, "render_body", counting_render)
        article.body = "<p>Not meant to be saved.</p>"
        article.is_featured = True
        article.save(update_fields=["is_featured"])
        assert renders == []
        stored = Article.objects.get(pk=article.pk)
        assert stored.is_featured
        assert stored.body == "<p>Stored.</p>"
        article.save(update_fields=["body"])
        assert len(renders) == 1
        stored = Article.objects.get(pk=article.pk)
        assert "Not meant to be saved." in stored.body_html

    def test_word_count_and_reading_time(self):
        words = " ".join(["word"] * 460)
        article = make_article(body=f"<p>{words}</p><p>and one</p>")
        assert article.word_count == 462
        assert article.reading_time == 3

    def test_hero_caption_falls_back_to_the_picture_caption(self):
        article = make_article(hero=True)
        article.hero_image.caption = "From the library"
        assert article.hero_caption_text == "From the library"
        article.hero_caption = "Just for this story"
        assert article.hero_caption_text == "Just for this story"

    def test_seo_fields_fall_back_to_headline_and_standfirst(self):
        article = make_article(headline="Headline", standfirst="Standfirst")
        assert (article.page_title, article.description) == ("Headline", "Standfirst")


class TestSanitising:
    @pytest.mark.parametrize(
        ("dirty", "gone"),
        [
            ("<p>Hi<script>alert(1)</script></p>", "<script"),
            ('<p><img src="x" onerror="alert(1)"></p>', "onerror"),
            ('<p><a href="javascript:alert(1)">click</a></p>', "javascript:"),
            ('<p><a href="JaVaScRiPt:alert(1)">click</a></p>', "alert"),
            ('<p onclick="steal()">Hi</p>', "onclick"),
            ('<p style="background:url(x)">Hi</p>', "style="),
            ('<iframe src="https://evil.example"></iframe>', "<iframe"),
            ("<svg><script>alert(1)</script></svg>", "<svg"),
            ('<form action="/x"><input name="q"></form>', "<form"),
            ('<blockquote class="pull-quote evil">Q</blockquote>', "evil"),
        ],
    )
    def test_nothing_a_writer_pastes_can_run_on_a_reader_page(self, dirty, gone):
        article = make_article(body=dirty)
        assert gone.lower() not in article.body.lower()
        assert gone.lower() not in article.body_html.lower()

    def test_editor_formatting_survives(self):
        body = (
            "<h2>Heading</h2><p><strong>b</strong> <em>i</em> "
            '<a href="https://example.com/">link</a></p><ul><li>one</li></ul>'
            '<blockquote class="pull-quote"><p>Quote</p></blockquote>'
        )
        assert make_article(body=body).body_html == body

    def test_body_is_sanitised_when_saved_outside_forms(self):
        """Commands, shells and bulk tools skip form cleaning; save() does not."""
        article = make_article()
        Article.objects.filter(pk=article.pk).update(body="<p>x</p>")
        article.body = '<p>ok</p><script src="//evil.example/x.js"></script>'
        article.save()
        article.refresh_from_db()
        assert "<script" not in article.body + article.body_html


class TestBodyRendering:
    def test_link_alone_on_its_line_becomes_a_click_to_load_embed(self):
        article = make_article(
            body=f'<p>Watch:</p><p><a href="{YOUTUBE}">Trailer</a></p>'
        )
        assert 'class="embed embed--youtube"' in article.body_html
        assert "data-embed-player=" in article.body_html
        assert "<iframe" not in article.body_html
        assert 'data-embed-title="Trailer"' in article.body_html

    def test_bare_url_alone_on_its_line_becomes_an_embed(self):
        article = make_article(body=f"<p>{YOUTUBE}</p>")
        assert "embed--youtube" in article.body_html

    def test_link_inside_a_sentence_stays_a_link(self):
        article = make_article(body=f'<p>See <a href="{YOUTUBE}">the trailer</a>.</p>')
        assert "embed" not in article.body_html

    def test_link_to_another_site_stays_a_link(self):
        body = '<p><a href="https://example.com/story">Elsewhere</a></p>'
        assert make_article(body=body).body_html == body

    def test_picture_line_shows_the_library_picture_with_caption_and_credit(self):
        image = picture("Inline", caption="Nick and Charlie.", credit="Netflix")
        article = make_article(body=f"<p>Text.</p><p>[picture {image.pk}]</p>")
        assert "<figure" in article.body_html
        assert f'alt="{image.alt_text}"' in article.body_html
        assert "Nick and Charlie." in article.body_html
        assert "Image credit: Netflix" in article.body_html
        assert list(article.inline_images.all()) == [image]

    def test_missing_picture_is_left_out(self):
        article = make_article(body="<p>Text.</p><p>[picture 999999]</p>")
        assert article.body_html == "<p>Text.</p>"

    def test_picture_and_embed_lines_do_not_count_as_words(self):
        image = picture("Counted")
        article = make_article(
            body=f"<p>One two three.</p><p>[picture {image.pk}]</p><p>{YOUTUBE}</p>"
        )
        assert article.word_count == 3

    def test_new_caption_reaches_the_stories_that_show_the_picture(self):
        image = picture("Recaptioned", caption="Old caption")
        article = make_article(body=f"<p>[picture {image.pk}]</p>")
        image.caption = "New caption"
        image.save()
        article.refresh_from_db()
        assert "New caption" in article.body_html
        assert "Old caption" not in article.body_html

    def test_deleted_picture_leaves_the_story(self):
        image = picture("Deleted")
        article = make_article(body=f"<p>Text.</p><p>[picture {image.pk}]</p>")
        image.delete()
        article.refresh_from_db()
        assert article.body_html == "<p>Text.</p>"


def _page_article(n, *, with_show=True):
    """A story with n authors (with photos), topics, shows, pictures and embeds."""
    authors = [make_author(with_photo=True) for _ in range(n)]
    images = [picture(f"Body {n}-{i}", caption=f"Caption {i}") for i in range(n)]
    body = "".join(
        f"<p>Paragraph {i}.</p><p>[picture {image.pk}]</p><p>{YOUTUBE}</p>"
        for i, image in enumerate(images)
    )
    article = make_article(authors=authors, n_topics=n, hero=True, body=body)
    if with_show:
        network = Network.objects.create(name=f"Net {n}", slug=f"net-{n}")
        for i in range(n):
            article.shows.add(
                Show.objects.create(
                    title=f"Show {n}-{i}", slug=f"show-{n}-{i}", network=network
                )
            )
    return article


class TestArticlePage:
    def test_reader_sees_everything_the_story_carries(self, client):
        author = make_author("Grace Morris", role="Staff Writer", bio="Grace writes.")
        topics = [make_topic("Netflix"), make_topic("LGBTQ")]
        article = make_article(
            headline="Netflix renews Heartstopper",
            standfirst="Fans get two more seasons.",
            authors=[author],
            topics=topics,
            hero=True,
            body=f"<p>Body words.</p><p>{YOUTUBE}</p>",
        )
        response = client.get(article.get_absolute_url())
        html = response.content.decode()
        assert response.status_code == 200
        assert '<h1 class="article__headline">Netflix renews Heartstopper</h1>' in html
        assert "Fans get two more seasons." in html
        assert f'<a href="{author.get_absolute_url()}">Grace Morris</a>' in html
        assert "Staff Writer" in html
        assert f'<time datetime="{article.publish_at.isoformat()}"' in html
        assert "Image credit: Netflix" in html
        assert "Topics:" in html
        for topic in topics:
            assert f'<a href="{topic.get_absolute_url()}">{topic.name}</a>' in html
        assert "Grace writes." in html
        assert "https://x.com/intent/post?" in html
        assert "1 min read" in html
        assert "embed--youtube" in html
        assert re.search(r'<script src="/static/js/embeds\.js[^"]*" defer>', html)
        assert 'name="email"' in html  # the newsletter form

    def test_updated_time_and_note_are_shown(self, client):
        article = Article.objects.get(pk=make_article().pk)
        article.update_note = "This story now includes the cast's reaction."
        article.save()
        html = client.get(article.get_absolute_url()).content.decode()
        assert "Updated <time datetime=" in html
        assert "the cast&#x27;s reaction" in html

    def test_anonymous_page_is_cacheable_whole(self, client):
        response = client.get(make_article().get_absolute_url())
        assert not response.cookies
        assert "public" in response["Cache-Control"]
        assert "csrfmiddlewaretoken" not in response.content.decode()

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW])
    @pytest.mark.parametrize("role", [None, "anonymous"])
    def test_readers_get_404_for_unpublished(self, client, status, role):
        article = make_article(status=status)
        if role is None:
            client.force_login(make_user())
        assert client.get(article.get_absolute_url()).status_code == 404

    def test_readers_get_404_for_scheduled(self, client):
        article = make_article(publish_at=timezone.now() + timedelta(hours=1))
        assert client.get(article.get_absolute_url()).status_code == 404

    @pytest.mark.parametrize(
        ("status", "banner"),
        [
            (Status.DRAFT, "Draft — not published."),
            (Status.REVIEW, "In review — not published."),
        ],
    )
    @pytest.mark.parametrize("role", ["writer", "editor"])
    def test_staff_see_unpublished_with_a_banner_never_cached(
        self, client, status, banner, role
    ):
        client.force_login(make_user(role))
        response = client.get(make_article(status=status).get_absolute_url())
        assert response.status_code == 200
        assert banner in response.content.decode()
        assert "no-cache" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"

    def test_staff_see_scheduled_with_its_time(self, client):
        client.force_login(make_user("editor"))
        article = make_article(publish_at=timezone.now() + timedelta(days=1))
        html = client.get(article.get_absolute_url()).content.decode()
        assert "Scheduled — not published yet." in html

    def test_unknown_slug_is_404(self, client):
        assert client.get("/articles/no-such-story/").status_code == 404

    @pytest.mark.parametrize("n", [1, 5])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        """Authors, topics, shows, pictures, embeds and related stories: none adds a
        query. Measured after one warm-up request, which puts the header's
        navigation topics in the cache as any earlier page view would."""
        article = _page_article(n)
        for i in range(n):
            make_article(topics=list(article.topics.all()), hero=i == 0)
        client.get(article.get_absolute_url())
        # +1 since where to watch: the offers of the story's shows
        with django_assert_max_num_queries(7):
            response = client.get(article.get_absolute_url())
        assert len(response.context["related"]) == min(n, 4)
        html = response.content.decode()
        assert html.count('class="author-box"') == n
        assert html.count("embed--youtube") == n
        assert html.count(f"Show {n}-") == n

    def test_every_picture_has_alt_text(self, client):
        html = client.get(_page_article(2).get_absolute_url()).content.decode()
        images = re.findall(r"<img\b[^>]*>", html)
        assert images
        assert all(re.search(r'\salt="[^"]*"', tag) for tag in images), images


def _token_made(hours_ago, article):
    """A preview token as if made `hours_ago` hours ago."""
    real = time.time
    try:
        time.time = lambda: real() - hours_ago * 3600
        return previews.make_token(article)
    finally:
        time.time = real


class TestPreviewLinks:
    def test_valid_link_shows_the_draft_to_anyone(self, client):
        article = make_article(status=Status.REVIEW, headline="Embargoed story")
        response = client.get(previews.preview_url(article))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Embargoed story" in html
        assert "In review — not published." in html
        assert "preview link" in html
        assert "no-cache" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"

    def test_link_still_works_just_before_48_hours(self, client):
        article = make_article(status=Status.DRAFT)
        token = _token_made(47.9, article)
        assert client.get(f"/articles/preview/{token}/").status_code == 200

    def test_expired_link_says_so(self, client):
        article = make_article(status=Status.DRAFT)
        response = client.get(f"/articles/preview/{_token_made(49, article)}/")
        assert response.status_code == 410
        assert "This preview link has expired" in response.content.decode()

    def test_expiry_follows_the_setting(self, client, settings):
        settings.ARTICLE_PREVIEW_MAX_AGE = 3600
        article = make_article(status=Status.DRAFT)
        response = client.get(f"/articles/preview/{_token_made(2, article)}/")
        assert response.status_code == 410

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
            lambda token: "x" + token,
            lambda token: token.split(":")[0],
            lambda token: "not-a-token",
        ],
    )
    def test_tampered_link_is_404(self, client, mangle):
        article = make_article(status=Status.DRAFT)
        token = mangle(previews.make_token(article))
        assert client.get(f"/articles/preview/{token}/").status_code == 404

    def test_token_for_another_article_id_cannot_be_forged(self, client):
        from django.core import signing

        article = make_article(status=Status.DRAFT)
        forged = signing.dumps({"article": article.pk}, salt="another.salt")
        assert client.get(f"/articles/preview/{forged}/").status_code == 404

    def test_link_to_a_deleted_story_is_404(self, client):
        article = make_article(status=Status.DRAFT)
        url = previews.preview_url(article)
        article.delete()
        assert client.get(url).status_code == 404

    def test_link_to_a_published_story_goes_to_the_story(self, client):
        article = make_article()
        response = client.get(previews.preview_url(article))
        assert response.status_code == 302
        assert response["Location"] == article.get_absolute_url()


class TestRevokingPreviewLinks:
    def test_revoked_links_stop_working_and_new_ones_work(self, client):
        article = make_article(status=Status.REVIEW, headline="Embargoed story")
        old = previews.preview_url(article)
        assert client.get(old).status_code == 200
        previews.revoke(article)
        assert client.get(old).status_code == 404
        new = previews.preview_url(article)
        assert new != old
        assert client.get(new).status_code == 200

    def test_revoking_one_story_leaves_the_others_links(self, client):
        one = make_article(status=Status.DRAFT)
        other = make_article(status=Status.DRAFT)
        url = previews.preview_url(other)
        previews.revoke(one)
        assert client.get(url).status_code == 200

    def test_every_story_has_its_own_secret(self):
        one, other = make_article(), make_article()
        assert one.preview_secret and one.preview_secret != other.preview_secret

    def test_a_signed_token_without_the_secret_is_refused(self, client):
        """Links made before secrets existed name only the id."""
        from django.core import signing

        article = make_article(status=Status.DRAFT)
        token = signing.dumps(
            {"article": article.pk}, salt=previews.SALT, compress=True
        )
        assert client.get(f"/articles/preview/{token}/").status_code == 404


def _cpu_seconds(html, repeat=3):
    """Best-of-`repeat` CPU time to render `html` (CPU, not wall clock: other work
    on the machine does not count)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        render_body(html)
        best = min(best, time.process_time() - start)
    return best


class TestBodyProcessingCost:
    # A short link followed by words in every paragraph: the embed-line pattern
    # used to scan from each paragraph to every later </a> (quadratic).
    CHUNK = '<p><a href="https://example.com/a">a link</a> and words</p>'

    def test_an_adversarial_body_is_processed_in_linear_time(self):
        """Four times the body may cost about four times as much, never sixteen."""
        small, large = self.CHUNK * 1250, self.CHUNK * 5000  # ~70 KB, ~280 KB
        ratio = _cpu_seconds(large) / max(_cpu_seconds(small), 1e-4)
        assert ratio < 8, f"4× the body took {ratio:.1f}× the time"

    def test_the_adversarial_body_still_renders_right(self):
        rendered = render_body(self.CHUNK * 5000)
        assert rendered.html.count('<a href="https://example.com/a">') == 5000
        assert rendered.word_count == 5000 * 4

    def test_a_link_alone_in_its_paragraph_still_becomes_an_embed(self):
        html = (
            '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
            "<strong>The trailer</strong></a></p><p>After.</p>"
        )
        rendered = render_body(html)
        assert rendered.html.startswith('<figure class="embed embed--youtube"')
        assert 'data-embed-title="The trailer"' in rendered.html
        assert rendered.word_count == 1


class TestBodySizeCap:
    def test_a_body_over_the_cap_is_refused_with_a_message(self, settings):
        settings.ARTICLE_BODY_MAX_BYTES = 1000
        with pytest.raises(ValidationError, match="limit is 1000"):
            validate_size("<p>" + "é" * 500 + "</p>")  # 1,007 bytes in UTF-8
        validate_size("<p>" + "e" * 900 + "</p>")

    def test_the_default_cap_is_about_a_megabyte(self):
        validate_size("<p>" + "x" * 990_000 + "</p>")
        with pytest.raises(ValidationError):
            validate_size("<p>" + "x" * 1_000_001 + "</p>")
