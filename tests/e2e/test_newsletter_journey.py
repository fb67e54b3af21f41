"""A fan signs up, confirms from the mail, and later leaves with one button press."""

import re

from playwright.sync_api import expect

from newsletter.models import Subscriber
from tests.e2e.helpers import check_page, link_in_mail


class TestNewsletterJourney:
    def test_sign_up_confirm_from_the_mail_then_unsubscribe(
        self, page, network, mailoutbox
    ):
        page.goto("/newsletter/")
        check_page(page, network, "newsletter")
        form = page.locator("main form")
        form.get_by_label("Your e-mail address").fill("fan@example.com")
        form.get_by_role("button", name="Sign up").click()
        expect(page).to_have_url(re.compile(r"/newsletter/check-your-inbox/$"))
        check_page(page, network, "newsletter-check-inbox")

        [confirm_mail] = mailoutbox
        page.goto(link_in_mail(confirm_mail, "/newsletter/confirm/"))
        check_page(page, network, "newsletter-confirm")
        page.get_by_role("button", name="Yes, send me the newsletter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you, you're subscribed"
        )
        assert Subscriber.objects.get().status == "confirmed"

        welcome = mailoutbox[-1]
        page.goto(link_in_mail(welcome, "/newsletter/unsubscribe/"))
        check_page(page, network, "newsletter-unsubscribe")
        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
        assert Subscriber.objects.get().status == "unsubscribed"
