"""The editorial calendar: stories and show dates between two days, and their
iCalendar feed.

Stories: scheduled and published ones on their publish time, drafts and stories in
review on their target date. Show dates: season premieres, renewals (a season's
"announced on" day), a new show's premiere and, where the shows app has episodes,
episode air dates. A fixed number of queries whatever the number of entries.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from articles.models import Article, Status
from authors.models import Author
from desk.services import day_start, version_token
from shows.models import Season, Show

KINDS = {
    "scheduled": gettext_lazy("Scheduled"),
    "published": gettext_lazy("Published"),
    "review": gettext_lazy("In review"),
    "draft": gettext_lazy("Draft"),
    "premiere": gettext_lazy("Premiere"),
    "episode": gettext_lazy("Episode"),
    "renewal": gettext_lazy("Renewal"),
}
STORY_KINDS = {"scheduled", "published", "review", "draft"}


@dataclass
class Entry:
    day: date
    kind: str
    title: str
    url: str
    uid: str
    moment: datetime | None = None  # stories with a publish time; else all day
    article: Article | None = None
    show: Show | None = None

    @property
    def label(self):
        return KINDS[self.kind]

    @property
    def is_story(self):
        return self.kind in STORY_KINDS

    @property
    def can_move(self):
        """Scheduled stories and planned ones; live stories stay where they are."""
        return self.kind in {"scheduled", "review", "draft"}

    @property
    def version(self):
        return version_token(self.article) if self.article else ""

    @property
    def byline(self):
        if self.article is None:
            return ""
        return ", ".join(author.name for author in self.article.authors.all())


@dataclass
class Span:
    """The days one calendar page shows, and the days its neighbours are about."""

    view: str  # "month" or "week"
    day: date
    start: date
    end: date  # excluded
    before: date
    after: date

    @classmethod
    def around(cls, day, view="month"):
        if view == "week":
            start, end = week_range(day)
            before, after = day - timedelta(days=7), day + timedelta(days=7)
        else:
            start, end = month_range(day)
            first = day.replace(day=1)
            before = (first - timedelta(days=1)).replace(day=1)
            after = (first + timedelta(days=32)).replace(day=1)
        return cls(view, day, start, end, before, after)

    def weeks(self, found):
        """[[(day, [entries])] × 7] for each week shown."""
        days = by_day(found)
        shown = [
            self.start + timedelta(days=n) for n in range((self.end - self.start).days)
        ]
        return [
            [(day, days.get(day, [])) for day in shown[i : i + 7]]
            for i in range(0, len(shown), 7)
        ]


def month_range(day):
    """(first Monday shown, day after the last Sunday shown) for day's month."""
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = next_month - timedelta(days=1)
    end = last + timedelta(days=7 - last.weekday())
    return start, end


def week_range(day):
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def stories(start, end, *, topic=None, show=None, writer=None):
    """Stories placed between `start` and `end` (days, end excluded)."""
    window = Q(
        status=Status.PUBLISHED,
        publish_at__gte=day_start(start),
        publish_at__lt=day_start(end),
    ) | Q(
        status__in=[Status.DRAFT, Status.REVIEW],
        target_date__gte=start,
        target_date__lt=end,
    )
    found = Article.objects.filter(window)
    if topic is not None:
        found = found.filter(topics=topic)
    if show is not None:
        found = found.filter(shows=show)
    if writer is not None:
        found = found.filter(authors=writer)
    return found.defer("body", "body_html").prefetch_related(
        Prefetch("authors", queryset=Author.objects.order_by("byline__position"))
    )


def _story_entry(article, now):
    url = reverse("admin:articles_article_change", args=[article.pk])
    uid = f"story-{article.pk}"
    if article.status == Status.PUBLISHED:
        moment = timezone.localtime(article.publish_at)
        kind = "scheduled" if article.publish_at > now else "published"
        return Entry(moment.date(), kind, article.headline, url, uid, moment, article)
    kind = "review" if article.status == Status.REVIEW else "draft"
    return Entry(article.target_date, kind, article.headline, url, uid, None, article)


def show_dates(start, end, *, show=None):
    """Premieres, renewals and episode air dates between `start` and `end`."""
    found = []
    seasons = Season.objects.filter(
        Q(release_date__gte=start, release_date__lt=end)
        | Q(announced_on__gte=start, announced_on__lt=end)
    ).select_related("show")
    if show is not None:
        seasons = seasons.filter(show=show)
    for season in seasons:
        url = reverse("admin:shows_show_change", args=[season.show_id])
        title = season.show.title
        if season.release_date and start <= season.release_date < end:
            found.append(
                Entry(
                    season.release_date,
                    "premiere",
                    _("%(show)s season %(number)s premieres")
                    % {"show": title, "number": season.number},
                    url,
                    f"season-{season.pk}-premiere",
                    show=season.show,
                )
            )
        if season.announced_on and start <= season.announced_on < end:
            text = (
                _("%(show)s ordered")
                if season.number == 1
                else _("%(show)s renewed for season %(number)s")
            )
            found.append(
                Entry(
                    season.announced_on,
                    "renewal",
                    text % {"show": title, "number": season.number},
                    url,
                    f"season-{season.pk}-renewal",
                    show=season.show,
                )
            )
    # A show's own premiere, unless its first season already marks that day.
    first_season_that_day = Season.objects.filter(
        show=OuterRef("pk"), number=1, release_date=OuterRef("premiere_date")
    )
    premieres = Show.objects.filter(
        premiere_date__gte=start, premiere_date__lt=end
    ).exclude(Exists(first_season_that_day))
    if show is not None:
        premieres = premieres.filter(pk=show.pk)
    for premiere in premieres:
        found.append(
            Entry(
                premiere.premiere_date,
                "premiere",
                _("%(show)s premieres") % {"show": premiere.title},
                reverse("admin:shows_show_change", args=[premiere.pk]),
                f"show-{premiere.pk}-premiere",
                show=premiere,
            )
        )
    found.extend(episode_dates(start, end, show=show))
    return found


def episode_dates(start, end, *, show=None):
    """Episodes first aired between `start` and `end`, once shows has episodes.

    Looked up by name, so the calendar works before and after `shows.Episode`
    (season, number, title, first_aired) exists.
    """
    try:
        episode_model = apps.get_model("shows", "Episode")
    except LookupError:
        return []
    episodes = episode_model.objects.filter(
        first_aired__gte=start, first_aired__lt=end
    ).select_related("season__show")
    if show is not None:
        episodes = episodes.filter(season__show=show)
    return [
        Entry(
            episode.first_aired,
            "episode",
            _("%(show)s S%(season)sE%(number)s: %(title)s")
            % {
                "show": episode.season.show.title,
                "season": episode.season.number,
                "number": episode.number,
                "title": episode.title,
            },
            reverse("admin:shows_show_change", args=[episode.season.show_id]),
            f"episode-{episode.pk}",
            show=episode.season.show,
        )
        for episode in episodes
    ]


def entries(start, end, *, topic=None, show=None, writer=None, what=""):
    """Everything on the calendar between `start` and `end`, in day and time order.

    Topic and writer narrow the stories; a show narrows both; what="stories"
    leaves the show dates out.
    """
    now = timezone.now()
    found = [
        _story_entry(article, now)
        for article in stories(start, end, topic=topic, show=show, writer=writer)
    ]
    if what != "stories":
        found.extend(show_dates(start, end, show=show))
    return sorted(
        found,
        key=lambda entry: (
            entry.day,
            entry.moment is not None,
            entry.moment.timestamp() if entry.moment else 0,
            entry.title,
        ),
    )


def by_day(found):
    days = defaultdict(list)
    for entry in found:
        days[entry.day].append(entry)
    return days


# --- iCalendar ------------------------------------------------------------------------
FEED_DAYS_BEFORE = 30
FEED_DAYS_AFTER = 180


def ical(found, *, name, site_url, domain):
    """An RFC 5545 calendar of `found`: timed events for stories with a publish time,
    all-day events for the rest."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{name}//Editorial calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("%(site)s editorial calendar") % {"site": name})
    stamp = timezone.now()
    for entry in found:
        event = Event()
        event.add("uid", f"{entry.uid}@{domain}")
        event.add("dtstamp", stamp)
        event.add("summary", f"{entry.label}: {entry.title}")
        if entry.moment is not None:
            event.add("dtstart", entry.moment)
            event.add("dtend", entry.moment + timedelta(minutes=30))
        else:
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + timedelta(days=1))
        event.add("url", site_url + entry.url)
        if entry.byline:
            event.add("description", _("By %(names)s") % {"names": entry.byline})
        calendar.add_component(event)
    return calendar.to_ical()
