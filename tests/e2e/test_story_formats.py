"""Live blogs, galleries and the corrections log in a real browser.

A reader keeps a live blog open while a writer posts from the back office: the update
appears at the top without a reload, announced politely, and neither the reader's
place nor their focus moves. A gallery is walked with the keyboard (and swiped on a
phone), and still reads as a list of figures without JavaScript. The corrections page
and a corrected story pass the reader page checks.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Kind
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.helpers import check_page, screenshot, tab_to
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_gallery,
    make_live_blog,
    make_live_update,
    make_user,
)

POLL_MS = 20_000  # static/js/liveblog.js

LONG_UPDATE = "".join(
    f"<p>Paragraph {n} of the reaction from the cast and the fans, at length.</p>"
    for n in range(6)
)


def top_of(page, selector):
    return page.locator(selector).evaluate("(el) => el.getBoundingClientRect().top")


@pytest.mark.parametrize("viewport", ["desktop"])
class TestLiveBlog:
    def test_update_posted_in_the_admin_appears_on_the_open_page(
        self, page, network, browser, live_server
    ):
        writer = make_user("writer")
        author = make_author("Grace Morris", user=writer)
        blog = make_live_blog(
            authors=[author], headline="Heartstopper renewal day: live"
        )
        make_live_update(blog, minutes_ago=90, is_pinned=True, title="What we know")
        updates = [
            make_live_update(
                blog, minutes_ago=60 - n, body=LONG_UPDATE, writers=[author]
            )
            for n in range(6)
        ]

        # The reader's page, with a clock the test moves on instead of waiting.
        page.clock.install()
        page.add_init_script(
            """window.fetchCacheModes = [];
            const fetchFirst = window.fetch;
            window.fetch = (url, init) => {
              window.fetchCacheModes.push(init && init.cache);
              return fetchFirst(url, init);
            };"""
        )
        page.goto(blog.get_absolute_url())
        check_page(page, network, "live-blog")
        page.evaluate("() => { window.notReloaded = true; }")
        # Reading an older update, its permalink focused, the list's top scrolled past.
        held = f"#update-{updates[2].pk}"
        page.locator(f"{held} .live-update__time").focus()
        page.locator(held).evaluate("(el) => el.scrollIntoView({block: 'start'})")
        before = top_of(page, held)
        assert top_of(page, ".live-blog__updates") < 0
        # A round with nothing new. Its answer is public for minutes and the URL
        # stays the same until there is news, so the browser must not reuse it: the
        # script asks for no-cache (checked on fetch() itself, since Playwright's
        # request routing turns the browser's HTTP cache off in these tests).
        with page.expect_response(lambda r: "updates.json" in r.url) as quiet:
            page.clock.run_for(POLL_MS)
        assert quiet.value.json()["updates"] == []
        assert page.evaluate("() => window.fetchCacheModes") == ["no-cache"]

        # The writer posts from the story's admin page (read-only to them: it is live).
        desk = browser.new_context(
            base_url=live_server.url, viewport=VIEWPORTS["desktop"]
        )
        try:
            admin = desk.new_page()
            admin.goto("/admin/login/")
            admin.get_by_label("Username").fill(writer.username)
            admin.get_by_label("Password").fill("pw")
            admin.get_by_role("button", name="Log in").click()
            admin.goto(f"/admin/articles/article/{blog.pk}/change/")
            form = admin.locator("#post-update")
            form.get_by_label("Title").fill("Best drama goes to Heartstopper")
            form.locator(".ProseMirror[contenteditable=true]").click()
            admin.keyboard.type("The cast are on stage to collect it.")
            form.get_by_role("button", name="Post update").click()
            expect(admin.locator(".messagelist .success")).to_be_visible()
            expect(admin.locator("#live-updates")).to_contain_text("Best drama")
            screenshot(admin, "admin-live-blog")
        finally:
            desk.close()
        new = blog.live_updates.get(title="Best drama goes to Heartstopper")

        page.clock.run_for(POLL_MS + 1000)
        arrived = page.locator(f"#update-{new.pk}")
        expect(arrived).to_contain_text("The cast are on stage to collect it.")
        expect(page.locator("[data-live-status]")).to_have_text("1 new update.")
        order = page.locator("[data-update-id]").evaluate_all(
            "(els) => els.map((el) => Number(el.dataset.updateId))"
        )
        assert order[1] == new.pk, "not first after the pinned update"
        assert page.evaluate("() => window.notReloaded") is True
        focus = page.evaluate("() => document.activeElement.closest('article')?.id")
        assert focus == held.removeprefix("#"), f"focus moved to {focus}"
        assert abs(top_of(page, held) - before) <= 2, "the reader's place moved"
        screenshot(page, "live-blog-updated")

        # An update with a trailer: its embed gets the play button like the page's.
        trailer = make_live_update(
            blog, body="<p>https://www.youtube.com/watch?v=3_qx_fDDtjc</p>"
        )
        page.clock.run_for(POLL_MS)
        expect(
            page.locator(f"#update-{trailer.pk}").get_by_role(
                "button", name=re.compile(r"^Play: ")
            )
        ).to_be_visible()
        assert network.to_host("youtube") == []

        # Coverage ends: the next answer says so and the page stops asking.
        blog.coverage_end_at = timezone.now() - timedelta(seconds=1)
        blog.save()
        with page.expect_response(lambda r: "updates.json" in r.url):
            page.clock.run_for(POLL_MS)
        asked = len([r for r in network.requests if "updates.json" in r.url])
        page.clock.run_for(POLL_MS * 3)
        assert len([r for r in network.requests if "updates.json" in r.url]) == asked


class TestGallery:
    def test_walked_with_the_keyboard(self, page, network, viewport):
        gallery = make_gallery(5, headline="Heartstopper in pictures")
        page.goto(gallery.get_absolute_url())
        status = page.locator(".gallery__status")
        expect(status).to_have_text("1 of 5")
        check_page(page, network, f"gallery-{viewport}")

        tab_to(page, lambda info: info["text"].startswith("Next"), "the Next button")
        page.keyboard.press("Enter")
        expect(status).to_have_text("2 of 5")
        expect(page).to_have_url(f"{page.url.split('#')[0]}#slide-2")
        page.keyboard.press("ArrowRight")
        expect(status).to_have_text("3 of 5")
        self.assert_showing(page, 3)
        page.keyboard.press("End")
        expect(status).to_have_text("5 of 5")
        expect(page.get_by_role("button", name="Next picture")).to_have_attribute(
            "aria-disabled", "true"
        )
        page.keyboard.press("Enter")  # still on Next: nothing past the last one
        expect(status).to_have_text("5 of 5")
        page.keyboard.press("ArrowLeft")
        expect(status).to_have_text("4 of 5")
        self.assert_showing(page, 4)
        screenshot(page, f"gallery-slide-4-{viewport}")
        page.keyboard.press("Home")
        expect(status).to_have_text("1 of 5")
        # A link to a slide opens on it.
        page.goto(f"{gallery.get_absolute_url()}#slide-3")
        expect(status).to_have_text("3 of 5")
        self.assert_showing(page, 3)

    @pytest.mark.parametrize("viewport", ["phone"])
    def test_swiped_on_a_phone(self, page, context, viewport):
        gallery = make_gallery(3)
        page.goto(gallery.get_absolute_url())
        track = page.locator("[data-gallery-track]").bounding_box()
        session = context.new_cdp_session(page)
        y = track["y"] + track["height"] / 2
        start = track["x"] + track["width"] * 0.85
        # A finger drawn from right to left across most of the picture.
        session.send(
            "Input.dispatchTouchEvent",
            {"type": "touchStart", "touchPoints": [{"x": start, "y": y}]},
        )
        for step in range(1, 11):
            x = start - track["width"] * 0.07 * step
            session.send(
                "Input.dispatchTouchEvent",
                {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]},
            )
        session.send(
            "Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}
        )
        expect(page.locator(".gallery__status")).to_have_text("2 of 3")
        self.assert_showing(page, 2)

    def test_without_javascript_a_list_of_figures(self, browser, live_server):
        gallery = make_gallery(3)
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS["phone"],
            java_script_enabled=False,
        )
        try:
            page = context.new_page()
            page.goto(gallery.get_absolute_url())
            figures = page.locator(".gallery__slide figure")
            expect(figures).to_have_count(3)
            for n in range(3):
                expect(figures.nth(n)).to_be_visible()
                expect(figures.nth(n)).to_contain_text("Image credit: Netflix")
            expect(page.get_by_role("link", name="2 of 3")).to_be_visible()
            expect(page.locator(".gallery__controls")).to_be_hidden()
            boxes = [figures.nth(n).bounding_box() for n in range(3)]
            assert all(
                above["y"] + above["height"] <= below["y"]
                for above, below in zip(boxes, boxes[1:], strict=False)
            ), f"the figures are not one under the other: {boxes}"
            screenshot(page, "gallery-no-js")
        finally:
            context.close()

    @staticmethod
    def assert_showing(page, number):
        """Slide `number` fills the strip once it has come to rest."""
        page.wait_for_function(
            """(n) => {
              const track = document.querySelector('[data-gallery-track]');
              const slide = document.getElementById('slide-' + n);
              const left = slide.getBoundingClientRect().left;
              return Math.abs(track.getBoundingClientRect().left - left) < 2
                && !slide.inert;
            }""",
            arg=number,
        )


class TestCorrections:
    def test_corrections_page_and_a_corrected_story(self, page, network, viewport):
        story = make_article(headline="Heartstopper gets a double renewal")
        make_correction(
            story,
            text="An earlier version put the TikTok views at 4.3 million. "
            "The figure is 4.3 billion.",
        )
        for n in range(3):
            make_correction(
                make_article(headline=f"Another story {n}", kind=Kind.NEWS),
                published_at=timezone.now() - timedelta(days=n + 1),
            )
        page.goto("/corrections/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Corrections and clarifications"
        )
        check_page(page, network, f"corrections-{viewport}")

        page.get_by_role("link", name="Heartstopper gets a double renewal").click()
        expect(page.locator("#corrections")).to_be_in_viewport()
        page.goto(story.get_absolute_url())
        page.get_by_role("link", name="Corrected").click()
        expect(page.locator("#corrections")).to_be_in_viewport()
        expect(page.locator("#corrections")).to_contain_text("4.3 billion")
        check_page(page, network, f"corrected-story-{viewport}")


@pytest.mark.parametrize("viewport", ["desktop"])  # the desk works on a computer
class TestGalleryDesk:
    def test_editor_reorders_slides_with_the_move_buttons(self, page, login):
        login(make_user("editor"))
        gallery = make_gallery(3)
        first, second, third = gallery.slides.all()
        page.goto(f"/admin/articles/article/{gallery.pk}/change/")
        rows = page.locator("#slides-group tbody tr.form-row:not(.empty-form)")
        expect(rows).to_have_count(3)
        rows.nth(0).get_by_role("button", name="Move down").click()
        expect(rows.nth(0)).to_contain_text(second.image.caption)
        positions = page.locator("#slides-group td.field-position input")
        assert [positions.nth(n).input_value() for n in range(3)] == ["1", "2", "3"]
        # Keyboard: focus stays on the moved row's button, so it can go on moving.
        page.keyboard.press("Enter")
        expect(rows.nth(2)).to_contain_text(first.image.caption)
        screenshot(page, "admin-gallery-slides")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist .success")).to_be_visible()
        assert list(gallery.slides.all()) == [second, third, first]
