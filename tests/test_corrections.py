"""The corrections log: dated corrections and clarifications at the foot of a story,
the "Corrected" note under its headline, /corrections/ and its RSS feed, the
structured data, and that only editors add them."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Correction, CorrectionKind, Status
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_user,
)
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def ld_blocks(html):
    return {b["@type"]: b for b in map(json.loads, LD_BLOCK.findall(html))}


class TestOnTheStory:
    def test_corrections_at_the_foot_oldest_first_with_kind_and_time(self, client):
        story = make_article()
        earlier = make_correction(
            story,
            text="We said season 2 had 6 episodes; it has 8.",
            published_at=timezone.now() - timedelta(days=1),
        )
        later = make_correction(
            story,
            kind=CorrectionKind.CLARIFICATION,
            text="Alice Oseman <wrote> the books.\nShe also draws them.",
        )
        html = client.get(story.get_absolute_url()).text
        foot = html[html.index('id="corrections"') :]
        assert foot.index(f'id="correction-{earlier.pk}"') < foot.index(
            f'id="correction-{later.pk}"'
        )
        assert "<strong>Correction</strong>" in foot
        assert "<strong>Clarification</strong>" in foot
        assert f'<time datetime="{later.published_at.isoformat()}"' in foot
        assert "Alice Oseman &lt;wrote&gt; the books.<br>She also draws them." in foot
        assert 'href="/corrections/"' in foot

    def test_a_short_note_under_the_headline_links_to_them(self, client):
        story = make_article()
        make_correction(story, kind=CorrectionKind.CLARIFICATION)
        latest = make_correction(story)
        html = client.get(story.get_absolute_url()).text
        note = re.search(r'<p class="article__corrected">(.*?)</p>', html, re.S)
        assert note, "no Corrected note"
        assert '<a href="#corrections">Corrected</a>' in note.group(1)
        assert latest.published_at.isoformat() in note.group(1)
        assert html.index("article__corrected") < html.index("article__body")

    def test_a_clarification_alone_says_clarified(self, client):
        story = make_article()
        make_correction(story, kind=CorrectionKind.CLARIFICATION)
        html = client.get(story.get_absolute_url()).text
        assert '<a href="#corrections">Clarified</a>' in html

    def test_no_note_or_section_without_corrections(self, client):
        html = client.get(make_article().get_absolute_url()).text
        assert "article__corrected" not in html
        assert 'id="corrections"' not in html

    @pytest.mark.parametrize(
        ("n", "queries"), [(0, 4), (1, 5), (6, 5)], ids=["none", "one", "six"]
    )
    def test_query_count_is_fixed(
        self, client, n, queries, django_assert_max_num_queries
    ):
        """A story without corrections pays nothing for them (for_page() knows)."""
        story = make_article()
        for _ in range(n):
            make_correction(story)
        client.get(story.get_absolute_url())  # warms the cached navigation
        with django_assert_max_num_queries(queries):
            html = client.get(story.get_absolute_url()).text
        assert html.count('class="corrections__item"') == n

    def test_json_ld_lists_corrections_and_moves_date_modified(self, client):
        story = make_article()
        correction = make_correction(story, text="The premiere is in May.")
        data = ld_blocks(client.get(story.get_absolute_url()).text)["NewsArticle"]
        assert data["correction"] == [
            {
                "@type": "CorrectionComment",
                "text": "The premiere is in May.",
                "datePublished": data["correction"][0]["datePublished"],
                "url": f"http://testserver{correction.get_absolute_url()}",
            }
        ]
        when = timezone.datetime.fromisoformat(data["correction"][0]["datePublished"])
        assert abs(when - correction.published_at) < timedelta(seconds=1)
        modified = timezone.datetime.fromisoformat(data["dateModified"])
        assert abs(modified - correction.published_at) < timedelta(seconds=1)

    def test_publisher_names_the_corrections_page(self, client):
        data = ld_blocks(client.get(make_article().get_absolute_url()).text)
        publisher = data["NewsArticle"]["publisher"]
        assert publisher["correctionsPolicy"] == "http://testserver/corrections/"
        home = ld_blocks(client.get("/").text)["WebSite"]
        assert home["publisher"]["correctionsPolicy"].endswith("/corrections/")


class TestCorrectionsPage:
    def test_lists_every_correction_newest_first_with_links(self, client):
        first = make_correction(
            make_article(headline="Old story"),
            published_at=timezone.now() - timedelta(days=2),
        )
        second = make_correction(
            make_article(headline="New story"), kind=CorrectionKind.CLARIFICATION
        )
        response = client.get("/corrections/")
        html = response.text
        assert response.status_code == 200
        assert html.index("New story") < html.index("Old story")
        assert f'href="{second.get_absolute_url()}"' in html
        assert f'href="{first.get_absolute_url()}"' in html
        assert "#correction-" in second.get_absolute_url()
        assert 'href="/corrections/feed/"' in html

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW])
    def test_leaves_out_stories_readers_cannot_see(self, client, status):
        make_correction(make_article(status=status, headline="Hidden story"))
        make_correction(
            make_article(
                headline="Scheduled story",
                publish_at=timezone.now() + timedelta(hours=1),
            )
        )
        html = client.get("/corrections/").text
        assert "Hidden story" not in html and "Scheduled story" not in html
        assert "No corrections yet." in html

    def test_paginated_twenty_a_page(self, client):
        story = make_article()
        for i in range(21):
            make_correction(story, published_at=timezone.now() - timedelta(hours=i))
        first = client.get("/corrections/")
        assert len(first.context["corrections"]) == 20
        assert "Page 1 of 2" in first.text
        assert len(client.get("/corrections/?page=2").context["corrections"]) == 1

    @pytest.mark.parametrize("page", ["3", "0", "x", "-1", "9" * 30])
    def test_bad_page_is_404(self, client, page):
        make_correction(make_article())
        assert client.get(f"/corrections/?page={page}").status_code == 404

    def test_cacheable_whole(self, client):
        response = client.get("/corrections/")
        assert "public" in response["Cache-Control"]
        assert not response.cookies

    @pytest.mark.parametrize("n", [1, 15])
    def test_query_count_is_fixed(self, client, n, django_assert_num_queries):
        for _ in range(n):
            make_correction(make_article())
        client.get("/corrections/")  # warms the cached navigation
        with django_assert_num_queries(2):  # the count and the page
            client.get("/corrections/")

    def test_footer_links_to_it(self, client):
        assert 'href="/corrections/"' in client.get("/").text


class TestCorrectionsFeed:
    def test_rss_of_corrections_newest_first(self, client):
        story = make_article(headline="Heartstopper renewed")
        old = make_correction(
            story,
            text="The first one.",
            published_at=timezone.now() - timedelta(days=1),
        )
        new = make_correction(
            story, kind=CorrectionKind.CLARIFICATION, text="The second one."
        )
        make_correction(make_article(status=Status.DRAFT), text="Never shown.")
        response = client.get("/corrections/feed/")
        assert response["Content-Type"].startswith("application/rss+xml")
        assert "public" in response["Cache-Control"]
        feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
        items = feed.findall("channel/item")
        assert [item.findtext("description") for item in items] == [
            "The second one.",
            "The first one.",
        ]
        assert items[0].findtext("title") == "Clarification: Heartstopper renewed"
        assert items[0].findtext("link") == f"http://testserver{new.get_absolute_url()}"
        assert items[1].findtext("guid").endswith(f"#correction-{old.pk}")

    @pytest.mark.parametrize("n", [1, 10])
    def test_query_count_is_fixed(self, client, n, django_assert_num_queries):
        for _ in range(n):
            make_correction(make_article())
        # +1 on a cold cache: when the next story changes by itself.
        with django_assert_num_queries(2):
            client.get("/corrections/feed/")


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def with_correction(article, **fields):
    return form_data(article) | {
        "corrections-TOTAL_FORMS": "1",
        "corrections-0-kind": fields.get("kind", CorrectionKind.CORRECTION),
        "corrections-0-text": fields.get("text", "The date was wrong."),
        "corrections-0-published_at_0": fields.get("date", "2026-01-02"),
        "corrections-0-published_at_1": fields.get("time", "10:00:00"),
    }


class TestCorrectionsAdmin:
    def test_editor_adds_a_correction_on_the_story_page(self, client):
        client.force_login(make_user("editor"))
        story = make_article()
        response = client.post(change_url(story), with_correction(story))
        assert response.status_code == 302
        correction = story.corrections.get()
        assert correction.text == "The date was wrong."
        assert correction.kind == CorrectionKind.CORRECTION

    @pytest.mark.parametrize(
        "fields",
        [{"text": ""}, {"kind": "retraction"}, {"date": "someday", "time": "x"}],
    )
    def test_bad_corrections_are_form_errors(self, client, fields):
        client.force_login(make_user("editor"))
        story = make_article()
        response = client.post(change_url(story), with_correction(story, **fields))
        assert response.status_code == 200
        assert not Correction.objects.exists()

    def test_writer_sees_corrections_but_cannot_add_them(self, client):
        user = make_user("writer")
        client.force_login(user)
        story = make_article(status=Status.DRAFT, authors=[make_author(user=user)])
        make_correction(story, text="Visible to the writer.")
        html = client.get(change_url(story)).text
        assert "Visible to the writer." in html
        client.post(change_url(story), with_correction(story, text="Sneaked in."))
        assert not Correction.objects.filter(text="Sneaked in.").exists()
        assert client.get("/admin/articles/correction/add/").status_code == 403

    @pytest.mark.parametrize("article", ["x", "999999", ""])
    def test_correction_form_survives_a_garbage_story(self, client, article):
        client.force_login(make_user("editor"))
        response = client.post(
            "/admin/articles/correction/add/",
            {
                "article": article,
                "kind": CorrectionKind.CORRECTION,
                "text": "Fixed.",
                "published_at_0": "2026-01-02",
                "published_at_1": "10:00:00",
            },
        )
        assert response.status_code == 200
        assert not Correction.objects.exists()

    def test_corrections_list_for_editors(self, client):
        client.force_login(make_user("editor"))
        make_correction(make_article(headline="Listed story"))
        html = client.get("/admin/articles/correction/").text
        assert "Listed story" in html
