"""Site-wide pages: home, errors, admin login and the health check."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


class TestBasePage:
    def test_home_renders_with_skip_link_and_landmarks(self, client):
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html
        assert 'aria-label="Topics"' in html
        assert "<footer" in html

    def test_no_asset_is_loaded_from_another_host(self, client):
        html = client.get("/").content.decode()
        urls = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html)
        assets = [u for u in urls if not u.startswith("http://testserver/")]
        assert assets, "the page should load its own stylesheet"
        assert all(u.startswith("/") and not u.startswith("//") for u in assets), assets

    def test_anonymous_home_sets_no_cookie(self, client):
        """Whole-page caching by a CDN needs responses without Set-Cookie."""
        assert not client.get("/").cookies

    def test_unknown_url_gets_the_friendly_404(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "We couldn’t find that page" in response.content.decode()

    def test_admin_shows_its_login_page(self, client):
        response = client.get("/admin/", follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith("/admin/login/")

    def test_security_headers(self, client):
        response = client.get("/")
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


class TestHealthz:
    def test_healthy_when_database_and_cache_answer(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
        assert "no-cache" in response["Cache-Control"]

    def test_503_when_database_fails(self, client, monkeypatch):
        def broken_cursor(*args, **kwargs):
            raise connection.OperationalError("server closed the connection")

        monkeypatch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "error"
        assert response.json()["cache"] == "ok"

    def test_503_when_cache_fails(self, client, settings):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        }
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "error",
            "database": "ok",
            "cache": "error",
        }

    def test_only_get(self, client):
        assert client.post("/healthz").status_code == 405


class TestSignupFormOncePerPage:
    """The signup form sits in the content of the home and article pages, in the
    footer elsewhere, and never twice on one page."""

    def forms_on(self, client, url):
        html = client.get(url).content.decode()
        forms = re.findall(r'<form[^>]*class="newsletter-form[ "]', html)
        return len(forms), "footer-newsletter-heading" in html

    def test_home_carries_it_in_the_content_only(self, client):
        assert self.forms_on(client, "/") == (1, False)

    def test_article_carries_it_in_the_content_only(self, client):
        article = make_article(status="published")
        assert self.forms_on(client, article.get_absolute_url()) == (1, False)

    def test_other_pages_carry_it_in_the_footer(self, client):
        topic = make_topic("Netflix")
        assert self.forms_on(client, topic.get_absolute_url()) == (1, True)

    def test_newsletter_page_has_no_second_form_in_the_footer(self, client):
        assert self.forms_on(client, "/newsletter/") == (1, False)


def test_favicon_ico_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.svg")
    assert client.get(response["Location"]).status_code == 200


class TestAnonymousPageCache:
    """Readers without cookies get whole pages from the cache, as from a CDN."""

    @pytest.fixture(autouse=True)
    def _page_cache_on(self, settings):
        settings.CACHE_MIDDLEWARE_SECONDS = 60

    def test_second_anonymous_request_is_served_without_a_query(
        self, client, django_assert_num_queries
    ):
        first = client.get("/")
        with django_assert_num_queries(0):
            second = client.get("/")
        assert second.content == first.content
        assert "default-src 'self'" in second["Content-Security-Policy"]
        assert not second.cookies

    def test_a_request_with_cookies_is_always_rendered_fresh(self, client):
        client.get("/")
        client.cookies["sessionid"] = "anything"
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        assert len(queries) > 0

    def test_staff_pages_are_never_served_from_the_cache(self, admin_client):
        admin_client.get("/")
        with CaptureQueriesContext(connection) as queries:
            admin_client.get("/")
        assert len(queries) > 0

    def test_no_cache_responses_are_not_stored(self, client):
        client.get("/healthz")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/healthz").status_code == 200
        assert len(queries) > 0
