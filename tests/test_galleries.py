"""Galleries: numbered, credited slides that work as a plain list without JavaScript,
their structured data, and building them in the back office from the picture library."""

import json
import re

import pytest

from articles.models import GallerySlide, Kind, Status
from tests.factories import (
    make_article,
    make_author,
    make_gallery,
    make_slide,
    make_user,
    picture,
)
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SLIDE = re.compile(r'<li class="gallery__slide" id="slide-(\d+)".*?</li>', re.S)


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


class TestGalleryPage:
    def test_slides_are_numbered_anchored_captioned_and_credited(self, client):
        gallery = make_article(kind=Kind.GALLERY)
        own = picture("Own", caption="The picture's own caption", credit="Netflix")
        make_slide(gallery, image=own, position=2)
        make_slide(
            gallery,
            image=picture("Other", caption="Unused", credit="BBC"),
            position=1,
            caption="Said here instead",
        )
        html = client.get(gallery.get_absolute_url()).text
        slides = SLIDE.findall(html)
        assert slides == ["1", "2"]
        first, second = (m.group(0) for m in SLIDE.finditer(html))
        assert '<a href="#slide-1">1 of 2</a>' in first
        assert "Said here instead" in first and "Unused" not in first
        assert "Image credit: BBC" in first
        assert '<a href="#slide-2">2 of 2</a>' in second
        assert "The picture&#x27;s own caption" in second
        assert "Image credit: Netflix" in second
        assert "(2 pictures)" in html

    def test_only_the_first_two_slides_load_at_once(self, client):
        html = client.get(make_gallery(4).get_absolute_url()).text
        slides = [m.group(0) for m in SLIDE.finditer(html)]
        assert len(slides) == 4
        assert ['loading="lazy"' in slide for slide in slides] == [
            False,
            False,
            True,
            True,
        ]

    def test_script_makes_it_a_slideshow_but_the_html_is_a_list(self, client):
        html = client.get(make_gallery(2).get_absolute_url()).text
        assert re.search(r'<script src="/static/js/gallery\.js[^"]*" defer>', html)
        assert '<ol class="gallery__slides" data-gallery-track>' in html
        assert html.count("<figure") >= 2

    def test_other_stories_have_no_gallery(self, client):
        story = make_article()
        make_slide(story)  # left over from when it was a gallery
        html = client.get(story.get_absolute_url()).text
        assert "gallery__slide" not in html and "gallery.js" not in html

    @pytest.mark.parametrize("n", [1, 8])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        gallery = make_gallery(n)
        client.get(gallery.get_absolute_url())  # warms the cached navigation
        # The story page's 4, plus the slides with their pictures.
        with django_assert_max_num_queries(5):
            html = client.get(gallery.get_absolute_url()).text
        assert len(SLIDE.findall(html)) == n

    def test_json_ld_images_list_the_slides(self, client):
        gallery = make_gallery(3, hero=True)
        html = client.get(gallery.get_absolute_url()).text
        data = json.loads(LD_BLOCK.findall(html)[0])
        assert data["@type"] == "NewsArticle"
        slides = [image for image in data["image"] if isinstance(image, dict)]
        heroes = [image for image in data["image"] if isinstance(image, str)]
        assert heroes  # the hero picture's shapes come first
        assert [slide["@type"] for slide in slides] == ["ImageObject"] * 3
        expected = [s.caption_text for s in gallery.slides.all()]
        assert [slide["caption"] for slide in slides] == expected
        assert all(slide["creditText"] == "Netflix" for slide in slides)
        assert all(
            slide["url"].startswith("http://testserver/media/") and slide["width"]
            for slide in slides
        )


@pytest.fixture
def editor(client):
    user = make_user("editor")
    client.force_login(user)
    return user


def gallery_form(gallery, **overrides):
    slides = list(gallery.slides.all())
    data = form_data(gallery) | {
        "slides-TOTAL_FORMS": str(len(slides)),
        "slides-INITIAL_FORMS": str(len(slides)),
    }
    for i, slide in enumerate(slides):
        data |= {
            f"slides-{i}-id": str(slide.pk),
            f"slides-{i}-article": str(gallery.pk),
            f"slides-{i}-caption": slide.caption,
            f"slides-{i}-position": str(slide.position),
        }
    return data | overrides


class TestGalleryAdmin:
    def test_add_many_pictures_at_once_after_the_last_slide(self, client, editor):
        gallery = make_gallery(1)
        first = gallery.slides.get()
        pictures = [picture(f"New {i}") for i in range(3)]
        data = gallery_form(gallery, gallery_pictures=[p.pk for p in pictures])
        assert client.post(change_url(gallery), data).status_code == 302
        slides = list(gallery.slides.all())
        assert [s.image for s in slides] == [first.image, *pictures]
        assert [s.position for s in slides] == [1, 2, 3, 4]

    def test_a_picture_already_in_the_gallery_is_not_added_twice(self, client, editor):
        gallery = make_gallery(1)
        shown = gallery.slides.get().image
        data = gallery_form(gallery, gallery_pictures=[shown.pk])
        assert client.post(change_url(gallery), data).status_code == 302
        assert gallery.slides.count() == 1

    def test_reorder_and_recaption_through_the_inline(self, client, editor):
        gallery = make_gallery(2)
        one, two = gallery.slides.all()
        data = gallery_form(
            gallery,
            **{
                "slides-0-position": "2",
                "slides-1-position": "1",
                "slides-1-caption": "Now first",
            },
        )
        assert client.post(change_url(gallery), data).status_code == 302
        assert list(gallery.slides.all()) == [two, one]
        assert gallery.slides.first().caption == "Now first"

    def test_change_page_offers_the_picker_and_the_sortable_list(self, client, editor):
        html = client.get(change_url(make_gallery(2))).text
        assert 'name="gallery_pictures"' in html
        assert "articles/sortable-inline.js" in html
        assert 'id="slides-group"' in html

    def test_other_stories_have_neither(self, client, editor):
        html = client.get(change_url(make_article())).text
        assert 'name="gallery_pictures"' not in html
        assert 'id="slides-group"' not in html

    def test_garbage_picture_ids_are_a_form_error(self, client, editor):
        gallery = make_gallery(1)
        data = gallery_form(gallery, gallery_pictures=["x", "999999"])
        response = client.post(change_url(gallery), data)
        assert response.status_code == 200
        assert gallery.slides.count() == 1

    def test_writer_builds_their_own_draft_gallery(self, client):
        user = make_user("writer")
        author = make_author(user=user)
        client.force_login(user)
        gallery = make_gallery(0, status=Status.DRAFT, authors=[author])
        new = picture("Writer's pick")
        data = gallery_form(gallery, gallery_pictures=[new.pk])
        assert client.post(change_url(gallery), data).status_code == 302
        assert [s.image for s in gallery.slides.all()] == [new]

    def test_writer_cannot_change_a_published_gallery(self, client):
        user = make_user("writer")
        client.force_login(user)
        gallery = make_gallery(1, authors=[make_author(user=user)])
        data = gallery_form(gallery, gallery_pictures=[picture("Late").pk])
        assert client.post(change_url(gallery), data).status_code == 403
        assert gallery.slides.count() == 1

    @pytest.mark.parametrize("n", [1, 12])
    def test_change_page_query_count_is_fixed(
        self, client, editor, n, django_assert_max_num_queries
    ):
        gallery = make_gallery(n)
        with django_assert_max_num_queries(21):
            client.get(change_url(gallery))

    def test_the_picture_library_lists_the_gallery_among_its_uses(self):
        slide = make_slide(make_gallery(0))
        assert ("gallery slide", slide) in slide.image.usages()
        assert GallerySlide.objects.count() == 1
