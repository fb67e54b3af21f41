"""Faults: the database going away gives readers a 503 page, and the site comes back
by itself."""

import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client
from easy_thumbnails.models import Source, Thumbnail
from PIL import Image as PILImage

from articles import navigation
from images.models import Image
from newsroom.faults import RETRY_AFTER_SECONDS
from tests.factories import make_article, make_topic, picture

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="cuts PostgreSQL off behind a TCP proxy; runs in the PostgreSQL pass "
    "(DATABASE_URL=postgres://…)",
)


def database_down(error=OperationalError):
    """Every query fails as it does when the server is gone."""
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=error("connection refused"),
    )


@pytest.mark.django_db
class TestDatabaseDownPage:
    @pytest.mark.parametrize("error", [OperationalError, InterfaceError])
    @pytest.mark.parametrize(
        "path", ["/", "/articles/a-story/", "/topics/netflix/", "/search/?q=x"]
    )
    def test_reader_pages_answer_503_with_retry_after(self, client, path, error):
        with database_down(error):
            response = client.get(path)
        assert response.status_code == 503
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "no-store" in response["Cache-Control"]
        assert "be back in a moment" in response.content.decode()

    def test_page_keeps_the_site_design_and_cached_navigation(self, client):
        make_topic("Netflix", in_navigation=True)
        navigation.navigation_topics()  # as any earlier page would have cached them
        with database_down():
            page = client.get("/").content.decode()
        assert 'class="site-header"' in page and 'class="site-footer"' in page
        assert 'href="/topics/netflix/"' in page
        assert "css/site.css" in page

    def test_page_renders_without_navigation_when_it_is_not_cached(self, client):
        make_topic("Netflix", in_navigation=True)
        cache.clear()
        with database_down():
            response = client.get("/")
        assert response.status_code == 503
        assert "/topics/netflix/" not in response.content.decode()

    def test_a_signed_in_staff_member_gets_the_page_too(self, admin_user):
        """Their session and account are looked up by middlewares, before the view
        (the site's handler500 turns that failure into the same page)."""
        client = Client(raise_request_exception=False)
        client.force_login(admin_user)
        with database_down():
            response = client.get("/")
        assert response.status_code == 503
        assert "be back in a moment" in response.content.decode()

    def test_other_errors_are_still_500s(self, client):
        with (
            mock.patch(
                "django.db.backends.utils.CursorWrapper.execute",
                side_effect=ZeroDivisionError,
            ),
            pytest.raises(ZeroDivisionError),
        ):
            client.get("/")

    @pytest.mark.parametrize(
        ("error", "status"), [(OperationalError, 503), (ZeroDivisionError, 500)]
    )
    def test_a_failure_in_a_middleware_gets_the_same_pages(self, error, status):
        """Sessions and sign-ins are looked up before any view runs."""
        client = Client(raise_request_exception=False)
        with mock.patch(
            "django.contrib.sessions.middleware.SessionMiddleware.process_request",
            side_effect=error("gone"),
        ):
            response = client.get("/")
        assert response.status_code == status
        if status == 503:
            assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)

    def test_healthz_names_the_database(self, client):
        with database_down():
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "error",
            "database": "error",
            "cache": "ok",
        }


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@on_postgresql
def test_postgresql_cut_off_and_back_gives_503_then_recovers(live_server):
    """A real outage: PostgreSQL behind a proxy that is stopped and started again,
    while one live server keeps running (persistent, health-checked connections)."""
    from tests.tcp_proxy import TcpProxy

    article = make_article(headline="Still here", slug="still-here")
    story = live_server.url + article.get_absolute_url()
    health = live_server.url + "/healthz"
    db = connection.settings_dict
    direct = db["HOST"], db["PORT"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
    db["HOST"], db["PORT"] = "127.0.0.1", proxy.port
    try:
        status, _, page = fetch(story)
        assert status == 200 and "Still here" in page
        assert proxy.accepted >= 1, "the live server did not go through the proxy"

        proxy.stop()
        status, headers, page = fetch(story)
        assert status == 503
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "be back in a moment" in page and 'class="site-header"' in page
        status, _, body = fetch(health)
        assert status == 503
        assert json.loads(body)["database"] == "error"

        proxy.start()
        status, _, page = fetch(story)
        assert status == 200 and "Still here" in page
        status, _, body = fetch(health)
        assert status == 200 and json.loads(body)["database"] == "ok"
    finally:
        proxy.stop()
        db["HOST"], db["PORT"] = direct


# --- Storage failing during a picture upload ------------------------------------------


def stored_files(root):
    return sorted(
        str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()
    )


def failing_storage_after(saves):
    """FileSystemStorage writes the first `saves` files, then fails like a full disk."""
    original = FileSystemStorage._save
    calls = {"n": 0}

    def _save(storage, name, content):
        calls["n"] += 1
        if calls["n"] > saves:
            raise OSError(28, "No space left on device")
        return original(storage, name, content)

    return mock.patch.object(FileSystemStorage, "_save", _save)


def upload_form(name="picture.jpg"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (900, 600), "#b3122e").save(buffer, "JPEG")
    return {
        "file": SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg"),
        "alt_text": "Joe Locke at the premiere",
    }


@pytest.mark.django_db
class TestStorageFailingOnUpload:
    # 0: the master cannot be written; 5: the master and four renditions were.
    @pytest.mark.parametrize("saves", [0, 5])
    def test_upload_is_a_form_error_and_leaves_nothing(
        self, admin_client, settings, saves
    ):
        with failing_storage_after(saves):
            response = admin_client.post("/admin/images/image/add/", upload_form())
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["file"]
        assert "could not be stored" in errors[0]
        assert "No space left on device" in errors[0]
        assert not Image.objects.exists()
        assert not Source.objects.exists() and not Thumbnail.objects.exists()
        assert stored_files(settings.MEDIA_ROOT) == []

    def test_the_same_upload_works_once_storage_is_back(self, admin_client):
        with failing_storage_after(3):
            admin_client.post("/admin/images/image/add/", upload_form())
        response = admin_client.post("/admin/images/image/add/", upload_form())
        assert response.status_code == 302
        assert Image.objects.get().renditions["sets"]

    def test_replacing_a_file_keeps_the_picture_as_it_was(self, admin_client, settings):
        image = picture("Kept")
        before = stored_files(settings.MEDIA_ROOT)
        url = f"/admin/images/image/{image.pk}/change/"
        data = upload_form("new.jpg") | {"caption": "A new caption"}
        with failing_storage_after(2):
            response = admin_client.post(url, data)
        assert response.status_code == 200
        assert (
            "could not be stored"
            in response.context["adminform"].form.errors["file"][0]
        )
        image_after = Image.objects.get(pk=image.pk)
        assert image_after.file.name == image.file.name
        assert image_after.renditions == image.renditions
        assert image_after.caption == image.caption
        assert stored_files(settings.MEDIA_ROOT) == before
