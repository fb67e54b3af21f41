"""Varnish in front of the app: the generated VCL run by a real varnishd, tag purges.

The VCL tests start Debian's ``varnishd`` (with the xkey vmod from varnish-modules) on
127.0.0.1 in front of pytest-django's live server. Without varnishd they are skipped,
except in CI (``CI=true``), where they must run: ``make varnish`` installs it.
"""

import http.client
import http.server
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.urls import include, path, resolve

from core import varnish
from tests.factories import make_article

ROOT = Path(__file__).resolve().parent.parent
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"


# Test-only pages next to the real ones (ROOT_URLCONF points here for the live tests):
# each says exactly what Varnish must do with it, whatever the reader pages send.
class Switchable:
    """A page whose next answer a test sets: (status, Cache-Control, extra headers)."""

    def __init__(self):
        self.answers = {}
        self.gates = {}  # key -> (entered, go): the page waits for `go` once entered

    def __call__(self, request, key):
        if key in self.gates:
            entered, go = self.gates[key]
            entered.set()
            go.wait(10)
        status, cache_control, headers = self.answers.get(
            key, (200, "public, max-age=300", {})
        )
        response = HttpResponse(
            f"<p>{key} {uuid.uuid4()}</p>", status=status, content_type="text/html"
        )
        response["Cache-Control"] = cache_control
        for name, value in headers.items():
            response[name] = value
        if request.GET.get("set_cookie"):
            response.set_cookie("seen", "1")
        return response


pages = Switchable()
urlpatterns = [
    path("varnish-test/<str:key>/", pages),
    path("", include("newsroom.urls")),
]


# --- Running varnishd -----------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Varnish:
    """A varnishd in the foreground on a free 127.0.0.1 port, with its own work dir."""

    def __init__(self, vcl_text, workdir):
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        vcl_file = workdir / "newsroom.vcl"
        vcl_file.write_text(vcl_text)
        self.log = workdir / "varnishd.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    VARNISHD,
                    "-F",
                    "-j",
                    "none",  # no privilege drop: the work dir stays the test's own
                    "-a",
                    f"127.0.0.1:{self.port}",
                    "-T",
                    "none",
                    "-f",
                    str(vcl_file),
                    "-n",
                    str(workdir / "n"),
                    "-s",
                    "malloc,32m",
                    "-p",
                    "thread_pools=1",
                    "-p",
                    "thread_pool_min=10",
                    "-p",
                    "vsl_space=4m",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited:\n{self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"varnishd did not listen:\n{self.log.read_text()}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, url, headers=None, body=None, source="127.0.0.1"):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source, 0)
        )
        try:
            connection.request(method, url, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def get(self, url, **headers):
        return self.request("GET", url, headers)

    def cache(self, url, **headers):
        """The X-Varnish-Cache verdict for a GET of ``url``."""
        return self.get(url, **headers)[1].get("X-Varnish-Cache")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)


def require_varnishd():
    if os.access(VARNISHD, os.X_OK):
        return
    message = (
        f"varnishd not found ({VARNISHD}): run `make varnish` (apt-get install "
        "varnish varnish-modules) to run the Varnish tests."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Varnish tests are required in CI. {message}", pytrace=False)
    pytest.skip(message)


def backend_of(live_server):
    host, port = live_server.thread.host, live_server.thread.port
    return f"{'127.0.0.1' if host == 'localhost' else host}:{port}"


def make_vcl(live_server, **options):
    out = io.StringIO()
    call_command("varnish_vcl", backend=backend_of(live_server), stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def varnishd(live_server, tmp_path_factory):
    """One Varnish for the module (tests use URLs of their own), default VCL."""
    require_varnishd()
    server = Varnish(make_vcl(live_server), tmp_path_factory.mktemp("varnish"))
    yield server
    server.stop()


@pytest.fixture
def front(varnishd, settings, transactional_db):
    """The module's Varnish, with the test pages routed and purges aimed at it."""
    settings.ROOT_URLCONF = __name__
    settings.VARNISH_URLS = [varnishd.url]
    settings.CACHE_TAG_PURGERS = ["core.varnish.purge_tags"]
    pages.answers.clear()
    pages.gates.clear()
    return varnishd


def key():
    return uuid.uuid4().hex[:12]


class TestWithoutVarnishd:
    def test_skipped_outside_ci(self, monkeypatch, tmp_path):
        monkeypatch.setattr(sys.modules[__name__], "VARNISHD", str(tmp_path / "none"))
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match="make varnish"):
            require_varnishd()

    def test_required_in_ci(self, monkeypatch, tmp_path):
        monkeypatch.setattr(sys.modules[__name__], "VARNISHD", str(tmp_path / "none"))
        monkeypatch.setenv("CI", "true")
        with pytest.raises(pytest.fail.Exception, match="required in CI"):
            require_varnishd()


# --- The VCL command ------------------------------------------------------------------


class TestVclCommand:
    def test_prints_backend_acl_and_xkey(self, settings):
        settings.VARNISH_PURGE_FROM = ["127.0.0.1", "::1", "10.1.2.3/16"]
        out = io.StringIO()
        call_command("varnish_vcl", backend="app.internal:8000", stdout=out)
        text = out.getvalue()
        assert text.startswith("vcl 4.1;")
        assert "import xkey;" in text
        assert '.host = "app.internal";' in text
        assert '.port = "8000";' in text
        assert '"127.0.0.1";' in text
        assert '"::1";' in text
        assert '"10.1.0.0"/16;' in text  # host bits cleared, as Varnish requires

    @pytest.mark.parametrize(
        "backend", ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "bad host:80", ":80"]
    )
    def test_refuses_a_backend_it_cannot_use(self, backend):
        with pytest.raises(CommandError, match="backend"):
            call_command("varnish_vcl", backend=backend, stdout=io.StringIO())

    def test_accepts_an_ipv6_backend(self):
        out = io.StringIO()
        call_command("varnish_vcl", backend="[::1]:8000", stdout=out)
        assert '.host = "::1";' in out.getvalue()

    @pytest.mark.parametrize("entry", ["everyone", "10.0.0.0/33", '1.2.3.4"; }'])
    def test_refuses_a_purge_address_that_is_not_one(self, settings, entry):
        settings.VARNISH_PURGE_FROM = ["127.0.0.1", entry]
        with pytest.raises(CommandError, match="VARNISH_PURGE_FROM"):
            call_command("varnish_vcl", backend="127.0.0.1:80", stdout=io.StringIO())

    @pytest.mark.parametrize(
        ("url", "view"),
        [
            ("/admin/", "admin:index"),
            ("/articles/preview/some-token/", "articles:preview"),
            ("/newsletter/confirm/some-token/", "newsletter:confirm"),
            ("/newsletter/unsubscribe/some-token/", "newsletter:unsubscribe"),
            ("/healthz", "healthz"),
        ],
    )
    def test_passed_paths_are_the_private_pages(self, url, view):
        """Each prefix the VCL passes still leads to the page it is meant for."""
        assert url.startswith(varnish.PASS_PREFIXES)
        assert resolve(url).view_name == view


class TestSettings:
    def run_settings(self, **env):
        code = (
            "import json, django; from django.conf import settings; django.setup();"
            "print(json.dumps([settings.VARNISH_URLS, settings.VARNISH_PURGE_FROM,"
            " settings.CACHE_TAG_PURGERS]))"
        )
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VARNISH_")},
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "1",
            **env,
        }
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def test_no_varnish_by_default(self):
        urls, purge_from, purgers = self.run_settings()
        assert urls == []
        assert purge_from == ["127.0.0.1", "::1"]
        assert "core.varnish.purge_tags" not in purgers

    def test_varnish_urls_add_the_purger(self):
        urls, purge_from, purgers = self.run_settings(
            VARNISH_URLS="http://10.0.0.5:6081,http://10.0.0.6:6081",
            VARNISH_PURGE_FROM="10.0.0.0/24",
        )
        assert urls == ["http://10.0.0.5:6081", "http://10.0.0.6:6081"]
        assert purge_from == ["10.0.0.0/24"]
        assert "core.varnish.purge_tags" in purgers


# --- Purging by tag (against a recording HTTP server) ---------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_PURGE(self):  # noqa: N802 (the method name http.server calls)
        self.server.seen.append((self.command, self.path, self.headers["xkey-purge"]))
        self.send_response(self.server.status, "Purged 1 objects")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    def start(status=200):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.seen, server.status = [], status
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    started = []
    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def address(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


class TestPurgeTags:
    def test_one_purge_per_server_with_the_tags(self, recorder, settings):
        first, second = recorder(), recorder()
        settings.VARNISH_URLS = [address(first), address(second)]
        varnish.purge_tags(["article-12", "home", "author-3", "home"])
        for server in (first, second):
            assert server.seen == [("PURGE", "/", "article-12 author-3 home")]

    def test_nothing_is_sent_without_servers_or_tags(self, recorder, settings):
        server = recorder()
        settings.VARNISH_URLS = []
        varnish.purge_tags(["home"])
        settings.VARNISH_URLS = [address(server)]
        varnish.purge_tags([])
        assert server.seen == []

    def test_a_large_tag_set_is_split_under_the_header_limit(self, recorder, settings):
        server = recorder()
        settings.VARNISH_URLS = [address(server)]
        tags = [f"article-{n}" for n in range(2000)]
        varnish.purge_tags(tags)
        sent = [header.split(" ") for _, _, header in server.seen]
        assert len(sent) > 1
        assert all(
            len(" ".join(batch)) <= varnish.MAX_PURGE_HEADER_BYTES for batch in sent
        )
        assert sorted(tag for batch in sent for tag in batch) == sorted(tags)

    def test_a_varnish_that_is_down_is_logged_not_raised(self, settings, caplog):
        settings.VARNISH_URLS = [f"http://127.0.0.1:{free_port()}"]
        with caplog.at_level(logging.WARNING, logger="core.varnish"):
            varnish.purge_tags(["home"])
        assert "purge at" in caplog.text

    def test_a_refused_purge_is_logged_with_the_likely_cause(
        self, recorder, settings, caplog
    ):
        server = recorder(status=403)
        settings.VARNISH_URLS = [address(server)]
        with caplog.at_level(logging.WARNING, logger="core.varnish"):
            varnish.purge_tags(["home"])
        assert "403" in caplog.text
        assert "VARNISH_PURGE_FROM" in caplog.text


# --- A real varnishd in front of the live server -------------------------------------


class TestVarnishInFront:
    def test_generated_vcl_compiles(self, live_server, tmp_path):
        require_varnishd()
        vcl_file = tmp_path / "newsroom.vcl"
        vcl_file.write_text(make_vcl(live_server))
        result = subprocess.run(
            [
                VARNISHD,
                "-C",
                "-j",
                "none",
                "-f",
                str(vcl_file),
                "-n",
                str(tmp_path / "n"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr

    def test_second_anonymous_get_is_a_hit(self, front):
        article = make_article(headline="Renewed for two more seasons", slug=key())
        url = article.get_absolute_url()
        status, headers, body = front.get(url)
        assert status == 200
        assert headers["X-Varnish-Cache"] == "MISS"
        assert b"Renewed for two more seasons" in body
        status, headers, again = front.get(url)
        assert headers["X-Varnish-Cache"] == "HIT"
        assert again == body
        assert "xkey" not in {name.lower() for name in headers}

    def test_the_apps_own_x_cache_is_left_alone(self, front):
        url = f"/varnish-test/{key()}/"
        pages.answers[url.split("/")[2]] = (
            200,
            "public, max-age=300",
            {"X-Cache": "MISS"},
        )
        front.get(url)
        headers = front.get(url)[1]
        assert headers["X-Varnish-Cache"] == "HIT"
        assert headers["X-Cache"] == "MISS"  # what the app said when Varnish asked

    def test_tracking_parameters_share_one_cache_entry(self, front):
        url = f"/varnish-test/{key()}/"
        body = front.get(url)[2]
        for query in ("?utm_source=news&utm_medium=x", "?fbclid=abc", "?gclid=1"):
            status, headers, tracked = front.get(url + query)
            assert headers["X-Varnish-Cache"] == "HIT", query
            assert tracked == body
        assert front.cache(url + "?page=2&utm_campaign=z") == "MISS"
        assert front.cache(url + "?utm_campaign=y&page=2") == "HIT"

    def test_requests_with_a_cookie_pass(self, front):
        url = f"/varnish-test/{key()}/"
        front.get(url)
        assert front.cache(url, Cookie="sessionid=abc") == "PASS"
        assert front.cache(url) == "HIT"

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/login/",
            "/articles/preview/not-a-token/",
            "/newsletter/confirm/not-a-token/",
            "/newsletter/unsubscribe/not-a-token/",
            "/healthz",
        ],
    )
    def test_private_pages_pass(self, front, url):
        assert front.cache(url) == "PASS"
        assert front.cache(url) == "PASS"

    def test_posts_pass(self, front):
        url = f"/varnish-test/{key()}/"
        front.get(url)
        status, headers, _ = front.request("POST", url, body=b"x=1")
        assert headers["X-Varnish-Cache"] == "PASS"

    @pytest.mark.parametrize(
        "cache_control", ["private, max-age=300", "no-store", "no-cache", ""]
    )
    def test_what_the_app_does_not_share_is_not_cached(self, front, cache_control):
        name = key()
        pages.answers[name] = (200, cache_control, {})
        url = f"/varnish-test/{name}/"
        first, second = front.get(url)[2], front.get(url)[2]
        assert first != second

    def test_a_response_that_sets_a_cookie_is_never_cached(self, front):
        url = f"/varnish-test/{key()}/?set_cookie=1"
        status, headers, first = front.get(url)
        assert "Set-Cookie" in headers
        assert front.get(url)[2] != first

    def test_purges_only_from_allowed_addresses(self, front):
        name = key()
        pages.answers[name] = (200, "public, max-age=300", {"xkey": f"t-{name} home"})
        url = f"/varnish-test/{name}/"
        front.get(url)
        status, _, _ = front.request(
            "PURGE", "/", {"xkey-purge": f"t-{name}"}, source="127.0.0.2"
        )
        assert status == 403  # 127.0.0.2 is loopback too, but not in the ACL
        assert front.cache(url) == "HIT"
        status, _, _ = front.request("PURGE", "/", {"xkey-purge": f"t-{name}"})
        assert status == 200
        assert front.cache(url) == "MISS"

    def test_purge_tags_drops_only_the_tagged_copies(self, front):
        tagged, other = key(), key()
        pages.answers[tagged] = (200, "public, max-age=300", {"xkey": f"t-{tagged}"})
        pages.answers[other] = (200, "public, max-age=300", {"xkey": f"t-{other}"})
        for name in (tagged, other):
            front.get(f"/varnish-test/{name}/")
        varnish.purge_tags([f"t-{tagged}"])
        assert front.cache(f"/varnish-test/{tagged}/") == "MISS"
        assert front.cache(f"/varnish-test/{other}/") == "HIT"

    def test_a_copy_made_before_a_purge_is_not_kept(self, front):
        """A page the app was making when its content changed may show the old version:
        Varnish hands it to the reader who asked but does not cache it."""
        name = key()
        pages.answers[name] = (200, "public, max-age=300", {"xkey": f"t-{name}"})
        entered, go = pages.gates[name] = (threading.Event(), threading.Event())
        url = f"/varnish-test/{name}/"
        answers = []
        reader = threading.Thread(target=lambda: answers.append(front.get(url)))
        reader.start()
        assert entered.wait(10)  # the app is making the page...
        status, _, _ = front.request("PURGE", "/", {"xkey-purge": f"t-{name}"})
        assert status == 200  # ...when a change to it is purged
        go.set()
        reader.join(10)
        assert answers[0][0] == 200
        assert front.cache(url) == "MISS"
        assert front.cache(url) == "HIT"  # made after the purge: kept

    def test_a_stale_copy_is_served_while_the_app_fails(self, front):
        """Within grace, a failed refresh keeps the copy readers are getting."""
        name = key()
        pages.answers[name] = (200, "public, max-age=1, stale-if-error=600", {})
        url = f"/varnish-test/{name}/"
        body = front.get(url)[2]
        pages.answers[name] = (500, "private", {})
        time.sleep(1.2)  # let the copy expire: max-age=1
        for _ in range(3):
            status, headers, stale = front.get(url)
            assert status == 200
            assert headers["X-Varnish-Cache"] == "STALE"
            assert stale == body

    def test_stale_if_error_outlasts_grace(self, front, live_server, tmp_path):
        """Past grace, a page the app fails to make is served from its stale copy."""
        no_grace = Varnish(make_vcl(live_server, grace=0), tmp_path)
        try:
            name, bare = key(), key()
            pages.answers[name] = (200, "public, max-age=1, stale-if-error=600", {})
            pages.answers[bare] = (500, "private", {})
            url = f"/varnish-test/{name}/"
            body = no_grace.get(url)[2]
            time.sleep(1.2)
            pages.answers[name] = (500, "private", {})
            status, headers, stale = no_grace.get(url)
            assert (status, headers["X-Varnish-Cache"], stale) == (200, "STALE", body)
            # Without a copy to fall back on, the app's own error page goes through.
            assert no_grace.get(f"/varnish-test/{bare}/")[0] == 500
        finally:
            no_grace.stop()


class TestFreshness:
    """Through Varnish, with the app's cache tags (``xkey``) and their purges on commit.

    Varnish outlives the test database between tests, so each story gets a slug of its
    own (a reused URL would still hold a page tagged with another test's rows).
    """

    def shows_within_a_second(self, front, url, text):
        deadline = time.monotonic() + 1
        while True:
            body = front.get(url)[2]
            if text.encode() in body or time.monotonic() > deadline:
                return text.encode() in body
            time.sleep(0.05)

    def test_orm_save_reaches_readers_through_varnish_within_a_second(self, front):
        article = make_article(headline="Renewed for two more seasons", slug=key())
        bystander = make_article(headline="A story nobody edits", slug=key())
        url = article.get_absolute_url()
        front.get(url)
        front.get(bystander.get_absolute_url())
        assert front.cache(url) == "HIT"

        article.headline = "Renewed for a final season"
        article.save()
        assert self.shows_within_a_second(front, url, "Renewed for a final season")
        assert front.cache(bystander.get_absolute_url()) == "HIT"

    def test_a_new_story_reaches_the_cached_home_page_within_a_second(self, front):
        make_article(headline="An older story", slug=key())
        front.get("/")
        assert front.cache("/") == "HIT"

        make_article(headline="Cast announced for the final season", slug=key())
        assert self.shows_within_a_second(
            front, "/", "Cast announced for the final season"
        )
