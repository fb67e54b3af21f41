from django.utils.text import Truncator

from core.links import absolute

ICON_WIDTH = 160  # a small square of the hero picture: notifications show it small


def story_payload(article):
    """What the service worker shows (templates/reminders/sw.js): well under the
    4 KB a push may carry, whatever the headline and standfirst. A reminder reaches
    people who have not opened the story: it carries the public (spoiler-free until
    the spoilers lift) headline and standfirst."""
    payload = {
        "title": Truncator(article.public_headline).chars(120),
        "body": Truncator(article.public_standfirst).chars(240),
        "url": absolute(article.get_absolute_url()),
        "tag": f"story-{article.pk}",
    }
    if article.hero_image:
        payload["icon"] = absolute(
            article.hero_image.rendition_url(ICON_WIDTH, shape="1:1")
        )
    return payload
