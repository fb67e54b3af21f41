"""Site-wide pages: home, errors, admin login and the health check."""

import re

import pytest
from django.db import connection

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
