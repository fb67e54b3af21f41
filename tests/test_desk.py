"""The desk on the story change page: who else is editing, edit conflicts, takeovers,
autosaves and the Google Discover checks.

Two people are two test clients with their own sessions. The conflict rule is tested
below the form (desk.services) and through it, list actions included.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from reversion.models import Version

from articles import services as workflow
from articles.models import Article, Status
from desk import discover, services
from desk.models import Autosave, EditSession
from tests.factories import make_article, make_author, make_user, picture

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def desk_url(article, name):
    return f"/admin/articles/article/{article.pk}/desk/{name}/"


def person(role, name):
    """A logged-in client for a new staff member writing as `name`."""
    user = make_user(role)
    make_author(name, user=user)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def priya():
    return person("editor", "Priya Shah")


@pytest.fixture
def tom():
    return person("editor", "Tom Reed")


@pytest.fixture
def grace():
    return person("writer", "Grace Morris")


def open_story(client, article, query=""):
    """GET the change page; returns (response, what its form would post)."""
    response = client.get(change_url(article) + query)
    assert response.status_code == 200
    form = response.context["adminform"].form
    article.refresh_from_db()
    bylines = list(article.byline_set.all())
    data = {
        "headline": form["headline"].value(),
        "slug": form["slug"].value(),
        "standfirst": form["standfirst"].value() or "",
        "body": form["body"].value(),
        "hero_image": form["hero_image"].value() or "",
        "hero_caption": form["hero_caption"].value() or "",
        "update_note": form["update_note"].value() or "",
        "seo_title": form["seo_title"].value() or "",
        "seo_description": form["seo_description"].value() or "",
        "target_date": "",
        "desk_version": form["desk_version"].value(),
        "desk_session": form["desk_session"].value(),
        "byline_set-TOTAL_FORMS": str(len(bylines)),
        "byline_set-INITIAL_FORMS": str(len(bylines)),
        "byline_set-MIN_NUM_FORMS": "0",
        "byline_set-MAX_NUM_FORMS": "1000",
    }
    if "status" in form.fields:
        data["status"] = form["status"].value()
        data["publish_at_0"] = data["publish_at_1"] = ""
        if article.publish_at:
            local = timezone.localtime(article.publish_at)
            data["publish_at_0"] = local.strftime("%Y-%m-%d")
            data["publish_at_1"] = local.strftime("%H:%M:%S")
    for name in ("kind", "rating", "verdict", "safe_headline", "safe_standfirst"):
        if name in form.fields:
            data[name] = form[name].value() or ""
    # Other inlines on the story form (corrections, gallery slides…): empty.
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        if prefix != "byline_set" and not inline.formset.initial_form_count():
            data |= {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
    for i, byline in enumerate(bylines):
        data |= {
            f"byline_set-{i}-id": str(byline.pk),
            f"byline_set-{i}-article": str(article.pk),
            f"byline_set-{i}-author": str(byline.author_id),
            f"byline_set-{i}-position": str(byline.position),
        }
    return response, data


def save(client, article, data, **changes):
    return client.post(change_url(article), data | changes)


class TestConflictRule:
    """Below the form: the rule itself (desk.services.find_conflict)."""

    def test_no_conflict_on_the_version_opened(self, priya):
        article = make_article(status=Status.DRAFT)
        token = services.version_token(article)
        assert services.find_conflict(article=article, version=token) is None

    def test_a_save_after_opening_is_a_conflict(self, priya):
        article = make_article(status=Status.DRAFT)
        token = services.version_token(article)
        article.headline = "Changed by someone else"
        article.save()
        conflict = services.find_conflict(article=article, version=token)
        assert conflict is not None and conflict.reason == "saved"

    def test_a_workflow_step_moves_the_version(self, priya):
        article = make_article(status=Status.DRAFT)
        token = services.version_token(article)
        workflow.article_publish(article=article, by=priya.user)
        assert services.find_conflict(article=article, version=token) is not None

    @pytest.mark.parametrize("token", ["", "yesterday", "2026-01-01T10:00:00"])
    def test_an_unreadable_version_counts_as_stale(self, token):
        article = make_article(status=Status.DRAFT)
        if token:
            assert services.find_conflict(article=article, version=token) is not None
        else:  # not sent at all: nothing to compare with (API clients, old forms)
            assert services.find_conflict(article=article, version=None) is None

    def test_explain_names_what_the_other_changed_and_what_you_did_too(self, priya):
        article = make_article(status=Status.DRAFT, headline="Old", standfirst="One")
        session = services.open_session(article=article, user=priya.user)
        article.headline, article.standfirst = "Theirs", "Two"
        article.save()
        conflict = services.find_conflict(
            article=article, version=session.base_version.isoformat(), session=session
        )
        yours = Article.objects.get(pk=article.pk)
        yours.headline, yours.standfirst = "Mine", "One"
        services.explain(conflict, yours)
        changed = {change["label"]: change for change in conflict.changes}
        assert set(changed) == {"headline", "standfirst"}
        assert changed["headline"]["also_yours"] is True
        assert changed["standfirst"]["also_yours"] is False
        assert ("added", "Theirs") in changed["headline"]["rows"]


class TestEditConflicts:
    def test_second_save_is_refused_with_the_comparison_and_nothing_is_lost(
        self, priya, tom
    ):
        article = make_article(status=Status.DRAFT, headline="Renewed for two seasons")
        _page, priya_form = open_story(priya, article)
        _page, tom_form = open_story(tom, article)

        first = save(priya, article, priya_form, headline="Renewed for seasons 4 and 5")
        assert first.status_code == 302

        second = save(tom, article, tom_form, body="<p>Tom's new paragraph.</p>")
        assert second.status_code == 200  # the form again, not a redirect
        text = second.text
        assert "Priya Shah saved this story at" in text
        assert "Nothing was saved: your text is still in the form below." in text
        assert "What Priya Shah changed since you opened the story" in text
        assert "Renewed for seasons 4 and 5" in text  # their change, shown
        assert "Tom&#x27;s new paragraph." in text  # his text, kept in the form
        article.refresh_from_db()
        assert article.headline == "Renewed for seasons 4 and 5"
        assert "Tom" not in article.body

    def test_the_refused_form_takes_their_changes_where_you_made_none(self, priya, tom):
        article = make_article(status=Status.DRAFT, headline="Old", standfirst="Old")
        _page, priya_form = open_story(priya, article)
        _page, tom_form = open_story(tom, article)
        save(priya, article, priya_form, headline="Priya's headline")
        refused = save(tom, article, tom_form, standfirst="Tom's standfirst")
        assert "Their changes to headline are in the form now." in refused.text
        form = refused.context["adminform"].form
        assert form["headline"].value() == "Priya's headline"
        assert form["standfirst"].value() == "Tom's standfirst"
        resent = {key: form.data[key] for key in form.data}
        assert save(tom, article, resent).status_code == 302
        article.refresh_from_db()
        assert (article.headline, article.standfirst) == (
            "Priya's headline",
            "Tom's standfirst",
        )

    def test_a_refused_publish_time_and_flag_come_through_too(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        _page, tom_form = open_story(tom, article)
        _page, priya_form = open_story(priya, article)
        when = timezone.now() + timedelta(days=2)
        local = timezone.localtime(when)
        save(
            priya,
            article,
            priya_form,
            status=Status.PUBLISHED,
            publish_at_0=local.strftime("%Y-%m-%d"),
            publish_at_1=local.strftime("%H:%M:%S"),
            is_featured="on",
        )
        refused = save(tom, article, tom_form, standfirst="Tom's")
        form = refused.context["adminform"].form
        resent = {key: form.data[key] for key in form.data}
        assert resent["status"] == Status.PUBLISHED and resent["is_featured"] == "on"
        assert save(tom, article, resent).status_code == 302
        article.refresh_from_db()
        assert article.is_scheduled and article.is_featured
        assert article.standfirst == "Tom's"

    def test_having_seen_the_comparison_the_editor_can_save_on_purpose(
        self, priya, tom
    ):
        article = make_article(status=Status.DRAFT)
        _page, priya_form = open_story(priya, article)
        _page, tom_form = open_story(tom, article)
        save(priya, article, priya_form, headline="Priya's headline")
        refused = save(tom, article, tom_form, headline="Tom's headline")
        form = refused.context["adminform"].form
        tom_form |= {
            "desk_version": form["desk_version"].value(),
            "desk_session": form["desk_session"].value(),
        }
        assert tom_form["desk_version"] == services.version_token(
            Article.objects.get(pk=article.pk)
        )
        assert (
            save(tom, article, tom_form, headline="Tom's headline").status_code == 302
        )
        article.refresh_from_db()
        assert article.headline == "Tom's headline"

    def test_a_list_action_after_opening_also_refuses_the_save(self, priya, tom):
        article = make_article(status=Status.REVIEW)
        _page, tom_form = open_story(tom, article)
        priya.post(
            CHANGELIST, {"action": "publish", "_selected_action": [str(article.pk)]}
        )
        refused = save(tom, article, tom_form, headline="Tom's take")
        assert refused.status_code == 200
        assert "Priya Shah saved this story" in refused.text
        assert "Published" in refused.text  # the status change, in the comparison
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED and article.headline != "Tom's take"

    def listed_at(self, client):
        response = client.get(CHANGELIST)
        assert 'name="desk_listed_at"' in response.text
        return response.context["desk_listed_at"]

    def test_a_list_action_skips_stories_saved_after_the_list_was_shown(
        self, priya, tom
    ):
        changed = make_article(status=Status.REVIEW, headline="Edited meanwhile")
        untouched = make_article(status=Status.REVIEW, headline="Untouched")
        listed_at = self.listed_at(priya)
        _page, tom_form = open_story(tom, changed)
        save(tom, changed, tom_form, standfirst="Tom's late standfirst")
        response = priya.post(
            CHANGELIST,
            {
                "action": "publish",
                "_selected_action": [str(changed.pk), str(untouched.pk)],
                "desk_listed_at": listed_at,
            },
            follow=True,
        )
        assert "saved after you loaded the list" in response.text
        assert "Edited meanwhile" in response.text
        changed.refresh_from_db()
        untouched.refresh_from_db()
        assert changed.status == Status.REVIEW
        assert untouched.status == Status.PUBLISHED

    @pytest.mark.parametrize("listed_at", ["", "garbage", "\x00"])
    def test_a_list_action_without_a_readable_list_time_still_works(
        self, priya, listed_at
    ):
        article = make_article(status=Status.REVIEW)
        priya.post(
            CHANGELIST,
            {
                "action": "publish",
                "_selected_action": [str(article.pk)],
                "desk_listed_at": listed_at,
            },
        )
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED

    def test_saving_twice_from_the_same_page_flow_works(self, priya):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        assert save(priya, article, form, _continue="1").status_code == 302
        _page, form = open_story(priya, article)
        assert save(priya, article, form, headline="Again").status_code == 302

    def test_without_the_tab_the_saved_story_is_compared_with_yours(self, priya, tom):
        article = make_article(status=Status.DRAFT, headline="Before")
        _page, tom_form = open_story(tom, article)
        _page, priya_form = open_story(priya, article)
        save(priya, article, priya_form, headline="Priya's")
        refused = save(tom, article, tom_form, desk_session="", headline="Tom's")
        assert "The saved story compared with your text" in refused.text

    @pytest.mark.parametrize(
        "token", ["garbage", "2026-13-45T99:00:00+00:00", "x" * 5000, "\x00"]
    )
    def test_a_tampered_version_is_a_form_error_not_a_500(self, priya, token):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        response = save(priya, article, form, desk_version=token, headline="Mine")
        assert response.status_code == 200
        if "\x00" not in token:  # a NUL is refused by the field itself
            assert "after you opened it" in response.text
        assert Article.objects.get(pk=article.pk).headline != "Mine"


class TestPresence:
    def test_others_opening_the_story_see_who_is_editing(self, priya, grace):
        article = make_article(status=Status.DRAFT, authors=[grace.user.author])
        open_story(grace, article)
        page, _form = open_story(priya, article)
        assert "Grace Morris is editing this story" in page.text
        assert "last active" in page.text

    def test_someone_with_two_tabs_is_listed_once(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        open_story(tom, article)
        open_story(tom, article)
        page, _form = open_story(priya, article)
        assert page.text.count("Tom Reed is editing this story") == 1

    def test_heartbeat_keeps_the_tab_present_and_reports_last_activity(
        self, priya, tom
    ):
        article = make_article(status=Status.DRAFT)
        _page, priya_form = open_story(priya, article)
        _page, tom_form = open_story(tom, article)
        earlier = timezone.now() - timedelta(minutes=10)
        EditSession.objects.filter(pk=priya_form["desk_session"]).update(
            active_at=earlier
        )
        answer = tom.post(
            desk_url(article, "heartbeat"), {"tab": tom_form["desk_session"]}
        )
        assert answer.status_code == 200
        others = answer.json()["others"]
        assert [other["name"] for other in others] == ["Priya Shah"]
        assert others[0]["active_at"] == earlier.isoformat()

        priya.post(
            desk_url(article, "heartbeat"),
            {"tab": priya_form["desk_session"], "active": "on"},
        )
        answer = tom.post(
            desk_url(article, "heartbeat"), {"tab": tom_form["desk_session"]}
        )
        assert answer.json()["others"][0]["active_at"] > earlier.isoformat()

    def test_a_silent_or_closed_tab_no_longer_counts(self, priya, tom, settings):
        article = make_article(status=Status.DRAFT)
        _page, priya_form = open_story(priya, article)
        EditSession.objects.filter(pk=priya_form["desk_session"]).update(
            seen_at=timezone.now() - settings.DESK_PRESENCE_TIMEOUT - timedelta(1)
        )
        page, tom_form = open_story(tom, article)
        assert "is editing this story" not in page.text

        priya.post(desk_url(article, "heartbeat"), {"tab": priya_form["desk_session"]})
        assert "Priya Shah is editing" in open_story(tom, article)[0].text
        priya.post(
            desk_url(article, "heartbeat"),
            {"tab": priya_form["desk_session"], "leaving": "on"},
        )
        assert "is editing this story" not in open_story(tom, article)[0].text

    def test_heartbeat_says_when_the_story_was_saved_meanwhile(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        _page, tom_form = open_story(tom, article)
        _page, priya_form = open_story(priya, article)
        save(priya, article, priya_form, headline="New")
        state = tom.post(
            desk_url(article, "heartbeat"), {"tab": tom_form["desk_session"]}
        ).json()
        assert state["saved_since_opened"]["name"] == "Priya Shah"

    @pytest.mark.parametrize("n", [1, 5])
    def test_change_page_query_count_is_fixed(
        self, priya, n, django_assert_max_num_queries
    ):
        article = make_article(status=Status.DRAFT)
        for i in range(n):
            open_story(person("editor", f"Colleague {i}"), article)
        with django_assert_max_num_queries(20):
            page = priya.get(change_url(article))
        assert page.text.count("is editing this story</strong>") == n


class TestEndpointsRefuseBadRequests:
    @pytest.mark.parametrize(
        "name", ["heartbeat", "takeover", "autosave", "autosave/discard"]
    )
    def test_anonymous_and_readers_get_403_json(self, client, name):
        article = make_article(status=Status.DRAFT)
        assert client.post(desk_url(article, name)).status_code == 403
        client.force_login(make_user())
        response = client.post(desk_url(article, name))
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"

    @pytest.mark.parametrize(
        "name", ["heartbeat", "takeover", "autosave", "autosave/discard"]
    )
    def test_get_is_refused(self, priya, name):
        article = make_article(status=Status.DRAFT)
        assert priya.get(desk_url(article, name)).status_code == 405

    @pytest.mark.parametrize("name", ["heartbeat", "autosave", "takeover"])
    def test_csrf_is_checked(self, priya, name):
        article = make_article(status=Status.DRAFT)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(priya.user)
        assert strict.post(desk_url(article, name), {"tab": ""}).status_code == 403

    @pytest.mark.parametrize(
        "name", ["heartbeat", "takeover", "autosave", "autosave/discard"]
    )
    def test_a_writer_cannot_reach_someone_elses_story(self, grace, name):
        article = make_article(status=Status.DRAFT)
        response = grace.post(desk_url(article, name), {"tab": ""})
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "tab", ["", "nope", "00000000-0000-0000-0000-000000000000", "\x00"]
    )
    def test_an_unknown_tab_is_a_400(self, priya, tab):
        article = make_article(status=Status.DRAFT)
        response = priya.post(desk_url(article, "heartbeat"), {"tab": tab})
        assert response.status_code == 400

    def test_someone_elses_tab_is_a_400(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        _page, tom_form = open_story(tom, article)
        response = priya.post(
            desk_url(article, "heartbeat"), {"tab": tom_form["desk_session"]}
        )
        assert response.status_code == 400

    def test_unknown_story_is_a_404(self, priya):
        assert (
            priya.post("/admin/articles/article/999999/desk/heartbeat/").status_code
            == 404
        )


class TestTakeOver:
    def test_editor_takes_over_a_writers_tab_whose_save_is_then_refused(
        self, priya, grace
    ):
        article = make_article(status=Status.DRAFT, authors=[grace.user.author])
        _page, grace_form = open_story(grace, article)
        _page, priya_form = open_story(priya, article)
        answer = priya.post(
            desk_url(article, "takeover"),
            {"tab": priya_form["desk_session"]},
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == 200
        assert answer.json()["took_over"] == 1
        assert answer.json()["others"] == []

        state = grace.post(
            desk_url(article, "heartbeat"), {"tab": grace_form["desk_session"]}
        ).json()
        assert state["taken_over"]["name"] == "Priya Shah"

        refused = save(grace, article, grace_form, headline="Grace's late edit")
        assert refused.status_code == 200
        assert "Priya Shah took over this story" in refused.text
        assert "Grace&#x27;s late edit" in refused.text
        article.refresh_from_db()
        assert article.headline != "Grace's late edit"
        assert save(priya, article, priya_form, headline="Priya's").status_code == 302

    def test_a_writer_cannot_take_over(self, grace, priya):
        article = make_article(status=Status.DRAFT, authors=[grace.user.author])
        _page, priya_form = open_story(priya, article)
        _page, grace_form = open_story(grace, article)
        response = grace.post(
            desk_url(article, "takeover"), {"tab": grace_form["desk_session"]}
        )
        assert response.status_code == 403
        assert (
            EditSession.objects.get(pk=priya_form["desk_session"]).taken_over_by is None
        )

    def test_the_button_works_without_javascript(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        open_story(tom, article)
        page, priya_form = open_story(priya, article)
        assert "Take over" in page.text
        response = priya.post(
            desk_url(article, "takeover"), {"tab": priya_form["desk_session"]}
        )
        assert response.status_code == 302
        assert response["Location"] == change_url(article)

    def test_writers_are_not_offered_the_button(self, priya, grace):
        article = make_article(status=Status.DRAFT, authors=[grace.user.author])
        open_story(priya, article)
        page, _form = open_story(grace, article)
        assert "Priya Shah is editing this story" in page.text
        assert 'id="desk-takeover" hidden' in page.text


class TestAutosave:
    def autosave(self, client, article, tab, **fields):
        return client.post(desk_url(article, "autosave"), {"tab": tab, **fields})

    def test_saves_a_private_copy_without_touching_the_story_or_its_history(
        self, client, priya
    ):
        article = make_article(headline="Live headline", body="<p>Live words.</p>")
        before = Article.objects.get(pk=article.pk)
        versions = Version.objects.count()
        _page, form = open_story(priya, article)
        response = self.autosave(
            priya,
            article,
            form["desk_session"],
            headline="Half-written headline",
            body="<p>Half-written words.</p>",
        )
        assert response.status_code == 200
        saved = Autosave.objects.get(article=article, user=priya.user)
        assert saved.data["headline"] == "Half-written headline"
        after = Article.objects.get(pk=article.pk)
        assert (after.headline, after.body, after.updated_at) == (
            before.headline,
            before.body,
            before.updated_at,
        )
        assert Version.objects.count() == versions
        reader = client.get(article.get_absolute_url())
        assert "Live headline" in reader.text
        assert "Half-written" not in reader.text

    def test_reopening_offers_the_autosave_with_what_differs_and_restores_it(
        self, priya
    ):
        article = make_article(status=Status.DRAFT, headline="Saved headline")
        _page, form = open_story(priya, article)
        self.autosave(
            priya,
            article,
            form["desk_session"],
            headline="Autosaved headline",
            body=article.body,
        )
        page, _form = open_story(priya, article)
        assert "You have unsaved text from" in page.text
        assert "Autosaved headline" in page.text and "Saved headline" in page.text
        restored, data = open_story(priya, article, "?desk_restore=1")
        assert data["headline"] == "Autosaved headline"
        assert "The form holds your autosaved text" in restored.text
        assert save(priya, article, data).status_code == 302
        article.refresh_from_db()
        assert article.headline == "Autosaved headline"
        assert not Autosave.objects.filter(article=article).exists()

    def test_an_autosave_equal_to_the_story_is_not_offered(self, priya):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        self.autosave(
            priya,
            article,
            form["desk_session"],
            **{name: form[name] for name in ("headline", "slug", "body")},
        )
        page, _form = open_story(priya, article)
        assert "You have unsaved text" not in page.text

    def test_discard(self, priya):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        self.autosave(priya, article, form["desk_session"], headline="Scrap this")
        response = priya.post(desk_url(article, "autosave/discard"))
        assert response.status_code == 302
        assert not Autosave.objects.exists()

    def test_autosaves_are_private_to_each_editor(self, priya, tom):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        self.autosave(priya, article, form["desk_session"], headline="Priya's draft")
        page, _form = open_story(tom, article)
        assert "Priya&#x27;s draft" not in page.text
        assert "You have unsaved text" not in page.text

    def posted_fields(self, form, **changes):
        return {name: form[name] for name in services.AUTOSAVE_FIELDS} | changes

    def test_restoring_an_older_autosave_keeps_what_others_saved_since(
        self, priya, tom
    ):
        article = make_article(status=Status.DRAFT, headline="Original")
        _page, form = open_story(tom, article)
        self.autosave(
            tom,
            article,
            form["desk_session"],
            **self.posted_fields(form, headline="Tom's headline"),
        )
        _page, priya_form = open_story(priya, article)
        save(priya, article, priya_form, standfirst="Priya's standfirst")
        page, _data = open_story(tom, article)
        assert "Restoring keeps those changes and puts yours on top." in page.text
        page, data = open_story(tom, article, "?desk_restore=1")
        assert data["headline"] == "Tom's headline"
        assert data["standfirst"] == "Priya's standfirst"
        assert save(tom, article, data).status_code == 302
        article.refresh_from_db()
        assert (article.headline, article.standfirst) == (
            "Tom's headline",
            "Priya's standfirst",
        )

    def test_restoring_an_autosave_that_clashes_shows_the_comparison_first(
        self, priya, tom
    ):
        article = make_article(status=Status.DRAFT, headline="Original")
        _page, form = open_story(tom, article)
        self.autosave(
            tom,
            article,
            form["desk_session"],
            **self.posted_fields(form, headline="Tom's headline"),
        )
        _page, priya_form = open_story(priya, article)
        save(priya, article, priya_form, headline="Priya's headline")
        page, _data = open_story(tom, article)
        assert "with changes to the same fields" in page.text
        _page, data = open_story(tom, article, "?desk_restore=1")
        assert data["headline"] == "Tom's headline"
        refused = save(tom, article, data)
        assert refused.status_code == 200
        assert "Priya Shah saved this story" in refused.text
        assert "you changed this too" in refused.text
        assert Article.objects.get(pk=article.pk).headline == "Priya's headline"

    def test_a_writer_cannot_autosave_a_story_they_cannot_edit(self, grace):
        article = make_article(status=Status.DRAFT)
        response = self.autosave(grace, article, "", headline="x")
        assert response.status_code == 403
        assert not Autosave.objects.exists()

    @pytest.mark.parametrize(
        "fields",
        [
            {"tab": "not-a-uuid"},
            {"headline": "x" * 201},
            {"hero_image": "first"},
            {"hero_image": "-4"},
            {"body": "x" * 500_001},
        ],
    )
    def test_bad_input_is_a_400(self, priya, fields):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        response = priya.post(
            desk_url(article, "autosave"), {"tab": form["desk_session"]} | fields
        )
        assert response.status_code == 400
        assert not Autosave.objects.exists()

    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        headline=st.text(max_size=250),
        body=st.text(max_size=300),
        hero=st.text(max_size=12),
    )
    def test_any_text_gets_an_answer_never_a_500(self, priya, headline, body, hero):
        article = make_article(status=Status.DRAFT)
        _page, form = open_story(priya, article)
        response = priya.post(
            desk_url(article, "autosave"),
            {
                "tab": form["desk_session"],
                "headline": headline,
                "body": body,
                "hero_image": hero,
            },
        )
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert open_story(priya, article)[0].status_code == 200


class TestDiscover:
    def test_reader_pages_allow_large_image_previews(self, client):
        article = make_article()
        for url in ["/", article.get_absolute_url(), "/topics/"]:
            response = client.get(url)
            assert '<meta name="robots" content="max-image-preview:large">' in (
                response.text
            ), url

    def test_drafts_shown_to_staff_stay_noindex(self, priya):
        article = make_article(status=Status.DRAFT)
        text = priya.get(article.get_absolute_url()).text
        assert '<meta name="robots" content="noindex">' in text
        assert "max-image-preview" not in text

    def test_warnings_rule_by_rule(self):
        wide = picture("Wide", size=(1600, 900))
        narrow = picture("Narrow", size=(800, 450))
        assert (
            discover.warnings(headline="Fine", seo_description="Yes", hero_image=wide)
            == []
        )
        found = discover.warnings(
            headline="x" * 111, seo_description=" ", hero_image=narrow
        )
        assert len(found) == 3
        assert "800 px wide" in found[0]
        assert "111 characters" in found[1]
        assert "No SEO description" in found[2]
        assert (
            "No hero picture"
            in discover.warnings(
                headline="x" * 110, seo_description="d", hero_image=None
            )[0]
        )

    def test_the_form_warns_without_blocking_and_previews(self, priya):
        article = make_article(
            status=Status.DRAFT,
            headline="A" * 120,
            standfirst="Why it matters",
            hero_image=picture("Narrow", size=(800, 450)),
        )
        page, form = open_story(priya, article)
        assert "The hero picture is 800 px wide" in page.text
        assert "The headline has 120 characters" in page.text
        assert "No SEO description" in page.text
        assert "Search result" in page.text and "Share card" in page.text
        assert "testserver › articles › " in page.text
        response = save(priya, article, form)
        assert response.status_code == 302  # saved all the same
        followed = priya.get(response["Location"])
        assert "not ready for Google Discover" in followed.text

    def test_a_ready_story_says_so(self, priya):
        article = make_article(
            status=Status.DRAFT,
            seo_description="Netflix renews the show.",
            hero_image=picture("Wide", size=(1600, 900)),
        )
        page, _form = open_story(priya, article)
        assert "Ready: large picture" in page.text
        assert "Netflix renews the show." in page.text  # in both previews
