"""Local uploads are served by the app with DEBUG off (one machine, no bucket)."""

import os

import pytest
from django.conf import settings
from django.urls import resolve
from django.utils.http import http_date

from newsroom import media
from tests.factories import picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    return picture("Served")


def body(response):
    return b"".join(response.streaming_content)


def test_runs_with_debug_off_through_the_real_urls():
    assert settings.DEBUG is False
    assert resolve("/media/images/x.jpg").url_name == "media"


def test_master_answers_with_its_bytes_type_and_a_day_of_caching(client, image):
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body(response) == image.file.open("rb").read()
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=86400" in cache_control
    assert "immutable" not in cache_control
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("webp", "image/webp"), ("jpeg", "image/jpeg")]
)
def test_rendition_is_cached_for_a_year_as_immutable(client, image, fmt, content_type):
    url = image.rendition_url(480, shape="16:9", fmt=fmt)
    assert url != image.file.url
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert body(response)[:4] in (b"RIFF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=31536000" in cache_control
    assert "immutable" in cache_control


def test_a_file_added_after_start_is_served(client, image):
    path = os.path.join(settings.MEDIA_ROOT, "images", "late.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/images/late.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_unchanged_file_answers_304(client, image):
    first = client.get(image.file.url)
    response = client.get(
        image.file.url, headers={"if-modified-since": first["Last-Modified"]}
    )
    assert response.status_code == 304
    stale = http_date(0)
    assert (
        client.get(image.file.url, headers={"if-modified-since": stale}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path",
    [
        "/media/../tests/settings.py",
        "/media/images/../../tests/settings.py",
        "/media/%2e%2e/tests/settings.py",
        "/media/..%2ftests%2fsettings.py",
        "/media//etc/passwd",
        "/media/images/",
        "/media/images",
        "/media/no-such-file.jpg",
        "/media/images/%00.jpg",
    ],
)
def test_traversal_directories_and_missing_files_are_404(client, image, path):
    assert client.get(path).status_code == 404


def test_only_reading_is_allowed(client, image):
    assert client.head(image.file.url).status_code == 200
    assert client.post(image.file.url).status_code == 405


def test_no_local_route_when_media_is_in_a_bucket(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "newsroom-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    assert media.serves_local_media() is False
