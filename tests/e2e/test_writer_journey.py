"""A writer files a story through the admin, an editor publishes it, readers see it on
the home page and in the RSS feed the home page advertises."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from articles.models import Article, Status
from tests.e2e.helpers import check_page
from tests.factories import make_author, make_user

HEADLINE = "Heartstopper's second season starts filming"
TRAILER = "https://www.youtube.com/watch?v=Xq2b3NOHWJc"
ALT = "The cast on set in a school corridor"


def sign_in(page, user):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Desk")).to_be_visible()


def paste(page, locator, text):
    """Paste text as a reader's clipboard would hand it to the editor."""
    locator.evaluate(
        """(element, text) => {
          const data = new DataTransfer();
          data.setData('text/plain', text);
          element.dispatchEvent(new ClipboardEvent('paste', {
            clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )


def pick(page, field_id, search):
    """Choose the one option an admin autocomplete (select2) search finds."""
    page.locator(f"#{field_id} + .select2").click()
    page.locator(".select2-search__field").last.fill(search)
    option = page.locator(
        ".select2-results__option:not(.loading-results):not(.select2-results__message)"
    )
    expect(option).to_have_count(1)  # the search found exactly the one meant
    option.click()


def feed_items(page):
    """The items of the RSS feed the current page links to, by title.

    Fetched as a feed reader would: anonymously, past the browser's cache.
    """
    feed = page.locator('head link[rel=alternate][type="application/rss+xml"]')
    response = page.request.get(feed.get_attribute("href"))
    assert response.ok, f"{response.url} answered {response.status}"
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.body()).find("channel")  # noqa: S314 - our own
    return {item.findtext("title"): item for item in channel.iter("item")}


@pytest.mark.parametrize("viewport", ["desktop"])  # the desk works on a computer
class TestWriterJourney:
    def test_writer_submits_editor_publishes_readers_see_it(
        self, page, network, context, login, tmp_path
    ):
        writer = make_user("writer")
        make_author("Grace Morris", user=writer)
        editor = make_user("editor")
        hero = tmp_path / "set.jpg"
        Image.new("RGB", (1600, 900), "#b3122e").save(hero)

        sign_in(page, writer)
        page.goto("/admin/images/image/add/")
        page.get_by_label("File").set_input_files(hero)
        page.get_by_label("Alt text").fill(ALT)
        page.get_by_label("Caption").fill("Filming has begun.")
        page.get_by_role("textbox", name="Credit:", exact=True).fill("Netflix")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist .success")).to_be_visible()

        page.goto("/admin/articles/article/add/")
        # exact: the form also has a "Spoiler-free headline" and "…standfirst".
        page.get_by_label("Headline:", exact=True).fill(HEADLINE)
        page.get_by_label("Standfirst:", exact=True).fill(
            "Cameras are rolling on Nick and Charlie."
        )
        body = page.locator(".ProseMirror[contenteditable=true]")
        body.click()
        page.keyboard.type("The cast is back at Truham for a second run.")
        page.keyboard.press("Enter")
        paste(page, body, TRAILER)
        pick(page, "id_hero_image", "school corridor")
        page.get_by_role("button", name="Save and submit for review").click()
        expect(page.locator(".messagelist .success")).to_be_visible()
        article = Article.objects.get(headline=HEADLINE)
        assert article.status == Status.REVIEW

        # The writer cannot publish: no status control, no publish action.
        page.goto(f"/admin/articles/article/{article.pk}/change/")
        expect(page.locator("#id_status")).to_have_count(0)
        page.goto("/admin/articles/article/")
        actions = page.locator("select[name=action] option").all_inner_texts()
        assert not [a for a in actions if re.search(r"\bpublish", a, re.I)], actions

        context.clear_cookies()
        page.goto("/")
        assert HEADLINE not in feed_items(page), "in the feed before it is published"
        login(editor)
        page.goto(f"/admin/articles/article/{article.pk}/change/")
        page.get_by_label("Status").select_option(Status.PUBLISHED)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist .success")).to_be_visible()

        context.clear_cookies()
        page.goto("/")
        page.get_by_role("link", name=HEADLINE).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINE)
        picture = page.get_by_role("img", name=ALT)
        expect(picture).to_be_visible()
        expect(page.locator("figure", has=picture)).to_contain_text("Netflix")
        expect(page.get_by_role("button", name=re.compile(r"^Play: "))).to_be_visible()
        check_page(page, network, "article-from-the-desk")
        assert network.to_host("youtube") == []

        page.goto("/")
        item = feed_items(page).get(HEADLINE)
        assert item is not None, "the published story is not in the latest feed"
        assert urlsplit(item.findtext("link")).path == article.get_absolute_url()
        media = item.find("{http://search.yahoo.com/mrss/}content")
        assert media.findtext("{http://search.yahoo.com/mrss/}description") == ALT
        assert media.findtext("{http://search.yahoo.com/mrss/}credit") == "Netflix"
