"""Formats in the browser: the season page, /watch/, a show with where to watch and
our review, a review with its stars and a recap with folded spoilers (demo content).

Each page passes the reader page checks (axe, keyboard, no sideways scrolling,
nothing from another host) at phone and desktop widths; the folded parts open from
the keyboard, and without JavaScript.
"""

import re

import pytest
from playwright.sync_api import expect

from shows.models import Show
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.helpers import check_page, focus_top, tab_to
from tests.factories import make_article

SEASON = "/shows/heartstopper/seasons/1/"
SHOW = "/shows/heartstopper/"
REVIEW = "/articles/heartstopper-season-one-review/"
RECAP = "/articles/heartstopper-season-one-finale-recap/"

FORMAT_PAGES = [
    ("season", SEASON, "Season 1"),
    ("watch", "/watch/", "Streaming now"),
    ("show-formats", SHOW, "Heartstopper"),
    ("review", REVIEW, "Heartstopper season one review"),
    ("recap", RECAP, "Heartstopper season one finale recap"),
]


class TestFormatPages:
    @pytest.mark.parametrize(("name", "path", "heading"), FORMAT_PAGES)
    def test_pass_the_reader_page_checks(
        self, page, network, demo, name, path, heading
    ):
        assert page.goto(path).status == 200
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        check_page(page, network, name)

    def test_a_long_running_show_pages_its_stories_and_links_its_reviews(
        self, page, network, demo
    ):
        """More reviews than sit beside the ratings, more stories than one page."""
        show = Show.objects.get(slug="heartstopper")
        for n in range(1, 9):
            make_article(
                headline=f"Heartstopper season one, another look {n}",
                slug=f"another-look-{n}",
                kind="review",
                rating=4,
                subject_show=show,
                shows=[show],
            )
        assert page.goto(SHOW).status == 200
        reviews = page.get_by_role("link", name="All our reviews of Heartstopper")
        expect(reviews).to_be_visible()
        expect(page.get_by_role("navigation", name="Pages")).to_be_visible()
        check_page(page, network, "show-long")
        reviews.click()
        expect(page).to_have_url(re.compile(r"\?kind=review#stories-heading$"))
        page.get_by_role("link", name="Next page").click()
        expect(page).to_have_url(re.compile(r"[?&]page=2"))
        expect(page.locator(".pagination__status")).to_contain_text("Page 2")

    def test_stars_carry_their_text(self, page, demo):
        page.goto(REVIEW)
        expect(page.locator(".subject-box .stars__text")).to_have_text(
            "4.5 out of 5 stars"
        )
        stars = page.locator(".subject-box .stars__icons")
        assert stars.get_attribute("aria-hidden") == "true"

    def test_recap_card_keeps_the_spoiler_free_headline(self, page, demo):
        page.goto("/")
        expect(
            page.get_by_role(
                "link", name="Heartstopper season one, episode eight recap"
            ).first
        ).to_be_visible()
        expect(page.get_by_text("Nick and Charlie get together")).to_have_count(0)


@pytest.mark.parametrize("viewport", ["desktop"])
class TestFoldedParts:
    def test_a_spoiler_opens_from_the_keyboard(self, page, demo):
        page.goto(RECAP)
        spoiler = page.locator("details.spoiler").first
        passage = spoiler.get_by_text("on the beach")
        expect(passage).to_be_hidden()
        focus_top(page)
        tab_to(page, lambda info: info["tag"] == "summary", "the spoiler control")
        page.keyboard.press("Enter")
        expect(passage).to_be_visible()

    def test_other_countries_open_from_the_keyboard(self, page, demo):
        page.goto(SHOW)
        us = page.locator(".watch__elsewhere").first
        expect(us.get_by_role("link", name="Netflix")).to_be_hidden()
        focus_top(page)
        tab_to(
            page,
            lambda info: info["tag"] == "summary" and "United States" in info["text"],
            "the United States offers",
        )
        page.keyboard.press("Enter")
        expect(us.get_by_role("link", name="Netflix")).to_be_visible()

    def test_a_season_is_reached_from_its_show(self, page, demo, live_server):
        page.goto(SHOW)
        page.get_by_role("link", name="Season 1").click()
        expect(page).to_have_url(f"{live_server.url}{SEASON}")
        page.get_by_role("link", name="Heartstopper season one, episode eight").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("finale recap")


class TestWithoutJavaScript:
    def test_folded_parts_open_without_javascript(self, browser, live_server, demo):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS["desktop"],
            java_script_enabled=False,
        )
        context.route(
            lambda url: not url.startswith(live_server.url), lambda r: r.abort()
        )
        try:
            page = context.new_page()
            page.goto(RECAP)
            page.locator("details.spoiler summary").first.click()
            expect(page.get_by_text("on the beach")).to_be_visible()
            page.goto(SHOW)
            page.get_by_text("United States of America").first.click()
            expect(
                page.locator(".watch__elsewhere").get_by_role("link", name="Netflix")
            ).to_be_visible()
        finally:
            context.close()
