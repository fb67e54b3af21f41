from django import template

from reminders import vapid

register = template.Library()


@register.inclusion_tag("reminders/partials/control.html")
def reminders_control(*, show=None, topic=None, article=None):
    """The "Get reminders" control for a show, a topic, or a story's shows and topics.

    {% reminders_control show=show %}. For a story it reads `article.shows.all` and
    `article.topics.all`, which the article page prefetches: no query. Prints nothing
    when reminders are off (no VAPID keys) or there is nothing to follow. The same
    for every reader (state lives in the browser), so the page stays cacheable.
    """
    items = []
    if show is not None:
        items.append({"kind": "show", "slug": show.slug, "name": show.title})
    if topic is not None:
        items.append({"kind": "topic", "slug": topic.slug, "name": topic.name})
    if article is not None:
        items += [
            {"kind": "show", "slug": s.slug, "name": s.title}
            for s in article.shows.all()
        ]
        items += [
            {"kind": "topic", "slug": t.slug, "name": t.name}
            for t in article.topics.all()
        ]
    return {"items": items, "public_key": vapid.public_key() if items else ""}
