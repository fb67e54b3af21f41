"""Pages every visitor can meet before any story exists: home, 404, 500, admin login.

Each test runs at phone and desktop widths (the ``page`` fixture).
"""

import re
from unittest import mock

import pytest
from django.db.utils import OperationalError
from playwright.sync_api import expect

from tests.e2e.error_urls import SERVER_ERROR_PATH
from tests.e2e.helpers import check_page, focused, tab_to

SITE_PAGES = [
    ("home", "/", 200),
    ("error-404", "/no-such-page/", 404),
    ("admin-login", "/admin/login/", 200),
]


class TestSitePage:
    @pytest.mark.parametrize("name, path, status", SITE_PAGES)
    def test_passes_the_reader_page_checks(self, page, network, name, path, status):
        """Accessible, keyboard-usable, no overflow, settled; screenshot kept."""
        assert page.goto(path).status == status
        check_page(page, network, name)

    def test_latest_link_is_marked_current_on_the_home_page(self, page):
        page.goto("/")
        expect(page.get_by_role("link", name="Latest")).to_have_attribute(
            "aria-current", "page"
        )

    def test_error_page_offers_a_way_back_by_keyboard(self, page, live_server):
        page.goto("/no-such-page/")
        page.get_by_role("link", name="Go to the latest stories").focus()
        assert focused(page)["href"] == "/"
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/")


@pytest.fixture
def failing_site(settings):
    """The site with one URL that raises, served as in production (DEBUG off)."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.e2e.error_urls"
    return SERVER_ERROR_PATH


class TestServerErrorPage:
    def test_passes_the_page_checks_that_apply(self, page, network, failing_site):
        """The self-contained 500 page has no header, so no skip link to check."""
        response = page.goto(failing_site)
        assert response.status == 500
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Something went wrong on our side"
        )
        assert "RuntimeError" not in response.text()  # no traceback for readers
        check_page(page, network, "error-500", skip_link=False)

    @pytest.mark.parametrize("viewport", ["desktop"])
    def test_offers_a_way_back_by_keyboard(self, page, live_server, failing_site):
        page.goto(failing_site)
        tab_to(page, lambda info: info["href"] == "/", "the link to the latest stories")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/")


class TestAnonymousReader:
    def test_pages_leave_no_cookie_in_the_browser(self, page, context):
        """A CDN may only cache pages whole when they set no cookie."""
        page.goto("/")
        page.goto("/no-such-page/")
        assert context.cookies() == []


@pytest.mark.parametrize("viewport", ["desktop"])
class TestStaffSignIn:
    def test_staff_signs_in_through_the_admin_form(self, page, staff_user):
        page.goto("/admin/")
        page.get_by_label("Username").fill(staff_user.username)
        page.get_by_label("Password").fill("a-long-test-password")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        expect(page.get_by_role("heading", name="Desk")).to_be_visible()

    def test_login_fixture_signs_in_without_the_form(self, page, login, staff_user):
        login(staff_user)
        page.goto("/admin/")
        expect(page.get_by_role("heading", name="Desk")).to_be_visible()


@pytest.fixture
def database_down():
    """Every query fails as it does when PostgreSQL is gone (in the live server too:
    it runs in this process)."""
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        yield


class TestDatabaseDownPage:
    def test_passes_the_reader_page_checks(self, page, network, database_down):
        """The 503 page keeps the site's header, footer and keyboard path."""
        response = page.goto("/")
        assert response.status == 503
        assert response.headers["retry-after"] == "30"
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "We’ll be back in a moment"
        )
        check_page(page, network, "error-503")
