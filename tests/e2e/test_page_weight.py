"""What a page costs to load, and that it never calls another host.

The budget (README, Browser tests): HTML, CSS and JS together under 100 KB
gzip-compressed, pictures aside, on the home page and an article of the demo newsroom.
"""

import pytest

from articles.models import Article
from tests.e2e.helpers import page_weight

BUDGET = 100 * 1024

desktop = pytest.mark.parametrize("viewport", ["desktop"])


@pytest.fixture(params=["home", "article"])
def weighed_page(request, demo):
    """A path to weigh, on the demo newsroom."""
    if request.param == "home":
        return "/"
    return Article.objects.published().latest().get_absolute_url()


@desktop
class TestPageWeight:
    def test_html_css_and_js_stay_under_100_kb_compressed(
        self, page, network, weighed_page
    ):
        page.goto(weighed_page, wait_until="networkidle")
        sizes = page_weight(network)
        assert any(url.endswith(".css") for url in sizes), "the stylesheet was not seen"
        total = sum(sizes.values())
        listing = "\n  ".join(f"{size:>7} B  {url}" for url, size in sizes.items())
        assert total < BUDGET, f"{total} B compressed, over {BUDGET} B:\n  {listing}"

    def test_loads_nothing_from_another_host(self, page, network, weighed_page):
        page.goto(weighed_page, wait_until="networkidle")
        network.assert_all_local()


@desktop
class TestGuards:
    """The checks above can fail: they see what they are meant to catch."""

    def test_network_guard_records_and_stops_requests_to_other_hosts(
        self, page, network
    ):
        page.set_content('<img src="https://i.ytimg.com/vi/abc/hqdefault.jpg" alt="">')
        page.wait_for_load_state("networkidle")
        assert network.to_host("ytimg.com") == [
            "https://i.ytimg.com/vi/abc/hqdefault.jpg"
        ]
        with pytest.raises(AssertionError, match="another host"):
            network.assert_all_local()
        assert page.evaluate("() => document.images[0].naturalWidth") == 0

    def test_console_guard_sees_the_csp_refusing_an_inline_script(self, page, network):
        page.goto("/")
        page.evaluate(
            """() => {
              const script = document.createElement('script');
              script.textContent = 'window.ran = true';
              document.body.append(script);
            }"""
        )
        assert page.evaluate("() => window.ran") is None
        assert any("Content Security Policy" in e for e in network.errors)
        network.errors.clear()  # expected here; any other test would fail on it
