"""The back office: who may do what to a story, whichever way the request arrives.

Writers create stories and edit their own drafts; editors publish, schedule, feature,
unpublish, restore. Each rule is checked through the forms, raw POSTs, list actions
and django-reversion's history views.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from reversion.models import Version

from articles import previews
from articles.models import Article, Byline, Kind, Status, Topic
from shows.models import Person
from tests.factories import (
    make_article,
    make_author,
    make_person,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"
ADD = "/admin/articles/article/add/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def form_data(article=None, **overrides):
    """What the change form posts, with the byline inline filled from `article`."""
    bylines = list(article.byline_set.all()) if article else []
    data = {
        "headline": article.headline if article else "A new story",
        "slug": article.slug if article else "",
        "standfirst": article.standfirst if article else "",
        "body": article.body if article else "<p>Some words.</p>",
        "hero_image": "",
        "hero_caption": "",
        "update_note": "",
        "seo_title": "",
        "seo_description": "",
        "status": article.status if article else Status.DRAFT,
        "publish_at_0": "",
        "publish_at_1": "",
        "byline_set-TOTAL_FORMS": str(len(bylines)),
        "byline_set-INITIAL_FORMS": str(len(bylines)),
        "byline_set-MIN_NUM_FORMS": "0",
        "byline_set-MAX_NUM_FORMS": "1000",
        "kind": article.kind if article else Kind.NEWS,
    }
    if article is not None:
        data |= management_form("corrections", 0)
        if article.is_gallery:
            data |= management_form("slides", 0)
    for i, byline in enumerate(bylines):
        data |= {
            f"byline_set-{i}-id": str(byline.pk),
            f"byline_set-{i}-article": str(article.pk),
            f"byline_set-{i}-author": str(byline.author_id),
            f"byline_set-{i}-position": str(byline.position),
        }
    return data | overrides


def management_form(prefix, initial):
    """An inline's management form, with no rows posted beyond the `initial` ones."""
    return {
        f"{prefix}-TOTAL_FORMS": str(initial),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def in_local(moment):
    local = timezone.localtime(moment)
    return {
        "publish_at_0": local.strftime("%Y-%m-%d"),
        "publish_at_1": local.strftime("%H:%M:%S"),
    }


def action(client, name, *articles):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [str(a.pk) for a in articles]},
    )


@pytest.fixture
def writer(client):
    user = make_user("writer")
    author = make_author("Grace Morris", user=user)
    client.force_login(user)
    user.test_author = author
    return user


@pytest.fixture
def editor(client):
    user = make_user("editor")
    client.force_login(user)
    return user


def own_draft(writer, **fields):
    fields.setdefault("status", Status.DRAFT)
    return make_article(authors=[writer.test_author], **fields)


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(CHANGELIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_reader_account_is_sent_to_login(self, client):
        client.force_login(make_user())
        assert client.get(CHANGELIST).status_code == 302

    @pytest.mark.parametrize("role", ["writer", "editor", "admin"])
    @pytest.mark.parametrize("n", [1, 12])
    def test_changelist_query_count_is_fixed(
        self, client, role, n, django_assert_max_num_queries
    ):
        client.force_login(make_user(role))
        for i in range(n):
            make_article(n_authors=3, n_topics=2, hero=i == 0)
        with django_assert_max_num_queries(16):
            response = client.get(CHANGELIST)
        assert response.status_code == 200
        assert response.text.count('class="field-headline"') == n

    @pytest.mark.parametrize(
        "query",
        [
            "?workflow=review",
            "?workflow=scheduled",
            "?workflow=live",
            "?workflow=draft",
            "?workflow=nonsense",
            "?q=Heartstopper",
            "?is_featured__exact=1",
            "?publish_at__year=2026",
            "?p=abc",
        ],
    )
    def test_filters_and_search_never_fail(self, client, editor, query):
        make_article(n_topics=1)
        assert client.get(CHANGELIST + query).status_code == 200

    def test_filter_by_author_and_topic(self, client, editor):
        author, topic = make_author("Filter Me"), make_topic("Filtered")
        mine = make_article(authors=[author], topics=[topic])
        other = make_article()
        for query in (
            f"?authors__id__exact={author.pk}",
            f"?topics__id__exact={topic.pk}",
        ):
            response = client.get(CHANGELIST + query)
            assert list(response.context["cl"].result_list) == [mine], query
            assert other.headline not in response.text

    def test_desk_summary_counts_review_and_scheduled(self, client, editor):
        make_article(status=Status.REVIEW)
        make_article(status=Status.REVIEW)
        make_article(publish_at=timezone.now() + timedelta(days=1))
        html = client.get(CHANGELIST).text
        assert "2 stories await review" in html
        assert "1 story scheduled" in html

    def test_review_filter_lists_what_awaits_review(self, client, editor):
        waiting = make_article(status=Status.REVIEW)
        make_article(status=Status.DRAFT)
        response = client.get(CHANGELIST + "?workflow=review")
        assert list(response.context["cl"].result_list) == [waiting]


class TestWriter:
    def test_new_story_is_a_draft_by_them_whatever_is_posted(self, client, writer):
        soon = timezone.now() + timedelta(days=1)
        response = client.post(
            ADD,
            form_data(status=Status.PUBLISHED, is_featured="on", **in_local(soon)),
        )
        assert response.status_code == 302
        article = Article.objects.get()
        assert article.status == Status.DRAFT
        assert article.publish_at is None
        assert not article.is_featured
        assert article.created_by == writer
        assert list(article.authors.all()) == [writer.test_author]

    def test_can_edit_own_draft(self, client, writer):
        article = own_draft(writer)
        response = client.post(change_url(article), form_data(article, headline="New"))
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.headline == "New"

    def test_raw_post_cannot_publish_schedule_or_feature(self, client, writer):
        article = own_draft(writer)
        later = timezone.now() + timedelta(hours=1)
        client.post(
            change_url(article),
            form_data(
                article, status=Status.PUBLISHED, is_featured="on", **in_local(later)
            ),
        )
        article.refresh_from_db()
        assert (article.status, article.is_featured, article.publish_at) == (
            Status.DRAFT,
            False,
            None,
        )

    def test_save_and_submit_for_review(self, client, writer):
        article = own_draft(writer)
        page = client.get(change_url(article))
        assert 'name="_submit_for_review"' in page.text
        client.post(change_url(article), form_data(article, _submit_for_review="1"))
        article.refresh_from_db()
        assert article.status == Status.REVIEW
        comment = Version.objects.get_for_object(article).first().revision.comment
        assert "Submitted for review." in comment

    @pytest.mark.parametrize(
        "setup",
        [
            pytest.param(
                lambda w: make_article(status=Status.DRAFT), id="others-draft"
            ),
            pytest.param(lambda w: own_draft(w, status=Status.REVIEW), id="own-review"),
            pytest.param(
                lambda w: own_draft(w, status=Status.PUBLISHED), id="own-live"
            ),
        ],
    )
    def test_cannot_change_others_stories_or_own_past_draft(
        self, client, writer, setup
    ):
        article = setup(writer)
        response = client.post(
            change_url(article), form_data(article, headline="Hijacked")
        )
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.headline != "Hijacked"
        # They can still read it, without a save button.
        page = client.get(change_url(article))
        assert page.status_code == 200
        assert 'name="_save"' not in page.text

    def test_cannot_delete(self, client, writer):
        article = own_draft(writer)
        response = client.post(
            f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 403
        assert Article.objects.filter(pk=article.pk).exists()

    @pytest.mark.parametrize("name", ["publish", "unpublish", "feature", "unfeature"])
    def test_editor_actions_are_refused(self, client, writer, name):
        draft = own_draft(writer)
        live = own_draft(writer, status=Status.PUBLISHED)
        response = action(client, name, draft, live)
        assert response.status_code in (200, 302)
        draft.refresh_from_db()
        live.refresh_from_db()
        assert (draft.status, draft.is_featured) == (Status.DRAFT, False)
        assert (live.status, live.is_featured) == (Status.PUBLISHED, False)

    def test_submit_action_moves_own_drafts_only(self, client, writer):
        mine = own_draft(writer)
        theirs = make_article(status=Status.DRAFT)
        action(client, "submit_for_review", mine, theirs)
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert mine.status == Status.REVIEW
        assert theirs.status == Status.DRAFT

    def test_no_preview_link_for_writers(self, client, writer):
        page = client.get(change_url(own_draft(writer)))
        assert "/articles/preview/" not in page.text

    def test_topic_autocomplete_works(self, client, writer):
        make_topic("Netflix")
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": "articles",
                "model_name": "article",
                "field_name": "topics",
                "term": "Net",
            },
        )
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == ["Netflix"]

    def test_can_add_topics_but_not_change_them(self, client, writer):
        response = client.post(
            "/admin/articles/topic/add/", {"name": "Reality TV", "slug": "reality-tv"}
        )
        assert response.status_code == 302
        topic = Topic.objects.get(slug="reality-tv")
        response = client.post(
            f"/admin/articles/topic/{topic.pk}/change/",
            {"name": "Renamed", "slug": "reality-tv"},
        )
        assert response.status_code == 403


class TestHistoryPermissions:
    """Restoring writes status and publish time back, so only editors may."""

    def _versions(self, client, article):
        client.post(change_url(article), form_data(article, headline="Second"))
        return Version.objects.get_for_object(article)

    def test_writer_sees_history_and_compares_but_cannot_restore(self, client, writer):
        article = own_draft(writer)
        versions = self._versions(client, article)
        assert versions.count() == 1
        version = versions.get()
        history = client.get(f"/admin/articles/article/{article.pk}/history/")
        assert history.status_code == 200
        assert "Compare with now" in history.text
        compare = client.get(
            f"/admin/articles/article/{article.pk}/history/{version.pk}/compare/"
        )
        assert compare.status_code == 200
        revision_url = f"/admin/articles/article/{article.pk}/history/{version.pk}/"
        assert client.get(revision_url).status_code == 403
        assert client.post(revision_url, form_data(article)).status_code == 403
        assert client.get("/admin/articles/article/recover/").status_code == 403
        assert (
            client.get(f"/admin/articles/article/recover/{version.pk}/").status_code
            == 403
        )

    def test_writer_cannot_republish_through_an_old_version(self, client, writer):
        """A version saved while live must not let a writer put the story back up."""
        editor = make_user("editor")
        article = own_draft(writer)
        client.force_login(editor)
        client.post(change_url(article), form_data(article, status=Status.PUBLISHED))
        client.post(change_url(article), form_data(article, status=Status.DRAFT))
        live_version = Version.objects.get_for_object(article).last()
        client.force_login(writer)
        url = f"/admin/articles/article/{article.pk}/history/{live_version.pk}/"
        response = client.post(url, form_data(article, status=Status.PUBLISHED))
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.status == Status.DRAFT


class TestEditor:
    def test_can_edit_anyones_story_and_schedule_it(self, client, editor):
        article = make_article(status=Status.REVIEW)
        when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
        response = client.post(
            change_url(article),
            form_data(article, status=Status.PUBLISHED, **in_local(when)),
        )
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.is_scheduled
        assert article.publish_at == when

    def test_people_a_story_mentions_are_saved_and_shown_read_only(
        self, client, editor
    ):
        person = Person.objects.create(name="Joe Locke", slug="joe-locke")
        article = make_article(status=Status.DRAFT)
        client.post(change_url(article), form_data(article, people=[str(person.pk)]))
        assert list(article.people.all()) == [person]
        client.force_login(make_user("writer"))
        page = client.get(change_url(article))
        assert page.status_code == 200
        assert "Joe Locke" in page.text

    def test_publish_action_publishes_now(self, client, editor):
        article = make_article(status=Status.REVIEW)
        action(client, "publish", article)
        article.refresh_from_db()
        assert article.is_published

    def test_publish_action_keeps_a_future_time(self, client, editor):
        when = timezone.now() + timedelta(days=2)
        article = make_article(status=Status.REVIEW, publish_at=when)
        action(client, "publish", article)
        article.refresh_from_db()
        assert article.is_scheduled
        assert article.publish_at == when

    def test_unpublish_and_feature_actions(self, client, editor):
        live, other = make_article(), make_article()
        action(client, "feature", other)
        action(client, "unpublish", live)
        live.refresh_from_db()
        other.refresh_from_db()
        assert live.status == Status.DRAFT
        assert other.is_featured
        action(client, "unfeature", other)
        other.refresh_from_db()
        assert not other.is_featured

    def test_unpublish_leaves_drafts_alone_and_says_so(self, client, editor):
        draft = make_article(status=Status.DRAFT, headline="Still a draft")
        response = action(client, "unpublish", draft)
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("Still a draft" in m for m in messages)

    def test_preview_link_is_offered_for_unpublished_stories(self, client, editor):
        page = client.get(change_url(make_article(status=Status.REVIEW)))
        assert "/articles/preview/" in page.text

    def test_restore_an_older_version(self, client, editor):
        article = make_article(headline="First headline")
        client.post(change_url(article), form_data(article, headline="First headline"))
        client.post(change_url(article), form_data(article, headline="Second headline"))
        first = Version.objects.get_for_object(article).last()
        compare = client.get(
            f"/admin/articles/article/{article.pk}/history/{first.pk}/compare/"
        )
        assert "First headline" in compare.text
        assert "Second headline" in compare.text
        response = client.post(
            f"/admin/articles/article/{article.pk}/history/{first.pk}/",
            form_data(article, headline="First headline"),
        )
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.headline == "First headline"

    def test_recover_a_deleted_story_with_its_byline_and_topics(self, client, editor):
        author, topic = make_author("Grace Morris"), make_topic("Netflix")
        response = client.post(
            ADD,
            form_data(
                headline="Deleted by mistake",
                topics=[str(topic.pk)],
                **{
                    "byline_set-TOTAL_FORMS": "1",
                    "byline_set-0-author": str(author.pk),
                    "byline_set-0-position": "0",
                },
            ),
        )
        assert response.status_code == 302
        article = Article.objects.get()
        client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
        assert not Article.objects.exists()
        recover_list = client.get("/admin/articles/article/recover/")
        assert "Deleted by mistake" in recover_list.text
        version = Version.objects.get_deleted(Article).get()
        url = f"/admin/articles/article/recover/{version.pk}/"
        form = client.get(url)
        assert f'<option value="{topic.pk}" selected>Netflix</option>' in form.text
        # The browser posts back what the recover form shows.
        response = client.post(url, form_data(article, topics=[str(topic.pk)]))
        assert response.status_code == 302
        restored = Article.objects.get()
        assert restored.headline == "Deleted by mistake"
        assert list(restored.authors.all()) == [author]
        assert list(restored.topics.all()) == [topic]
        assert Byline.objects.count() == 1


class TestRevokePreviewLinks:
    def test_editor_revokes_from_the_change_page(self, client, editor):
        article = make_article(status=Status.REVIEW)
        old = previews.preview_url(article)
        page = client.get(change_url(article))
        assert "Revoke preview links" in page.text
        assert 'form="revoke-preview-links"' in page.text
        url = f"/admin/articles/article/{article.pk}/revoke-preview-links/"
        response = client.post(url)
        assert response.status_code == 302
        assert client.get(old).status_code == 404
        page = client.get(change_url(article))
        assert previews.preview_url(Article.objects.get(pk=article.pk)) in page.text

    def test_editor_revokes_with_the_list_action(self, client, editor):
        one, two = make_article(status=Status.DRAFT), make_article(status=Status.DRAFT)
        old = [previews.preview_url(one), previews.preview_url(two)]
        action(client, "revoke_preview_links", one, two)
        client.logout()
        assert [client.get(url).status_code for url in old] == [404, 404]

    def test_writers_cannot_revoke(self, client, writer):
        article = own_draft(writer)
        before = article.preview_secret
        url = f"/admin/articles/article/{article.pk}/revoke-preview-links/"
        assert client.post(url).status_code == 403
        action(client, "revoke_preview_links", article)
        article.refresh_from_db()
        assert article.preview_secret == before

    def test_get_does_not_revoke(self, client, editor):
        article = make_article(status=Status.DRAFT)
        before = article.preview_secret
        url = f"/admin/articles/article/{article.pk}/revoke-preview-links/"
        assert client.get(url).status_code == 403
        article.refresh_from_db()
        assert article.preview_secret == before

    def test_restoring_an_old_version_keeps_revoked_links_dead(self, client, editor):
        article = make_article(status=Status.DRAFT, headline="First")
        client.post(change_url(article), form_data(article, headline="First"))
        old = previews.preview_url(Article.objects.get(pk=article.pk))
        previews.revoke(article)
        client.post(change_url(article), form_data(article, headline="Second"))
        first = Version.objects.get_for_object(article).last()
        client.post(
            f"/admin/articles/article/{article.pk}/history/{first.pk}/",
            form_data(article, headline="First"),
        )
        assert Article.objects.get(pk=article.pk).headline == "First"  # restored
        client.logout()
        assert client.get(old).status_code == 404


class TestBodySizeLimit:
    def test_an_oversized_body_is_a_form_error_not_a_stalled_worker(
        self, client, editor
    ):
        body = "<p>" + "word " * 210_000 + "</p>"  # about 1.05 MB
        response = client.post(ADD, form_data(headline="Too long", body=body))
        assert response.status_code == 200
        assert "the limit is" in response.text
        assert not Article.objects.filter(headline="Too long").exists()

    def test_a_long_body_under_the_limit_saves(self, client, editor):
        body = "<p>" + "word " * 100_000 + "</p>"  # about 500 KB
        response = client.post(ADD, form_data(headline="Long read", body=body))
        assert response.status_code == 302
        assert Article.objects.get(headline="Long read").word_count == 100_000


class TestArticlePeopleField:
    """The story form picks the people a story mentions (Article.people), with the
    admin's autocomplete."""

    @pytest.fixture
    def form_class(self, rf, admin_user):
        from django import forms
        from django.contrib import admin

        model_admin = admin.site._registry[Article]
        request = rf.get("/")
        request.user = admin_user

        def formfield(db_field, **kwargs):
            return model_admin.formfield_for_dbfield(db_field, request, **kwargs)

        return forms.modelform_factory(
            Article, fields=["headline", "people"], formfield_callback=formfield
        )

    @pytest.mark.parametrize("commit", [True, False])
    def test_saves_the_people(self, form_class, commit):
        article = make_article()
        joe, kit = make_person("Joe Locke"), make_person("Kit Connor")
        joe.articles.add(article)
        form = form_class({"headline": "New", "people": [kit.pk]}, instance=article)
        assert form.initial["people"] == [joe]
        assert form.is_valid(), form.errors
        saved = form.save(commit=commit)
        if not commit:
            saved.save()
            form.save_m2m()
        assert list(saved.people.all()) == [kit]

    def test_unknown_person_is_a_form_error(self, form_class):
        form = form_class({"headline": "New", "people": ["999"]})
        assert not form.is_valid()
        assert "people" in form.errors

    def test_widget_autocompletes_from_the_person_admin(self, admin_client, form_class):
        make_person("Joe Locke")
        html = str(form_class()["people"])
        params = dict(
            re.findall(r'data-(app-label|model-name|field-name)="([^"]+)"', html)
        )
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": params["app-label"],
                "model_name": params["model-name"],
                "field_name": params["field-name"],
                "term": "joe",
            },
        )
        assert [r["text"] for r in response.json()["results"]] == ["Joe Locke"]
