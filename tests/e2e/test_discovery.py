"""Discovery in the browser: the search page, the home page with its most-read and
shows-in-the-news rails, searching from the header, and the read beacon.

Each test runs at phone and desktop widths (the ``page`` fixture) unless it says.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles import reads
from articles.models import Article, DailyReads
from tests.e2e.helpers import check_page

HEARTSTOPPER_STORY = "/articles/netflix-renews-heartstopper-for-two-more-seasons/"


@pytest.fixture
def read_this_week(demo):
    """Reads for the demo stories, so the home page lists the most read."""
    for count, article in enumerate(Article.objects.published(), start=3):
        DailyReads.objects.create(
            article=article, day=timezone.localdate(), count=count
        )


class TestDiscoveryPages:
    def test_home_with_its_rails_passes_the_reader_page_checks(
        self, page, network, read_this_week
    ):
        page.goto("/")
        expect(page.get_by_role("heading", name="Most read this week")).to_be_visible()
        expect(page.get_by_role("heading", name="Shows in the news")).to_be_visible()
        check_page(page, network, "home-discovery")

    def test_search_results_pass_the_reader_page_checks(self, page, network, demo):
        page.goto("/search/?q=heartstopper")
        expect(page.get_by_role("heading", name="Shows")).to_be_visible()
        expect(page.locator(".search-result mark").first).to_be_visible()
        check_page(page, network, "search")

    def test_empty_and_refused_searches_pass_too(self, page, network, demo):
        page.goto("/search/?q=" + "x" * 201)
        expect(page.get_by_text("too long to search for")).to_be_visible()
        check_page(page, network, "search-refused")


@pytest.mark.parametrize("viewport", ["desktop"])
class TestReaderFlows:
    def test_searching_from_the_header(self, page, demo):
        page.goto("/")
        page.get_by_role("searchbox", name="Search stories, shows and people").fill(
            "renewal"
        )
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/search/\?q=renewal$"))
        expect(
            page.get_by_role("heading", name="Results for “renewal”")
        ).to_be_visible()

    def test_reading_a_story_sends_one_anonymous_beacon(self, page, context, demo):
        with page.expect_response(re.compile(r"/reads/\d+/$")) as beacon:
            page.goto(HEARTSTOPPER_STORY)
        assert beacon.value.status == 204
        assert context.cookies() == []
        page.reload()  # the same tab: not counted again
        page.wait_for_load_state("networkidle")
        reads.flush()
        assert list(DailyReads.objects.values_list("article__slug", "count")) == [
            (HEARTSTOPPER_STORY.split("/")[2], 1)
        ]
