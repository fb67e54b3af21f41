"""Story reminders: subscribing, who is notified, delivery, removal, the control.

Delivery goes to a local push service on 127.0.0.1 (tests/receivers.py) that
verifies the VAPID signature and decrypts each payload with the subscription's
keys, as a browser vendor's push service and the browser would.
"""

import io
import json
import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles import publication, services
from articles.models import Article, Status
from reminders import checks, vapid
from reminders.models import Notification, Subscription
from tests.factories import make_article, make_show, make_topic, make_user
from tests.receivers import Browser, PushService, b64url

pytestmark = pytest.mark.django_db

SUBJECT = "mailto:desk@example.com"
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture
def keys(settings):
    pair = vapid.KeyPair.generate()
    settings.VAPID_PUBLIC_KEY = pair.public
    settings.VAPID_PRIVATE_KEY = pair.private
    settings.VAPID_SUBJECT = SUBJECT
    return pair


@pytest.fixture
def push_service(settings, keys):
    service = PushService(vapid_public_key=keys.public, subject=SUBJECT)
    settings.PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    yield service
    service.close()


def browser(endpoint="https://fcm.googleapis.com/fcm/send/abc123"):
    return Browser(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def post(client, url, data, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def subscribe(client, sub, shows=(), topics=(), **extra):
    payload = {
        "subscription": sub.subscription_json(),
        "shows": list(shows),
        "topics": list(topics),
    }
    return post(client, "/reminders/subscribe/", payload, **{**SAME_ORIGIN, **extra})


@pytest.fixture
def heartstopper():
    return make_show("Heartstopper")


@pytest.fixture
def netflix():
    return make_topic("Netflix")


class TestSubscribe:
    def test_a_new_subscription_is_stored_with_its_follows(
        self, client, keys, heartstopper, netflix
    ):
        sub = browser()
        response = subscribe(client, sub, ["heartstopper"], ["netflix"])
        assert response.status_code == 201
        assert response.json() == {"shows": ["heartstopper"], "topics": ["netflix"]}
        stored = Subscription.objects.get()
        assert stored.endpoint == sub.endpoint
        assert stored.p256dh == sub.p256dh
        assert list(stored.shows.all()) == [heartstopper]
        assert list(stored.topics.all()) == [netflix]
        assert response["Cache-Control"].startswith("max-age=0")

    def test_the_same_endpoint_again_updates_and_replaces_the_follows(
        self, client, keys, heartstopper, netflix
    ):
        sub = browser()
        subscribe(client, sub, ["heartstopper"])
        response = subscribe(client, sub, [], ["netflix"])
        assert response.status_code == 200
        stored = Subscription.objects.get()
        assert list(stored.shows.all()) == []
        assert list(stored.topics.all()) == [netflix]

    @pytest.mark.parametrize(
        ("shows", "topics", "message"),
        [
            (["no-such-show"], [], "There is no no-such-show to follow."),
            ([], ["heartstopper"], "There is no heartstopper to follow."),
            ([], [], "Choose a show or topic to follow (or unsubscribe)."),
            (["heartstopper"] * 51, [], "Follow at most 50 at once."),
        ],
    )
    def test_unknown_or_missing_follows_are_refused_and_nothing_is_stored(
        self, client, keys, heartstopper, shows, topics, message
    ):
        response = subscribe(client, browser(), shows, topics)
        assert response.status_code == 400
        assert response.json()["error"] == message
        assert not Subscription.objects.exists()

    @pytest.mark.parametrize(
        ("keys_json", "message"),
        [
            ({"p256dh": "not-a-key", "auth": b64url(os.urandom(16))}, "p256dh"),
            ({"p256dh": b64url(b"\x04" + bytes(64)), "auth": "x"}, "p256dh"),
            ({"auth": b64url(os.urandom(16))}, "p256dh"),
            ({"p256dh": browser().p256dh, "auth": b64url(os.urandom(8))}, "auth"),
            ({"p256dh": browser().p256dh, "auth": "!!!!"}, "auth"),
        ],
    )
    def test_malformed_keys_are_refused(
        self, client, keys, heartstopper, keys_json, message
    ):
        payload = {
            "subscription": {
                "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
                "keys": keys_json,
            },
            "shows": ["heartstopper"],
        }
        response = post(client, "/reminders/subscribe/", payload, **SAME_ORIGIN)
        assert response.status_code == 400
        assert message in response.json()["error"]
        assert not Subscription.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            "{not json",
            "[]",
            '"a string"',
            b"\xff\xfe\x00garbage",
            "[" * 5000 + "]" * 5000,
            '{"subscription": "x"}',
            '{"subscription": {"endpoint": 5, "keys": {}}}',
            '{"subscription": {"endpoint": "https://fcm.googleapis.com/x"}}',
            json.dumps({"subscription": {}, "shows": "heartstopper"}),
            json.dumps({"subscription": {}, "shows": [{"$gt": ""}]}),
            json.dumps({"subscription": {}, "shows": [["nested"]]}),
            "1" * 5000,
        ],
    )
    def test_bad_json_gets_400_with_a_message(self, client, keys, body):
        response = post(client, "/reminders/subscribe/", body, **SAME_ORIGIN)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_null_bytes_in_slugs_are_refused(self, client, keys):
        response = subscribe(client, browser(), ["heart\x00stopper"])
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "endpoint",
        [
            "https://evil.example/push/1",
            "http://fcm.googleapis.com/fcm/send/abc",  # not HTTPS
            "https://fcm.googleapis.com@evil.example/fcm",  # userinfo trick
            "https://fcm.googleapis.com.evil.example/fcm",
            "https://127.0.0.1/push",
            "https://169.254.169.254/latest/meta-data",
            "https://notify.windows.com.evil.example/w",
            "ftp://fcm.googleapis.com/x",
            "https://[::1]/push",
            "https://fcm.googleapis.com:99999/x",
            "not a url",
            "https://fcm.googleapis.com/" + "a" * 1000,
        ],
    )
    def test_endpoints_off_the_known_push_services_are_refused(
        self, client, keys, heartstopper, endpoint
    ):
        response = subscribe(client, browser(endpoint), ["heartstopper"])
        assert response.status_code == 400
        assert not Subscription.objects.exists()

    @pytest.mark.parametrize(
        "endpoint",
        [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/abc",
            "https://web.push.apple.com/QGx0",
            "https://wns2-par02p.notify.windows.com/w/?token=abc",
        ],
    )
    def test_the_big_push_services_are_accepted(
        self, client, keys, heartstopper, endpoint
    ):
        assert subscribe(client, browser(endpoint), ["heartstopper"]).status_code == 201

    def test_push_service_hosts_adds_hosts(self, client, keys, settings, heartstopper):
        sub = browser("https://push.example.net/p/1")
        assert subscribe(client, sub, ["heartstopper"]).status_code == 400
        settings.PUSH_SERVICE_HOSTS = ["push.example.net"]
        assert subscribe(client, sub, ["heartstopper"]).status_code == 201

    def test_plain_http_only_for_a_listed_service_on_this_machine(
        self, client, keys, settings, heartstopper
    ):
        settings.PUSH_SERVICE_HOSTS = ["127.0.0.1", "push.example.net"]
        local = browser("http://127.0.0.1:9/push/1")
        remote = browser("http://push.example.net/push/1")
        assert subscribe(client, local, ["heartstopper"]).status_code == 201
        assert subscribe(client, remote, ["heartstopper"]).status_code == 400

    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_SEC_FETCH_SITE": "cross-site"},
            {"HTTP_ORIGIN": "https://evil.example"},
            {},
        ],
    )
    def test_other_sites_are_refused(self, client, keys, heartstopper, headers):
        payload = {"subscription": browser().subscription_json(), "shows": ["x"]}
        response = post(client, "/reminders/subscribe/", payload, **headers)
        assert response.status_code == 403
        assert not Subscription.objects.exists()

    def test_a_body_over_16_kb_is_refused_before_it_is_read(self, client, keys):
        body = json.dumps({"padding": "x" * 17000})
        response = post(client, "/reminders/subscribe/", body, **SAME_ORIGIN)
        assert response.status_code == 413

    def test_a_bogus_content_length_is_refused_unread(self, rf, keys):
        from reminders.views import subscribe as view

        request = rf.post(
            "/reminders/subscribe/",
            "x" * 20000,
            content_type="application/json",
            **SAME_ORIGIN,
        )
        request.META["CONTENT_LENGTH"] = "bogus"
        assert view(request).status_code == 400

    def test_more_than_the_declared_length_is_never_read(self, rf, keys):
        """A body longer than its Content-Length: only the declared bytes are read
        (all 20,000 would be a 413; the first 50 are simply not JSON)."""
        from reminders.views import subscribe as view

        request = rf.post(
            "/reminders/subscribe/",
            "x" * 20000,
            content_type="application/json",
            CONTENT_LENGTH="50",
            **SAME_ORIGIN,
        )
        assert view(request).status_code == 400

    def test_more_than_20_a_minute_from_one_address_get_429(
        self, client, keys, heartstopper
    ):
        statuses = [
            subscribe(
                client, browser(f"https://fcm.googleapis.com/{n}"), ["heartstopper"]
            ).status_code
            for n in range(21)
        ]
        assert statuses[:20] == [201] * 20
        assert statuses[20] == 429

    def test_only_post(self, client, keys):
        assert client.get("/reminders/subscribe/").status_code == 405

    def test_no_reminders_without_vapid_keys(self, client, heartstopper):
        response = subscribe(client, browser(), ["heartstopper"])
        assert response.status_code == 404


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "subscription",
                        "endpoint",
                        "keys",
                        "p256dh",
                        "auth",
                        "shows",
                        "topics",
                    ]
                )
                | st.text(max_size=8),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_gets_an_answer_never_a_500(client, keys, payload):
    cache.clear()  # no rate limit across examples
    response = post(client, "/reminders/subscribe/", payload, **SAME_ORIGIN)
    assert response.status_code in (200, 201, 400)
    response = post(client, "/reminders/unsubscribe/", payload, **SAME_ORIGIN)
    assert response.status_code in (204, 400)


class TestUnsubscribe:
    def test_unsubscribing_forgets_the_subscription(self, client, keys, heartstopper):
        sub = browser()
        subscribe(client, sub, ["heartstopper"])
        response = post(
            client, "/reminders/unsubscribe/", {"endpoint": sub.endpoint}, **SAME_ORIGIN
        )
        assert response.status_code == 204
        assert not Subscription.objects.exists()

    def test_an_unknown_endpoint_is_204_too(self, client, keys):
        response = post(
            client, "/reminders/unsubscribe/", {"endpoint": "x"}, **SAME_ORIGIN
        )
        assert response.status_code == 204

    @pytest.mark.parametrize("body", ["{}", '{"endpoint": ["x"]}', "nope"])
    def test_bad_bodies_get_400(self, client, keys, body):
        response = post(client, "/reminders/unsubscribe/", body, **SAME_ORIGIN)
        assert response.status_code == 400

    def test_other_sites_cannot_unsubscribe_anyone(self, client, keys, heartstopper):
        sub = browser()
        subscribe(client, sub, ["heartstopper"])
        response = post(
            client,
            "/reminders/unsubscribe/",
            {"endpoint": sub.endpoint},
            HTTP_SEC_FETCH_SITE="cross-site",
        )
        assert response.status_code == 403
        assert Subscription.objects.exists()


def follow(push_service, *, shows=(), topics=()):
    """A browser of the local push service, subscribed to these shows and topics."""
    sub = push_service.subscribe()
    stored = Subscription.objects.create(
        endpoint=sub.endpoint, p256dh=sub.p256dh, auth=b64url(sub.auth)
    )
    stored.shows.set(shows)
    stored.topics.set(topics)
    return sub, stored


def go_live(capture, **fields):
    with capture(execute=True):
        return make_article(**fields)


class TestWhoIsNotified:
    def test_followers_of_a_show_or_topic_get_one_notification_each(
        self, push_service, heartstopper, netflix, django_capture_on_commit_callbacks
    ):
        by_show, _ = follow(push_service, shows=[heartstopper])
        by_both, _ = follow(push_service, shows=[heartstopper], topics=[netflix])
        by_topic, _ = follow(push_service, topics=[netflix])
        follow(push_service, topics=[make_topic("Drama")])  # follows something else
        article = go_live(
            django_capture_on_commit_callbacks, shows=[heartstopper], topics=[netflix]
        )
        assert push_service.errors == []
        delivered_to = sorted(path for path, _payload in push_service.delivered)
        expected = [by_show, by_both, by_topic]
        assert delivered_to == sorted(
            s.endpoint.split(push_service.url)[1] for s in expected
        )
        assert (
            Notification.objects.filter(
                article=article, status=Notification.Status.SENT
            ).count()
            == 3
        )

    def test_drafts_and_scheduled_stories_notify_no_one(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        follow(push_service, shows=[heartstopper])
        go_live(
            django_capture_on_commit_callbacks,
            status=Status.DRAFT,
            shows=[heartstopper],
        )
        go_live(
            django_capture_on_commit_callbacks,
            publish_at=timezone.now() + timedelta(hours=1),
            shows=[heartstopper],
        )
        assert push_service.requests == []
        assert not Notification.objects.exists()

    def test_a_scheduled_story_notifies_when_its_time_comes(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        follow(push_service, shows=[heartstopper])
        article = go_live(
            django_capture_on_commit_callbacks,
            publish_at=timezone.now() + timedelta(hours=1),
            shows=[heartstopper],
        )
        Article.objects.filter(pk=article.pk).update(
            publish_at=timezone.now() - timedelta(seconds=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            publication.announce_due()
        assert len(push_service.delivered) == 1

    def test_an_edited_rescheduled_or_republished_story_is_not_sent_twice(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        editor = make_user("editor")
        follow(push_service, shows=[heartstopper])
        article = go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        with django_capture_on_commit_callbacks(execute=True):
            article.headline = "Updated headline"
            article.save()
            services.article_unpublish(article=article, by=editor)
            services.article_publish(article=article, by=editor)
        with django_capture_on_commit_callbacks(execute=True):
            publication.announce_due()
        assert len(push_service.delivered) == 1

    def test_the_same_story_queued_twice_is_sent_once(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        from reminders.tasks import notify_followers

        follow(push_service, shows=[heartstopper])
        article = go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        notify_followers.enqueue(article_id=article.pk)
        assert len(push_service.delivered) == 1
        assert Notification.objects.count() == 1

    def test_a_story_taken_down_before_sending_is_not_sent(
        self, push_service, heartstopper
    ):
        from reminders.tasks import send_reminder

        _, stored = follow(push_service, shows=[heartstopper])
        article = make_article(status=Status.DRAFT, shows=[heartstopper])
        notification = Notification.objects.create(article=article, subscription=stored)
        assert send_reminder.call(notification_id=notification.pk) == "withdrawn"
        assert push_service.requests == []


class TestDelivery:
    def test_the_push_is_encrypted_for_the_browser_and_signed_with_our_key(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        follow(push_service, shows=[heartstopper])
        article = go_live(
            django_capture_on_commit_callbacks,
            headline="Heartstopper renewed for two more seasons",
            standfirst="Your prayers have been answered.",
            shows=[heartstopper],
            hero=True,
        )
        assert push_service.errors == []
        [(_path, payload)] = push_service.delivered
        assert payload["title"] == "Heartstopper renewed for two more seasons"
        assert payload["body"] == "Your prayers have been answered."
        assert payload["url"] == f"http://testserver{article.get_absolute_url()}"
        assert payload["tag"] == f"story-{article.pk}"
        assert payload["icon"].startswith("http://testserver/media/")
        assert payload["icon"].endswith(".jpg")
        [request] = push_service.requests
        assert request.headers["topic"] == f"story-{article.pk}"
        assert int(request.headers["ttl"]) > 0

    def test_a_push_signed_with_another_key_is_caught_by_the_test_service(
        self, push_service, settings, heartstopper, django_capture_on_commit_callbacks
    ):
        """The local service really checks the signature."""
        other = vapid.KeyPair.generate()
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = (
            other.public,
            other.private,
        )
        follow(push_service, shows=[heartstopper])
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert push_service.delivered == []
        assert push_service.errors == ["BadPush: the push is signed with another key"]
        assert Notification.objects.get().status == Notification.Status.FAILED

    def test_a_long_headline_and_standfirst_still_fit_in_one_push(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        follow(push_service, shows=[heartstopper])
        go_live(
            django_capture_on_commit_callbacks,
            headline="ü" * 200,
            standfirst="😀" * 300,
            shows=[heartstopper],
        )
        assert push_service.errors == []
        assert len(push_service.requests[0].body) <= 4096

    @pytest.mark.parametrize("status", [404, 410])
    def test_a_gone_subscription_is_removed(
        self, push_service, heartstopper, status, django_capture_on_commit_callbacks
    ):
        sub, _ = follow(push_service, shows=[heartstopper])
        push_service.answer(sub.endpoint.removeprefix(push_service.url), status)
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert not Subscription.objects.exists()
        notification = Notification.objects.get()
        assert notification.status == Notification.Status.GONE
        assert notification.subscription is None

    def test_a_failing_push_service_is_tried_three_times_then_recorded(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        sub, stored = follow(push_service, shows=[heartstopper])
        push_service.answer(
            sub.endpoint.removeprefix(push_service.url), 500, 503, 502, 500
        )
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert len(push_service.requests) == 3
        notification = Notification.objects.get()
        assert notification.status == Notification.Status.FAILED
        assert notification.attempts == 3
        assert notification.error.startswith("502")
        assert Subscription.objects.filter(pk=stored.pk).exists()

    def test_a_temporary_failure_then_success_is_sent(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        sub, _ = follow(push_service, shows=[heartstopper])
        push_service.answer(sub.endpoint.removeprefix(push_service.url), 429)
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert Notification.objects.get().status == Notification.Status.SENT
        assert len(push_service.delivered) == 1

    def test_a_refusal_is_recorded_and_not_retried(
        self, push_service, heartstopper, django_capture_on_commit_callbacks
    ):
        sub, _ = follow(push_service, shows=[heartstopper])
        push_service.answer(sub.endpoint.removeprefix(push_service.url), 403)
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert len(push_service.requests) == 1
        assert Notification.objects.get().status == Notification.Status.FAILED

    def test_an_unreachable_push_service_is_recorded(
        self, keys, settings, heartstopper, django_capture_on_commit_callbacks
    ):
        settings.PUSH_SERVICE_HOSTS = ["127.0.0.1"]
        sub = browser("http://127.0.0.1:9/push/unreachable")
        stored = Subscription.objects.create(
            endpoint=sub.endpoint, p256dh=sub.p256dh, auth=b64url(sub.auth)
        )
        stored.shows.add(heartstopper)
        go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        notification = Notification.objects.get()
        assert notification.status == Notification.Status.FAILED
        assert "ConnectionError" in notification.error

    def test_an_unexpected_error_never_leaves_a_notification_sending(
        self, push_service, heartstopper, monkeypatch
    ):
        from reminders import push
        from reminders.tasks import send_reminder

        def broken(*args, **kwargs):
            raise RuntimeError("bug")

        monkeypatch.setattr(push, "send", broken)
        _, stored = follow(push_service, shows=[heartstopper])
        article = make_article(shows=[heartstopper])
        notification = Notification.objects.create(article=article, subscription=stored)
        with pytest.raises(RuntimeError):
            send_reminder.call(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert "bug" in notification.error

    def test_a_subscription_gets_at_most_the_hourly_number(
        self, push_service, settings, heartstopper, django_capture_on_commit_callbacks
    ):
        settings.REMINDERS_PER_HOUR = 2
        follow(push_service, shows=[heartstopper])
        for _ in range(3):
            go_live(django_capture_on_commit_callbacks, shows=[heartstopper])
        assert len(push_service.delivered) == 2
        statuses = sorted(Notification.objects.values_list("status", flat=True))
        assert statuses == ["sent", "sent", "throttled"]


class TestControl:
    def test_show_topic_and_article_pages_carry_the_control(
        self, client, keys, heartstopper, netflix
    ):
        article = make_article(shows=[heartstopper], topics=[netflix])
        for url in [
            "/shows/heartstopper/",
            "/topics/netflix/",
            article.get_absolute_url(),
        ]:
            html = client.get(url).content.decode()
            assert f'data-key="{keys.public}"' in html, url
            assert (
                'data-kind="show" data-slug="heartstopper"' in html or "topics" in url
            )
            assert "js/reminders.js" in html
        html = client.get(article.get_absolute_url()).content.decode()
        assert 'data-kind="topic" data-slug="netflix"' in html

    def test_the_pages_stay_the_same_for_every_reader_and_cacheable(
        self, client, keys, heartstopper
    ):
        first = client.get("/shows/heartstopper/")
        assert "public" in first["Cache-Control"]
        assert not first.cookies
        assert first.content == client.get("/shows/heartstopper/").content

    def test_no_control_without_keys(self, client, heartstopper):
        assert b"data-reminders" not in client.get("/shows/heartstopper/").content

    def test_no_control_on_a_draft(self, client, keys, heartstopper):
        article = make_article(status=Status.DRAFT, shows=[heartstopper])
        client.force_login(make_user("editor"))
        assert b"data-reminders" not in client.get(article.get_absolute_url()).content

    @pytest.mark.parametrize("n", [1, 5])
    def test_the_control_costs_the_article_page_no_query(
        self, client, settings, n, django_assert_num_queries
    ):
        """It reads the shows and topics the page has prefetched already."""
        article = make_article(
            shows=[make_show() for _ in range(n)], n_topics=n, hero=True
        )
        with CaptureQueriesContext(connection) as without:
            assert (
                b"data-reminders" not in client.get(article.get_absolute_url()).content
            )
        pair = vapid.KeyPair.generate()
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = (
            pair.public,
            pair.private,
        )
        cache.clear()
        with django_assert_num_queries(len(without)):
            assert b"data-reminders" in client.get(article.get_absolute_url()).content

    def test_the_service_worker_is_served_from_the_root(
        self, client, django_assert_num_queries
    ):
        with django_assert_num_queries(0):
            response = client.get("/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/javascript; charset=utf-8"
        assert b'addEventListener("push"' in response.content
        assert b"showNotification" in response.content
        assert client.head("/sw.js").status_code == 200
        assert client.post("/sw.js").status_code == 405


class TestKeys:
    def test_vapid_keys_prints_a_working_pair(self):
        out = io.StringIO()
        call_command("vapid_keys", stdout=out)
        lines = dict(line.split("=", 1) for line in out.getvalue().split())
        pair = vapid.KeyPair(
            public=lines["VAPID_PUBLIC_KEY"], private=lines["VAPID_PRIVATE_KEY"]
        )
        assert pair.problem() is None
        assert len(vapid.b64url_decode(pair.public)) == 65

    def test_with_debug_and_no_keys_a_local_pair_is_made_and_kept(
        self, settings, tmp_path
    ):
        settings.DEBUG = True
        settings.VAPID_DEV_KEYS_FILE = tmp_path / "keys.json"
        vapid._dev_pair.cache_clear()
        first = vapid.keys()
        vapid._dev_pair.cache_clear()  # as a restarted server
        assert vapid.keys() == first
        assert first.problem() is None
        assert oct(settings.VAPID_DEV_KEYS_FILE.stat().st_mode & 0o777) == "0o600"

    def test_without_debug_no_keys_means_reminders_off(self, settings):
        assert vapid.keys() is None
        assert vapid.public_key() == ""

    def test_half_a_pair_turns_reminders_off_rather_than_break_pages(
        self, client, settings, heartstopper
    ):
        settings.VAPID_PUBLIC_KEY = vapid.KeyPair.generate().public
        response = client.get("/shows/heartstopper/")
        assert response.status_code == 200
        assert b"data-reminders" not in response.content

    @pytest.mark.parametrize(
        ("public", "private", "error"),
        [
            ("x", "", "reminders.E001"),
            ("", "y", "reminders.E001"),
            ("abc", "def", "reminders.E002"),
        ],
    )
    def test_a_broken_pair_is_a_system_check_error(
        self, settings, public, private, error
    ):
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
        assert [e.id for e in checks.vapid_keys_check(None)] == [error]

    def test_a_mismatched_pair_is_an_error(self, settings):
        one, other = vapid.KeyPair.generate(), vapid.KeyPair.generate()
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = (
            one.public,
            other.private,
        )
        [error] = checks.vapid_keys_check(None)
        assert "does not belong" in error.msg

    def test_a_good_pair_passes(self, keys):
        assert checks.vapid_keys_check(None) == []


class TestAdmin:
    @pytest.fixture
    def admin(self, client):
        client.force_login(make_user("admin"))
        return client

    @pytest.fixture
    def data(self, keys, heartstopper, netflix):
        for n in range(3):
            sub = browser(f"https://fcm.googleapis.com/fcm/send/secret-token-{n}")
            stored = Subscription.objects.create(
                endpoint=sub.endpoint, p256dh=sub.p256dh, auth=b64url(sub.auth)
            )
            stored.shows.add(heartstopper)
            stored.topics.add(netflix)
        article = make_article(shows=[heartstopper])
        subs = list(Subscription.objects.all())
        Notification.objects.create(
            article=article, subscription=subs[0], status=Notification.Status.SENT
        )
        Notification.objects.create(
            article=article,
            subscription=subs[1],
            status=Notification.Status.FAILED,
            error="403: forbidden",
        )
        return article

    def test_subscriptions_show_the_host_and_follows_never_the_keys(self, admin, data):
        response = admin.get("/admin/reminders/subscription/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "fcm.googleapis.com" in html
        assert "Heartstopper" in html and "Netflix" in html
        assert "secret-token" not in html
        for stored in Subscription.objects.all():
            assert stored.p256dh not in html and stored.auth not in html
            page = admin.get(f"/admin/reminders/subscription/{stored.pk}/change/")
            assert page.status_code == 200
            body = page.content.decode()
            assert "secret-token" not in body
            assert stored.p256dh not in body and stored.auth not in body

    def test_followers_per_show_and_topic(self, admin, data):
        shows = admin.get("/admin/reminders/followedshow/").content.decode()
        assert "Heartstopper" in shows and ">3<" in shows
        topics = admin.get("/admin/reminders/followedtopic/").content.decode()
        assert "Netflix" in topics and ">3<" in topics

    def test_notifications_per_story_with_failures(self, admin, data):
        html = admin.get("/admin/reminders/notifiedstory/").content.decode()
        assert data.headline in html
        assert ">1<" in html  # sent, failed
        failures = admin.get(
            f"/admin/reminders/notification/?article__id__exact={data.pk}&status=failed"
        ).content.decode()
        assert "403: forbidden" in failures

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/reminders/subscription/",
            "/admin/reminders/followedshow/",
            "/admin/reminders/followedtopic/",
            "/admin/reminders/notifiedstory/",
            "/admin/reminders/notification/",
        ],
    )
    def test_changelists_have_a_fixed_query_count(
        self, admin, data, url, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(10):
            assert admin.get(url).status_code == 200

    def test_subscriptions_cannot_be_added_by_hand(self, admin, keys):
        assert admin.get("/admin/reminders/subscription/add/").status_code == 403

    def test_editors_see_reminders_and_may_remove_a_subscription(self, client, data):
        client.force_login(make_user("editor"))
        assert client.get("/admin/reminders/notifiedstory/").status_code == 200
        stored = Subscription.objects.first()
        url = f"/admin/reminders/subscription/{stored.pk}/delete/"
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not Subscription.objects.filter(pk=stored.pk).exists()

    def test_writers_do_not_see_reminders(self, client, data):
        client.force_login(make_user("writer"))
        assert client.get("/admin/reminders/subscription/").status_code == 403
