"""Browser-test fixtures: Debian's Chromium, driven by Playwright, against live_server.

A test asks for ``page`` and runs twice, at phone (375 px) and desktop (1280 px) widths;
``@pytest.mark.parametrize("viewport", ["desktop"])`` picks one. ``network`` records
every request of the test's browser context (requests to other hosts are recorded and
aborted, so nothing leaves the machine), and JavaScript errors fail the test.
``demo`` loads the demo newsroom. Checks live in ``tests/e2e/helpers.py``.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, get_commands
from django.test import Client, override_settings

from tests.e2e.helpers import LAYOUT_SHIFT_SCRIPT, NetworkLog

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "phone": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 900},
}
E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all browser tests; each test gets its own context.

    While it runs, Playwright's sync API keeps an event loop running in the test
    thread, so Django's async-safety guard would refuse the tests' own ORM calls
    (fixtures, seed_demo). The guard is lifted for exactly that time: package scope
    ends it with the last browser test, before other tests (and their subprocesses,
    where ``check --deploy`` rejects the variable) run.
    """
    if not (shutil.which(CHROMIUM) or os.access(CHROMIUM, os.X_OK)):
        message = (
            f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install "
            "chromium) to run the browser tests, or set CHROMIUM=/path/to/chromium."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests are required in CI. {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    """The name of the window size; parametrize it to run at one width only."""
    return request.param


@pytest.fixture
def network(live_server):
    return NetworkLog(origin=live_server.url)


@pytest.fixture
def context(browser, live_server, viewport, network):
    phone = viewport == "phone"
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS[viewport],
        is_mobile=phone,
        has_touch=phone,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    context.on("request", network.record)
    # Recorded by the listener above, then stopped here: no test reaches the internet.
    context.route(lambda url: not network.is_local(url), lambda route: route.abort())
    context.add_init_script(LAYOUT_SHIFT_SCRIPT)
    yield context
    context.close()


@pytest.fixture
def page(context, network):
    page = context.new_page()
    page.on("pageerror", lambda error: network.errors.append(f"page error: {error}"))
    page.on("console", network.record_console)
    yield page
    # A script error or a CSP refusal is a bug on any page a test visits.
    errors, network.errors = network.errors, []
    assert not errors, "errors in the browser console:\n  " + "\n  ".join(errors)


@pytest.fixture(scope="package")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo run once, kept as a fixture file and a media folder.

    Drawing the demo pictures takes seconds; loading the result takes a fraction of
    one, and each test still gets its own copy (the database is flushed after each).
    """
    if "seed_demo" not in get_commands():
        return None
    folder = tmp_path_factory.mktemp("demo")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=folder / "media"),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # if the browser is up
        try:
            call_command("seed_demo", stdout=io.StringIO())
            call_command(
                "dumpdata",
                exclude=["sessions", "admin"],
                output=str(folder / "demo.json"),
                verbosity=0,
            )
        finally:
            call_command("flush", interactive=False, verbosity=0)
    return folder


def _empty_tables():
    """Delete the rows post_migrate put back after the last flush.

    Content types, permissions and groups return with new ids after every flush; the
    snapshot brings its own, with the ids its other rows point to.
    """
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            model._base_manager.all().delete()
    ContentType.objects.clear_cache()


@pytest.fixture
def demo(demo_snapshot, transactional_db, settings):
    """The demo newsroom (seed_demo's content and pictures) in this test's database."""
    if demo_snapshot is None:
        pytest.skip("needs demo content: the seed_demo command does not exist yet")
    _empty_tables()
    call_command("loaddata", demo_snapshot / "demo.json", verbosity=0)
    ContentType.objects.clear_cache()
    shutil.copytree(demo_snapshot / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)


@pytest.fixture
def login(context, live_server, settings):
    """``login(user)`` signs the browser in as ``user`` without the login form."""

    def login(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
        return user

    return login


@pytest.fixture
def staff_user(transactional_db):
    return get_user_model().objects.create_user(
        "desk", "desk@example.com", "a-long-test-password", is_staff=True
    )
