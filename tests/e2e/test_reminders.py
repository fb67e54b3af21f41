"""Story reminders in Chromium: nothing is asked on page load; pressing "Get reminders"
asks for permission, registers the service worker and subscribes; a story about the
show then reaches the (local) push service; pressing again stops it.

No push service can be reached from here, so the page's ``pushManager.subscribe`` and
the notification permission are stubbed: they hand over a subscription of the local
push service on 127.0.0.1 (tests/receivers.py), whose keys the test holds, so the
delivered push is decrypted and its VAPID signature checked. The service worker is
Chromium's own.
"""

import json

import pytest
from playwright.sync_api import expect

from articles.models import Article, Status
from reminders import vapid
from reminders.models import Subscription
from shows.models import Show
from tests.e2e.helpers import SCREENSHOT_DIR, check_page
from tests.factories import make_article
from tests.receivers import PushService

SUBJECT = "mailto:desk@example.com"

# Records permission requests and answers "granted"; subscribe() returns the local
# push service's subscription (what a browser vendor's service would hand out).
STUB_PUSH = """
(() => {
  // A granted permission and the subscription outlive a reload, as in a browser.
  const kept = (name) => sessionStorage.getItem("stub:" + name);
  const keep = (name, value) => sessionStorage.setItem("stub:" + name, value);
  window.__permissionRequests = 0;
  Object.defineProperty(Notification, "permission", {
    get: () => kept("permission") || "default", configurable: true,
  });
  Notification.requestPermission = () => {
    window.__permissionRequests += 1;
    keep("permission", "granted");
    return Promise.resolve("granted");
  };
  const json = %s;
  const subscription = (key) => ({
    endpoint: json.endpoint,
    options: {applicationServerKey: key},
    toJSON: () => json,
    unsubscribe: () => { keep("subscribed", ""); return Promise.resolve(true); },
  });
  PushManager.prototype.getSubscription = () =>
    Promise.resolve(kept("subscribed") ? subscription(null) : null);
  PushManager.prototype.subscribe = function (options) {
    keep("subscribed", "1");
    return Promise.resolve(subscription(options.applicationServerKey.buffer));
  };
})();
"""


@pytest.fixture
def push_service(settings):
    pair = vapid.KeyPair.generate()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair.public, pair.private
    settings.VAPID_SUBJECT = SUBJECT
    settings.PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    service = PushService(vapid_public_key=pair.public, subject=SUBJECT)
    yield service
    service.close()


def screenshot_path(state):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"reminders-control-{state}.png"


def registration(page):
    return page.evaluate(
        """async () => {
          const r = await navigator.serviceWorker.getRegistration("/");
          const worker = r && (r.active || r.installing || r.waiting);
          return r ? (worker ? worker.scriptURL : "") : null;
        }"""
    )


class TestReminders:
    @pytest.mark.parametrize(
        "name, path",
        [
            ("reminders-show", "/shows/heartstopper/"),
            ("reminders-topic", "/topics/netflix/"),
            (
                "reminders-article",
                "/articles/netflix-renews-heartstopper-for-two-more-seasons/",
            ),
        ],
    )
    def test_pages_with_the_control_pass_the_reader_page_checks(
        self, page, network, demo, push_service, name, path
    ):
        page.goto(path)
        expect(page.get_by_role("heading", name="Story reminders")).to_be_visible()
        check_page(page, network, name)

    @pytest.mark.parametrize("viewport", ["desktop"])
    def test_permission_only_after_the_press_then_a_story_arrives(
        self, page, demo, push_service, viewport
    ):
        browser = push_service.subscribe()
        page.add_init_script(STUB_PUSH % json.dumps(browser.subscription_json()))
        page.goto("/shows/heartstopper/")
        button = page.get_by_role("button", name="Get reminders")
        expect(button).to_have_attribute("aria-pressed", "false")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__permissionRequests") == 0
        assert registration(page) is None  # nothing registered on page load

        button.click()
        status = page.get_by_role("status")
        expect(status).to_have_text(
            "Reminders are on for Heartstopper. Press again to stop."
        )
        expect(button).to_have_attribute("aria-pressed", "true")
        page.locator("[data-reminders]").screenshot(path=screenshot_path("on"))
        assert page.evaluate("window.__permissionRequests") == 1
        assert registration(page).endswith("/sw.js")
        stored = Subscription.objects.get()
        assert stored.endpoint == browser.endpoint
        assert [s.slug for s in stored.shows.all()] == ["heartstopper"]

        story = make_article(
            status=Status.DRAFT,
            headline="Heartstopper wraps filming on the new season",
            standfirst="The cast said goodbye to the set this week.",
            shows=[Show.objects.get(slug="heartstopper")],
        )
        story.status = Status.PUBLISHED
        story.save()  # commits: the story goes live and the reminder goes out
        push_service.wait_for(1)
        assert push_service.errors == []
        [(_path, payload)] = push_service.delivered
        assert payload["title"] == "Heartstopper wraps filming on the new season"
        assert payload["url"].endswith(story.get_absolute_url())

        page.reload()  # the state comes back from the browser itself
        expect(button).to_have_attribute("aria-pressed", "true")
        button.click()
        expect(status).to_have_text("Reminders are off.")
        expect(button).to_have_attribute("aria-pressed", "false")
        assert not Subscription.objects.exists()
        assert Article.objects.get(pk=story.pk).announced_at is not None
