"""What writers may not change without review: pictures live stories show (or that
others uploaded) and the topics in every page's navigation. The rules hold below the
forms: raw POSTs, list actions and deletes, not only hidden buttons. Editors are
unaffected."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from articles.models import Status, Topic
from images.models import Image
from tests.factories import make_article, make_topic, make_user, picture

pytestmark = pytest.mark.django_db


def change_url(image):
    return f"/admin/images/image/{image.pk}/change/"


def picture_form(image, **overrides):
    data = {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "credit_url": "",
        "licence": "",
        "focal_x": "",
        "focal_y": "",
    }
    return data | overrides


def new_file():
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (0, 200, 0)).save(buffer, "JPEG")
    return SimpleUploadedFile("swap.jpg", buffer.getvalue())


@pytest.fixture
def writer(client):
    user = make_user("writer")
    client.force_login(user)
    return user


@pytest.fixture
def editor(client):
    user = make_user("editor")
    client.force_login(user)
    return user


def own_picture(user, **fields):
    image = picture("Own", caption="As uploaded", credit="Netflix", **fields)
    Image.objects.filter(pk=image.pk).update(uploaded_by=user)
    image.refresh_from_db()
    return image


def live_story_showing(image, *, how="hero", status=Status.PUBLISHED, **fields):
    if how == "hero":
        return make_article(status=status, hero_image=image, **fields)
    return make_article(
        status=status, body=f"<p>Words.</p><p>[picture {image.pk}]</p>", **fields
    )


class TestWriterPictures:
    def test_a_writer_changes_their_own_picture_that_nothing_live_shows(
        self, client, writer
    ):
        image = own_picture(writer)
        live_story_showing(image, status=Status.DRAFT)  # a draft is not live
        response = client.post(change_url(image), picture_form(image, caption="New"))
        assert response.status_code == 302
        image.refresh_from_db()
        assert image.caption == "New"

    @pytest.mark.parametrize("how", ["hero", "inline"])
    def test_not_once_a_live_story_shows_it(self, client, writer, how):
        image = own_picture(writer)
        live_story_showing(image, how=how)
        page = client.get(change_url(image))
        assert page.status_code == 200
        assert 'name="caption"' not in page.text  # the read-only view
        assert "Only editors can change this picture" in page.text
        for data in (
            picture_form(image, caption="Swapped", credit="Nobody"),
            picture_form(image, file=new_file()),
        ):
            assert client.post(change_url(image), data).status_code == 403
        image.refresh_from_db()
        assert (image.caption, image.credit) == ("As uploaded", "Netflix")

    def test_a_scheduled_story_does_not_lock_it_until_it_is_live(self, client, writer):
        from datetime import timedelta

        from django.utils import timezone

        image = own_picture(writer)
        live_story_showing(image, publish_at=timezone.now() + timedelta(hours=2))
        response = client.post(change_url(image), picture_form(image, caption="New"))
        assert response.status_code == 302

    def test_not_a_picture_someone_else_uploaded(self, client, writer):
        image = own_picture(make_user("writer"))
        response = client.post(change_url(image), picture_form(image, caption="X"))
        assert response.status_code == 403
        image.refresh_from_db()
        assert image.caption == "As uploaded"

    def test_a_form_opened_before_the_story_went_live_cannot_be_saved(self, rf, writer):
        """save_model checks again: the rule holds even past the view's check."""
        from django.contrib import admin
        from django.core.exceptions import PermissionDenied

        image = own_picture(writer)
        live_story_showing(image)
        request = rf.post("/")
        request.user = writer
        image.caption = "Late edit"
        with pytest.raises(PermissionDenied):
            admin.site.get_model_admin(Image).save_model(request, image, None, True)

    def test_writers_cannot_delete_pictures_by_view_or_list_action(
        self, client, writer
    ):
        image = own_picture(writer)
        delete = f"/admin/images/image/{image.pk}/delete/"
        assert client.post(delete, {"post": "yes"}).status_code == 403
        client.post(
            "/admin/images/image/",
            {
                "action": "delete_selected",
                "_selected_action": [image.pk],
                "post": "yes",
            },
        )
        assert Image.objects.filter(pk=image.pk).exists()

    def test_editors_change_and_delete_any_picture(self, client, editor):
        image = own_picture(make_user("writer"))
        live_story_showing(image)
        response = client.post(
            change_url(image), picture_form(image, caption="Corrected")
        )
        assert response.status_code == 302
        image.refresh_from_db()
        assert image.caption == "Corrected"
        delete = f"/admin/images/image/{image.pk}/delete/"
        assert client.post(delete, {"post": "yes"}).status_code == 302
        assert not Image.objects.filter(pk=image.pk).exists()

    def test_the_rule_costs_one_query(self, writer, django_assert_num_queries):
        image = own_picture(writer)
        live_story_showing(image)
        writer.has_perm("images.manage_image")  # permissions load once per request
        with django_assert_num_queries(1):
            assert image.may_be_changed_by(writer) is False

    def test_shown_live_lists_heroes_and_inline_pictures_of_live_stories(self):
        hero, inline, draft_only, unused = (picture(f"P{i}") for i in range(4))
        live_story_showing(hero)
        live_story_showing(inline, how="inline")
        live_story_showing(draft_only, status=Status.DRAFT)
        assert set(Image.objects.shown_live()) == {hero, inline}


class TestNavigationTopics:
    def add(self, client, **fields):
        data = {"name": "Spoilers", "slug": "spoilers", "description": ""} | fields
        return client.post("/admin/articles/topic/add/", data)

    def test_a_writer_adds_topics_but_not_into_the_navigation(self, client, writer):
        assert self.add(client, in_navigation="on").status_code == 302
        assert Topic.objects.get(slug="spoilers").in_navigation is False
        page = client.get("/admin/articles/topic/add/")
        assert 'name="in_navigation"' not in page.text

    def test_a_writer_cannot_switch_it_on_from_the_list(self, client, writer):
        topic = make_topic("Netflix")
        response = client.post(
            "/admin/articles/topic/",
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": str(topic.pk),
                "form-0-in_navigation": "on",
                "_save": "Save",
            },
        )
        assert response.status_code == 403
        topic.refresh_from_db()
        assert topic.in_navigation is False

    def test_save_model_keeps_the_stored_value_for_writers(self, rf, writer):
        from django.contrib import admin

        topic = make_topic("Netflix", in_navigation=True)
        request = rf.post("/")
        request.user = writer
        topic_admin = admin.site.get_model_admin(Topic)
        topic.in_navigation = False
        topic_admin.save_model(request, topic, None, True)
        assert Topic.objects.get(pk=topic.pk).in_navigation is True
        new = Topic(name="Sneaky", slug="sneaky", in_navigation=True)
        topic_admin.save_model(request, new, None, False)
        assert Topic.objects.get(slug="sneaky").in_navigation is False

    def test_editors_put_topics_in_the_navigation(self, client, editor):
        assert self.add(client, in_navigation="on").status_code == 302
        assert Topic.objects.get(slug="spoilers").in_navigation is True
