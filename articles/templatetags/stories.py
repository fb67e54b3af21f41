from urllib.parse import quote, urlencode

from django import template

from core.links import absolute

register = template.Library()


@register.inclusion_tag("articles/partials/share_links.html")
def share_links(article):
    """Plain share links: no third-party script, nothing loads until clicked."""
    url = absolute(article.get_absolute_url())
    title = article.public_headline
    return {
        "links": [
            (
                "X",
                "https://x.com/intent/post?" + urlencode({"url": url, "text": title}),
            ),
            (
                "Facebook",
                "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
            ),
            ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{title} {url}"})),
            (
                "Bluesky",
                "https://bsky.app/intent/compose?"
                + urlencode({"text": f"{title} {url}"}),
            ),
            (
                "E-mail",
                f"mailto:?subject={quote(title)}&body={quote(url)}",
            ),
        ]
    }
