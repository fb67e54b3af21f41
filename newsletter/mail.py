"""Building the newsletter's mails: subscriber notices and the digest.

Every mail is multipart (plain text and mail-client-safe HTML with absolute links)
and carries the reader's own unsubscribe link, also as the RFC 2369 List-Unsubscribe
header with RFC 8058's one-click List-Unsubscribe-Post.
"""

import email.message
import email.policy
import email.utils
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from core.links import absolute

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
        "signup_url": absolute(reverse("newsletter:signup")),
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
    return absolute(reverse("newsletter:signup"))


# Stand-ins written into the digest once and swapped for each reader's values. Plain
# ASCII words, so neither template escaping nor MIME encoding (8bit) alters them.
UNSUBSCRIBE_MARK = "NEWSLETTERUNSUBSCRIBEURL"
ADDRESS_MARK = "NEWSLETTERRECIPIENTADDRESS"
HTML_ADDRESS_MARK = "NEWSLETTERRECIPIENTADDRESSHTML"
TO_MARK = "NEWSLETTERTOHEADER"
MESSAGE_ID_MARK = "NEWSLETTERMESSAGEID"
_MARKS = re.compile(
    b"(%s)"
    % b"|".join(
        re.escape(mark.encode())
        for mark in sorted(
            (
                UNSUBSCRIBE_MARK,
                ADDRESS_MARK,
                HTML_ADDRESS_MARK,
                TO_MARK,
                MESSAGE_ID_MARK,
            ),
            key=len,
            reverse=True,
        )
    )
)
# SMTP allows lines of up to 998 octets; 8bit bodies avoid quoted-printable, whose
# soft line breaks could split a stand-in.
MIME_POLICY = email.policy.SMTP.clone(max_line_length=998)
LONGEST_LINE = 900

# The digest's column is 600px with 24px padding; pictures are sent larger for
# high-density screens (NEWSLETTER_THUMBNAIL_WIDTH) and shown at this width.
MAIL_IMAGE_WIDTH = 552


def _octets(text):
    return len(text.encode())


def _short_lines(text):
    """Break lines longer than SMTP allows at a space (whitespace in HTML and text)."""
    lines = []
    for line in text.splitlines():
        while _octets(line) > LONGEST_LINE:
            # The most characters whose UTF-8 fits in LONGEST_LINE octets.
            fits = len(line.encode()[:LONGEST_LINE].decode(errors="ignore"))
            cut = line.rfind(" ", 0, fits)
            cut = cut if cut > 0 else fits
            lines.append(line[:cut])
            line = line[cut:].lstrip(" ")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _packed_lines(html):
    """HTML with its lines joined up to LONGEST_LINE octets: a newline in HTML is
    just a space, and fewer, longer lines make the mail smaller and quicker to relay.
    """
    lines, current = [], ""
    for line in _short_lines(html).splitlines():
        line = line.strip()
        if current and _octets(current) + 1 + _octets(line) > LONGEST_LINE:
            lines.append(current)
            current = line
        else:
            current = f"{current} {line}" if current else line
    lines.append(current)
    return "\n".join(lines) + "\n"


def ascii_address(address):
    """The address as SMTP and headers take it: the domain in IDNA (punycode)."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


class PreparedEmail(EmailMultiAlternatives):
    """A ready-made MIME message that any mail backend can send or store.

    `body` and `alternatives` are filled from it for inspection (tests, console).
    """

    def __init__(self, raw, *, sender, to):
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        super().__init__(
            subject=str(parsed["Subject"]),
            body=parsed.get_body(("plain",)).get_content(),
            from_email=sender,
            to=[to],
        )
        self.attach_alternative(parsed.get_body(("html",)).get_content(), "text/html")
        self._parsed = parsed

    def message(self, *, policy=email.policy.default):
        return self._parsed


class Digest:
    """An issue rendered and MIME-encoded once, then personalised per reader.

    Building a Django EmailMessage per reader costs about 4 ms of CPU (header
    parsing and folding in the email package), which alone would cap a send near
    250 mails a second. The digest is instead encoded once with stand-ins, split
    at them, and each reader's copy is those bytes joined with their values.
    """

    def __init__(self, issue):
        self.issue = issue
        self.sender = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        self.host = _site_host()
        articles = list(issue.articles_for_mail())
        context = {
            "issue": issue,
            "stories": [_story(article) for article in articles],
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "signup_url": absolute(reverse("newsletter:signup")),
            "sent_on": timezone.localdate(),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        text = render_to_string(
            "newsletter/mail/digest.txt", {**context, "recipient": ADDRESS_MARK}
        )
        html = render_to_string(
            "newsletter/mail/digest.html", {**context, "recipient": HTML_ADDRESS_MARK}
        )
        # [bytes, mark, bytes, mark, ..., bytes]: marks sit at the odd positions.
        self._pieces = _MARKS.split(
            self._encode(_short_lines(text), _packed_lines(html))
        )

    def _encode(self, text, html):
        message = email.message.EmailMessage(policy=MIME_POLICY)
        message["Subject"] = self.issue.subject
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["To"] = TO_MARK
        sent = timezone.localtime() if settings.EMAIL_USE_LOCALTIME else timezone.now()
        message["Date"] = email.utils.format_datetime(sent)
        message["Message-ID"] = f"<{MESSAGE_ID_MARK}@{self.host}>"
        for name, value in list_headers(UNSUBSCRIBE_MARK).items():
            message[name] = value
        message.set_content(text, cte="8bit")
        message.add_alternative(html, subtype="html", cte="8bit")
        return message.as_bytes()

    def raw(self, address, unsubscribe_url, message_id):
        """One reader's copy, as the bytes that go over SMTP."""
        values = {
            UNSUBSCRIBE_MARK.encode(): unsubscribe_url.encode(),
            ADDRESS_MARK.encode(): address.encode(),
            HTML_ADDRESS_MARK.encode(): escape(address).encode(),
            TO_MARK.encode(): ascii_address(address).encode(),
            MESSAGE_ID_MARK.encode(): message_id.encode(),
        }
        pieces = self._pieces.copy()
        for i in range(1, len(pieces), 2):
            pieces[i] = values[pieces[i]]
        return b"".join(pieces)

    def message_id(self, key):
        """A unique left part for a Message-ID (`<left@site host>`)."""
        return f"{self.issue.pk}.{key}.{secrets.token_hex(6)}"

    def message(self, address, unsubscribe_url):
        """One reader's copy as a Django message, for any mail backend."""
        return PreparedEmail(
            self.raw(address, unsubscribe_url, self.message_id("x")),
            sender=settings.DEFAULT_FROM_EMAIL,
            to=address,
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
            "url": absolute(url),
            "alt": image.alt_text,
            "width": MAIL_IMAGE_WIDTH,
            "height": round(MAIL_IMAGE_WIDTH * 9 / 16),
        }
    return {
        "headline": article.public_headline,
        "standfirst": article.public_standfirst,
        "url": absolute(article.get_absolute_url()),
        "authors": [author.name for author in article.authors.all()],
        "publish_at": article.publish_at,
        "thumbnail": thumbnail,
    }
