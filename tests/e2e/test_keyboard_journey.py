"""A reader who uses only the keyboard: from a story to its topic, on to another
story, then signing up for the newsletter from that story. No click, no ``fill``: Tab,
Enter and typed keys only, with focus visible at every stop it is looked for.
"""

import re

from playwright.sync_api import expect

from articles.models import Article
from newsletter.models import Subscriber
from tests.e2e.helpers import focus_top, tab_to


def story_with_topics():
    return Article.objects.published().filter(topics__isnull=False).latest()


def main_link_to(prefix, *, besides=()):
    """A test for ``tab_to``: a link in <main> to a page under ``prefix``."""

    def wanted(info):
        href = info["href"] or ""
        return (
            info["inMain"]
            and href.startswith(prefix)
            and href not in (prefix, *besides)
        )

    return wanted


def signup(part):
    """A test for ``tab_to``: the signup form's ``email`` field or ``submit`` button,
    wherever the page places the form (its ids are ``nl-<placement>-<part>``)."""
    return lambda info: re.fullmatch(rf"nl-[\w-]+-{part}", info["id"]) is not None


def follow(page, live_server, info):
    """Press Enter on the focused link; the browser arrives where it pointed."""
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + info["href"])
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    focus_top(page)


class TestKeyboardOnlyReader:
    def test_story_to_topic_to_story_then_newsletter_signup(
        self, page, live_server, mailoutbox, demo
    ):
        first = story_with_topics().get_absolute_url()
        page.goto(first)
        focus_top(page)

        topic = tab_to(page, main_link_to("/topics/"), "a topic link in the story")
        follow(page, live_server, topic)

        story = tab_to(
            page, main_link_to("/articles/", besides=[first]), "another story"
        )
        follow(page, live_server, story)

        field = tab_to(page, signup("email"), "the newsletter's e-mail field")
        page.keyboard.type("keys@example.com")
        tab_to(page, signup("submit"), "the newsletter's Sign up button")
        page.keyboard.press("Enter")

        expect(page).to_have_url(re.compile(r"/newsletter/check-your-inbox/$"))
        subscriber = Subscriber.objects.get()
        placement = field["id"].removeprefix("nl-").removesuffix("-email")
        assert (subscriber.email, subscriber.source) == ("keys@example.com", placement)
        [mail] = mailoutbox
        assert mail.to == ["keys@example.com"]
