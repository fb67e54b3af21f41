"""A reader's way through the demo newsroom: home, article, topic, show, person, writer.

Links are found by the shapes of the reader URLs (README), not by markup, so the
journey holds while templates change. Every page on the way passes ``check_page``
and leaves a screenshot.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page


def link_to(page, prefix):
    """The first link in <main> to a page under ``prefix`` (not the index itself)."""
    link = page.locator(f'main a[href^="{prefix}"]:not([href="{prefix}"])').first
    expect(link, f"no link to a {prefix}… page on {page.url}").to_be_attached()
    return link


class TestReaderJourney:
    def test_home_article_topic_show_person_writer(self, page, network, demo):
        page.goto("/")
        check_page(page, network, "home")

        link_to(page, "/articles/").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, network, "article")
        article = page.url
        steps = [("/topics/", "topic"), ("/shows/", "show"), ("/authors/", "writer")]
        hrefs = {
            name: link_to(page, prefix).get_attribute("href") for prefix, name in steps
        }

        for name, href in hrefs.items():
            assert page.goto(href).status == 200, f"{href}, linked from {article}"
            check_page(page, network, name)
            if name == "show":
                link_to(page, "/people/").click()
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                check_page(page, network, "person")


class TestIndexPages:
    @pytest.mark.parametrize(
        "name, path",
        [("topics", "/topics/"), ("writers", "/authors/"), ("shows", "/shows/")],
    )
    def test_passes_the_reader_page_checks(self, page, network, demo, name, path):
        assert page.goto(path).status == 200
        check_page(page, network, name)
