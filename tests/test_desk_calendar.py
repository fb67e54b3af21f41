"""The editorial calendar: what it shows, who may move what, and its iCalendar feed."""

import io
from datetime import date, datetime, timedelta

import icalendar
import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Status
from desk import calendar, services
from desk.models import CalendarFeed
from shows.models import Season
from tests.factories import make_article, make_author, make_show, make_topic, make_user

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/articles/article/calendar/"


def at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())).replace(
        hour=hour
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def editor():
    user = make_user("editor")
    make_author("Priya Shah", user=user)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def writer():
    user = make_user("writer")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def desk_month(today):
    """One of everything the calendar shows, in the coming days, and things it
    must not show."""
    soon = today + timedelta(days=3)
    show = make_show("Heartstopper", premiere_date=today + timedelta(days=5))
    Season.objects.create(show=show, number=1, release_date=today + timedelta(days=5))
    Season.objects.create(
        show=show, number=4, release_date=soon, announced_on=today + timedelta(days=1)
    )
    other = make_show("Sex Education", premiere_date=today + timedelta(days=2))
    return {
        "show": show,
        "other": other,
        "scheduled": make_article(headline="Scheduled story", publish_at=at(soon, 10)),
        "published": make_article(
            headline="Published story",
            publish_at=timezone.now() - timedelta(minutes=5),
        ),
        "review": make_article(
            headline="Review story", status=Status.REVIEW, target_date=soon
        ),
        "draft": make_article(
            headline="Planned draft", status=Status.DRAFT, target_date=soon
        ),
        "undated": make_article(headline="Undated review", status=Status.REVIEW),
        "far": make_article(
            headline="Next year", publish_at=timezone.now() + timedelta(days=400)
        ),
    }


def titles(found):
    return {entry.title for entry in found}


class TestContents:
    def test_stories_and_show_dates_in_range(self, desk_month, today):
        start, end = today - timedelta(days=1), today + timedelta(days=10)
        found = calendar.entries(start, end)
        kinds = {entry.title: entry.kind for entry in found}
        assert kinds["Scheduled story"] == "scheduled"
        assert kinds["Published story"] == "published"
        assert kinds["Review story"] == "review"
        assert kinds["Planned draft"] == "draft"
        assert kinds["Heartstopper season 4 premieres"] == "premiere"
        assert kinds["Heartstopper renewed for season 4"] == "renewal"
        assert kinds["Sex Education premieres"] == "premiere"
        # Season 1 marks Heartstopper's premiere once, not twice.
        assert "Heartstopper premieres" not in kinds
        assert "Heartstopper season 1 premieres" in kinds
        assert "Undated review" not in kinds and "Next year" not in kinds

    def test_entries_fall_on_their_days_in_order(self, desk_month, today):
        soon = today + timedelta(days=3)
        days = calendar.by_day(calendar.entries(soon, soon + timedelta(days=1)))
        assert [entry.title for entry in days[soon]] == [
            "Heartstopper season 4 premieres",
            "Planned draft",
            "Review story",
            "Scheduled story",  # timed entries after the all-day ones
        ]

    def test_filters(self, desk_month, today):
        start, end = today - timedelta(days=1), today + timedelta(days=10)
        topic = make_topic("Netflix")
        desk_month["review"].topics.add(topic)
        desk_month["scheduled"].shows.add(desk_month["show"])
        writer = desk_month["draft"].authors.get()

        by_topic = titles(calendar.entries(start, end, topic=topic))
        assert "Review story" in by_topic and "Scheduled story" not in by_topic
        assert "Sex Education premieres" in by_topic  # show dates stay

        by_show = titles(calendar.entries(start, end, show=desk_month["show"]))
        assert by_show == {
            "Scheduled story",
            "Heartstopper season 1 premieres",
            "Heartstopper season 4 premieres",
            "Heartstopper renewed for season 4",
        }
        by_writer = titles(calendar.entries(start, end, writer=writer, what="stories"))
        assert by_writer == {"Planned draft"}

    def test_month_and_week_ranges(self):
        assert calendar.month_range(date(2026, 12, 15)) == (
            date(2026, 11, 30),
            date(2027, 1, 4),
        )
        assert calendar.week_range(date(2026, 12, 3)) == (
            date(2026, 11, 30),
            date(2026, 12, 7),
        )


class TestPage:
    def test_month_view_lists_everything_with_links(self, editor, desk_month, today):
        response = editor.get(CALENDAR, {"date": today.isoformat()})
        assert response.status_code == 200
        text = response.text
        for title in ["Scheduled story", "Review story", "Planned draft"]:
            assert title in text
        article = desk_month["scheduled"]
        assert f"/admin/articles/article/{article.pk}/change/" in text
        assert "Reschedule" in text

    def test_week_view(self, editor, desk_month, today):
        soon = today + timedelta(days=3)
        response = editor.get(CALENDAR, {"view": "week", "date": soon.isoformat()})
        assert "Week of" in response.text
        assert "Scheduled story" in response.text

    def test_filters_by_topic_show_and_writer_through_the_page(
        self, editor, desk_month, today
    ):
        topic = make_topic("Netflix")
        desk_month["review"].topics.add(topic)
        response = editor.get(
            CALENDAR,
            {"date": today.isoformat(), "topic": "netflix", "what": "stories"},
        )
        assert "Review story" in response.text
        assert "Scheduled story" not in response.text
        assert "Sex Education premieres" not in response.text

    @pytest.mark.parametrize(
        "query",
        [
            {"view": "year"},
            {"date": "31-02-2026"},
            {"date": "9999-99-99"},
            {"topic": "no-such-topic"},
            {"show": "\x00"},
            {"writer": "x" * 500},
            {"what": "everything"},
        ],
    )
    def test_bad_filters_are_left_out_not_a_500(self, editor, query):
        response = editor.get(CALENDAR, query)
        assert response.status_code == 200

    def test_writers_see_it_without_rescheduling(self, writer, desk_month, today):
        response = writer.get(CALENDAR, {"date": today.isoformat()})
        assert response.status_code == 200
        assert "Scheduled story" in response.text
        assert "Reschedule" not in response.text

    def test_readers_are_sent_to_login(self, client):
        client.force_login(make_user())
        assert client.get(CALENDAR).status_code == 302

    @pytest.mark.parametrize("n", [1, 8])
    def test_query_count_is_fixed(
        self, editor, today, n, django_assert_max_num_queries
    ):
        for i in range(n):
            show = make_show(f"Show {i}", premiere_date=today)
            Season.objects.create(show=show, number=2, release_date=today)
            make_article(
                status=Status.REVIEW, target_date=today, n_authors=2, n_topics=2
            )
            make_article(publish_at=at(today, 23))
        with django_assert_max_num_queries(16):
            response = editor.get(CALENDAR, {"date": today.isoformat()})
        assert response.text.count('class="desk-entry desk-entry--review"') == n


class TestReschedule:
    def url(self, article):
        return f"/admin/articles/article/calendar/{article.pk}/reschedule/"

    def move(self, client, article, when, version=None):
        return client.post(
            self.url(article),
            {
                "when": when,
                "version": services.version_token(article)
                if version is None
                else version,
                "back": "view=week&date=2026-12-01",
            },
        )

    def test_editor_moves_a_scheduled_story(self, editor, desk_month, today):
        article = desk_month["scheduled"]
        new = today + timedelta(days=6)
        response = self.move(editor, article, f"{new.isoformat()}T07:30")
        assert response.status_code == 302
        assert response["Location"] == f"{CALENDAR}?view=week&date=2026-12-01"
        article.refresh_from_db()
        assert timezone.localtime(article.publish_at) == at(new, 7).replace(minute=30)
        assert article.status == Status.PUBLISHED and article.is_scheduled
        version = Version.objects.get_for_object(article).get()
        assert version.revision.user == editor.user
        assert "Rescheduled" in version.revision.comment

    def test_a_planned_story_gets_a_new_target_date(self, editor, desk_month, today):
        article = desk_month["review"]
        new = today + timedelta(days=9)
        self.move(editor, article, new.isoformat())
        article.refresh_from_db()
        assert article.target_date == new
        assert article.status == Status.REVIEW  # moving never publishes

    def test_a_time_in_the_past_is_refused(self, editor, desk_month, today):
        article = desk_month["scheduled"]
        before = article.publish_at
        response = self.move(editor, article, "2020-01-01T10:00")
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.publish_at == before
        followed = editor.get(response["Location"])
        assert "Pick a time in the future" in followed.text

    def test_a_live_story_stays_where_it_is(self, editor, desk_month, today):
        article = desk_month["published"]
        before = article.publish_at
        self.move(editor, article, f"{(today + timedelta(days=2)).isoformat()}T10:00")
        article.refresh_from_db()
        assert article.publish_at == before and article.is_published

    def test_a_story_changed_since_the_calendar_loaded_is_not_moved(
        self, editor, desk_month, today
    ):
        article = desk_month["scheduled"]
        stale = services.version_token(article)
        article.headline = "Edited meanwhile"
        article.save()
        before = article.publish_at
        response = self.move(
            editor, article, f"{(today + timedelta(days=8)).isoformat()}T10:00", stale
        )
        article.refresh_from_db()
        assert article.publish_at == before
        assert (
            "changed after the calendar was loaded"
            in editor.get(response["Location"]).text
        )

    def test_writers_cannot_reschedule(self, writer, desk_month, today):
        article = desk_month["scheduled"]
        before = article.publish_at
        response = self.move(writer, article, f"{today.isoformat()}T23:59")
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.publish_at == before

    @pytest.mark.parametrize("when", ["", "tomorrow", "2026-13-01T10:00", "\x00"])
    def test_bad_times_are_a_message_not_a_500(self, editor, desk_month, when):
        article = desk_month["scheduled"]
        before = article.publish_at
        response = self.move(editor, article, when)
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.publish_at == before

    def test_service_refuses_writers(self, writer, desk_month, today):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.reschedule(
                article=desk_month["review"], by=writer.user, when=today
            )


class TestICalendarFeed:
    def feed_url(self, client):
        client.get(CALENDAR)
        feed = CalendarFeed.objects.get(user=client.user)
        return f"/desk/calendar/{feed.token}.ics"

    def test_the_feed_parses_and_lists_the_calendar(
        self, client, editor, desk_month, today
    ):
        url = self.feed_url(editor)
        response = client.get(url)  # a calendar app: no cookies
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert "no-store" in response["Cache-Control"]
        parsed = icalendar.Calendar.from_ical(response.content)
        events = {str(event["summary"]): event for event in parsed.walk("VEVENT")}
        scheduled = events["Scheduled: Scheduled story"]
        assert scheduled.decoded("dtstart") == desk_month["scheduled"].publish_at
        assert str(scheduled["url"]).endswith(
            f"/admin/articles/article/{desk_month['scheduled'].pk}/change/"
        )
        review = events["In review: Review story"]
        assert review.decoded("dtstart") == today + timedelta(days=3)
        assert "Renewal: Heartstopper renewed for season 4" in events
        assert "Published: Next year" not in events  # beyond the feed's window
        assert len({str(event["uid"]) for event in events.values()}) == len(events)

    def test_filters_carry_into_the_feed(self, client, editor, desk_month):
        url = self.feed_url(editor)
        response = client.get(url, {"what": "stories", "show": "heartstopper"})
        parsed = icalendar.Calendar.from_ical(response.content)
        assert parsed.walk("VEVENT") == []

    def test_reset_kills_the_old_link(self, client, editor, desk_month):
        old = self.feed_url(editor)
        assert client.get(old).status_code == 200
        response = editor.post(
            "/admin/articles/article/calendar/link/reset/", {"back": ""}
        )
        assert response.status_code == 302
        new = f"/desk/calendar/{CalendarFeed.objects.get(user=editor.user).token}.ics"
        assert new != old
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200

    def test_reset_needs_post_and_staff(self, client, editor):
        assert (
            editor.get("/admin/articles/article/calendar/link/reset/").status_code
            == 405
        )
        client.force_login(make_user())
        response = client.post("/admin/articles/article/calendar/link/reset/")
        assert response.status_code == 302  # to the login page
        assert not CalendarFeed.objects.exists()

    def test_a_former_staff_members_link_stops(self, client, editor):
        url = self.feed_url(editor)
        editor.user.is_staff = False
        editor.user.save()
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("token", ["nope", "a" * 43, "%00"])
    def test_unknown_tokens_are_404(self, client, token):
        assert client.get(f"/desk/calendar/{token}.ics").status_code == 404

    def test_each_staff_member_has_their_own_link(self, editor, writer):
        assert self.feed_url(editor) != self.feed_url(writer)

    @pytest.mark.parametrize("n", [1, 8])
    def test_query_count_is_fixed(
        self, client, editor, today, n, django_assert_max_num_queries
    ):
        url = self.feed_url(editor)
        for _ in range(n):
            make_article(status=Status.REVIEW, target_date=today, n_authors=2)
        with django_assert_max_num_queries(6):
            response = client.get(url)
        events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert len(events) == n

    def test_never_shared_through_the_page_cache(self, client, editor, settings):
        settings.CACHE_MIDDLEWARE_SECONDS = 60
        url = self.feed_url(editor)
        assert client.get(url).status_code == 200
        CalendarFeed.objects.get(user=editor.user).reset()
        assert client.get(url).status_code == 404


def test_reschedule_keeps_other_fields(editor, desk_month, today):
    article = desk_month["review"]
    article.headline = "Kept headline"
    article.save()
    services.reschedule(article=article, by=editor.user, when=today)
    assert Article.objects.get(pk=article.pk).headline == "Kept headline"


def test_the_demo_newsroom_puts_its_story_in_review_on_the_calendar(today):
    call_command("seed_demo", stdout=io.StringIO())
    found = calendar.entries(today, today + timedelta(days=7), what="stories")
    planned = [entry for entry in found if entry.kind == "review"]
    assert [entry.day for entry in planned] == [today + timedelta(days=3)]
    renewals = calendar.entries(date(2022, 5, 1), date(2022, 6, 1))
    assert [entry.title for entry in renewals] == [
        "Heartstopper renewed for season 2",
        "Heartstopper renewed for season 3",
    ]


def test_episode_air_dates_once_the_shows_app_has_episodes(today):
    """Episodes come from shows.Episode when it exists (the formats work adds it)."""
    try:
        episode_model = apps.get_model("shows", "Episode")
    except LookupError:
        assert calendar.episode_dates(today, today + timedelta(days=1)) == []
        return
    show = make_show("Heartstopper")
    season = Season.objects.create(show=show, number=2)
    episode_model.objects.create(
        season=season, number=3, title="Truth", first_aired=today
    )
    found = calendar.entries(today, today + timedelta(days=1), show=show)
    assert [(entry.kind, entry.title) for entry in found] == [
        ("episode", "Heartstopper S2E3: Truth")
    ]
