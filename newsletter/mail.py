"""Building the newsletter's mails: subscriber notices and the digest.

Every mail is multipart (plain text and mail-client-safe HTML with absolute links)
and carries the reader's own unsubscribe link, also as the RFC 2369 List-Unsubscribe
header with RFC 8058's one-click List-Unsubscribe-Post.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

SUBSCRIBER_MAILS = {
    "confirm": "Please confirm your {site} newsletter signup",
    "already": "You're already on the {site} newsletter",
    "welcome": "Welcome to the {site} newsletter",
}


def list_headers(unsubscribe_url):
    return {
        "List-Id": f"{settings.SITE_NAME} newsletter <newsletter.{_site_host()}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _site_host():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _multipart(subject, text, html, to, headers):
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def subscriber_message(subscriber, kind):
    """The confirm / already / welcome mail for one subscriber."""
    unsubscribe_url = subscriber.get_unsubscribe_url()
    context = {
        "kind": kind,
        "subscriber": subscriber,
        "confirm_url": subscriber.get_confirm_url() if kind == "confirm" else "",
        "confirm_days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400,
        "unsubscribe_url": unsubscribe_url,
        "signup_url": settings.SITE_URL + reverse("newsletter:signup"),
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    return _multipart(
        SUBSCRIBER_MAILS[kind].format(site=settings.SITE_NAME),
        render_to_string(f"newsletter/mail/{kind}.txt", context),
        render_to_string(f"newsletter/mail/{kind}.html", context),
        subscriber.email,
        list_headers(unsubscribe_url),
    )


def preview_unsubscribe_url():
    """Previews and test sends go to editors, who are not subscribers."""
    return settings.SITE_URL + reverse("newsletter:signup")


# Stand-ins rendered into the digest once, swapped for each reader's values. They are
# plain ASCII words, so the templates' escaping leaves them untouched.
UNSUBSCRIBE_MARK = "NEWSLETTERUNSUBSCRIBEURL"
ADDRESS_MARK = "NEWSLETTERRECIPIENTADDRESS"
# The digest's column is 600px with 24px padding; pictures are sent larger for
# high-density screens (NEWSLETTER_THUMBNAIL_WIDTH) and shown at this width.
MAIL_IMAGE_WIDTH = 552


class Digest:
    """An issue rendered once, then personalised per reader by substitution.

    Rendering templates per reader would cap a send at a few hundred mails a
    second; swapping two marks in ready text is what keeps a 100,000-reader send
    within minutes.
    """

    def __init__(self, issue):
        self.issue = issue
        articles = list(issue.articles_for_mail())
        context = {
            "issue": issue,
            "stories": [_story(article) for article in articles],
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "recipient": ADDRESS_MARK,
            "signup_url": settings.SITE_URL + reverse("newsletter:signup"),
            "sent_on": timezone.localdate(),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        self.text = render_to_string("newsletter/mail/digest.txt", context)
        self.html = render_to_string("newsletter/mail/digest.html", context)

    def message(self, email, unsubscribe_url):
        def personal(template, address):
            return template.replace(UNSUBSCRIBE_MARK, unsubscribe_url).replace(
                ADDRESS_MARK, address
            )

        return _multipart(
            self.issue.subject,
            personal(self.text, email),
            personal(self.html, escape(email)),
            email,
            list_headers(unsubscribe_url),
        )


def _story(article):
    """What the digest prints for one article, with absolute URLs."""
    image = article.hero_image
    thumbnail = None
    if image is not None:
        url = image.rendition_url(
            settings.NEWSLETTER_THUMBNAIL_WIDTH, shape="16:9", fmt="jpeg"
        )
        thumbnail = {
            "url": url if "://" in url else settings.SITE_URL + url,
            "alt": image.alt_text,
            "width": MAIL_IMAGE_WIDTH,
            "height": round(MAIL_IMAGE_WIDTH * 9 / 16),
        }
    return {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "url": settings.SITE_URL + article.get_absolute_url(),
        "authors": [author.name for author in article.authors.all()],
        "publish_at": article.publish_at,
        "thumbnail": thumbnail,
    }
