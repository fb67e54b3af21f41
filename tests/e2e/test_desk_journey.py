"""Two people at the desk open the same story: each sees the other, the second save is
refused with the other's changes shown and nothing lost, and a closed tab's text comes
back from its autosave. Then the editorial calendar, at both widths."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Status
from desk.models import Autosave
from shows.models import Season
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.helpers import (
    assert_no_horizontal_overflow,
    axe,
    focus_top,
    screenshot,
    tab_to,
)
from tests.factories import make_article, make_author, make_show, make_user


@pytest.fixture
def quick_desk(settings):
    """Heartbeats and autosaves every second, so the test need not wait 30."""
    settings.DESK_HEARTBEAT_SECONDS = 1
    settings.DESK_AUTOSAVE_SECONDS = 1


def signed_in_context(browser, live_server, settings, user, viewport="desktop"):
    """A second person's browser: their own context and session cookie."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[viewport], locale="en-GB"
    )
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )
    return context


def axe_desk(page):
    """axe on what the desk adds to the change page (the admin's own widgets, such
    as select2 and the byline inline, are not the desk's to fix)."""
    axe(page, context="#desk-status")
    axe(page, context="#desk-discover")


def body_editor(page):
    return page.locator(".ProseMirror[contenteditable=true]")


@pytest.mark.parametrize("viewport", ["desktop"])  # the desk works on a computer
class TestTwoPeopleOneStory:
    def test_presence_conflict_and_autosave(
        self, page, network, login, browser, live_server, settings, quick_desk
    ):
        grace = make_user("writer")
        make_author("Grace Morris", user=grace)
        priya = make_user("editor")
        make_author("Priya Shah", user=priya)
        article = make_article(
            status=Status.DRAFT,
            authors=[grace.author],
            headline="Heartstopper renewed",
            standfirst="Two more seasons.",
            body="<p>Netflix has renewed the show.</p>",
        )
        change = f"/admin/articles/article/{article.pk}/change/"

        # Grace opens her draft.
        login(grace)
        page.goto(change)
        expect(page.get_by_label("Headline:", exact=True)).to_have_value(
            "Heartstopper renewed"
        )

        # Priya opens it too and sees Grace at once; Grace sees Priya live.
        other = signed_in_context(browser, live_server, settings, priya)
        try:
            priya_page = other.new_page()
            errors = []
            priya_page.on("pageerror", lambda error: errors.append(str(error)))
            priya_page.goto(change)
            presence = priya_page.locator("#desk-presence")
            expect(presence).to_contain_text("Grace Morris is editing this story")
            expect(presence).to_contain_text("last active")
            expect(priya_page.get_by_role("button", name="Take over")).to_be_visible()
            expect(page.locator("#desk-presence")).to_contain_text(
                "Priya Shah is editing this story"
            )
            # A writer is not offered a takeover.
            expect(page.get_by_role("button", name="Take over")).to_be_hidden()
            axe_desk(priya_page)
            screenshot(priya_page, "desk-someone-else-is-editing")

            # Priya works on the standfirst; Grace saves a new headline first.
            priya_page.get_by_label("Standfirst:", exact=True).fill(
                "Seasons four and five are coming."
            )
            page.get_by_label("Headline:", exact=True).fill(
                "Heartstopper renewed for two more seasons"
            )
            page.get_by_role("button", name="Save and continue editing").click()
            expect(page.locator(".messagelist .success")).to_be_visible()

            # Priya's page learns of it from its heartbeat, then her save is refused.
            expect(priya_page.locator("#desk-notice")).to_contain_text(
                "Grace Morris saved this story at"
            )
            priya_page.get_by_role("button", name="Save", exact=True).click()
            expect(priya_page.locator(".errornote")).to_be_visible()
            expect(priya_page.locator(".errorlist")).to_contain_text(
                "Nothing was saved: your text is still in the form below."
            )
            comparison = priya_page.locator(".desk-conflict")
            expect(comparison).to_contain_text("What Grace Morris changed")
            expect(comparison).to_contain_text(
                "Heartstopper renewed for two more seasons"
            )
            expect(priya_page.get_by_label("Standfirst:", exact=True)).to_have_value(
                "Seasons four and five are coming."
            )
            # One line per person, however many tabs they went through.
            expect(priya_page.locator("#desk-presence-list li")).to_have_count(1)
            # The previews follow the form, which now holds Grace's headline.
            expect(
                priya_page.locator('[data-desk-preview="share-title"]')
            ).to_have_text("Heartstopper renewed for two more seasons")
            axe_desk(priya_page)
            screenshot(priya_page, "desk-save-refused")
            article.refresh_from_db()
            assert article.headline == "Heartstopper renewed for two more seasons"
            assert article.standfirst == "Two more seasons."

            # Priya adds a sentence, it is autosaved, and she closes the tab.
            def autosaved_all(response):
                posted = response.request.post_data or ""
                return "/desk/autosave/" in response.url and "the spring." in posted

            with priya_page.expect_response(autosaved_all) as autosaved:
                body_editor(priya_page).click()
                priya_page.keyboard.press("End")
                priya_page.keyboard.press("Enter")
                priya_page.keyboard.type("Filming starts in the spring.")
            assert autosaved.value.ok
            saved = Autosave.objects.get(article=article, user=priya)
            assert "Filming starts in the spring." in saved.data["body"]
            priya_page.close()
            assert Article.objects.get(pk=article.pk).body.count("Filming") == 0

            # Reopened, the story offers her text back, with what differs.
            priya_page = other.new_page()
            priya_page.on("pageerror", lambda error: errors.append(str(error)))
            priya_page.goto(change)
            offer = priya_page.locator(".desk-autosave")
            expect(offer).to_contain_text("You have unsaved text from")
            expect(offer).to_contain_text("Filming starts in the spring.")
            axe_desk(priya_page)
            screenshot(priya_page, "desk-autosave-offer")
            offer.get_by_role("link", name="Restore it into the form").click()
            expect(priya_page.locator(".desk-restored")).to_be_visible()
            expect(body_editor(priya_page)).to_contain_text(
                "Filming starts in the spring."
            )
            expect(priya_page.get_by_label("Standfirst:", exact=True)).to_have_value(
                "Seasons four and five are coming."
            )
            priya_page.get_by_role("button", name="Save", exact=True).click()
            expect(priya_page.locator(".messagelist .success")).to_be_visible()
            article.refresh_from_db()
            assert "Filming starts in the spring." in article.body
            assert article.headline == "Heartstopper renewed for two more seasons"
            assert not Autosave.objects.filter(article=article).exists()
        finally:
            other.close()
        assert errors == []


class TestCalendarPage:
    def test_month_and_week_views(self, page, network, login):
        editor = make_user("editor")
        make_author("Priya Shah", user=editor)
        today = timezone.localdate()
        make_article(
            headline="Season four trailer drops",
            publish_at=timezone.now() + timedelta(days=2),
        )
        make_article(
            headline="Review: the finale", status=Status.REVIEW, target_date=today
        )
        show = make_show("Heartstopper")
        Season.objects.create(show=show, number=4, release_date=today)
        login(editor)
        page.goto("/admin/articles/article/calendar/")
        expect(page.get_by_role("link", name="Review: the finale")).to_be_visible()
        expect(page.locator(".desk-calendar")).to_contain_text(
            "Heartstopper season 4 premieres"
        )
        axe(page)
        assert_no_horizontal_overflow(page)
        screenshot(page, "desk-calendar-month")
        page.get_by_role("link", name="Week", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("^Week of"))).to_be_visible()
        axe(page)
        assert_no_horizontal_overflow(page)
        screenshot(page, "desk-calendar-week")
        # Keyboard: open a story's reschedule form and reach its fields.
        focus_top(page)
        tab_to(page, lambda info: info["tag"] == "summary", "the Reschedule control")
        page.keyboard.press("Enter")
        field = tab_to(page, lambda info: info["tag"] == "input", "the new date field")
        assert field["text"] == today.isoformat()
        tab_to(page, lambda info: info["text"] == "Move", "the Move button")
        network.assert_all_local()
