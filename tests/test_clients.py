"""The client address behind proxies (core.clients) and the public POST body limit
(core.limits), as the rate limits and the login throttle use them."""

import io
import ipaddress

import pytest
from django.test import Client, RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.clients import _address, client_ip, ratelimit_key
from newsletter.models import Subscriber
from tests.factories import make_article

SIGNUP = {"email": "fan@example.com", "website": "", "source": "page"}
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


def request_with(xff=None, remote="10.0.0.1"):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


class TestClientIp:
    def test_without_trusted_proxies_the_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(request_with("198.51.100.7")) == "10.0.0.1"

    @pytest.mark.parametrize(
        ("count", "xff", "expected"),
        [
            (1, "203.0.113.5", "203.0.113.5"),
            # The client wrote the left entries; our one proxy appended the last.
            (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
            (2, "6.6.6.6, 203.0.113.5, 192.0.2.10", "203.0.113.5"),
            (1, "203.0.113.5:4711", "203.0.113.5"),
            (1, "[2001:db8::1]:443", "2001:db8::1"),
            (1, " , ,203.0.113.5", "203.0.113.5"),
        ],
    )
    def test_takes_the_right_most_hop_no_trusted_proxy_wrote(
        self, settings, count, xff, expected
    ):
        settings.TRUSTED_PROXY_COUNT = count
        assert client_ip(request_with(xff)) == expected

    @pytest.mark.parametrize("xff", [None, "", " , ", "not-an-address", "1.2.3"])
    def test_missing_or_malformed_header_falls_back_to_the_proxy(self, settings, xff):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(request_with(xff)) == "10.0.0.1"

    def test_a_header_shorter_than_the_proxy_chain_gives_its_farthest_hop(
        self, settings
    ):
        settings.TRUSTED_PROXY_COUNT = 3
        assert client_ip(request_with("203.0.113.5, 192.0.2.10")) == "203.0.113.5"

    def test_ipv6_clients_share_a_limit_per_64(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = request_with(remote="2001:db8:1:2:3:4:5:6")
        assert ratelimit_key("g", request) == "2001:db8:1:2::/64"

    @hypothesis_settings(max_examples=300, deadline=None)
    @given(
        header=st.one_of(
            st.text(max_size=200),
            st.lists(
                st.one_of(st.ip_addresses().map(str), st.text(max_size=20)),
                max_size=8,
            ).map(", ".join),
        ),
        count=st.integers(min_value=0, max_value=4),
    )
    def test_any_header_gives_an_address_or_the_proxy_never_an_error(
        self, header, count
    ):
        request = request_with(header)
        with override_settings(TRUSTED_PROXY_COUNT=count):
            address = client_ip(request)
            key = ratelimit_key("g", request)
        hops = {str(ipaddress.ip_address(address))} & {
            _address(hop) for hop in header.split(",")
        }
        assert address == "10.0.0.1" or (count and hops)
        assert key

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(
        chain=st.lists(st.ip_addresses().map(str), min_size=1, max_size=8),
        count=st.integers(min_value=1, max_value=8),
    )
    def test_with_a_well_formed_chain_it_is_the_nth_hop_from_the_right(
        self, chain, count
    ):
        request = request_with(", ".join(chain))
        with override_settings(TRUSTED_PROXY_COUNT=count):
            address = client_ip(request)
        assert address == (chain[-count] if len(chain) >= count else chain[0])


@pytest.mark.django_db
class TestRateLimitsBehindAProxy:
    """Every reader behind the load balancer must not share the proxy's bucket."""

    def test_signup_limit_counts_each_reader_not_the_proxy(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.NEWSLETTER_SIGNUP_RATE_PER_IP = "2/h"
        proxy = Client(REMOTE_ADDR="10.0.0.1")

        def signup(reader, n):
            return proxy.post(
                "/newsletter/",
                {**SIGNUP, "email": f"fan{n}@example.com"},
                HTTP_X_FORWARDED_FOR=reader,
                **SAME_ORIGIN,
            ).status_code

        assert [signup("203.0.113.1", n) for n in range(3)] == [302, 302, 429]
        assert signup("203.0.113.2", 4) == 302  # another reader, same proxy

    def test_a_client_cannot_rotate_its_bucket_by_forging_the_header(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.READS_RATE_PER_IP = "2/m"
        article = make_article()
        proxy = Client(REMOTE_ADDR="10.0.0.1")
        codes = [
            proxy.post(
                f"/reads/{article.pk}/",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.1",
                **SAME_ORIGIN,
            ).status_code
            for n in range(4)
        ]
        assert codes == [204, 204, 429, 429]

    @pytest.mark.parametrize("xff", ["", ",,,", "garbage, ,", "1.1.1.1, x" * 500])
    def test_odd_headers_never_give_a_500(self, settings, xff):
        settings.TRUSTED_PROXY_COUNT = 2
        response = Client(REMOTE_ADDR="10.0.0.1").post(
            "/newsletter/", SIGNUP, HTTP_X_FORWARDED_FOR=xff, **SAME_ORIGIN
        )
        assert response.status_code == 302


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


@pytest.mark.django_db
class TestPublicPostLimit:
    @pytest.fixture
    def article(self):
        return make_article()

    def endpoints(self, article):
        reader = Subscriber.objects.create(email="r@example.com", status="pending")
        return [
            "/newsletter/",
            f"/reads/{article.pk}/",
            reader.get_confirm_url(),
            reader.get_unsubscribe_url(),
        ]

    def test_big_bodies_are_refused_by_content_length_unread(self, client, article):
        for url in self.endpoints(article):
            response = client.post(
                url,
                "x",
                content_type="application/x-www-form-urlencoded",
                CONTENT_LENGTH="50000000",
                **{"wsgi.input": Unreadable()},
                **SAME_ORIGIN,
            )
            assert response.status_code == 413, url
        assert Subscriber.objects.get().status == "pending"

    def test_the_limit_is_a_setting(self, client, settings, article):
        settings.PUBLIC_POST_MAX_BYTES = 10
        response = client.post("/newsletter/", SIGNUP, **SAME_ORIGIN)
        assert response.status_code == 413
        assert not Subscriber.objects.exists()
        settings.PUBLIC_POST_MAX_BYTES = 10_000
        assert client.post("/newsletter/", SIGNUP, **SAME_ORIGIN).status_code == 302

    @pytest.mark.parametrize("length", ["-1", "12abc", "１２", "9" * 40])
    def test_malformed_or_absurd_content_length_is_refused(
        self, client, article, length
    ):
        response = client.post(
            "/newsletter/",
            "x",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=length,
            **{"wsgi.input": Unreadable()},
            **SAME_ORIGIN,
        )
        assert response.status_code in (400, 413)

    def test_normal_beacons_and_signups_pass(self, client, article):
        assert client.post(f"/reads/{article.pk}/", **SAME_ORIGIN).status_code == 204
        assert client.post("/newsletter/", SIGNUP, **SAME_ORIGIN).status_code == 302
